"""Delivery-time cells: "2-3 arbetsdagar", "1 vecka", "24h", "Omgående", "5".

The result is the number of days a buyer should expect at most: the upper bound of a range,
weeks as 7 days, months as 30, hours rounded up to whole days (at least 1). Working days and
calendar days are not told apart. A bare number is a number of days.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

_UNIT_DAYS: dict[str, int] = {}
for _names, _days in (
    (("d", "dag", "dagar", "dygn", "day", "days", "arbetsdag", "arbetsdagar", "vardag"), 1),
    (("vardagar", "werktage", "tage", "bd", "wd"), 1),
    (("v", "v.", "vecka", "veckor", "veckan", "w", "wk", "wks", "week", "weeks"), 7),
    (("mån", "månad", "månader", "month", "months", "mo"), 30),
):
    for _name in _names:
        _UNIT_DAYS[_name] = _days
_HOUR_UNITS = frozenset(("h", "hr", "hrs", "hour", "hours", "tim", "timme", "timmar", "t"))

_NUMBER = r"(\d{1,3}(?:[.,]5)?)"
_RANGE = re.compile(
    _NUMBER
    + r"\s*(?:-|–|—|till|to)\s*"
    + _NUMBER
    + r"\s*(?:working|business|arbets|vardags)?\s*([a-zåäö.]+)?"
)
_SINGLE = re.compile(
    r"(?:inom|within|ca\.?|cirka|approx\.?|about|upp till|up to|max\.?)?\s*"
    + _NUMBER
    + r"\s*(?:working|business|arbets|vardags)?\s*([a-zåäö.]+)?"
)
_IMMEDIATE = re.compile(
    r"\b(?:omgående|direkt|omedelbart|samma dag|idag|i dag|imorgon|i morgon|nästa dag|"
    r"next day|same day|immediately|today|tomorrow|overnight|express)\b"
)


@lru_cache(maxsize=4096)
def parse_delivery(text: str) -> int | None:
    """Days until delivery (upper bound), or None when the text states no delivery time."""
    folded = text.strip().casefold()
    if not folded:
        return None
    if folded.isdecimal():
        return int(folded) if len(folded) <= 3 else None
    found = _RANGE.search(folded)
    if found:
        whole = folded == found.group(0).strip()
        return _to_days(found.group(2), found.group(3), bare_ok=whole)
    found = _SINGLE.search(folded)
    if found:
        days = _to_days(found.group(1), found.group(2), bare_ok=folded == found.group(0).strip())
        if days is not None:
            return days
    if _IMMEDIATE.search(folded):
        return 1
    return None


def _to_days(number: str, unit: str | None, *, bare_ok: bool) -> int | None:
    value = float(number.replace(",", "."))
    if unit:
        unit = unit.rstrip(".") or unit
        if unit.startswith("arbets"):
            unit = unit[len("arbets") :]
        per = _UNIT_DAYS.get(unit)
        if per is not None:
            return math.ceil(value * per)
        if unit in _HOUR_UNITS:
            return max(1, math.ceil(value / 24))
        return None
    if bare_ok:
        return math.ceil(value)
    return None
