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
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
"""A timestamp always serialized with its UTC offset."""


class ListResponse(BaseModel, Generic[T]):
    """Every list response: ``{"data": [...], "count": n}`` (count = total, not page size)."""

    data: list[T]
    count: int


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


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting problem+json error statuses."""
    return {
        status: {"model": Problem, "content": {"application/problem+json": {}}}
        for status in statuses
    }
