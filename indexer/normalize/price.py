"""Price cells of retailer feeds: "1 234,50 kr", "1,234.50", "SEK 199.00", "99:-", "€ 19,99".

Separator rules (Swedish retail context):

* Spaces (also no-break, thin and narrow no-break spaces) and apostrophes group thousands.
* With both "." and "," present, the one that comes last is the decimal separator.
* One kind of separator occurring several times ("1.234.567") groups thousands.
* A single separator followed by exactly three digits ("1.234", "1,234") groups thousands:
  Swedish shops write "1.234 kr" for one thousand two hundred thirty-four kronor, English feeds
  write "1,234", and prices are never quoted in thousandths of a krona or euro. The exception is
  a leading zero ("0.125", ",125"), which cannot start a thousands group and is a decimal.
* Any other single separator is the decimal separator ("1.5", "19,99", ".5").

Amounts are quantized to 0.01 (half-up). Negative amounts, empty cells and text such as
"Pris på förfrågan" raise :class:`PriceError`.

Cells that were numbers in the file (Excel number cells, JSON numbers) are not text a person
typed: readers render them with :func:`number_text`, a plain decimal that these rules read
back as exactly that number (``12.345`` becomes ``"12.3450"``, never a thousands group).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import pycountry

from indexer.errors import IndexerError
from indexer.messages import Message

CENT = Decimal("0.01")

# Currency tokens (compared casefolded) to ISO 4217 codes. "kr" is SEK in a Swedish context.
CURRENCY_TOKENS: dict[str, str] = {
    "sek": "SEK",
    "kr": "SEK",
    "kr.": "SEK",
    "kronor": "SEK",
    "skr": "SEK",
    ":-": "SEK",
    ",-": "SEK",
    ".-": "SEK",
    "eur": "EUR",
    "€": "EUR",
    "euro": "EUR",
    "usd": "USD",
    "$": "USD",
    "us$": "USD",
    "gbp": "GBP",
    "£": "GBP",
    "nok": "NOK",
    "dkk": "DKK",
    "chf": "CHF",
}

# Every ISO 4217 alphabetic code, from the maintained list pycountry ships (not a hand table):
# "599 CZK" is the Google Merchant form of a price.
ISO_4217_CODES: frozenset[str] = frozenset(c.alpha_3 for c in pycountry.currencies)

_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")
_FAST_NUMBER = re.compile(r"\d{1,15}(?:\.\d{1,2})?")  # longer: the checked path below
# "1 234,50 kr", "199 kr", "99:-", "1234,5 SEK": the common Swedish shapes, without ambiguity.
_FAST_SWEDISH = re.compile(
    r"(\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3}){1,4}|\d{1,15})(?:,(\d{1,2}))?\s*(kr|sek|:-|,-)?",
    re.IGNORECASE,
)
_VAT_INCL = re.compile(
    r"(?<![\w])(?:inkl(?:usive)?|incl(?:uding|usive)?|inc|ink|med)\.?\s*"
    r"(?:moms|vat|mva|mwst|tax|skatt)\b\.?"
    r"|(?<![\w])(?:inkl(?:usive)?|incl(?:usive)?)\b\.?"
    r"|(?<![\w])(?:tax|vat)\s+included\b"
)
_VAT_EXCL = re.compile(
    r"(?<![\w])(?:exkl(?:usive)?|excl(?:uding|usive)?|exc|ex|utan|without|plus|\+)\.?\s*"
    r"(?:moms|vat|mva|mwst|tax|skatt)\b\.?"
    r"|(?<![\w])(?:exkl(?:usive)?|excl(?:usive)?)\b\.?"
    r"|(?<![\w])(?:tax|vat)\s+excluded\b"
)
_CURRENCY = re.compile(
    r"(?<![a-z])(?:sek|skr|kronor|kr\.?|eur|euro|usd|us\$|gbp|nok|dkk|chf)(?![a-z])"
    r"|[€$£]|[:.,]-(?![\d])",
)
_CODE_WORD = re.compile(r"(?<![a-z])[a-z]{3}(?![a-z])")
_UPPER_CODE_WORD = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")
_PER_UNIT = re.compile(r"\s*(?:/|per|à)\s*(?:st|stk|styck|pcs|pc|piece|each|ea|unit)\.?$")
_GROUPED_SPACE = re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d*)?")
_NUMBER_CHARS = re.compile(r"[\d.,' ]*\d[\d.,' ]*")
_THOUSANDS_GROUPS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_APOSTROPHE_GROUPS = re.compile(r"\d{1,3}(?:'\d{3})+")
_DECIMAL_TAIL = re.compile(r"[.,]\d*$")


class PriceError(IndexerError, ValueError):
    """A price cell that is not a usable amount (empty, negative, words, ranges): the message
    ``price.<reason>`` (``indexer.messages``) with the cell as ``value``."""

    message: Message

    def __init__(self, reason: str, **values: str) -> None:
        self.message = Message(f"price.{reason}", **values)
        super().__init__(str(self.message))


@dataclass(frozen=True, slots=True)
class ParsedPrice:
    amount: Decimal
    currency: str | None = None
    vat_included: bool | None = None


def detect_vat(text: str) -> bool | None:
    """VAT wording in a price cell or a header: True for "inkl. moms", False for "exkl moms"."""
    folded = text.casefold()
    if _VAT_EXCL.search(folded):
        return False
    if _VAT_INCL.search(folded):
        return True
    return None


def is_currency_code(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 alphabetic code ("CZK"; upper case)."""
    return code in ISO_4217_CODES


