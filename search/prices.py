"""Which stored prices ranking may compare: those in the marketplace's currency, and those in
another currency the configured rate table converts.

An offer priced in another currency (a Czech distributor's "599 CZK") is stored and shown
with its currency. Without a rate for that currency its amount is never set against SEK
amounts: ranking sees it as unpriced. With one (``currency_rates`` in the settings, SEK per
unit, as of ``currency_rates_date``) it is compared by its SEK equivalent everywhere prices
are compared (price factor, price band, price range, price sort and filter), and the price
explanation shows the conversion (``ranking.price_basis.PriceConversion``).

The table is built once from the settings (:func:`rate_table`, by ``search.build`` for the
search service and by the indexer for the documents) and passed explicitly: no global state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from catalog.settings import Settings
from ranking.price_basis import PriceConversion, UncomparedPrice

MARKETPLACE_CURRENCY = "SEK"


@dataclass(frozen=True, slots=True)
class RateTable:
    """SEK per unit of other currencies, and the date the rates are as of."""

    rates: Mapping[str, Decimal] = field(default_factory=dict)
    as_of: date | None = None

    def rate(self, currency: str) -> Decimal | None:
        return self.rates.get(currency)

    def __bool__(self) -> bool:
        return bool(self.rates)


NO_RATES = RateTable()
"""No configured rates: only prices in the marketplace's currency compare."""


def rate_table(settings: Settings) -> RateTable:
    """The configured rate table (``currency_rates``, validated by the settings)."""
    if not settings.currency_rates:
        return NO_RATES
    return RateTable(dict(settings.currency_rates), settings.currency_rates_date)


def conversion(
    price: Decimal | None, currency: str | None, rates: RateTable = NO_RATES
) -> PriceConversion | None:
    """How ``price`` in ``currency`` converts to SEK, when the table has its rate."""
    if price is None or currency is None or currency == MARKETPLACE_CURRENCY:
        return None
    rate = rates.rate(currency)
    if rate is None:
        return None
    as_of = rates.as_of.isoformat() if rates.as_of is not None else ""
    return PriceConversion(price, currency, rate, as_of)


def comparable_price(
    price: Decimal | None, currency: str | None, rates: RateTable = NO_RATES
) -> Decimal | None:
    """``price`` when it is in the marketplace's currency (or states none), its SEK
    equivalent when ``rates`` has its currency's rate, else None (never compared)."""
    if currency is None or currency == MARKETPLACE_CURRENCY:
        return price
    rate = rates.rate(currency)
    if price is None or rate is None:
        return None
    return price * rate


def uncompared(
    price: Decimal | None, currency: str | None, rates: RateTable = NO_RATES
) -> UncomparedPrice | None:
    """``price`` in ``currency`` when it is stated but never compared: another currency
    than SEK that the table has no rate for (ranking explains it as ``price_no_rate``)."""
    if price is None or currency is None or currency == MARKETPLACE_CURRENCY:
        return None
    if rates.rate(currency) is not None:
        return None
    return UncomparedPrice(price, currency)
