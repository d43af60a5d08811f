"""How many cells python-calamine would hold for a legacy Excel (.xls) workbook, worked out
before calamine opens it.

calamine builds every worksheet of an .xls as a dense range from its first to its last cell
when it opens the file, so two cells far apart (A1 and IV65536: a 6 KB file) ask for 16.7
million cells, about 0.5 GB, before a row is read. `xls_cells` reads the workbook stream
out of the OLE2 compound file (the format's sector chains, walked with loop guards) and
walks its BIFF records: per worksheet substream, the rows and columns of its cell records
(LABELSST, NUMBER, RK, MULRK, FORMULA, ...) give the range calamine would build. The sum over
the sheets is what the workbook would hold.

Nothing is decoded beyond record headers and cell positions; a file that is not a readable
compound file or has no workbook stream raises `XlsStructureError`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
_HEADER_DIFAT = 109
_DIR_ENTRY = 128
_STREAM = 2
_ROOT = 5
_WORKBOOK_NAMES = ("workbook", "book")

_BOF = (0x0809, 0x0409, 0x0209, 0x0009)
_EOF = 0x000A
_WORKSHEET = 0x0010
# records whose data starts with the cell's row and column (uint16 each)
_CELL = frozenset((0x0006, 0x0406, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0201, 0x0204, 0x00D6))
# MULRK, MULBLANK: row, first column, ..., last column (the record's last two bytes)
_MULTI = frozenset((0x00BD, 0x00BE))


class XlsStructureError(ValueError):
    """The file is not a compound file with a workbook stream that can be walked."""


@dataclass(slots=True)
class _Extent:
    first_row: int = -1
    last_row: int = -1
    first_col: int = -1
    last_col: int = -1

    def add(self, row: int, first_col: int, last_col: int) -> None:
        if self.first_row < 0:
            self.first_row, self.last_row = row, row
            self.first_col, self.last_col = first_col, last_col
            return
        self.first_row = min(self.first_row, row)
        self.last_row = max(self.last_row, row)
        self.first_col = min(self.first_col, first_col)
        self.last_col = max(self.last_col, last_col)

    @property
    def cells(self) -> int:
        if self.first_row < 0:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_col - self.first_col + 1)


class _Compound:
    """The parts of an OLE2 compound file needed to read one stream."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or data[:8] != _SIGNATURE:
            raise XlsStructureError("not an OLE2 compound file")
        self.data = data
        sector_shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if not 7 <= sector_shift <= 16 or not 2 <= mini_shift < sector_shift:
            raise XlsStructureError("bad sector size")
        self.sector = 1 << sector_shift
        self.mini_sector = 1 << mini_shift
        fat_sectors, self.dir_start = struct.unpack_from("<II", data, 0x2C)
        self.cutoff, self.minifat_start, _n_mini, difat_start, n_difat = struct.unpack_from(
            "<IIIII", data, 0x38
        )
        self.max_sectors = max(1, (len(data) - 512) // self.sector + 1)
        fat_ids = [s for s in struct.unpack_from(f"<{_HEADER_DIFAT}I", data, 0x4C) if s < _FREE - 4]
        per_sector = self.sector // 4 - 1
        sector = difat_start
        for _ in range(min(n_difat, self.max_sectors)):
            if sector >= _FREE - 4:
                break
            block = self._sector(sector)
            entries = struct.unpack_from(f"<{per_sector + 1}I", block)
            fat_ids.extend(s for s in entries[:per_sector] if s < _FREE - 4)
            sector = entries[per_sector]
        fat_ids = fat_ids[: max(fat_sectors, 1)]
        fat_bytes = b"".join(self._sector(s) for s in fat_ids)
        self.fat = struct.unpack(f"<{len(fat_bytes) // 4}I", fat_bytes)

    def _sector(self, number: int) -> bytes:
        start = (number + 1) * self.sector
        if number >= self.max_sectors or start >= len(self.data):
            raise XlsStructureError(f"sector {number} lies beyond the file")
        return self.data[start : start + self.sector]

    def _chain(self, start: int, table: tuple[int, ...], limit: int) -> Iterator[int]:
        sector = start
        for _ in range(limit):
            if sector == _END_OF_CHAIN:
                return
            if sector >= len(table):
                raise XlsStructureError(f"sector chain points outside the table ({sector})")
            yield sector
            sector = table[sector]
        if sector != _END_OF_CHAIN:
            raise XlsStructureError("sector chain does not end")

    def read(self, start: int, size: int) -> bytes:
        parts = [self._sector(s) for s in self._chain(start, self.fat, self.max_sectors)]
        return b"".join(parts)[:size]

    def stream(self, name_options: tuple[str, ...]) -> bytes:
        directory = self.read(self.dir_start, self.max_sectors * self.sector)
        root: tuple[int, int] | None = None
        found: tuple[int, int] | None = None
        for offset in range(0, len(directory) - _DIR_ENTRY + 1, _DIR_ENTRY):
            length, kind = struct.unpack_from("<HB", directory, offset + 0x40)
            start, size = struct.unpack_from("<II", directory, offset + 0x74)
            if kind == _ROOT and root is None:
                root = (start, size)
            name = directory[offset : offset + max(0, min(length, 64) - 2)]
            if kind == _STREAM and name.decode("utf-16-le", "replace").casefold() in name_options:
                found = (start, size)
                break
        if found is None:
            raise XlsStructureError("no workbook stream")
        start, size = found
        if size >= self.cutoff:
            return self.read(start, size)
        if root is None:
            raise XlsStructureError("no root entry")
        mini_stream = self.read(*root)
        minifat_bytes = self.read(self.minifat_start, self.max_sectors * self.sector)
        minifat = struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes)
        limit = len(mini_stream) // self.mini_sector + 1
        parts = [
            mini_stream[s * self.mini_sector : (s + 1) * self.mini_sector]
            for s in self._chain(start, minifat, limit)
        ]
        return b"".join(parts)[:size]


def _sheet_extents(stream: bytes) -> Iterator[_Extent]:
    """The extent of the cells of each worksheet substream of a BIFF workbook stream."""
    depth = 0
    sheet: _Extent | None = None
    sheet_depth = 0
    position, end = 0, len(stream)
    while position + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, position)
        data_at = position + 4
        position = data_at + length
        if kind in _BOF and length >= 4:
            depth += 1
            if struct.unpack_from("<H", stream, data_at + 2)[0] == _WORKSHEET and sheet is None:
                sheet, sheet_depth = _Extent(), depth
        elif kind == _EOF:
            if sheet is not None and depth == sheet_depth:
                yield sheet
                sheet = None
            depth = max(0, depth - 1)
        elif sheet is not None and depth == sheet_depth and position <= end:
            if kind in _CELL and length >= 4:
                row, col = struct.unpack_from("<HH", stream, data_at)
                sheet.add(row, col, col)
            elif kind in _MULTI and length >= 6:
                row, first = struct.unpack_from("<HH", stream, data_at)
                (last,) = struct.unpack_from("<H", stream, position - 2)
                sheet.add(row, first, max(first, last))
    if sheet is not None:
        yield sheet


def xls_cells(path: Path) -> int:
    """The cells calamine would hold for the workbook at ``path``: the sum over its
    worksheets of the range from each one's first to its last cell."""
    stream = _Compound(path.read_bytes()).stream(_WORKBOOK_NAMES)
    return sum(extent.cells for extent in _sheet_extents(stream))
