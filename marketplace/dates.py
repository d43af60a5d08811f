"""Time helpers: every timestamp is UTC; dates a clinic sees are Swedish local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Stockholm")


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; naive values (SQLite reads) were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_date(value: datetime) -> date:
    """The Swedish calendar date of an instant (a promised date is a local date)."""
    return as_utc(value).astimezone(LOCAL_TZ).date()


def utc_now() -> datetime:
    return datetime.now(UTC)
