"""Row errors of one feed, bounded: the first N in full, the rest counted by field and reason.

A file of a million invalid rows must not hold a million error objects (nor store, print or
serve them). `ErrorLog` keeps the first ``limit`` errors and warnings as they are and counts
every later one under ``(severity, field, reason)``, where the reason is the message with the
row's own value and other quoted values and row numbers blanked out (`reason_of`), so
"not a price: 12,3,4" and "not a price: abc" count together as "not a price: …". At most
`MAX_GROUPS` distinct reasons are counted separately; further ones count as `OTHER_REASON`.
A group keeps the ``code`` of its messages and the ``values`` of the first, with the row's
own ones blanked (`blanked_values`), so a reader renders the reason in its language.

    log = ErrorLog(limit=1000)
    log.extend(row_errors)
    log.kept            # the first 1000, in full
    log.totals()        # {"errors": 18233, "warnings": 12}
    log.overflow()      # [{"severity": "error", "field": "price", "reason": "price is empty",
                        #   "count": 12000, "code": "price.empty", "values": {}}, ...]
                        # most frequent first
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from indexer.messages import Message
from indexer.records import RowError

MAX_GROUPS = 100
OTHER_REASON = "other reasons"
OTHER_CODE = "row.other_reasons"  # the message of OTHER_REASON
ELLIPSIS = "…"
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_ROW_NUMBER = re.compile(r"\brow \d+")
ROW_VALUES = frozenset({"value", "row", "other_row", "changed_row", "record", "line", "column"})
"""Values of a message that belong to its row: blanked in a group of many rows."""


def reason_of(error: RowError) -> str:
    """The error's message without the values that make it unique to its row."""
    message = str(error.message)
    value = error.value.strip()
    if value and len(value) >= 2:
        message = message.replace(value, ELLIPSIS)
    message = _QUOTED.sub(ELLIPSIS, message)
    return _ROW_NUMBER.sub(f"row {ELLIPSIS}", message)


def blanked_values(error: RowError) -> dict[str, object] | None:
    """The error's message values with the ones that make it unique to its row (its cell,
    row numbers, positions) written as ``…``; None for a message without a code."""
    message = error.message
    if not isinstance(message, Message):
        return None
    return {k: (ELLIPSIS if k in ROW_VALUES else v) for k, v in message.values.items()}


class ErrorLog:
    """The first ``limit`` row errors in full, the rest counted (see the module docstring)."""

    __slots__ = ("_codes", "_groups", "errors", "kept", "limit", "warnings")

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self.kept: list[RowError] = []
        self.errors = 0
        self.warnings = 0
        self._groups: Counter[tuple[str, str, str]] = Counter()
        # each group's code and blanked values (its first error's)
        self._codes: dict[tuple[str, str, str], tuple[str, dict[str, object]]] = {}

    def add(self, error: RowError) -> None:
        if error.severity == "error":
            self.errors += 1
        else:
            self.warnings += 1
        if len(self.kept) < self.limit:
            self.kept.append(error)
            return
        key = (error.severity, error.field, reason_of(error))
        if key not in self._groups:
            if len(self._groups) >= MAX_GROUPS:
                key = (error.severity, "", OTHER_REASON)
                self._codes[key] = (OTHER_CODE, {})
            elif (values := blanked_values(error)) is not None:
                self._codes[key] = (error.message.code, values)
        self._groups[key] += 1

    def extend(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.add(error)

    @property
    def total(self) -> int:
        return self.errors + self.warnings

    @property
    def dropped(self) -> int:
        """How many errors were counted but not kept."""
        return self.total - len(self.kept)

    def totals(self) -> dict[str, int]:
        return {"errors": self.errors, "warnings": self.warnings}

    def overflow(self) -> list[dict[str, Any]]:
        """The errors not kept, counted by (severity, field, reason), most frequent first."""
        out: list[dict[str, Any]] = []
        for key, n in sorted(self._groups.items(), key=lambda item: (-item[1], item[0])):
            severity, field, reason = key
            group: dict[str, Any] = {
                "severity": severity,
                "field": field,
                "reason": reason,
                "count": n,
            }
            if key in self._codes:
                group["code"], group["values"] = self._codes[key]
            out.append(group)
        return out
