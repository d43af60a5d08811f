"""Identifier recognition: GTINs (with check digit), MPN / catalog numbers, retailer SKUs."""

from __future__ import annotations

import re

from catalog.gtin import gtin14

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


def normalize_key(raw: str) -> str:
    """Upper-case alphanumerics only: ``'ab-12.3 x'`` -> ``'AB123X'``."""
    return _NON_ALNUM.sub("", raw.upper())


def looks_like_code(raw: str) -> bool:
    """A token that may be an MPN, catalog number or SKU: has a digit and is >= 3 chars."""
    key = normalize_key(raw)
    return len(key) >= 3 and any(c.isdigit() for c in key)


def identifier_terms(query: str) -> tuple[str, ...]:
    """Every identifier key a raw query might denote, most specific first.

    The whole query (without separators) and each whitespace token are tried: GTIN-shaped
    digit strings become padded GTIN-14s; other digit-bearing codes their normalized key.
    """
    candidates: list[str] = []
    stripped = query.strip()
    if not stripped:
        return ()
    words = stripped.split()
    # The whole query as one code ("ABC 123-4"), only when it is short enough to be one.
    pieces = [stripped, *words] if 1 < len(words) <= 3 else words
    for piece in pieces:
        gtin = gtin14(piece)
        if gtin:
            candidates.append(gtin)
        if looks_like_code(piece):
            candidates.append(normalize_key(piece))
    return tuple(dict.fromkeys(candidates))
