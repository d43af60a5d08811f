"""Per-item offer updates from a retailer's own system (the offers API, issue 19 item 3).

A retailer changes an offer it already has, found by SKU: the price, the stock status, the
quantity in stock or the delivery days. Values go through the feed reader's normalization
(``indexer.normalize``: "199,00 kr", "I lager", "Slut", a quantity) so an update means what
the same cell in a feed would. :func:`apply_updates` handles up to :data:`MAX_BATCH` items
in one transaction: it reads the offers in one query per chunk, writes only the ones whose
values change (a replayed batch writes nothing and queues nothing) and queues their products
in the search index outbox (``catalog.outbox``), so the index follows when the outbox is
applied. Each item gets its own result: ``updated``, ``unchanged``, ``not_found`` (no such
SKU, or withdrawn) or ``invalid`` with the field and reason. An updated offer's
``content_hash`` is cleared to ``api``: the next feed run of the same file writes the feed's
values again (the later write wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.enums import StockStatus
from catalog.models import Offer
from catalog.outbox import enqueue
from indexer.normalize.price import PriceError, parse_price
from indexer.normalize.stock import parse_stock, status_for_quantity

MAX_BATCH = 1000
CHUNK = 500
MAX_PRICE = Decimal("100000000")
API_HASH = "api"


@dataclass(frozen=True, slots=True)
class OfferUpdate:
    """One item: the SKU and the values to set (None = leave as it is)."""

    sku: str
    price: str | None = None
    stock: str | None = None
    stock_quantity: int | None = None
    delivery_days: int | None = None


@dataclass(frozen=True, slots=True)
class ItemResult:
    sku: str
    status: str  # updated | unchanged | not_found | invalid
    field: str | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "status": self.status, "field": self.field, "error": self.error}


class BatchTooLarge(ValueError):
    """More than :data:`MAX_BATCH` items, or none."""


COLUMNS = (
    "id",
    "product_id",
    "currency",
    "price",
    "vat_included",
    "stock_status",
    "stock_quantity",
    "delivery_days",
)


def _values(item: OfferUpdate, offer: dict[str, Any]) -> dict[str, Any]:
    """The columns the item sets (ValueError naming ``field: reason`` when one is bad)."""
    values: dict[str, Any] = {}
    if item.price is not None:
        try:
            parsed = parse_price(item.price)
        except (PriceError, ArithmeticError, ValueError) as exc:
            raise ValueError(f"price: {item.price!r} is not a price ({exc})") from exc
        if not Decimal(0) <= parsed.amount < MAX_PRICE:
            raise ValueError(f"price: {item.price!r} is outside 0-{MAX_PRICE}")
        if parsed.currency is not None and parsed.currency != offer["currency"]:
            raise ValueError(f"price: the offer is in {offer['currency']}, not {parsed.currency}")
        values["price"] = parsed.amount
        if parsed.vat_included is not None:
            values["vat_included"] = parsed.vat_included
    if item.stock is not None:
        stock = parse_stock(item.stock)
        if stock.status == StockStatus.UNKNOWN:
            raise ValueError(f"stock: {item.stock!r} is not a stock status")
        values["stock_status"] = stock.status.value
        if stock.quantity is not None:
            values["stock_quantity"] = stock.quantity
        if stock.delivery_days is not None:
            values["delivery_days"] = stock.delivery_days
    if item.stock_quantity is not None:
        if item.stock_quantity < 0:
            raise ValueError("stock_quantity: must be 0 or more")
        values["stock_quantity"] = item.stock_quantity
        if item.stock is None:
            values["stock_status"] = status_for_quantity(item.stock_quantity).value
    if item.delivery_days is not None:
        if not 0 <= item.delivery_days <= 365:
            raise ValueError("delivery_days: must be 0-365")
        values["delivery_days"] = item.delivery_days
    if not values:
        raise ValueError("sku: give at least one of price, stock, stock_quantity, delivery_days")
    return values


def _changed(offer: dict[str, Any], values: dict[str, Any]) -> bool:
    return any(offer[column] != value for column, value in values.items())


def apply_updates(
    session: Session, retailer_id: int, items: Sequence[OfferUpdate], *, now: datetime
) -> list[ItemResult]:
    """Apply ``items`` to the retailer's offers (see the module docstring); the caller
    commits. Later items win over earlier ones of the same SKU."""
    if not 1 <= len(items) <= MAX_BATCH:
        raise BatchTooLarge(f"items: give 1-{MAX_BATCH} items, not {len(items)}")
    skus = sorted({item.sku for item in items})
    offers: dict[str, dict[str, Any]] = {}
    columns = [getattr(Offer, name) for name in COLUMNS]
    for start in range(0, len(skus), CHUNK):
        chunk = skus[start : start + CHUNK]
        for row in session.execute(
            select(Offer.sku, *columns).where(
                Offer.retailer_id == retailer_id,
                Offer.sku.in_(chunk),
                Offer.withdrawn_at.is_(None),
            )
        ):
            offers[row[0]] = dict(zip(COLUMNS, row[1:], strict=True))
    results: list[ItemResult] = []
    rows: dict[int, dict[str, Any]] = {}
    products: set[int | None] = set()
    for item in items:
        offer = offers.get(item.sku)
        if offer is None:
            results.append(ItemResult(item.sku, "not_found", "sku", "no such offer"))
            continue
        try:
            values = _values(item, offer)
        except ValueError as exc:
            field, _, reason = str(exc).partition(": ")
            results.append(ItemResult(item.sku, "invalid", field, reason))
            continue
        if not _changed(offer, values):
            results.append(ItemResult(item.sku, "unchanged"))
            continue
        offer.update(values)  # a later item of the same SKU sees this one
        rows.setdefault(offer["id"], {"id": offer["id"]}).update(values)
        products.add(offer["product_id"])
        results.append(ItemResult(item.sku, "updated"))
    if rows:
        stamped = [{**r, "updated_at": now, "content_hash": API_HASH} for r in rows.values()]
        session.execute(update(Offer), stamped)  # one executemany by primary key
        enqueue(session, products)
    return results
