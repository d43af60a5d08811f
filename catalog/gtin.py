"""GS1 GTINs, the one module that reads them: check digits, a lenient and a strict reading.

`gtin14` reads a code leniently (None when it is not a valid GTIN): catalogs, matching keys and
search queries; `gtin_problem` says why a code is not one (a catalog import's row error).
`parse_gtin` reads a retailer's feed cell strictly, with a reason for every refusal
(`GtinError`). Accepted lengths are 8, 12, 13 and 14 digits with a correct GS1 check digit.
Spaces and hyphens between digits and a leading apostrophe (Excel's "text" marker) are ignored.

Spreadsheet damage is reported precisely:

* Scientific notation ("3.65275E+11", "7,31E+12") means Excel turned the code into a number
  and dropped digits; it cannot be repaired and is rejected.
* A float-ish value with an all-zero fraction ("7310000000000.0") is accepted when the integer
  part is a valid GTIN: a double holds up to 15 digits exactly, so no digit was lost, and the
  check digit still guards the result. A non-zero fraction is rejected.
"""

from __future__ import annotations

import re

_IGNORED = re.compile(r"[\s\-]+")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+")
_FLOATISH = re.compile(r"(\d+)[.,](\d+)")
_SEPARATORS = re.compile(r"[\s\u00a0\-]+")

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
    """A short human reason why ``raw`` is not a valid GTIN for `gtin14` (for a row error):
    the strict reading's reason, or that the code needs cleaning up when only that reads it."""
    try:
        parse_gtin(raw)
    except GtinError as exc:
        return exc.message
    return f"GTIN {raw!r} is not written as plain digits"


class GtinError(ValueError):
    """A GTIN cell that is not a valid GTIN-8/12/13/14; ``reason`` is a short code and
    ``values`` what the message names besides the cell (``digits``, ``found``, ...): a feed's
    row error is the message ``gtin.<reason>`` of ``indexer.messages`` with these values."""

    def __init__(self, value: str, reason: str, message: str, **values: str | int) -> None:
        self.value = value
        self.reason = reason  # empty | excel_scientific | non_digits | length | check_digit | ...
        self.message = message
        self.values: dict[str, str | int] = {"value": value, **values}
        super().__init__(message)


def parse_gtin(text: str) -> str:
    """The 14-digit GTIN for a cell, or :class:`GtinError` saying exactly what is wrong."""
    code = text.strip()
    if code.isdigit() and code.isascii() and len(code) in GTIN_LENGTHS:
        return _checked(code, text)
    code = code.lstrip("'")
    if not code:
        raise GtinError(text, "empty", "GTIN is empty")
    if _SCIENTIFIC.fullmatch(code):
        raise GtinError(
            text,
            "excel_scientific",
            f"GTIN {text!r} was mangled by Excel (scientific notation): digits are lost; "
            "export the column as text",
        )
    floatish = _FLOATISH.fullmatch(code)
    if floatish:
        if floatish.group(2).strip("0"):
            raise GtinError(text, "decimal", f"GTIN {text!r} is a decimal number, not a code")
        code = floatish.group(1)
    else:
        code = _SEPARATORS.sub("", code)
    if not (code.isdigit() and code.isascii()):
        bad = sorted({c for c in code if not ("0" <= c <= "9")})
        chars = "".join(bad)
        raise GtinError(
            text, "non_digits", f"GTIN {text!r} contains non-digits: {chars!r}", chars=chars
        )
    if len(code) not in GTIN_LENGTHS:
        raise GtinError(
            text,
            "length",
            f"GTIN {text!r} has {len(code)} digits; expected 8, 12, 13 or 14",
            digits=len(code),
        )
    return _checked(code, text)


def _checked(code: str, original: str) -> str:
    expected = check_digit(code[:-1])
    if expected != int(code[-1]):
        raise GtinError(
            original,
            "check_digit",
            f"GTIN {original!r} has check digit {code[-1]}, expected {expected}",
            found=int(code[-1]),
            expected=expected,
        )
    if not code.strip("0"):
        raise GtinError(original, "zero", f"GTIN {original!r} is all zeros (a placeholder)")
    return code.rjust(14, "0")
