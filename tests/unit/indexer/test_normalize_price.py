"""Price cells: Swedish and English formats, currencies, VAT wording, garbage."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.normalize.price import (
    CENT,
    ParsedPrice,
    PriceError,
    currency_code,
    detect_currency,
    detect_vat,
    number_text,
    parse_price,
)

NBSP = "\u00a0"
THIN = "\u2009"
NARROW_NBSP = "\u202f"


@pytest.mark.parametrize(
    ("text", "amount", "currency", "vat"),
    [
        ("1 234,50 kr", "1234.50", "SEK", None),
        ("1.234,50", "1234.50", None, None),
        ("1,234.50", "1234.50", None, None),
        ("99:-", "99.00", "SEK", None),
        ("99,-", "99.00", "SEK", None),
        ("1 299:-", "1299.00", "SEK", None),
        ("SEK 199.00", "199.00", "SEK", None),
        ("199.00 SEK", "199.00", "SEK", None),
        ("199 kr inkl. moms", "199.00", "SEK", True),
        ("199 kr exkl moms", "199.00", "SEK", False),
        ("199 kr exkl. moms", "199.00", "SEK", False),
        ("199 kr ex moms", "199.00", "SEK", False),
        ("199 kr + moms", "199.00", "SEK", False),
        ("199 SEK inklusive moms", "199.00", "SEK", True),
        ("199 SEK exklusive moms", "199.00", "SEK", False),
        ("19.99 EUR incl. VAT", "19.99", "EUR", True),
        ("19.99 EUR excl. VAT", "19.99", "EUR", False),
        ("19.99 EUR ex. VAT", "19.99", "EUR", False),
        ("€ 19,99", "19.99", "EUR", None),
        ("19.99 EUR", "19.99", "EUR", None),
        ("$5", "5.00", "USD", None),
        ("£1,299.99", "1299.99", "GBP", None),
        ("kr 199", "199.00", "SEK", None),
        ("199 kr/st", "199.00", "SEK", None),
        (f"1{NBSP}234,50{NBSP}kr", "1234.50", "SEK", None),
        (f"1{THIN}234,50", "1234.50", None, None),
        (f"1{NARROW_NBSP}234", "1234.00", None, None),
        ("1 234", "1234.00", None, None),
        ("5 000 000", "5000000.00", None, None),
        ("1.234.567", "1234567.00", None, None),
        ("1,234,567.89", "1234567.89", None, None),
        ("12.345,6", "12345.60", None, None),
        ("1'234.50", "1234.50", None, None),
        ("0", "0.00", None, None),
        ("1.5", "1.50", None, None),
        (".5", "0.50", None, None),
        ("199.00", "199.00", None, None),
        ("199", "199.00", None, None),
        ("  199.5  ", "199.50", None, None),
        ("1.2345", "1.23", None, None),
        ("1.235", "1235.00", None, None),
    ],
)
def test_parse_price_formats(
    text: str, amount: str, currency: str | None, vat: bool | None
) -> None:
    assert parse_price(text) == ParsedPrice(Decimal(amount), currency, vat)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        # A single separator followed by exactly three digits groups thousands...
        ("1.234", "1234.00"),
        ("1,234", "1234.00"),
        ("999,000", "999000.00"),
        # ...unless it follows a lone zero or nothing, or the integer part is too long for a group.
        ("0.125", "0.13"),
        ("0,125", "0.13"),
        (",125", "0.13"),
        ("1234,567", "1234.57"),
        # Two digits (or one) after a single separator: always a decimal.
        ("1,23", "1.23"),
        ("1.2", "1.20"),
    ],
)
def test_single_separator_ambiguity_rule(text: str, amount: str) -> None:
    assert parse_price(text).amount == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("-5", "negative"),
        ("-199 kr", "negative"),
        ("(5)", "negative"),
        ("Pris på förfrågan", "not a price"),
        ("Ring för pris", "not a price"),
        ("199-299", "not a price"),
        ("12 34", "not a single amount"),
        ("1.23.4", "inconsistent separators"),
        ("1,234.567,8", "inconsistent separators"),
        ("1e5", "not a price"),
        ("nan", "not a price"),
        ("kr", "no amount"),
        ("199 SEK 10 EUR", "two currencies"),
        ("5 XYZ", "'XYZ' in '5 XYZ' is not a currency code"),
        ("12 pcs", "'PCS' in '12 pcs' is not a currency code"),
    ],
)
def test_parse_price_rejects_garbage(text: str, reason: str) -> None:
    with pytest.raises(PriceError, match=reason) as info:
        parse_price(text)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Pris inkl. moms", True),
        ("Pris inkl moms", True),
        ("Price incl. VAT", True),
        ("Price tax included", True),
        ("Pris exkl. moms", False),
        ("Pris exkl", False),
        ("Pris ex moms", False),
        ("Price tax excluded", False),
        ("Price excl. VAT", False),
        ("Pris", None),
        ("Sale price", None),
        ("Exklusiva produkter", None),
    ],
)
def test_detect_vat_in_headers(header: str, expected: bool | None) -> None:
    assert detect_vat(header) is expected


def test_currency_helpers() -> None:
    assert detect_currency("Pris (SEK)") == "SEK"
    assert detect_currency("Price €") == "EUR"
    assert detect_currency("Pris") is None
    assert detect_currency("Sekunder") is None
    assert currency_code("kr") == "SEK"
    assert currency_code(" eur ") == "EUR"
    assert currency_code("nok") == "NOK"
    assert currency_code("kronor per styck") is None


amounts = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)


def _swedish(value: Decimal) -> str:
    integer, _, fraction = f"{value:.2f}".partition(".")
    grouped = f"{int(integer):,}".replace(",", " ")
    return f"{grouped},{fraction} kr"


@given(amounts)
def test_round_trip_swedish(value: Decimal) -> None:
    parsed = parse_price(_swedish(value))
    assert parsed.amount == value
    assert parsed.currency == "SEK"


@given(amounts)
def test_round_trip_swedish_nbsp(value: Decimal) -> None:
    assert parse_price(_swedish(value).replace(" ", NBSP)).amount == value


@given(amounts)
def test_round_trip_english(value: Decimal) -> None:
    assert parse_price(f"{value:,.2f}").amount == value


@given(amounts)
def test_round_trip_code_prefix(value: Decimal) -> None:
    parsed = parse_price(f"SEK {value:.2f}")
    assert parsed == ParsedPrice(value, "SEK", None)


@given(st.text(max_size=30))
def test_never_raises_anything_but_price_error(text: str) -> None:
    try:
        parsed = parse_price(text)
    except PriceError:
        return
    assert parsed.amount >= 0
    assert parsed.amount == parsed.amount.quantize(Decimal("0.01"))


prices_in_files = st.decimals(
    min_value=0, max_value=Decimal("9999999"), allow_nan=False, allow_infinity=False, places=4
)


@given(prices_in_files)
def test_number_text_is_read_back_exactly(value: Decimal) -> None:
    # A number cell is never read with the thousands rules: 12.345 is 12.35, not 12345.
    text = number_text(value)
    assert parse_price(text).amount == value.quantize(CENT, ROUND_HALF_UP)
    assert Decimal(text) == value


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_number_text_of_floats_uses_their_shortest_repr(value: float) -> None:
    assert parse_price(number_text(value)).amount == Decimal(repr(value)).quantize(
        CENT, ROUND_HALF_UP
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("12.345"), "12.3450"),
        (12.345, "12.3450"),
        (Decimal("1.234E+3"), "1234"),
        (Decimal("19.90"), "19.90"),
        (1e-7, "0.0000001"),
        (12.0, "12"),
        (7310865004703, "7310865004703"),
        (float("inf"), "inf"),
    ],
)
def test_number_text(value: Decimal | float, text: str) -> None:
    assert number_text(value) == text


@pytest.mark.parametrize("text", ["1" * 27, "9" * 40, "1" * 30 + ",50 kr"])
def test_absurdly_long_amounts_are_price_errors(text: str) -> None:
    # found by hypothesis: the fast path let Decimal.quantize raise InvalidOperation
    with pytest.raises(PriceError, match=r"out of range|not a price|no amount"):
        parse_price(text)
