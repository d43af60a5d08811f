"""The row-error download's bytes: Swedish Excel opens the Swedish one in columns."""

from __future__ import annotations

import csv
import io

import pytest

from api.errors_csv import errors_csv

ROWS = [
    [3, "price", "12,50 kr", "inte ett pris: '12,50 kr'", "error"],
    [7, "gtin", "=1+2", "GTIN '=1+2' innehåller tecken som inte är siffror", "warning"],
    ["", "stock", "", "4 fler rader som inte listas: lagerstatus saknas", "error"],
]


def test_swedish_is_semicolon_separated_utf8_with_a_bom_and_swedish_words() -> None:
    data = errors_csv(ROWS, "sv")
    assert data.startswith(b"\xef\xbb\xbf")
    first_line = data.split(b"\r\n", 1)[0]
    assert first_line == "\ufeffRad;Fält;Värde;Meddelande;Allvarlighet".encode()
    assert b"\r\n3;Pris;12,50 kr;inte ett pris: '12,50 kr';fel\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[2] == [
        "7",
        "GTIN/EAN",
        "'=1+2",  # a formula is still written as text
        "GTIN '=1+2' innehåller tecken som inte är siffror",
        "varning",
    ]
    assert rows[3][:2] == ["", "Lagerstatus"] and len(rows) == 4
    assert all(len(row) == 5 for row in rows)


def test_english_is_comma_separated_without_a_bom_and_keeps_the_api_names() -> None:
    data = errors_csv(ROWS, "en")
    assert data.startswith(b"row,field,value,message,severity\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[1] == ["3", "price", "12,50 kr", "inte ett pris: '12,50 kr'", "error"]
    assert rows[2][4] == "warning"


def test_an_unknown_field_or_severity_is_written_as_given() -> None:
    data = errors_csv([[1, "kolumn_x", "v", "m", "info"]], "sv").decode("utf-8-sig")
    assert data.splitlines()[1] == "1;kolumn_x;v;m;info"


def _parsed(data: bytes, lang: str) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if lang == "sv" else ","))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_field_column_never_holds_the_word_row(lang: str) -> None:
    """A whole-row problem (a row wider than the header) has no one field: its cell is empty,
    in a run stored before (field "row") as in one stored now (field "")."""
    rows = [[4, "row", "", "row has 5 cells", "error"], [5, "", "", "row has 6 cells", "error"]]
    parsed = _parsed(errors_csv(rows, lang), lang)
    assert [r[1] for r in parsed[1:]] == ["", ""]
    assert all("row" not in r[1].lower() and r[1] != "Rad" for r in parsed[1:])


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_cell_that_starts_like_a_formula_is_neutralised(lang: str, start: str) -> None:
    """Each column (row, field, value, message, severity) of both downloads: a cell starting
    with = + - @ tab or CR is written with a leading apostrophe, so no spreadsheet runs it."""
    cell = f'{start}HYPERLINK("http://x")'
    parsed = _parsed(errors_csv([[cell, cell, cell, cell, cell]], lang), lang)
    assert parsed[1] == [f"'{cell}"] * 5
    plain = _parsed(errors_csv([[2, "price", "12", "ok", "error"]], lang), lang)
    assert not any(c.startswith("'") for c in plain[1])
