"""Bounds on path parameters, so a hostile URL is a 404/422 and never a database error.

``/produkt/99999999999999999999999`` used to reach the database as an integer no column
holds (SQLite: OverflowError; PostgreSQL: "integer out of range") and answered 500.

* :data:`DbId` is the type of an id in a path: ``1 <= id <= 2**31 - 1`` (the ids are
  ``INTEGER`` columns, 32-bit on PostgreSQL); out of range is a 422 and documented in the
  OpenAPI schema.
* :func:`bounded_path_ids` is an app-wide dependency that answers 404 for any plain ``int``
  path parameter (no bounds of its own) out of that range, in every router, API and web,
  before the route runs: a web page for an id that cannot exist is simply not found.
* An id in a path is plain ASCII digits (``[0-9]+``): Python's and pydantic's ``int()`` also
  take ``1_000``, ``+1``, `` 1`` and other scripts' digits (``١``), which made one
  resource answer under many URLs. Anything else is a 404 on a web page and a 422 in the
  API (``/api/...``), for every integer path parameter, bounded by the route or not.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Request
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import InvalidInput, NotFound, problem_response
from api.schemas.common import MAX_INT

MAX_DB_ID = MAX_INT
DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]

_ASCII_NUMBER = re.compile(r"-?[0-9]+", re.ASCII)
_int_params: dict[int, tuple[tuple[str, bool], ...]] = {}


def _int_path_params(route: APIRoute) -> tuple[tuple[str, bool], ...]:
    """(name, bounded by the route) for each integer path parameter of ``route``."""
    found = _int_params.get(id(route))
    if found is None:
        found = tuple(
            # a parameter with its own bounds (DbId) is validated by the route: 422
            (field.name, bool(field.field_info.metadata))
            for field in route.dependant.path_params
            if field.field_info.annotation is int
        )
        _int_params[id(route)] = found
    return found


async def bounded_path_ids(request: Request) -> None:
    """404 for an integer path parameter no row can have (0, negative, beyond 32 bits);
    404 (web) or 422 (API) for one that is not written in plain ASCII digits."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    for name, route_bounds in _int_path_params(route):
        raw = str(request.path_params.get(name))
        label = name.removesuffix("_id")
        if not _ASCII_NUMBER.fullmatch(raw):
            if request.url.path.startswith("/api/"):
                raise InvalidInput(f"{name} must be a number in plain digits (0-9): {raw[:40]!r}")
            raise NotFound(f"no such {label}: {raw[:40]}")
        if not route_bounds and not 1 <= int(raw) <= MAX_DB_ID:
            raise NotFound(f"no such {label}: {raw[:40]}")


class RejectNulMiddleware:
    """422 for a URL whose path or query holds a NUL byte (``%00``): no stored value can
    (PostgreSQL text refuses them), and it used to surface as a 500 from the database."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = bytes(scope.get("raw_path") or scope.get("path", "").encode()) + b"?"
            raw += bytes(scope.get("query_string") or b"")
            if b"%00" in raw or b"\x00" in raw or "\x00" in scope.get("path", ""):
                response = problem_response(
                    422,
                    InvalidInput.title,
                    "the URL holds a NUL byte (%00)",
                    slug=InvalidInput.slug,
                    instance=scope.get("path", "").replace("\x00", ""),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
