"""Which stored prices ranking may compare: only those in the marketplace's currency.

An offer priced in another currency (a Czech distributor's "599 CZK") is stored and shown
with its currency, but its amount is never set against SEK amounts: without a configured
rate table, ranking sees it as unpriced.
"""

from __future__ import annotations

from decimal import Decimal

MARKETPLACE_CURRENCY = "SEK"


def comparable_price(price: Decimal | None, currency: str | None) -> Decimal | None:
    """``price`` when it is in the marketplace's currency (or states none), else None."""
    if currency is None or currency == MARKETPLACE_CURRENCY:
        return price
    return None
