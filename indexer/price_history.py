"""Price and stock history, recorded at ingest: one ``offer_history`` row per change.

A feed run's writes (``indexer.store.apply_plan``, ``withdraw_unlisted``) call these in the
run's transaction, from the change set they already computed, so the history commits with
the offers or not at all:

* a new offer: its first sighting (`record_new`, one ``INSERT ... SELECT`` per batch of SKUs);
* a changed offer: a row only when its price, currency, stock status or buyability differs
  from the stored one (`changed_rows`); an offer whose other fields changed writes none, and
  an unchanged re-upload writes nothing at all;
* an offer listed again: a row (not withdrawn any more);
* an offer a full feed no longer lists: a withdrawn row with its last price (`record_withdrawn`).

`prune` (housekeeping) deletes rows older than the retention, except each offer's last row
before the cutoff: the state the offer had when the kept window starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from catalog.enums import StockStatus
from catalog.models import Offer, OfferHistory
from indexer.records import OfferRecord
from ranking.price_basis import IN_STOCK_STATUSES, is_buyable

_CHUNK = 900  # SKUs / ids per IN (...) list (SQLite's bound-parameter limits)
_INSERT_BATCH = 5000
PRUNE_BATCH = 50_000
"""Rows deleted per statement by `prune` (its own short transactions: no long lock)."""

_COLUMNS = (
    "offer_id",
    "feed_run_id",
    "changed_at",
    "price",
    "currency",
    "stock_status",
    "buyable",
    "withdrawn",
)


def _table() -> Table:
    table = OfferHistory.__table__
    assert isinstance(table, Table)
    return table


def buyable_sql() -> ColumnElement[bool]:
    """``ranking.price_basis.is_buyable`` of an offer row, in SQL."""
    return case(
        (
            or_(
                Offer.stock_status.in_(sorted(IN_STOCK_STATUSES)),
                and_(
                    Offer.stock_status == StockStatus.BACKORDER.value,
                    Offer.delivery_days.is_not(None),
                ),
            ),
            true(),
        ),
        else_=false(),
    )


def _snapshot(run_id: int | None, now: datetime, *, withdrawn: bool) -> list[Any]:
    """The columns of a history row taken from the offer row itself (`_COLUMNS` order)."""
    return [
        Offer.id,
        literal(run_id, OfferHistory.feed_run_id.type),
        literal(now, OfferHistory.changed_at.type),
        Offer.price,
        Offer.currency,
        Offer.stock_status,
        buyable_sql(),
        literal(withdrawn, OfferHistory.withdrawn.type),
    ]


def record_new(
    session: Session, retailer_id: int, skus: Sequence[str], run_id: int | None, now: datetime
) -> int:
    """The first sighting of the retailer's offers with these SKUs, just inserted."""
    table = _table()
    for i in range(0, len(skus), _CHUNK):
        source = select(*_snapshot(run_id, now, withdrawn=False)).where(
            Offer.retailer_id == retailer_id, Offer.sku.in_(skus[i : i + _CHUNK])
        )
        session.execute(insert(table).from_select(list(_COLUMNS), source))
    return len(skus)


def record_withdrawn(
    session: Session, ids: Sequence[int], run_id: int | None, now: datetime
) -> int:
    """A withdrawn row (with the offer's last price and stock) for each of these offers."""
    table = _table()
    for i in range(0, len(ids), _CHUNK):
        source = select(*_snapshot(run_id, now, withdrawn=True)).where(
            Offer.id.in_([int(x) for x in ids[i : i + _CHUNK]])
        )
        session.execute(insert(table).from_select(list(_COLUMNS), source))
    return len(ids)


def row(offer_id: int, rec: OfferRecord, run_id: int | None, now: datetime) -> dict[str, Any]:
    """The history row of ``rec``'s state (listed)."""
    status = rec.stock_status.value
    return {
        "offer_id": offer_id,
        "feed_run_id": run_id,
        "changed_at": now,
        "price": rec.price,
        "currency": rec.currency,
        "stock_status": status,
        "buyable": is_buyable(status, rec.delivery_days),
        "withdrawn": False,
    }


def differs(
    price: Decimal | None,
    currency: str | None,
    stock_status: str | None,
    delivery_days: int | None,
    rec: OfferRecord,
) -> bool:
    """Whether ``rec`` changes what the history keeps of a stored offer: its price, currency,
    stock status or whether it can be bought (a backorder gaining or losing its date). Pure."""
    status = rec.stock_status.value
    if price != rec.price or (currency or "") != rec.currency or stock_status != status:
        return True
    return is_buyable(status, delivery_days) != is_buyable(status, rec.delivery_days)


def insert_rows(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Append ``rows`` (Core executemany, in batches); how many."""
    batch: list[dict[str, Any]] = []
    n = 0
    for r in rows:
        batch.append(r)
        if len(batch) >= _INSERT_BATCH:
            session.execute(insert(_table()), batch)
            n += len(batch)
            batch = []
    if batch:
        session.execute(insert(_table()), batch)
        n += len(batch)
    return n


def cutoff(now: datetime, retention_days: int) -> datetime:
    return now - timedelta(days=retention_days)


def prune(session: Session, now: datetime, retention_days: int, *, batch: int = PRUNE_BATCH) -> int:
    """Delete the history older than ``retention_days`` that a newer row before the cutoff
    supersedes (each offer keeps its state at the cutoff); commits per batch of ids, so a
    large prune never holds a long lock. Returns the rows deleted."""
    before = cutoff(now, retention_days)
    newer = aliased(OfferHistory)
    superseded = exists().where(
        newer.offer_id == OfferHistory.offer_id,
        newer.changed_at <= before,
        newer.id > OfferHistory.id,
    )
    top = session.scalar(select(func.max(OfferHistory.id)).where(OfferHistory.changed_at < before))
    deleted = 0
    if top is None:
        return 0
    low = session.scalar(select(func.min(OfferHistory.id))) or 0
    while low <= top:
        high = low + batch
        result = session.execute(
            delete(OfferHistory)
            .where(
                OfferHistory.id >= low,
                OfferHistory.id < high,
                OfferHistory.changed_at < before,
                superseded,
            )
            .execution_options(synchronize_session=False)
        )
        deleted += int(getattr(result, "rowcount", 0) or 0)
        session.commit()
        low = high
    return deleted
