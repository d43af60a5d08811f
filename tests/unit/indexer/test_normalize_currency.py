"""Every ISO 4217 currency in a price cell, a currency column or a price header (issue 13, 10).

Google Merchant feeds write ``price`` as "599 CZK"; a Danish or Polish distributor writes
"1 299,00 PLN". The codes come from a maintained list (pycountry), not a hand table.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from indexer.columns import detect_mapping
from indexer.normalize.price import (
    ParsedPrice,
    PriceError,
    currency_code,
    detect_currency,
    is_currency_code,
    parse_price,
)
from indexer.records import RawRow
from indexer.rows import normalize_row


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("599 CZK", "599.00", "CZK"),
        ("599.00 CZK", "599.00", "CZK"),
        ("PLN 1 299,00", "1299.00", "PLN"),
        ("1 299,00 pln", "1299.00", "PLN"),
        ("4500 ISK", "4500.00", "ISK"),
        ("12.50 JPY", "12.50", "JPY"),
        ("249,90 HUF inkl. moms", "249.90", "HUF"),
    ],
)
def test_any_iso_4217_code_in_a_price_cell(text: str, amount: str, currency: str) -> None:
    parsed = parse_price(text)
    assert parsed.amount == Decimal(amount)
    assert parsed.currency == currency


def test_a_word_that_is_no_currency_is_still_refused() -> None:
    with pytest.raises(PriceError):
        parse_price("599 XYZ")
    with pytest.raises(PriceError):
        parse_price("599 CZK EUR")  # two currencies


def test_codes_come_from_the_iso_list() -> None:
    assert is_currency_code("CZK") and is_currency_code("ISK") and is_currency_code("SEK")
    assert not is_currency_code("XYZ") and not is_currency_code("ABC")
    assert currency_code("czk") == "CZK"
    assert currency_code("XYZ") is None  # not a code: the row gets "unknown currency"
    assert detect_currency("Pris (CZK)") == "CZK"
    assert detect_currency("Pris per st") is None  # "per" is no currency
    assert detect_currency("Pris all inclusive") is None  # lower-case words never are


def test_a_czech_google_feed_row_keeps_its_currency() -> None:
    headers = ["id", "title", "price", "availability"]
    mapping = detect_mapping(headers, known={"sku": "id", "name": "title", "stock": "availability"})
    cells = ["CZ-5521", "Dentální zrcátko č. 5", "599 CZK", "in stock"]
    record, problems = normalize_row(RawRow(2, dict(zip(headers, cells, strict=True))), mapping)
    assert record is not None, problems
    assert (record.price, record.currency) == (Decimal("599.00"), "CZK")
    assert parse_price("599 CZK") == ParsedPrice(Decimal("599.00"), "CZK", None)
