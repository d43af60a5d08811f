"""A feed run as the portal shows it: every count it recorded, and its messages in the
reader's language.

The indexer records every message as data: a code and its values next to the English text
(``indexer.messages``). The portal renders them from the indexer's Swedish and English
catalogs; a refusal whose English names a CLI flag (``--allow-mass-withdrawal``) is said in
the portal's own words instead (``portal.<code>`` in ``ui.messages_feeds``), pointing to the
portal's controls. A message stored without a code (before codes existed) is shown as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from indexer.messages import code_of, render_stored, values_of
from ui.i18n import MESSAGES, translate

CHANGE_COUNTS = ("inserted", "updated", "reactivated", "unchanged", "withdrawn", "kept")
"""What the run did with the stored offers, in the order the summary shows them."""

MATCH_PREFIX = "matched_"
MATCH_ORDER = ("gtin", "brand_mpn", "mpn", "title", "manual")
PORTAL_PREFIX = "portal."


def message_text(
    text: str | None, code: str | None, values: Mapping[str, Any] | None, lang: str
) -> str | None:
    """A feed-run message in ``lang``: the portal's words for its code when it has its own,
    else the indexer's catalog; one stored without a code is shown as stored."""
    if code and f"{PORTAL_PREFIX}{code}" in MESSAGES:
        return translate(lang, f"{PORTAL_PREFIX}{code}", **_portal_values(values or {}, lang))
    return render_stored(text, code, values, lang)


def _portal_values(values: Mapping[str, Any], lang: str) -> dict[str, object]:
    """The values as the portal's sentences name them: counts grouped, a ratio in percent."""
    out: dict[str, object] = {}
    for key, value in values.items():
        if key == "ratio":
            out[key] = f"{float(value):.0%}".replace("%", "\u00a0%" if lang == "sv" else "%")
        elif isinstance(value, int):
            out[key] = _number(value, lang)
        else:
            out[key] = value
    return out


def raised_message(message: str | None, lang: str) -> str | None:
    """A message just raised (an ``indexer.messages.Message``, not yet stored) in ``lang``."""
    if message is None:
        return None
    return message_text(str(message), code_of(message), values_of(message), lang)


def row_message(error: Mapping[str, Any], lang: str, text_key: str = "message") -> str:
    """A stored row error's message (its ``message``, ``code`` and ``values``) in ``lang``;
    ``text_key="reason"`` for a counted group of them (``counts.error_groups``)."""
    text = error.get(text_key)
    values = error.get("values")
    return (
        message_text(
            None if text is None else str(text),
            error.get("code"),
            values if isinstance(values, Mapping) else None,
            lang,
        )
        or ""
    )


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


MORE_ERROR_GROUPS = 5
"""How many (field, reason) groups of unlisted errors the summary line names."""


def _number(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "\u00a0" if lang == "sv" else ",")


def more_errors(counts: Mapping[str, Any], lang: str) -> str | None:
    """The line under a run's listed row errors when it had more than it keeps in full:
    "och 18 233 fler fel som inte listas: pris saknas 12 000, …" (None when it kept all)."""
    n = int(counts.get("errors_truncated") or 0)
    if n <= 0:
        return None
    groups = [g for g in counts.get("error_groups") or [] if isinstance(g, Mapping)]
    parts = [
        f"{row_message(g, lang, 'reason')} {_number(int(g.get('count', 0)), lang)}"
        for g in groups[:MORE_ERROR_GROUPS]
    ]
    rest = sum(int(g.get("count", 0)) for g in groups[MORE_ERROR_GROUPS:])
    if rest:
        parts.append(translate(lang, "portal.more_errors_other", n=_number(rest, lang)))
    return translate(lang, "portal.more_errors", n=_number(n, lang), groups=", ".join(parts))


def field_label(field: str, lang: str) -> str:
    """A row error's field in the reader's words (``price`` -> ``Pris``); unknown as given."""
    key = f"field.{field}"
    label = translate(lang, key)
    return field if label == key else label


def severity_label(severity: str, lang: str) -> str:
    key = f"severity.{severity}"
    label = translate(lang, key)
    return severity if label == key else label
