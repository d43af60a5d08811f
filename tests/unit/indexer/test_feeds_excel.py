"""Excel workbooks read with openpyxl in read-only mode."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from indexer.errors import FeedFormatError
from indexer.feeds import read_feed
from indexer.feeds.excel_reader import cell_text, format_number


def _book(path: Path) -> Path:
    wb = Workbook()
    empty = wb.active
    assert empty is not None
    empty.title = "Info"
    ws = wb.create_sheet("Priser")
    ws["A3"] = "Artikelnr"
    ws["B3"] = "Benämning"
    ws["C3"] = "Pris"
    ws["D3"] = "EAN"
    ws["E3"] = "Lager"
    ws.append(["K-1", "Komposit", 899.5, 7310000000000.0, 4])
    ws.append([])
    ws.append(["K-2", "Sond", 19.99, 7310000000011, True])
    wb.save(path)
    return path


def test_first_sheet_with_data_and_first_non_empty_row(tmp_path: Path) -> None:
    path = _book(tmp_path / "prislista.csv")  # the extension lies; content decides
    table = read_feed(path, max_bytes=10_000_000, max_line_bytes=100_000)
    assert table.format == "xlsx"
    assert table.headers == ["Artikelnr", "Benämning", "Pris", "EAN", "Lager"]
    rows = list(table.rows)
    assert [r.row for r in rows] == [4, 6]
    assert rows[0].values == {
        "Artikelnr": "K-1", "Benämning": "Komposit", "Pris": "899.5",
        "EAN": "7310000000000", "Lager": "4",
    }  # fmt: skip
    assert rows[1].values["Pris"] == "19.99"
    assert rows[1].values["Lager"] == "TRUE"
    assert table.notes == ["sheet 'Priser', header on row 3"]


def test_header_only_workbook(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["sku", "price"])
    wb.save(tmp_path / "h.xlsx")
    table = read_feed(tmp_path / "h.xlsx", max_bytes=10_000_000, max_line_bytes=100_000)
    assert table.headers == ["sku", "price"]
    assert list(table.rows) == []


def test_empty_workbook(tmp_path: Path) -> None:
    Workbook().save(tmp_path / "e.xlsx")
    with pytest.raises(FeedFormatError, match="no data"):
        read_feed(tmp_path / "e.xlsx", max_bytes=10_000_000, max_line_bytes=100_000)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (7310000000000.0, "7310000000000"),
        (19.99, "19.99"),
        (0.1 + 0.2, "0.3"),
        (1234.5, "1234.5"),
        (1e-7, "0.0000001"),
        (-3.0, "-3"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


def test_cell_text_dates() -> None:
    assert cell_text(dt.datetime(2025, 5, 1)) == "2025-05-01"
    assert cell_text(dt.datetime(2025, 5, 1, 8, 30)) == "2025-05-01 08:30:00"
    assert cell_text(None) == ""
