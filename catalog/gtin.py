"""GS1 GTINs: check digits and the lenient reading every layer shares.

`gtin14` reads a code leniently (None when it is not a valid GTIN): catalogs, matching keys and
search queries. A retailer's feed cell is read strictly, with a reason for every refusal, by
`indexer.normalize.gtin.parse_gtin`, which uses the check digit here.
"""

from __future__ import annotations

import re

_IGNORED = re.compile(r"[\s\-]+")

GTIN_LENGTHS = frozenset({8, 12, 13, 14})


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of ``body`` (all digits but the last): weights 3, 1, 3, …
    from the right."""
    raw = body.encode("utf-8", "surrogatepass")  # callers pass ASCII digits; bytes sum in C
    odd, even = raw[-1::-2], raw[-2::-2]
    total = 3 * (sum(odd) - 48 * len(odd)) + sum(even) - 48 * len(even)
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """True for an ASCII-digit GTIN-8/12/13/14 whose last digit checks out."""
    if len(code) not in GTIN_LENGTHS or not code.isascii() or not code.isdigit():
        return False
    return check_digit(code[:-1]) == ord(code[-1]) - 48


def gtin14(raw: str) -> str | None:
    """A valid GTIN-8/12/13/14 (whitespace and dashes ignored) padded to 14 digits, else None."""
    code = _IGNORED.sub("", raw)
    return code.zfill(14) if is_valid_gtin(code) else None


def gtin_problem(raw: str) -> str:
    """A short human reason why ``raw`` is not a valid GTIN (for a row error)."""
    value = _IGNORED.sub("", raw)
    if not value.isdigit():
        return f"GTIN {raw!r} contains non-digits"
    if len(value) not in GTIN_LENGTHS:
        return f"GTIN {raw!r} has {len(value)} digits (8, 12, 13 or 14 expected)"
    return f"GTIN {raw!r} fails the check digit (expected {check_digit(value[:-1])})"
