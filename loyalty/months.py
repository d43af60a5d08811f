"""Calendar months in Swedish time: what a leaderboard's, a cap's and an award's month is
(``2026-12`` runs from 1 December 00:00 in Stockholm to 1 January 00:00). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from loyalty.errors import InvalidInput

LOCAL_TZ = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` in UTC; ``label`` is ``2026-12`` or ``all``."""

    label: str
    start: datetime | None
    end: datetime | None


def month_period(label: str) -> Period:
    """The calendar month ``YYYY-MM`` in Swedish time. Pure."""
    try:
        year, month = (int(part) for part in label.split("-"))
        start = datetime(year, month, 1, tzinfo=LOCAL_TZ)
    except ValueError as exc:
        raise InvalidInput(f"period: YYYY-MM or 'all', not {label!r}", field="period") from exc
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return Period(label, start.astimezone(UTC), following.astimezone(UTC))


def month_of(at: datetime) -> str:
    """``YYYY-MM`` of an instant in Swedish time. Pure."""
    local = (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(LOCAL_TZ)
    return f"{local.year:04d}-{local.month:02d}"


def next_month(label: str) -> str:
    year, month = (int(part) for part in label.split("-"))
    return f"{year + 1}-01" if month == 12 else f"{year:04d}-{month + 1:02d}"


def previous_month(label: str) -> str:
    year, month = (int(part) for part in label.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def parse_period(label: str, now: datetime) -> Period:
    """``all``, ``month`` (the current month) or ``YYYY-MM``."""
    if label == "all":
        return Period("all", None, None)
    return month_period(month_of(now) if label == "month" else label)
