"""GS1 GTIN validation and normalization (pure)."""

from __future__ import annotations

GTIN_LENGTHS = frozenset({8, 12, 13, 14})


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (all digits but the last)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid_gtin(value: str) -> bool:
    """True for an 8/12/13/14-digit GTIN whose check digit is right."""
    if len(value) not in GTIN_LENGTHS or not value.isdigit():
        return False
    return gtin_check_digit(value[:-1]) == int(value[-1])


def normalize_gtin(raw: str) -> str | None:
    """GTIN-14 (zero padded) for a valid GTIN-8/12/13/14, else None. Spaces and dashes go."""
    value = "".join(ch for ch in raw if ch not in " -\t")
    if not is_valid_gtin(value):
        return None
    return value.zfill(14)


def gtin_problem(raw: str) -> str:
    """A short human reason why ``raw`` is not a valid GTIN (for a row error)."""
    value = "".join(ch for ch in raw if ch not in " -\t")
    if not value.isdigit():
        return f"GTIN {raw!r} contains non-digits"
    if len(value) not in GTIN_LENGTHS:
        return f"GTIN {raw!r} has {len(value)} digits (8, 12, 13 or 14 expected)"
    return f"GTIN {raw!r} fails the check digit (expected {gtin_check_digit(value[:-1])})"
