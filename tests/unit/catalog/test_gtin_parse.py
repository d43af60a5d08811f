"""GTIN validation: lengths, check digits, spreadsheet damage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.gtin import GtinError, check_digit, is_valid_gtin, parse_gtin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("96385074", "00000096385074"),  # GTIN-8
        ("036000291452", "00036000291452"),  # UPC-A / GTIN-12
        ("4006381333931", "04006381333931"),  # EAN-13
        ("7310865004703", "07310865004703"),
        ("10036000291459", "10036000291459"),  # GTIN-14
        (" 4006381333931 ", "04006381333931"),
        ("400 6381 333931", "04006381333931"),
        ("'4006381333931", "04006381333931"),  # Excel text marker
        ("4006381333931.0", "04006381333931"),  # float-ish, no digits lost
        ("4006381333931,00", "04006381333931"),
    ],
)
def test_parse_gtin_accepts(text: str, expected: str) -> None:
    assert parse_gtin(text) == expected


@pytest.mark.parametrize(
    ("text", "reason", "words"),
    [
        ("1234567890123", "check_digit", "expected 8"),  # the PrestaShop sample EAN
        ("3.65275E+11", "excel_scientific", "Excel"),
        ("7,31E+12", "excel_scientific", "Excel"),
        ("7.310865E12", "excel_scientific", "digits are lost"),
        ("4006381333931.5", "decimal", "decimal"),
        ("12345", "length", "5 digits"),
        ("123456789012345", "length", "15 digits"),
        ("40063813339X1", "non_digits", "'X'"),
        ("EAN4006381333931", "non_digits", "non-digits"),
        ("", "empty", "empty"),
        ("00000000", "zero", "placeholder"),
    ],
)
def test_parse_gtin_rejects_with_reason(text: str, reason: str, words: str) -> None:
    with pytest.raises(GtinError, match=words) as info:
        parse_gtin(text)
    assert info.value.reason == reason
    assert isinstance(info.value, ValueError)


def test_check_digit_ok() -> None:
    assert is_valid_gtin("4006381333931")
    assert not is_valid_gtin("4006381333932")
    assert not is_valid_gtin("400638133393")
    assert not is_valid_gtin("40063813339a1")
    assert check_digit("400638133393") == 1


bodies = (
    st.sampled_from([7, 11, 12, 13])
    .flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n))
    .filter(lambda body: body.strip("0") != "")
)


@given(bodies)
def test_valid_codes_are_accepted_and_padded(body: str) -> None:
    code = body + str(check_digit(body))
    assert is_valid_gtin(code)
    assert parse_gtin(code) == code.rjust(14, "0")


@given(bodies, st.data())
def test_any_single_digit_change_is_rejected(body: str, data: st.DataObject) -> None:
    code = body + str(check_digit(body))
    position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    new_digit = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))
    changed = code[:position] + new_digit + code[position + 1 :]
    assert not is_valid_gtin(changed)
    with pytest.raises(GtinError):
        parse_gtin(changed)


def test_a_catalog_row_error_gives_the_strict_reading_s_reason() -> None:
    """`gtin_problem` (catalog imports) and `parse_gtin` (feeds) explain a code alike."""
    from catalog.gtin import gtin14, gtin_problem

    assert gtin_problem("12345") == "GTIN '12345' has 5 digits; expected 8, 12, 13 or 14"
    assert "check digit" in gtin_problem("7310000000001")
    assert "Excel" in gtin_problem("3.65275E+11")
    # read by the strict feed reading only (Excel's text marker): the catalog says so
    assert gtin14("'7310000000003") is None
    assert gtin_problem("'7310000000003") == 'GTIN "\'7310000000003" is not written as plain digits'
