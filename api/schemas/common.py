"""Shapes shared by every resource: list envelopes and problem details."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, Field

T = TypeVar("T")
MAX_INT = 2**31 - 1
"""Largest id or version the database's 32-bit integer columns hold (PostgreSQL ``integer``)."""


def _as_utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+00:01 has no UTC time: a 422, never a 500
        raise ValueError("the time is outside the range of dates in UTC") from None


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
"""A timestamp always serialized with its UTC offset."""


class ListResponse(BaseModel, Generic[T]):
    """Every list response, one page of it: ``{"data": [...], "count": total, "limit": n,
    "offset": k}`` (``count`` is the total, not the page size; see ``api.paging``)."""

    data: list[T]
    count: int = Field(description="How many items there are in all (every page).")
    limit: int = Field(description="The most items this page could hold (the limit asked).")
    offset: int = Field(description="How many items come before this page.")


class Problem(BaseModel):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(examples=["https://valbar.se/problems/not-found"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None
    request_id: str | None = Field(
        default=None,
        description="The request's id (also the X-Request-ID response header): every log "
        "line of the request carries it.",
    )


PROBLEM_DESCRIPTIONS = {
    400: "Bad request",
    401: "No valid credentials: log in or send an API key (an unknown, revoked or expired "
    "key is refused here too)",
    403: "Not allowed: the user's role, the API key's scope, or a cross-site request",
    404: "Not found (also for another organisation's objects: their existence is not told)",
    409: "Conflict with the current state (a version, an order's status, a cap reached)",
    413: "Request body too large",
    422: "Invalid input: ``errors`` names each field at fault",
    429: "Rate limited: retry after the ``Retry-After`` header's seconds",
    500: "Internal error (the body carries the request id to quote)",
    503: "A service Valbar needs is unavailable; retry later",
}
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request is allowed.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting problem+json error statuses (the schema
    is moved to ``application/problem+json`` by ``api.openapi_doc``)."""
    entries: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {
            "model": Problem,
            "description": PROBLEM_DESCRIPTIONS.get(status, "Error"),
            "content": {"application/problem+json": {}},
        }
        if status == 429:
            entry["headers"] = RETRY_AFTER_HEADER
        entries[status] = entry
    return entries


API_PROBLEMS = problems(401, 403, 429, 500)
"""What any ``/api/v1`` route may answer: a bad or expired key (401), a key scope or role
that does not cover it (403), the rate limit (429), an internal error (500). Each router
declares these; routes add their own (404, 409, 422)."""
