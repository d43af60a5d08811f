"""Every row-error message the indexer writes is shown in Swedish in the portal."""

from __future__ import annotations

import pytest

from indexer.errors import IndexerError
from indexer.feeds.csv_reader import too_wide
from indexer.feeds.excel_reader import formula_text
from indexer.normalize.gtin import normalize_gtin
from indexer.normalize.price import parse_price
from ui.feed_report import message_label


def _message(call: object, text: str) -> str:
    with pytest.raises(IndexerError) as info:
        call(text)  # type: ignore[operator]
    return str(getattr(info.value, "message", info.value))


@pytest.mark.parametrize(
    "text", ["abc", "-5,00 kr", "12 SEK 13 EUR", "1.234,5.6", "", "1,2,3 kr", "10 kr 20 kr"]
)
def test_price_errors_are_translated(text: str) -> None:
    message = _message(parse_price, text)
    swedish = message_label(message, "sv")
    assert swedish != message, message
    assert message_label(message, "en") == message


@pytest.mark.parametrize(
    "text", ["3.65275E+11", "7310000000001", "73100000000x", "12345", "00000000", "731.5"]
)
def test_gtin_errors_are_translated(text: str) -> None:
    message = _message(normalize_gtin, text)
    swedish = message_label(message, "sv")
    assert swedish != message and "GTIN" in swedish, message


def test_reader_and_row_messages_are_translated() -> None:
    assert message_label(too_wide(5, 4, ","), "sv") == (
        "raden har 5 celler men rubrikraden 4: komma utan citattecken i ett värde förskjuter "
        "kolumnerna"
    )
    assert message_label(formula_text("=C2*1.25"), "sv").startswith(
        "formel utan sparat värde (=C2*1.25)"
    )
    for english, swedish in (
        ("SKU is empty", "artikelnummer saknas"),
        ("price is empty", "pris saknas"),
        ("stock status not understood", "lagerstatusen gick inte att tolka"),
        (
            "duplicate SKU 'A1': row 2 ignored, row 5 wins (last one wins)",
            "artikelnumret 'A1' finns flera gånger: rad 2 ignoreras, rad 5 gäller (sista raden "
            "gäller)",
        ),
    ):
        assert message_label(english, "sv") == swedish
    assert message_label("something new", "sv") == "something new"  # unknown: as written
