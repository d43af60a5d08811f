"""Legacy Excel (.xls) sheets are bounded by cells before python-calamine opens them, as .ods
sheets are: calamine holds every sheet's range from its first to its last cell at once."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlwt

from indexer.errors import FeedFormatError
from indexer.feeds import read_feed, spreadsheet_reader
from indexer.feeds.xls_cells import xls_cells
from tests.unit.indexer.spreadsheets import write_xls


def _read(path: Path) -> list[dict[str, str]]:
    table = read_feed(path, max_bytes=10_000_000, max_line_bytes=100_000)
    return [r.values for r in table.rows]


def _far_apart(path: Path) -> Path:
    """A few KB: a header, one row and a cell in the sheet's last row and column (IV65536)."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Produkter")
    for c, value in enumerate(["Artikelnummer", "Benämning", "Pris", "Lagerstatus"]):
        sheet.write(0, c, value)
    for c, value in enumerate(["A-1", "Sond", "10,00", "I lager"]):
        sheet.write(1, c, value)
    sheet.write(65535, 255, "x")
    book.save(str(path))
    return path


def test_an_xls_whose_cells_lie_far_apart_is_refused_before_calamine_opens_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _far_apart(tmp_path / "spridd.xls")
    assert path.stat().st_size < 10_000

    def never(*_args: object) -> None:
        raise AssertionError("calamine opened an oversized workbook")

    monkeypatch.setattr(spreadsheet_reader, "load_workbook", never)
    with pytest.raises(FeedFormatError) as caught:
        _read(path)
    message = str(caught.value)
    assert message.startswith("spridd.xls: ")
    assert "16,777,216 cells (at most 5,000,000)" in message


def test_the_count_is_each_sheets_range_from_first_to_last_cell_summed(tmp_path: Path) -> None:
    path = write_xls(
        tmp_path / "lista.xls",
        {
            "Info": [["Prislista 2026"]],  # 1 cell
            "Produkter": [[], [None, "Art.nr", "Namn"], [None, "A-1", "Sond"]],  # B2:C3, 4 cells
        },
    )
    assert xls_cells(path) == 1 + 4
    assert xls_cells(_far_apart(tmp_path / "spridd.xls")) == 65_536 * 256


def test_a_workbook_over_a_lowered_limit_is_refused_and_one_under_it_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [["Artikelnummer", "Benämning", "Pris", "Lagerstatus"]]
    rows += [[f"A-{i}", f"Sond {i}", "10,00", "I lager"] for i in range(4)]  # 5 x 4 = 20 cells
    path = write_xls(tmp_path / "lista.xls", {"Produkter": rows})
    monkeypatch.setattr(spreadsheet_reader, "MAX_CELLS", 20)
    assert [r["Artikelnummer"] for r in _read(path)] == ["A-0", "A-1", "A-2", "A-3"]
    monkeypatch.setattr(spreadsheet_reader, "MAX_CELLS", 19)
    with pytest.raises(FeedFormatError, match=r"lista\.xls: .*20 cells \(at most 19\)"):
        _read(path)


def test_a_broken_compound_file_is_an_unreadable_xls_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "trasig.xls"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 1000)
    with pytest.raises(FeedFormatError, match=r"trasig\.xls: .*not a readable \.xls workbook"):
        _read(path)