def detect_currency(text: str) -> str | None:
    """The currency a header or cell names ("Pris (SEK)" -> "SEK", "Price €" -> "EUR",
    "Pris (CZK)" -> "CZK"). Beyond the tokens of `CURRENCY_TOKENS`, an ISO code counts only
    in capitals: a header's lower-case word ("all", "per") is never a currency."""
    found = _CURRENCY.search(_SPACES.sub(" ", text.casefold()))
    if found:
        return CURRENCY_TOKENS[found.group(0)]
    for word in _UPPER_CODE_WORD.findall(text):
        if word in ISO_4217_CODES:
            return str(word)
    return None


def currency_code(token: str) -> str | None:
    """ISO code for a currency token or code ("kr" -> "SEK", "€" -> "EUR", "czk" -> "CZK"),
    else None."""
    folded = token.strip().casefold()
    code = CURRENCY_TOKENS.get(folded)
    if code is not None:
        return code
    upper = folded.upper()
    return upper if upper in ISO_4217_CODES else None


def number_text(value: Decimal | int | float) -> str:
    """Text of a numeric cell (not typed text) that `parse_price` reads as exactly ``value``.

    Plain positional notation with "." as decimal separator and no grouping, digits as given
    (``1.234e3`` -> ``"1234"``, ``19.90`` -> ``"19.90"``, ``1e-7`` -> ``"0.0000001"``). A
    fraction of exactly three digits gets a fourth, zero, digit (``12.345`` -> ``"12.3450"``)
    so the thousands rule above never applies.
    Floats are taken by their shortest repr (``0.1`` is 0.1, not 0.1000000000000000055...),
    integral ones without a fraction (``12.0`` -> ``"12"``).
    Non-finite values and magnitudes beyond 1e30 keep Python's text; below 1e-20 is ``"0"``.
    """
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        number = Decimal(repr(value))
    else:
        number = value
    if not number.is_finite() or number.adjusted() > 30:
        return str(value)
    if number.adjusted() < -20:
        return "0"
    text = format(number, "f")
    point = text.find(".")
    if point >= 0 and len(text) - point - 1 == 3:
        text += "0"
    return text


