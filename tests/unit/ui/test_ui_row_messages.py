"""Every row and file message the indexer writes is shown in Swedish in the portal: rendered
from its code and values (``indexer.messages``), never recognised from its English."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.gtin import GtinError, parse_gtin
from indexer.errors import FeedFormatError
from indexer.feeds import read_feed
from indexer.feeds.csv_reader import too_wide
from indexer.feeds.excel_reader import formula_text
from indexer.feeds.json_cells import bad_record, invalid_utf8
from indexer.messages import Message
from indexer.normalize.price import PriceError, parse_price
from ui.feed_report import message_text, raised_message, row_message


@pytest.mark.parametrize(
    "text", ["abc", "-5,00 kr", "12 SEK 13 EUR", "1.234,5.6", "", "1,2,3 kr", "10 kr 20 kr"]
)
def test_price_errors_are_rendered_in_swedish(text: str) -> None:
    with pytest.raises(PriceError) as info:
        parse_price(text)
    message = info.value.message
    assert message.code.startswith("price.")
    swedish = raised_message(message, "sv")
    assert swedish is not None and swedish != str(message), message
    assert raised_message(message, "en") == str(message) == str(info.value)


@pytest.mark.parametrize(
    "text", ["3.65275E+11", "7310000000001", "73100000000x", "12345", "00000000", "731.5"]
)
def test_gtin_errors_are_rendered_in_swedish(text: str) -> None:
    with pytest.raises(GtinError) as info:
        parse_gtin(text)
    message = Message(f"gtin.{info.value.reason}", **info.value.values)
    assert str(message) == info.value.message  # the catalog says what catalog.gtin says
    swedish = raised_message(message, "sv")
    assert swedish is not None and swedish != str(message) and "GTIN" in swedish, message


def test_reader_and_row_messages_are_rendered_in_swedish() -> None:
    assert raised_message(too_wide(5, 4, ","), "sv") == (
        "raden har 5 celler men rubrikraden 4: komma utan citattecken i ett värde förskjuter "
        "kolumnerna"
    )
    assert too_wide(5, 4, "|") == (
        "row has 5 cells where the header has 4: an unquoted vertical bar inside a value "
        "shifts the columns"
    )
    assert str(raised_message(formula_text("=C2*1.25"), "sv")).startswith(
        "formel utan sparat värde (=C2*1.25)"
    )
    for message, english, swedish in (
        (Message("row.sku_empty"), "SKU is empty", "artikelnummer saknas"),
        (Message("price.empty"), "price is empty", "pris saknas"),
        (
            Message("row.stock_unclear"),
            "stock status not understood",
            "lagerstatusen gick inte att tolka",
        ),
        (
            Message("row.duplicate_sku", value="A1", row=2, other_row=5),
            "duplicate SKU 'A1': row 2 ignored, row 5 wins (last one wins)",
            "artikelnumret 'A1' finns flera gånger: rad 2 ignoreras, rad 5 gäller (sista raden "
            "gäller)",
        ),
    ):
        assert message == english
        stored = {"message": english, **message.as_data()}
        assert row_message(stored, "sv") == swedish
        assert row_message(stored, "en") == english


def test_a_message_stored_without_a_code_is_shown_as_stored() -> None:
    """Runs recorded before messages had codes keep their text; nothing guesses at it."""
    assert row_message({"message": "SKU is empty"}, "sv") == "SKU is empty"
    assert message_text("lager.csv: something new", None, None, "sv") == (
        "lager.csv: something new"
    )
    assert message_text(None, None, None, "sv") is None
    # a code this version does not know (written by a newer one): the text as stored
    assert message_text("as stored", "row.from_the_future", {}, "sv") == "as stored"


@pytest.mark.parametrize(
    ("data", "name", "code", "swedish"),
    [
        (b"", "tom.csv", "file.empty", "tom.csv: filen är tom (0 byte)"),
        (
            bytes(range(256)) * 8,
            "skrap.bin",
            "file.unsupported",
            "skrap.bin: formatet stöds inte (binärdata); ladda",
        ),
        (
            b"Artikelnummer;Ben\xc3\xa4mning;Pris;Lager\nA1;Sond;10;5\nA2;Spe",
            "kort.csv",
            "file.truncated_row",
            "kort.csv, rad 3: filen slutar mitt i en rad: sista raden har 2 av rubrikradens 4",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>',
            "ent.xml",
            "file.xml_entities",
            "ent.xml: XML-filen deklarerar entiteter",
        ),
        (
            b'{"sku":"A","name":"B","price":"1","stock":"1"}\n{"sku":"C"',
            "kort.jsonl",
            "file.json_truncated_line",
            "har filen",
        ),
    ],
)
def test_file_level_errors_are_rendered_in_swedish(
    tmp_path: Path, data: bytes, name: str, code: str, swedish: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(FeedFormatError) as info:
        table = read_feed(path, max_bytes=10_000_000, max_line_bytes=100_000, file_name=name)
        list(table.rows)
    message = info.value.message
    assert message.code == code and message.values["file"] == name
    assert swedish in str(raised_message(message, "sv")), message
    assert raised_message(message, "en") == str(info.value)


def test_json_record_errors_read_in_swedish() -> None:
    bad = bad_record(7, "s.json", "price", 8, 40, "Expecting ',' delimiter")
    assert bad == (
        "record 7 of s.json: unreadable JSON in field 'price' at line 8, column 40 "
        "(Expecting ',' delimiter); the record is skipped"
    )
    assert str(raised_message(bad, "sv")).startswith(
        "post 7 i s.json: oläsbar JSON i fältet 'price'"
    )
    utf8 = invalid_utf8({"name": "Sond \ufffd"})
    assert utf8 is not None and "i fältet 'name'" in str(raised_message(utf8, "sv"))
    whole = Message("file.json_malformed", file="feed.json", row=2, line=3, column=34, error="x")
    assert whole == "feed.json, row 2: malformed JSON at line 3, column 34: x"
    assert raised_message(whole, "sv") == "feed.json, rad 2: felaktig JSON på rad 3, kolumn 34: x"
