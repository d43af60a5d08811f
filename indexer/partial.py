"""Feeds that carry only some columns: a stored offer keeps what the file says nothing about.

A column absent from a file never clears a stored value, in delta or full mode; only an empty
cell in a column the file has does. `indexer.rows` marks what a record's file has no column
for (`OfferRecord.absent`); after `indexer.store.classify`, `settle` fills those values of the
changed and reactivated offers from the stored ones, so that

* an offer whose only difference was the missing columns is unchanged again (the content hash
  of the filled record is the stored one) and is not rewritten;
* its match key, and so its match (a GTIN match stays a GTIN match), is what is stored;
* a stock-only or price-only delta (``Artikelnummer;Lagersaldo``) updates the stock or the
  price of existing offers and keeps their names and prices or stock.

A new SKU in a file without a name or price column cannot become an offer: `settle` takes it
out of the plan and `unknown_sku_error` says so, naming the file, row and field.

Stored values are read only for offers whose content hash differs and whose file lacks
columns, one query per `_CHUNK` offers of a chunk: the unchanged fast path reads nothing.
The preview also counts what the run would clear (`Settled.clears`): stored values of a
column the file has, where the file's cell is empty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.enums import StockStatus
from catalog.models import Offer
from indexer.messages import Message
from indexer.records import OfferRecord, RowError
from indexer.rows import METADATA_FIELDS
from indexer.store import ChangePlan, offer_hash

_CHUNK = 900  # ids per IN (...) list, as `indexer.store`
_CLEARABLE = ("gtin", "mpn", "brand", "url", "delivery_days", "stock_quantity")
_NEEDED_FOR_NEW = ("name", "price")
_METADATA = "metadata."


@dataclass(frozen=True, slots=True)
class StoredValues:
    """What is stored of an offer, as `indexer.store` writes an `OfferRecord`."""

    name: str
    price: Decimal | None
    currency: str
    vat_included: bool | None
    stock_status: str
    stock_quantity: int | None
    delivery_days: int | None
    gtin: str | None
    mpn: str | None
    brand: str | None
    url: str | None
    metadata: dict[str, Any]


@dataclass(slots=True)
class Settled:
    """What `settle` took out of a plan and counted."""

    unknown: list[OfferRecord] = field(default_factory=list)
    clears: Counter[str] = field(default_factory=Counter)


def load_stored(session: Session, ids: Sequence[int]) -> dict[int, StoredValues]:
    """The stored values of these offers, by id."""
    out: dict[int, StoredValues] = {}
    for i in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(
                Offer.id,
                Offer.raw_name,
                Offer.price,
                Offer.currency,
                Offer.vat_included,
                Offer.stock_status,
                Offer.stock_quantity,
                Offer.delivery_days,
                Offer.gtin,
                Offer.mpn,
                Offer.brand,
                Offer.url,
                Offer.retailer_metadata,
            ).where(Offer.id.in_(ids[i : i + _CHUNK]))
        )
        for oid, name, price, currency, vat, status, qty, days, gtin, mpn, brand, url, meta in rows:
            out[oid] = StoredValues(
                name, price, currency, vat, status, qty, days, gtin, mpn, brand, url,
                metadata=dict(meta or {}),
            )  # fmt: skip
    return out


def needs_stored(rec: OfferRecord) -> bool:
    """Whether the record cannot stand alone: its file has no name or no price column."""
    absent = rec.absent
    return bool(absent) and any(name in absent for name in _NEEDED_FOR_NEW)


def fill_absent(rec: OfferRecord, stored: StoredValues) -> None:
    """Take the stored value of every field the record's file has no column for. A value the
    row still yields (a delivery time in a stock text) is kept."""
    absent = rec.absent
    if "name" in absent:
        rec.name = stored.name
    if "price" in absent:
        rec.price = stored.price
    if "currency" in absent:
        rec.currency = stored.currency
    if "vat_included" in absent:
        rec.vat_included = stored.vat_included
    if "stock_status" in absent and rec.stock_status is StockStatus.UNKNOWN:
        rec.stock_status = StockStatus(stored.stock_status)
    for name in _CLEARABLE:  # optional values: one the row yields anyway stays
        if name in absent and getattr(rec, name) is None:
            setattr(rec, name, getattr(stored, name))
    for key, value in stored.metadata.items():
        if key not in rec.metadata and _metadata_absent(key, absent):
            rec.metadata[key] = str(value)


def _metadata_absent(key: str, absent: frozenset[str]) -> bool:
    """A stored metadata value stays unless the file has the column it comes from; a key no
    column yields (written by another source) always stays."""
    return f"{_METADATA}{key}" in absent or key not in _COLUMN_METADATA


_COLUMN_METADATA = frozenset((*METADATA_FIELDS, "vat_rate", "price_excl_vat"))


def cleared(rec: OfferRecord, stored: StoredValues) -> list[str]:
    """The stored values the record would clear: set, in a column its file has, empty in the
    row."""
    absent = rec.absent
    out = [
        name
        for name in _CLEARABLE
        if name not in absent and getattr(stored, name) is not None and getattr(rec, name) is None
    ]
    out.extend(
        key
        for key, value in stored.metadata.items()
        if value not in (None, "") and key not in rec.metadata and not _metadata_absent(key, absent)
    )
    return out


def settle(session: Session, plan: ChangePlan, *, count_clears: bool = False) -> Settled:
    """Complete a classified plan for a file that lacks columns (the module docstring):
    take out new offers that cannot stand alone, fill the changed and reactivated records'
    absent values from the stored offers and move those that are then unchanged. With
    ``count_clears``, count what the changed ones would clear (the preview)."""
    settled = Settled()
    if any(needs_stored(rec) for rec in plan.new):
        settled.unknown = [rec for rec in plan.new if needs_stored(rec)]
        plan.new = [rec for rec in plan.new if not needs_stored(rec)]
    pairs = [
        (old, rec) for old, rec in (*plan.changed, *plan.reactivated) if rec.absent or count_clears
    ]
    if not pairs:
        return settled
    stored = load_stored(session, [old.id for old, _ in pairs])
    for old, rec in pairs:
        values = stored.get(old.id)
        if values is not None and rec.absent:
            fill_absent(rec, values)
    changed = []
    for old, rec in plan.changed:
        if rec.absent and old.content_hash == offer_hash(rec):
            plan.unchanged.append(old)
        else:
            changed.append((old, rec))
    plan.changed = changed
    if count_clears:  # `fill_absent` touched no column the file has: what it clears is as read
        for old, rec in (*plan.changed, *plan.reactivated):
            values = stored.get(old.id)
            if values is not None:
                settled.clears.update(cleared(rec, values))
    return settled


def unknown_sku_error(rec: OfferRecord, file_name: str) -> RowError:
    """The row error of a new SKU in a file without a name or price column."""
    missing = "_".join(name for name in _NEEDED_FOR_NEW if name in rec.absent)
    return RowError(
        rec.row,
        "sku",
        rec.sku,
        Message(
            "row.unknown_sku",
            file=file_name,
            row=rec.row,
            value=rec.sku,
            missing=f"missing.{missing}",
        ),
    )
