"""Legacy Excel (.xls) and OpenDocument (.ods) workbooks are bounded by cells before
python-calamine opens them: calamine holds every sheet, each from its first to its last cell, at
once."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import xlwt

from indexer.errors import FeedFormatError
from indexer.feeds import read_feed, spreadsheet_reader
from indexer.feeds.xls_cells import XlsStructureError, xls_cells
from tests.unit.indexer.spreadsheets import write_ods, write_xls


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


_END, _FREE, _FAT_SECTOR = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _small_compound(stream: bytes, *, loop: bool = False) -> bytes:
    """A version 3 compound file (512-byte sectors) whose workbook stream is under the 4096-byte
    cutoff and so lives in the mini stream, as a small .xls written by some tools does."""
    mini = stream + b"\x00" * (-len(stream) % 64)
    mini_sectors = len(mini) // 64
    data_sectors = -(-len(mini) // 512)
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1, 0, 4096, 2, 1, _END, 0)
    difat = [0] + [_FREE] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat = [_FAT_SECTOR, _END, _END]
    fat += [3 + i + 1 for i in range(data_sectors - 1)] + [_END]
    fat += [_FREE] * (128 - len(fat))
    directory = bytearray(512)
    for index, (name, kind, start, size) in enumerate(
        [("Root Entry", 5, 3, len(mini)), ("Workbook", 2, 0, len(stream))]
    ):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        at = index * 128
        directory[at : at + len(encoded)] = encoded
        struct.pack_into("<HB", directory, at + 0x40, len(encoded), kind)
        struct.pack_into("<II", directory, at + 0x74, start, size)
    chain = [i + 1 for i in range(mini_sectors - 1)] + [0 if loop else _END]
    minifat = chain + [_FREE] * (128 - len(chain))
    body = struct.pack("<128I", *fat) + bytes(directory) + struct.pack("<128I", *minifat)
    return bytes(header) + body + mini + b"\x00" * (data_sectors * 512 - len(mini))


def _worksheet(*cells: bytes) -> bytes:
    bof = _record(0x0809, struct.pack("<HH", 0x0600, 0x0010) + b"\x00" * 12)
    return bof + b"".join(cells) + _record(0x000A, b"")


def test_a_workbook_stream_in_the_mini_stream_is_walked(tmp_path: Path) -> None:
    globals_ = _record(0x0809, struct.pack("<HH", 0x0600, 0x0005) + b"\x00" * 12)
    globals_ += _record(0x000A, b"")
    label = _record(0x00FD, struct.pack("<HHHI", 1, 2, 0, 0))  # C2
    number = _record(0x0203, struct.pack("<HHHd", 3, 1, 0, 1.5))  # B4
    # MULRK on row 5, columns D..F: row, first column, (xf, rk) x 3, last column
    mulrk = _record(0x00BD, struct.pack("<HH", 5, 3) + b"\x00" * 18 + struct.pack("<H", 5))
    stream = globals_ + _worksheet(label, number, mulrk) + _worksheet(label)
    assert len(stream) < 4096
    path = tmp_path / "liten.xls"
    path.write_bytes(_small_compound(stream))
    # sheet 1: rows 1..5, columns B..F = 5 x 5; sheet 2: one cell
    assert xls_cells(path) == 25 + 1


def test_a_sector_chain_that_loops_is_refused(tmp_path: Path) -> None:
    stream = _worksheet(_record(0x0203, struct.pack("<HHHd", 0, 0, 0, 1.0))) * 10
    path = tmp_path / "slinga.xls"
    path.write_bytes(_small_compound(stream, loop=True))
    with pytest.raises(XlsStructureError, match="does not end"):
        xls_cells(path)


def test_an_ods_is_bounded_by_its_sheets_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """calamine builds every sheet of an .ods when it opens it: eight sheets of two million
    cells each (3 KB) are 16 million cells at once, though no sheet is over the limit."""
    sheet = (
        '<table:table table:name="S{n}"><table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell office:value-type="float" office:value="1"/>'
        '<table:table-cell office:value-type="float" office:value="2"/>'
        "</table:table-row></table:table>"
    )
    rows: list[list[object]] = [["Artikelnummer", "Benämning"], ["A-1", "Sond"]]  # 4 cells
    sheets = "".join(sheet.format(n=n) for n in range(8))
    path = write_ods(tmp_path / "blad.ods", rows, more_sheets=sheets)
    assert path.stat().st_size < 10_000
    assert spreadsheet_reader.ods_cells(path, file="blad.ods") == 4 + 8 * 2_000_000

    def never(*_args: object) -> None:
        raise AssertionError("calamine opened an oversized workbook")

    monkeypatch.setattr(spreadsheet_reader, "load_workbook", never)
    with pytest.raises(FeedFormatError, match=r"blad\.ods: .*16,000,004 cells"):
        _read(path)
