"""A feed run as the portal shows it: every count it recorded, and its refusal in the reader's
language.

The indexer writes its refusal messages in English for the CLI and the API (they name CLI
flags); the portal recognises them here and says the same in Swedish or English, pointing to
the portal's own controls instead. A message it does not recognise is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ui.i18n import translate

CHANGE_COUNTS = ("inserted", "updated", "reactivated", "unchanged", "withdrawn", "kept")
"""What the run did with the stored offers, in the order the summary shows them."""

MATCH_PREFIX = "matched_"
MATCH_ORDER = ("gtin", "brand_mpn", "mpn", "title", "manual")

_MASS_WITHDRAWAL = re.compile(
    r"^this feed would withdraw (?P<n>\d+) of (?P<total>\d+) active offers "
    r"\(more than (?P<limit>\d+%)\)"
)
_EMPTY = re.compile(r"^(?P<file>.*): the feed contains no rows; nothing was changed$")
_UNUSABLE = re.compile(
    r"^(?P<file>.*): none of the (?P<n>\d+) rows could be used; nothing was changed$"
)


def run_message(message: str | None, lang: str) -> str | None:
    """The run's message in ``lang`` when it is a known refusal; otherwise as written."""
    if not message:
        return None
    if found := _MASS_WITHDRAWAL.match(message):
        limit = found["limit"].replace("%", "\u00a0%") if lang == "sv" else found["limit"]
        return translate(
            lang, "refusal.mass_withdrawal", n=found["n"], total=found["total"], limit=limit
        )
    if found := _EMPTY.match(message):
        return translate(lang, "refusal.empty", file=found["file"])
    if found := _UNUSABLE.match(message):
        return translate(lang, "refusal.unusable", file=found["file"], n=found["n"])
    return message


def change_counts(counts: Mapping[str, Any]) -> list[tuple[str, int]]:
    """``(message key, n)`` for each change count the run recorded (none if it changed none)."""
    return [(f"count.{k}", int(counts[k])) for k in CHANGE_COUNTS if counts.get(k) is not None]


def match_counts(counts: Mapping[str, Any]) -> list[tuple[str, int]]:
    """``(message key, n)``: offers linked per method, then the unlinked and the queued."""
    methods = {
        k.removeprefix(MATCH_PREFIX): int(v)
        for k, v in counts.items()
        if k.startswith(MATCH_PREFIX)
    }
    ordered = sorted(methods, key=lambda m: (MATCH_ORDER.index(m) if m in MATCH_ORDER else 99, m))
    out = [(f"match.{m}", methods[m]) for m in ordered if methods[m]]
    out += [(f"match.{k}", int(counts[k])) for k in ("unmatched", "review") if counts.get(k)]
    return out


def field_label(field: str, lang: str) -> str:
    """A row error's field in the reader's words (``price`` -> ``Pris``); unknown as given."""
    key = f"field.{field}"
    label = translate(lang, key)
    return field if label == key else label


def severity_label(severity: str, lang: str) -> str:
    key = f"severity.{severity}"
    label = translate(lang, key)
    return severity if label == key else label
