"""Legacy Excel (.xls) and OpenDocument (.ods) price lists, read with python-calamine
(issue 13, item 14): the same table detection, cell text and refusals as .xlsx."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import FeedFormatError
from indexer.feeds import read_feed, spreadsheet_reader
from tests.unit.indexer.spreadsheets import write_ods, write_xls

PRICE_LIST = [
    ["Artikelnummer", "Benämning", "Pris exkl. moms", "EAN", "Lagersaldo"],
    ["DH-3310", "Munspegel nr 5, 12-pack", 189.5, 7310000000000.0, 40],
    ["DH-3311", "Sond EXD 11/12", 249.0, 7310000000017.0, 0],
]
ROWS = [
    {"Artikelnummer": "DH-3310", "Benämning": "Munspegel nr 5, 12-pack",
     "Pris exkl. moms": "189.5", "EAN": "7310000000000", "Lagersaldo": "40"},
    {"Artikelnummer": "DH-3311", "Benämning": "Sond EXD 11/12",
     "Pris exkl. moms": "249", "EAN": "7310000000017", "Lagersaldo": "0"},
]  # fmt: skip


def _xls(path: Path) -> Path:
    """Dentalgrossisten's price list as Excel 97-2003 saves it: an info sheet, then a title
    row, an empty row and the table."""
    info = [["Prislista Dentalgrossisten AB, gäller från 2026-01-01"]]
    return write_xls(path, {"Info": info, "Produkter": [["Prislista 2026"], [], *PRICE_LIST]})


_ods = write_ods


def _read(path: Path, **limits: int) -> list[dict[str, str]]:
    table = read_feed(path, max_bytes=10_000_000, max_line_bytes=100_000, **limits)
    return [r.values for r in table.rows]


def test_xls_price_list_reads_like_xlsx(tmp_path: Path) -> None:
    path = _xls(tmp_path / "prislista.xls")
    table = read_feed(path, max_bytes=10_000_000, max_line_bytes=100_000)
    assert table.format == "xls"
    assert table.headers == PRICE_LIST[0]
    rows = list(table.rows)
    assert [r.row for r in rows] == [4, 5]  # sheet rows, as for .xlsx
    assert [r.values for r in rows] == ROWS
    assert table.notes == ["sheet 'Produkter', header on row 3"]


def test_ods_price_list_reads_like_xlsx(tmp_path: Path) -> None:
    path = _ods(tmp_path / "prislista.ods", [["Prislista 2026"], *PRICE_LIST])
    table = read_feed(path, max_bytes=10_000_000, max_line_bytes=100_000)
    assert table.format == "ods"
    assert table.headers == PRICE_LIST[0]
    rows = list(table.rows)
    assert [r.row for r in rows] == [3, 4]
    assert [r.values for r in rows] == ROWS


def test_a_file_that_only_looks_like_xls_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "lager.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    with pytest.raises(FeedFormatError, match=r"not a readable \.xls workbook") as info:
        read_feed(path, max_bytes=10_000_000, max_line_bytes=100_000)
    assert "lager.xls" in str(info.value)


def test_ods_whose_repeated_rows_would_unpack_to_millions_of_cells_is_refused(
    tmp_path: Path,
) -> None:
    bomb = (
        '<table:table-row table:number-rows-repeated="900000">'
        '<table:table-cell table:number-columns-repeated="1000" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
    )
    path = _ods(tmp_path / "bomb.ods", PRICE_LIST, bomb)
    with pytest.raises(FeedFormatError, match="cells") as info:
        read_feed(path, max_bytes=10_000_000, max_line_bytes=100_000)
    assert "bomb.ods" in str(info.value)


def test_trailing_empty_repeated_rows_of_libreoffice_are_fine(tmp_path: Path) -> None:
    """LibreOffice ends a sheet with a million empty rows, repeated: no data, no refusal."""
    empty = (
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    assert _read(_ods(tmp_path / "lo.ods", PRICE_LIST, empty)) == ROWS


def test_ods_is_checked_as_an_archive(tmp_path: Path) -> None:
    path = _ods(tmp_path / "big.ods", PRICE_LIST)
    with pytest.raises(FeedFormatError, match="zip bomb"):
        _read(path, max_unzipped_bytes=100)


def test_legacy_workbook_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spreadsheet_reader, "MAX_LEGACY_BYTES", 1000)
    with pytest.raises(FeedFormatError, match="too large"):
        _read(_xls(tmp_path / "stor.xls"))
