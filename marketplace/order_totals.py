"""What a clinic's invoice adds up to: each retailer order's amounts excluding and including VAT,
its delivery cost, and the grand total of a checkout across retailers. Pure functions.

An offer's price is VAT-included unless its feed said otherwise (``vat_included`` False), as
ranking compares prices (``ranking.factors``). Amounts are rounded to the öre per line, half
up, as an invoice rounds them. The delivery cost is the retailer's stated fee (excl. VAT),
nothing from its free-delivery threshold up; a retailer that states no fee has a delivery
cost that is *not stated* (``None``), which the totals say rather than count as zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SWEDISH_VAT = Decimal("0.25")
ZERO = Decimal("0.00")


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Amounts:
    """An amount excluding VAT, its VAT and the sum."""

    excl_vat: Decimal = ZERO
    vat: Decimal = ZERO

    @property
    def incl_vat(self) -> Decimal:
        return self.excl_vat + self.vat

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(self.excl_vat + other.excl_vat, self.vat + other.vat)


@dataclass(frozen=True, slots=True)
class LinePrice:
    """One line as bought: unit price, quantity and whether the price includes VAT."""

    unit_price: Decimal
    quantity: int
    vat_included: bool | None


def line_amounts(line: LinePrice, vat_rate: Decimal) -> Amounts:
    """A line's amounts (a price whose VAT basis is unknown counts as VAT-included)."""
    gross = _cents(line.unit_price * line.quantity)
    if line.vat_included is False:
        return Amounts(gross, _cents(gross * vat_rate))
    excl = _cents(gross / (1 + vat_rate))
    return Amounts(excl, gross - excl)


def delivery_cost(
    lines_excl_vat: Decimal, fee: Decimal | None, free_from: Decimal | None
) -> Decimal | None:
    """The delivery cost excl. VAT: nothing from the free-delivery threshold up, else the
    stated fee; None when the retailer states no fee (and the order is below any threshold)."""
    if free_from is not None and lines_excl_vat >= free_from:
        return ZERO
    return None if fee is None else _cents(fee)


@dataclass(frozen=True, slots=True)
class OrderAmounts:
    """A retailer order's amounts: its lines, its delivery and the total."""

    currency: str
    lines: Amounts
    delivery_excl_vat: Decimal | None  # None: not stated by the retailer

    def delivery(self, vat_rate: Decimal) -> Amounts:
        if self.delivery_excl_vat is None:
            return Amounts()
        return Amounts(self.delivery_excl_vat, _cents(self.delivery_excl_vat * vat_rate))

    def total(self, vat_rate: Decimal) -> Amounts:
        return self.lines + self.delivery(vat_rate)


def order_amounts(
    currency: str,
    lines: Iterable[LinePrice],
    vat_rate: Decimal,
    *,
    fee: Decimal | None = None,
    free_from: Decimal | None = None,
    delivery: Decimal | None = None,
    fixed_delivery: bool = False,
) -> OrderAmounts:
    """A retailer order's amounts; the delivery cost from the retailer's terms, or the one
    fixed at checkout (``fixed_delivery``, with ``delivery`` as stored)."""
    total = Amounts()
    for line in lines:
        total = total + line_amounts(line, vat_rate)
    cost = delivery if fixed_delivery else delivery_cost(total.excl_vat, fee, free_from)
    return OrderAmounts(currency, total, cost)


@dataclass(frozen=True, slots=True)
class GrandTotal:
    """A checkout's total across its retailer orders, per currency (orders in other currencies
    are never added to SEK), and whether some order's delivery cost is not stated."""

    by_currency: dict[str, Amounts]
    delivery_not_stated: bool


def grand_total(orders: Sequence[tuple[OrderAmounts, Decimal]]) -> GrandTotal:
    """The sum of ``(order amounts, its VAT rate)`` pairs."""
    by_currency: dict[str, Amounts] = {}
    for amounts, vat_rate in orders:
        by_currency[amounts.currency] = by_currency.get(amounts.currency, Amounts()) + (
            amounts.total(vat_rate)
        )
    missing = any(amounts.delivery_excl_vat is None for amounts, _ in orders)
    return GrandTotal(by_currency, missing)
