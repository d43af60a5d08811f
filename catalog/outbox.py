"""The write half of the search index outbox: product ids whose documents changed.

Every change to what a product's search document holds (its own fields, identifiers, active
offers) calls :func:`enqueue` in the SAME transaction as the change, so the ids commit or
roll back with it. ``indexer.outbox.apply_outbox`` rebuilds those documents, writes them to
the search backend and only then deletes the rows it applied; a crash anywhere in between
leaves the rows for the next pass (start-up, the periodic pass, the next run).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Table, func, insert, text
from sqlalchemy.orm import Session

from catalog.models import IndexOutbox

_CHUNK = 50_000
# One statement per chunk, the ids as one array (JSON text on SQLite) and the time from the
# database: 200k ids cost 0.4 s on SQLite and 1.6 s on PostgreSQL, against 4 s and 8 s as
# an executemany with a bound timestamp per row (medians of 3).
_BULK: dict[str, tuple[str, Callable[[list[int]], Any]]] = {
    "sqlite": (
        "INSERT INTO index_outbox (product_id, created_at) "
        "SELECT value, CURRENT_TIMESTAMP FROM json_each(:ids)",
        json.dumps,
    ),
    "postgresql": (
        "INSERT INTO index_outbox (product_id, created_at) "
        "SELECT unnest(CAST(:ids AS integer[])), now()",
        list,
    ),
}


def enqueue(session: Session, product_ids: Iterable[int | None]) -> int:
    """Add one outbox row per distinct product id, in the caller's transaction."""
    ids = sorted({int(pid) for pid in product_ids if pid is not None})
    if not ids:
        return 0
    bulk = _BULK.get(session.get_bind().dialect.name)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        if bulk is not None:
            sql, encode = bulk
            session.execute(text(sql), {"ids": encode(chunk)})
            continue
        table = IndexOutbox.__table__
        assert isinstance(table, Table)
        stmt = insert(table).values(created_at=func.now())
        session.execute(stmt, [{"product_id": pid} for pid in chunk])
    return len(ids)
