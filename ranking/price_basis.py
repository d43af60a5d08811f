"""What an offer's price is measured against: the product's cheapest buyable offer and band.

An offer is *buyable* when a clinic can order it and get it: in stock (``in_stock``,
``limited``) or on backorder with a promised delivery date. An out-of-stock offer, one whose
status is unknown and a backorder without a date are not: they neither set the reference
price (a cheap offer nobody can buy must not make the others look dear) nor, in search, the
product's delivery time (``search.documents``).

Per product, :func:`price_basis` gives the reference the price factor divides by (the
cheapest buyable price; without any buyable priced offer, the cheapest price) and the price
band's ceiling: ``price.band`` times the median buyable price (the lower middle one for an
even count, so one dear offer cannot lift the band with it). See ``ranking.config`` 8.

An offer priced in another currency is compared only when the reader converted it (with a
configured rate table, ``search.prices``): its input then carries the SEK-equivalent price
and a :class:`PriceConversion`, which the price explanation shows. Ranking never reads rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import median_low
from typing import TYPE_CHECKING

from catalog.enums import StockStatus

if TYPE_CHECKING:
    from ranking.config import PriceScale

IN_STOCK_STATUSES = frozenset({StockStatus.IN_STOCK.value, StockStatus.LIMITED.value})
_BACKORDER = StockStatus.BACKORDER.value


def is_buyable(stock_status: str, delivery_days: int | None) -> bool:
    """In stock, or on backorder with a promised delivery time."""
    if stock_status in IN_STOCK_STATUSES:
        return True
    return stock_status == _BACKORDER and delivery_days is not None


@dataclass(frozen=True, slots=True)
class PriceConversion:
    """How an offer's price in another currency became the amount ranking compares."""

    amount: Decimal  # the offer's price as stated, in ``currency``
    currency: str  # ISO 4217 code of the offer's price
    rate: Decimal  # units of the compared currency per unit of ``currency``
    as_of: str = ""  # the date the rate is as of (ISO 8601), "" when not known

    def values(self) -> dict[str, str | float]:
        """The values the price explanation shows (``price_converted``)."""
        return {
            "original": float(self.amount),
            "original_currency": self.currency,
            "rate": str(self.rate),
            "rates_date": self.as_of,
        }


@dataclass(frozen=True, slots=True)
class UncomparedPrice:
    """An offer's stated price in a currency the rate table has no rate for: shown, never
    compared, and explained as such (``price_no_rate``), not as a missing price."""

    amount: Decimal  # the offer's price as stated, in ``currency``
    currency: str  # ISO 4217 code of the offer's price

    def values(self) -> dict[str, str | float]:
        """The values the ``price_no_rate`` explanation shows."""
        return {"original": float(self.amount), "original_currency": self.currency}


@dataclass(frozen=True, slots=True)
class PriceBasis:
    """The product's prices as the price factor sees them (gross, VAT included)."""

    low: float  # the cheapest price (0.0 without prices)
    high: float  # the dearest price
    priced: int  # offers with a price
    reference: float  # the cheapest buyable price, else ``low``
    buyable_reference: bool  # ``reference`` is a buyable offer's (and cheaper ones exist)
    median: float | None  # the median buyable price (None: no buyable priced offer)
    ceiling: float | None  # band * median: dearer offers lose their service points

    @property
    def flat(self) -> bool:
        """Price cannot tell the offers apart (one priced offer, or all prices equal)."""
        return self.priced <= 1 or self.high <= self.low

    def above_band(self, gross: float | None) -> bool:
        """``gross`` is dearer than the band allows."""
        return self.ceiling is not None and gross is not None and gross > self.ceiling


NO_PRICES = PriceBasis(0.0, 0.0, 0, 0.0, False, None, None)


def price_basis(
    grosses: Sequence[float | None], buyable: Sequence[bool], scale: PriceScale
) -> PriceBasis:
    """The basis of one product's offers (``grosses`` and ``buyable`` in offer order)."""
    priced = [gross for gross in grosses if gross is not None]
    if not priced:
        return NO_PRICES
    low, high = min(priced), max(priced)
    buyable_prices = sorted(
        gross for gross, ok in zip(grosses, buyable, strict=True) if ok and gross is not None
    )
    if not buyable_prices:
        return PriceBasis(low, high, len(priced), low, False, None, None)
    reference = buyable_prices[0]
    median = float(median_low(buyable_prices))
    ceiling = scale.band * median if scale.band > 0 and median > 0 else None
    return PriceBasis(low, high, len(priced), reference, reference > low, median, ceiling)


def price_factor(scale: PriceScale, gross: float, basis: PriceBasis) -> float:
    """The unbinned price factor of a priced offer: ``(reference / gross) ** steepness``,
    1.0 at or below the reference; 1.0 for every offer when price cannot tell them apart."""
    if basis.flat or gross <= basis.reference:
        return 1.0
    if basis.reference <= 0:
        return 0.0  # dearer than a free offer
    return float((basis.reference / gross) ** scale.steepness)
