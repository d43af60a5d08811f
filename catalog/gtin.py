"""GS1 GTIN check digits: the one implementation every layer uses."""

from __future__ import annotations

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
    """A valid GTIN-8/12/13/14 (spaces and dashes ignored) padded to 14 digits, else None."""
    code = raw.replace(" ", "").replace("-", "").replace("\t", "")
    return code.zfill(14) if is_valid_gtin(code) else None
