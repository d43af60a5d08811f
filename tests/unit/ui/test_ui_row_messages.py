"""Every row-error message the indexer writes is shown in Swedish in the portal."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.gtin import parse_gtin
from indexer.errors import FeedFormatError, IndexerError
from indexer.feeds import read_feed
from indexer.feeds.csv_reader import too_wide
from indexer.feeds.excel_reader import formula_text
from indexer.normalize.price import parse_price
from ui.feed_report import file_message_label, message_label, run_message


def _message(call: object, text: str) -> str:
    with pytest.raises((IndexerError, ValueError)) as info:  # GtinError: catalog.gtin
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
    message = _message(parse_gtin, text)
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


@pytest.mark.parametrize(
    ("data", "name", "swedish"),
    [
        (b"", "tom.csv", "tom.csv: filen är tom (0 byte)"),
        (bytes(range(256)) * 8, "skrap.bin", "skrap.bin: formatet stöds inte (binärdata); ladda"),
        (
            b"Artikelnummer;Ben\xc3\xa4mning;Pris;Lager\nA1;Sond;10;5\nA2;Spe",
            "kort.csv",
            "kort.csv, rad 3: filen slutar mitt i en rad: sista raden har 2 av rubrikradens 4",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>',
            "ent.xml",
            "ent.xml: XML-filen deklarerar entiteter",
        ),
        (b'{"sku":"A","name":"B","price":"1","stock":"1"}\n{"sku":"C"', "kort.jsonl", "har filen"),
    ],
)
def test_file_level_errors_are_translated(
    tmp_path: Path, data: bytes, name: str, swedish: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(FeedFormatError) as info:
        table = read_feed(path, max_bytes=10_000_000, max_line_bytes=100_000, file_name=name)
        list(table.rows)
    message = str(info.value)
    assert swedish in file_message_label(message, "sv"), message
    assert file_message_label(message, "en") == message
    assert run_message(message, "sv") == file_message_label(message, "sv")


def test_an_unknown_file_message_is_shown_as_written() -> None:
    assert file_message_label("feed.csv: something new", "sv") == "feed.csv: something new"
    assert file_message_label("no prefix at all", "sv") == "no prefix at all"


def test_json_record_errors_read_in_swedish() -> None:
    from ui.feed_report import file_message_label, message_label

    bad = (
        "record 7 of s.json: unreadable JSON in field 'price' at line 8, column 40 "
        "(Expecting ',' delimiter); the record is skipped"
    )
    assert message_label(bad, "sv").startswith("post 7 i s.json: oläsbar JSON i fältet 'price'")
    utf8 = (
        "bytes that are not valid UTF-8 were replaced by \ufffd in field 'name' (the rest of "
        "the file is UTF-8); check the record and save the file as UTF-8"
    )
    assert "i fältet 'name'" in message_label(utf8, "sv")
    whole = "feed.json, row 2: malformed JSON at line 3, column 34: Expecting ',' delimiter"
    assert "felaktig JSON på rad 3, kolumn 34" in file_message_label(whole, "sv")
