"""GS1 GTIN validation and normalization (pure)."""

from __future__ import annotations

from catalog.gtin import GTIN_LENGTHS, is_valid_gtin
from catalog.gtin import check_digit as gtin_check_digit
from catalog.gtin import gtin14 as normalize_gtin

__all__ = ["gtin_check_digit", "gtin_problem", "is_valid_gtin", "normalize_gtin"]


def gtin_problem(raw: str) -> str:
    """A short human reason why ``raw`` is not a valid GTIN (for a row error)."""
    value = "".join(ch for ch in raw if ch not in " -\t")
    if not value.isdigit():
        return f"GTIN {raw!r} contains non-digits"
    if len(value) not in GTIN_LENGTHS:
        return f"GTIN {raw!r} has {len(value)} digits (8, 12, 13 or 14 expected)"
    return f"GTIN {raw!r} fails the check digit (expected {gtin_check_digit(value[:-1])})"
