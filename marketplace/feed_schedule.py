"""When a registered feed URL is fetched: ``hourly``, ``daily``, ``weekly`` or a cron
expression of five fields (minute hour day-of-month month day-of-week, in UTC).

Fields take ``*``, numbers, ranges ``a-b``, steps ``*/n`` / ``a-b/n`` and lists ``a,b``;
day-of-week is 0-7 (0 and 7 are Sunday). When both day fields are restricted a day matching
either is due (as in cron). :func:`parse` refuses anything else with a message naming the
field; :func:`next_due` is the first due minute after a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

INTERVALS = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
}
FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)
SEARCH_DAYS = 366 * 5  # 29 February is the rarest day a valid expression names


class ScheduleError(ValueError):
    """The schedule is not one of the names nor a valid cron expression."""


@dataclass(frozen=True, slots=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Monday (Python's), converted from cron's 0 = Sunday
    any_day: bool
    any_weekday: bool

    def day_matches(self, day: datetime) -> bool:
        if day.month not in self.months:
            return False
        by_date = day.day in self.days
        by_weekday = day.weekday() in self.weekdays
        if self.any_day and self.any_weekday:
            return True
        if self.any_day:
            return by_weekday
        if self.any_weekday:
            return by_date
        return by_date or by_weekday


def _field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if body == "*":
                start, end = low, high
            elif "-" in body:
                a, b = body.split("-", 1)
                start, end = int(a), int(b)
            else:
                start = int(body)
                end = high if step_text else start
        except ValueError as exc:
            raise ScheduleError(f"cron {name}: {part!r} is not a number, range or step") from exc
        if step < 1 or not low <= start <= end <= high:
            raise ScheduleError(f"cron {name}: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def parse(schedule: str) -> Cron | timedelta:
    """The schedule's interval or cron expression; :class:`ScheduleError` naming the field."""
    text = " ".join(schedule.split()).lower()
    if text in INTERVALS:
        return INTERVALS[text]
    parts = text.split(" ")
    if len(parts) != 5:
        raise ScheduleError(
            "schedule: give hourly, daily, weekly or a cron expression of five fields "
            "(minute hour day-of-month month day-of-week)"
        )
    sets = [_field(p, name, lo, hi) for p, (name, lo, hi) in zip(parts, FIELDS, strict=True)]
    weekdays = frozenset((d - 1) % 7 for d in sets[4])  # cron 0/7 Sunday -> Python 6
    cron = Cron(sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] == "*", parts[4] == "*")
    if next_cron(cron, datetime(2024, 1, 1, tzinfo=UTC)) is None:
        raise ScheduleError(f"schedule: {schedule!r} never falls on a real date")
    return cron


def normalize(schedule: str) -> str:
    """The schedule as stored (validated, whitespace collapsed, lower case)."""
    parse(schedule)
    return " ".join(schedule.split()).lower()


def next_cron(cron: Cron, after: datetime) -> datetime | None:
    start = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = start.replace(hour=0, minute=0)
    for offset in range(SEARCH_DAYS):
        current = day + timedelta(days=offset)
        if not cron.day_matches(current):
            continue
        for hour in sorted(cron.hours):
            for minute in sorted(cron.minutes):
                candidate = current.replace(hour=hour, minute=minute)
                if candidate >= start:
                    return candidate
    return None


def next_due(schedule: str, after: datetime) -> datetime:
    """The first time the schedule is due after ``after`` (an interval counts from it)."""
    rule = parse(schedule)
    if isinstance(rule, timedelta):
        return after + rule
    found = next_cron(rule, after)
    if found is None:  # parse() refused such an expression
        raise ScheduleError(f"schedule: {schedule!r} never falls on a real date")
    return found