@lru_cache(maxsize=8192)
def parse_price(text: str) -> ParsedPrice:
    """Parse one price cell into an amount (0.01), its currency and VAT flag if stated.

    Results are cached (feeds repeat the same few hundred price strings); they are immutable.
    """
    stripped = text.strip()
    if _FAST_NUMBER.fullmatch(stripped):
        return ParsedPrice(Decimal(stripped).quantize(CENT, ROUND_HALF_UP))
    fast = _FAST_SWEDISH.fullmatch(stripped)
    if fast:
        integer, fraction, suffix = fast.groups()
        if len(integer) > 3:
            integer = "".join(integer.split())
        amount = Decimal(f"{integer}.{fraction or '0'}").quantize(CENT, ROUND_HALF_UP)
        return ParsedPrice(amount, "SEK" if suffix else None)
    if not stripped:
        raise PriceError("empty")
    work = _SPACES.sub(" ", stripped.casefold())

    vat: bool | None = None
    match = _VAT_EXCL.search(work)
    if match:
        vat = False
    else:
        match = _VAT_INCL.search(work)
        if match:
            vat = True
    if match:
        work = work[: match.start()] + " " + work[match.end() :]

    if "/" in work or "per" in work or "à" in work:
        work = _PER_UNIT.sub("", work)

    currency: str | None = None
    for found in _CURRENCY.finditer(work):
        code = CURRENCY_TOKENS[found.group(0)]
        if currency is not None and code != currency:
            raise PriceError("two_currencies", value=text, first=currency, second=code)
        currency = code
    if currency is not None:
        work = _CURRENCY.sub(" ", work)
    if _CODE_WORD.search(work):
        currency, work = _iso_codes(work, text, currency)
    work = work.strip()
    if not work:
        raise PriceError("no_amount", value=text)
    if work[0] in "-−–" or (work[0] == "(" and work[-1] == ")"):
        raise PriceError("negative", value=text)
    if work[0] == "+":
        work = work[1:].lstrip()
    amount = _parse_number(work, text)
    return ParsedPrice(amount, currency, vat)


def _iso_codes(work: str, original: str, currency: str | None) -> tuple[str | None, str]:
    """Take the ISO 4217 codes ("czk") out of a casefolded price cell: the currency and what
    is left. Three letters that are no code stay, and the cell is then not a price."""
    for word in _CODE_WORD.findall(work):
        code = word.upper()
        if code not in ISO_4217_CODES:
            continue
        if currency is not None and code != currency:
            raise PriceError("two_currencies", value=original, first=currency, second=code)
        currency = code
        work = re.sub(rf"(?<![a-z]){word}(?![a-z])", " ", work)
    unknown = _CODE_WORD.findall(work)
    if len(unknown) == 1 and _NUMBER_CHARS.fullmatch(_CODE_WORD.sub(" ", work).strip()):
        # "5 XYZ": an amount beside three letters that are no currency code
        raise PriceError("unknown_currency", value=original, code=unknown[0].upper())
    return currency, work


def _parse_number(number: str, original: str) -> Decimal:
    if not _NUMBER_CHARS.fullmatch(number):
        raise PriceError("not_a_price", value=original)
    if " " in number:
        if not _GROUPED_SPACE.fullmatch(number):
            raise PriceError("not_single", value=original)
        number = number.replace(" ", "")
    if "'" in number:
        integer = _DECIMAL_TAIL.sub("", number)
        if not _APOSTROPHE_GROUPS.fullmatch(integer):
            raise PriceError("apostrophe", value=original)
        number = number.replace("'", "")
    dots = number.count(".")
    commas = number.count(",")
    if dots and commas:
        decimal_sep = "." if number.rfind(".") > number.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        integer, _, fraction = number.rpartition(decimal_sep)
        if decimal_sep in integer or not _THOUSANDS_GROUPS.fullmatch(integer):
            raise PriceError("separators", value=original)
        plain = integer.replace(group_sep, "") + "." + fraction
    elif dots + commas > 1:
        if not _THOUSANDS_GROUPS.fullmatch(number):
            raise PriceError("separators", value=original)
        plain = number.replace(".", "").replace(",", "")
    elif dots + commas == 1:
        integer, _, fraction = number.partition("." if dots else ",")
        if len(fraction) == 3 and integer and integer != "0" and len(integer) <= 3:
            plain = integer + fraction  # a thousands separator, see the module docstring
        else:
            plain = (integer or "0") + "." + (fraction or "0")
    else:
        plain = number
    try:
        return Decimal(plain).quantize(CENT, ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise PriceError("out_of_range", value=original) from exc
