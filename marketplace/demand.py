"""Demand events (searches, product views, cart adds, orders) for retailer statistics.

Counting must never slow a search: the read paths hand events to a :class:`DemandRecorder`,
whose ``record`` only adds to an in-memory buffer; full batches are written with one
multi-row INSERT (``write_events``) by whoever flushes (a background task, or the request
after its response). Identical events within one flush window (the same query showing the
same product with the same retailer first: a popular search under load) are folded into one
row whose ``occurrences`` counts them, so the write cost follows the distinct impressions,
not the request rate. Cart adds and orders are written in their own transaction
(:func:`add_event`). The table is append-only and holds no user id (no personal data).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from marketplace.dates import as_utc, utc_now
from marketplace.enums import DemandKind
from marketplace.models import DemandEvent

MAX_QUERY = 300
_TABLE = cast(Table, DemandEvent.__table__)


def event_row(
    kind: DemandKind,
    *,
    product_id: int | None = None,
    query: str | None = None,
    shown: Sequence[tuple[int, int]] = (),
    at: datetime | None = None,
) -> dict[str, Any]:
    """Pure: one event as an insert row; ``shown`` is ``[(retailer_id, rank), ...]``."""
    return {
        "kind": kind.value,
        "product_id": product_id,
        "query": None if query is None else query.strip()[:MAX_QUERY],
        "retailers": [[int(rid), int(rank)] for rid, rank in shown],
        "created_at": as_utc(at or utc_now()),
        "occurrences": 1,
    }


def search_rows(
    query: str, shown: Sequence[tuple[int, int | None]], at: datetime | None = None
) -> list[dict[str, Any]]:
    """Pure: one ``search`` event per product shown, ``shown`` = ``[(product_id, retailer id of
    its best offer or None), ...]``; the shared values are computed once (hot path)."""
    kind, text, when = DemandKind.SEARCH.value, query.strip()[:MAX_QUERY], as_utc(at or utc_now())
    return [
        {
            "kind": kind,
            "product_id": pid,
            "query": text,
            "retailers": [] if rid is None else [[rid, 1]],
            "created_at": when,
            "occurrences": 1,
        }
        for pid, rid in shown
    ]


def write_events(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Append the rows with one executemany INSERT; returns how many were written.

    A Core insert on the table: the ORM's bulk path would build per-row state for rows
    nobody reads back, at about twice the cost (searches write one row per product shown).
    """
    if rows:
        session.execute(insert(_TABLE), list(rows))
    return len(rows)


def add_event(
    session: Session,
    kind: DemandKind,
    *,
    product_id: int | None = None,
    shown: Sequence[tuple[int, int]] = (),
    at: datetime | None = None,
) -> None:
    """One event in the caller's transaction (cart adds, orders: rare, already writing)."""
    write_events(session, [event_row(kind, product_id=product_id, shown=shown, at=at)])


def _identity(row: dict[str, Any]) -> tuple[object, ...]:
    """What makes two events the same impression (everything but time and count)."""
    retailers = row.get("retailers") or ()
    return (
        row["kind"],
        row.get("product_id"),
        row.get("query"),
        tuple((rid, rank) for rid, rank in retailers),
    )


class DemandRecorder:
    """A thread-safe buffer of events written in batches of ``batch_size`` distinct events.

    ``record`` is O(1) per row and does no I/O: an event identical to one already buffered
    (same kind, product, query and retailers shown) adds to that row's ``occurrences``
    (the row keeps the first event's time). It returns True when a batch is ready (that many
    distinct events, or the oldest has waited ``max_age`` seconds), so the caller can
    schedule ``flush`` off its hot path (e.g. a FastAPI background task). Only one caller
    hears True per batch: under load, every request after the deadline used to schedule its
    own flush, and dozens of them queued in the thread pool fighting for the GIL.
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        batch_size: int = 200,
        *,
        max_age: float = 5.0,
    ) -> None:
        self._factory = session_factory
        self._batch_size = batch_size
        self._max_age = max_age
        self._lock = threading.Lock()
        self._rows: dict[tuple[object, ...], dict[str, Any]] = {}
        self._oldest = 0.0
        self._due: float | None = None  # when a caller was told to flush this buffer

    def record(self, *rows: dict[str, Any]) -> bool:
        """Buffer one or more rows; True when the buffer should be flushed."""
        now = time.monotonic()
        keyed = [(_identity(row), row) for row in rows]
        with self._lock:
            buffered = self._rows
            if not buffered:
                self._oldest = now
            for key, row in keyed:
                found = buffered.get(key)
                if found is None:
                    buffered[key] = {**row, "occurrences": int(row.get("occurrences", 1))}
                else:
                    found["occurrences"] += int(row.get("occurrences", 1))
            if self._due is not None and now - self._due < self._max_age:
                return False  # a flush is on its way (told again if it never came)
            ready = len(buffered) >= self._batch_size or now - self._oldest >= self._max_age
            self._due = now if ready else None
            return ready

    def pending(self) -> int:
        """Distinct events waiting to be written."""
        with self._lock:
            return len(self._rows)

    def flush(self) -> int:
        """Write every buffered event in batches; returns how many rows were written."""
        with self._lock:
            rows, self._rows = list(self._rows.values()), {}
            self._due = None
        written = 0
        for start in range(0, len(rows), self._batch_size):
            with self._factory() as session:
                written += write_events(session, rows[start : start + self._batch_size])
                session.commit()
        return written
