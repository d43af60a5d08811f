"""One page of a list, paged in the database: the rows of ``LIMIT``/``OFFSET`` and a
``COUNT`` of the whole list (the query needs a stable ``order_by``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list and the total it is a page of."""

    items: Sequence[Any]
    count: int
    limit: int
    offset: int


def count_of(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    """How many rows ``query`` selects (its order is ignored)."""
    return int(
        session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )


def page_rows(
    session: Session, query: Select[*Ts], *, limit: int, offset: int
) -> tuple[Sequence[Row[*Ts]], int]:
    """The rows of one page of ``query`` and the count of all of its rows."""
    rows = session.execute(query.limit(limit).offset(offset)).all()
    if offset == 0 and len(rows) < limit:
        return rows, len(rows)  # the whole list fits in this page: no COUNT needed
    return rows, count_of(session, query)


def page_scalars(session: Session, query: Select[T], *, limit: int, offset: int) -> Page:
    """One page of a single-entity ``query`` (its objects) and the count of all of them."""
    rows, total = page_rows(session, query, limit=limit, offset=offset)
    return Page([row[0] for row in rows], total, limit, offset)
