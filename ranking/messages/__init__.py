"""Explanation sentences rendered from reason codes and values, in Swedish or English.

Ranking explains each factor as data (``Contribution.code`` and ``.values``, see
``ranking.explain``); the words live here, one typed catalog module per language
(``ranking.messages.en``, ``ranking.messages.sv``), and :func:`render` fills them in.

Why in ``ranking``: the layer order is valbar > ui > api > marketplace > indexer > search >
ranking > catalog, and a module may only import layers below it. The codes are written by
ranking and read by the API (``Accept-Language``), the UI (the page language) and the CLI,
so the catalogs sit in the lowest layer that knows the codes, next to the code that writes
them; a rewording changes one catalog entry and every reader at once. The package is pure
data plus string formatting: no I/O, no imports outside ``ranking``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from ranking.messages import en, sv
from ranking.messages.catalog import Catalog

CATALOGS: dict[str, Catalog] = {"en": en.CATALOG, "sv": sv.CATALOG}
LANGUAGES: tuple[str, ...] = tuple(CATALOGS)
DEFAULT_LANGUAGE = "en"

_FIELD = re.compile(r"\{(@?)(\w+)(?:([:#])(\w+))?\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
_MAX_DEPTH = 4  # messages nest {@name} at most this deep


def codes(lang: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    """Every code that has a message in ``lang``."""
    return frozenset(CATALOGS[lang].messages)


def render(
    code: str,
    values: Mapping[str, Any],
    lang: str = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> str:
    """The sentence for ``code`` filled with ``values``, in ``lang`` (unknown: English).

    ``currency``: the currency the amounts (``{name:money}``) are in, written with them
    ("1 234,50 kr"); without it an amount is a bare number. Ranking compares prices in one
    currency but does not know which: the reader that does passes it.

    A code without a message (a factor added without catalog entries) is written with the
    catalog's generic fallback: the code and its values.
    """
    return _render_cached(code, tuple(values.items()), lang, currency)


def referenced_codes(code: str, values: Mapping[str, Any]) -> list[str]:
    """``code`` and the codes its message pulls in with ``{@name}`` (for completeness tests)."""
    found = [code]
    template = CATALOGS[DEFAULT_LANGUAGE].messages.get(code, "")
    for match in _FIELD.finditer(template):
        if match.group(1) and isinstance(values.get(match.group(2)), str):
            found += referenced_codes(values[match.group(2)], values)
    return found


def render_with(catalog: Catalog, code: str, values: Mapping[str, Any]) -> str:
    """:func:`render` with another layer's catalog (the indexer's feed-run messages,
    ``indexer.messages``): the same template language, fallback included."""
    return _render(catalog, code, values)


@lru_cache(maxsize=8192)
def _render_cached(
    code: str, items: tuple[tuple[str, Any], ...], lang: str, currency: str | None
) -> str:
    catalog = CATALOGS.get(lang) or CATALOGS[DEFAULT_LANGUAGE]
    return _render(catalog, code, dict(items), currency=currency)


def _render(
    catalog: Catalog,
    code: str,
    values: Mapping[str, Any],
    depth: int = 0,
    currency: str | None = None,
) -> str:
    template = catalog.messages.get(code)
    if template is not None and depth < _MAX_DEPTH:
        try:
            return _fill(catalog, template, values, depth, currency)
        except (KeyError, TypeError, ValueError):
            pass  # values that do not fit the message (not written by ranking)
    shown = ", ".join(f"{k} {_plain(catalog, v)}" for k, v in values.items())
    return catalog.fallback.format(code=code.replace("_", " "), values=shown)


def _fill(
    catalog: Catalog,
    template: str,
    values: Mapping[str, Any],
    depth: int,
    currency: str | None = None,
) -> str:

    def optional(match: re.Match[str]) -> str:
        part = match.group(1)
        names = [m.group(2) for m in _FIELD.finditer(part)]
        if all(values.get(name) not in (None, "") for name in names):
            return part
        return ""

    def field(match: re.Match[str]) -> str:
        nested, name, sep, spec = match.groups()
        value = values[name]  # missing: KeyError, the fallback is written
        if nested:
            return _render(catalog, str(value), values, depth + 1, currency)
        if sep == "#":
            singular, plural = catalog.nouns[spec]
            return f"{int(value)} {singular if value == 1 else plural}"
        return _formatted(catalog, value, spec, currency)

    return _FIELD.sub(field, _OPTIONAL.sub(optional, template))


def _decimal(catalog: Catalog, text: str) -> str:
    return text.replace(".", catalog.decimal) if catalog.decimal != "." else text


def _formatted(catalog: Catalog, value: Any, spec: str | None, currency: str | None = None) -> str:
    if value is None:
        raise ValueError("a value of the message is missing")
    if spec == "pct":
        return f"{float(value):.0%}".replace("%", catalog.percent)
    if spec == "stars":
        return _decimal(catalog, f"{float(value):.1f}") + "/5"
    if spec in ("money", "amount"):  # "amount": never with the reader's currency
        if spec == "amount":
            currency = None
        if not catalog.thousands:
            amount = _decimal(catalog, f"{float(value):.2f}")
        else:
            whole, _, cents = f"{float(value):,.2f}".partition(".")
            amount = whole.replace(",", catalog.thousands) + catalog.decimal + cents
        if currency is None:
            return amount
        symbol = catalog.currency_symbols.get(currency, currency)
        return catalog.money.format(amount=amount, currency=symbol)
    if spec == "dec":  # an exact decimal given as text ("0.4483"), with the decimal mark
        return _decimal(catalog, str(value))
    if spec == "repr":
        return repr(value)
    if spec == "n":
        return f"{int(value):,}".replace(",", catalog.group)
    return _plain(catalog, value)


def _plain(catalog: Catalog, value: Any) -> str:
    if isinstance(value, float):
        return _decimal(catalog, f"{value:g}")
    return str(value)


def negotiate(header: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The best of :data:`LANGUAGES` for an ``Accept-Language`` header (RFC 9110 q-values).

    ``"sv-SE,sv;q=0.9,en;q=0.8"`` gives ``"sv"``; no header, ``*`` or only unknown
    languages give ``default``. A language refused with ``q=0`` is never chosen while
    another is not refused (``"en;q=0"`` gives ``"sv"``); a range whose q-value is not a
    number from 0 to 1 is ignored.
    """
    best, best_q = default, 0.0
    refused: set[str] = set()
    wildcard_q: float | None = None
    for tag, q in _ranges(header or ""):
        primary = tag.split("-", 1)[0].lower()
        if primary == "*":
            wildcard_q = q if wildcard_q is None else wildcard_q
        elif primary in CATALOGS and q == 0:
            refused.add(primary)
        elif primary in CATALOGS and q > best_q:
            best, best_q = primary, q  # the first of equal q-values wins
    if best_q > 0:
        return best
    open_ = [lang for lang in (default, *LANGUAGES) if lang not in refused]
    if wildcard_q == 0:  # "*;q=0": only the languages named with q > 0 (none were)
        return default
    return open_[0] if open_ else default


def _ranges(header: str) -> Iterable[tuple[str, float]]:
    for item in header.split(","):
        tag, _, params = item.strip().partition(";")
        q: float | None = 1.0
        for param in params.split(";"):
            key, _, raw = param.strip().partition("=")
            if key.strip().lower() == "q":
                q = _qvalue(raw)
        if tag.strip() and q is not None:
            yield tag.strip(), q


def _qvalue(raw: str) -> float | None:
    """A q-value from 0 to 1; None for anything else (``nan``, ``inf``, ``2``, ``abc``)."""
    try:
        q = float(raw)
    except ValueError:
        return None
    return q if 0.0 <= q <= 1.0 else None


__all__ = [
    "CATALOGS",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "codes",
    "negotiate",
    "render",
    "render_with",
]
