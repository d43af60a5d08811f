"""The write half of the search index outbox: product ids whose documents changed.

Every change to what a product's search document holds (its own fields, identifiers, active
offers) calls :func:`enqueue` in the SAME transaction as the change, so the ids commit or
roll back with it. ``indexer.outbox.apply_outbox`` rebuilds those documents, writes them to
the search backend and only then deletes the rows it applied; a crash anywhere in between
leaves the rows for the next pass (start-up, the periodic pass, the next run).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from catalog.models import IndexOutbox, utcnow

_BATCH = 5000


def enqueue(session: Session, product_ids: Iterable[int | None]) -> int:
    """Add one outbox row per distinct product id, in the caller's transaction."""
    ids = sorted({int(pid) for pid in product_ids if pid is not None})
    if not ids:
        return 0
    table = IndexOutbox.__table__
    assert isinstance(table, Table)
    now = utcnow()
    for start in range(0, len(ids), _BATCH):
        session.execute(
            insert(table),
            [{"product_id": pid, "created_at": now} for pid in ids[start : start + _BATCH]],
        )
    return len(ids)
