"""Paging every list endpoint the same way: ``?limit=`` (1..100, 50 by default) and
``?offset=`` (0 or more); the answer is a ``ListResponse`` whose ``count`` is the total.

Routes take ``page: PageDep`` and page in the database: a query pages itself with
:meth:`Page.query`, a domain service takes ``limit``/``offset`` and returns a
``catalog.paging.Page`` (that page's items and the count of all of them, ``COUNT``).
:meth:`Page.slice` is only for a short fixed list that lives in code (the feed template).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import Select

from api.schemas.common import MAX_INT, ListResponse

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
T = TypeVar("T")
S = TypeVar("S", bound=Select[Any])


@dataclass(frozen=True, slots=True)
class Page:
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def query(self, stmt: S) -> S:
        """``stmt`` limited to this page (it must have a stable ``order_by``)."""
        return stmt.limit(self.limit).offset(self.offset)

    def response(self, data: list[T], count: int) -> ListResponse[T]:
        return ListResponse(data=data, count=count, limit=self.limit, offset=self.offset)

    def slice(self, items: Sequence[T]) -> ListResponse[T]:
        """The envelope of this page of a short fixed list in code (count: all of them)."""
        return self.response(list(items[self.offset : self.offset + self.limit]), len(items))


async def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1-{MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_INT, description="Items to skip.")] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(page_params)]
