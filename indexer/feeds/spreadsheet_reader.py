"""Legacy Excel (.xls) and OpenDocument (.ods) spreadsheets, read with python-calamine.

They are read as `.xlsx` workbooks are (`indexer.feeds.excel_reader`): the same table search
(`find_table`), the same cell text (`cell_text`: exact, ungrouped numbers), sheet row numbers,
and refusals that name the file. Number formats are not applied (a zero-padded SKU stored as
a number reads as the number).

Untrusted files, bounded before calamine holds a sheet in memory (it keeps a whole sheet):

* .xls (an OLE2 compound file): at most `MAX_LEGACY_BYTES`, and at most `MAX_CELLS` cells
  in the ranges calamine builds for its sheets when it opens the file, each from its first to
  its last cell (`indexer.feeds.xls_cells`): the format allows 65,536 rows by 256 columns,
  and a 6 KB file with cells in A1 and IV65536 would have calamine hold 16.7 million.
* .ods (a zip archive): the archive limits of `.xlsx` (`indexer.feeds.archive.check_archive`),
  then ``content.xml`` is streamed (no entities, no network) to work out the size of the
  sheet calamine would build, counting repeated rows and columns
  (``table:number-rows-repeated``: a few bytes can ask for millions of cells). calamine
  builds every sheet when it opens the file, so the sheets are counted together: a workbook
  that would exceed `MAX_CELLS` is refused (eight sheets of two million cells each, a 3 KB
  file, had calamine hold 540 MB at open); LibreOffice's trailing empty repeated rows hold no
  value and do not count.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook, load_workbook

from indexer.errors import FeedFormatError
from indexer.feeds.archive import check_archive
from indexer.feeds.csv_reader import clean_headers
from indexer.feeds.errors import UnsupportedFeedFormat
from indexer.feeds.excel_reader import cell_text, find_table, table_rows
from indexer.feeds.xls_cells import XlsStructureError, xls_cells
from indexer.messages import Message
from indexer.records import RawRow

MAX_LEGACY_BYTES = 64 * 1024 * 1024
MAX_CELLS = 5_000_000
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ROW = f"{{{_TABLE}}}table-row"
_SHEET = f"{{{_TABLE}}}table"
_CELLS = (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell")
_ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
_COLUMNS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
_VALUE_TYPE = f"{{{_OFFICE}}}value-type"


def _unreadable(kind: str, file: str, detail: object) -> UnsupportedFeedFormat:
    return UnsupportedFeedFormat(
        Message("file.unreadable_workbook", kind=f"kind.{kind}", error=str(detail)), file=file
    )


def _repeat(element: etree._Element, name: str) -> int:
    try:
        return max(1, int(element.get(name, "1")))
    except ValueError:
        return 1


def ods_cells(path: Path, *, file: str) -> int:
    """The cells calamine would hold for the .ods at ``path`` when it opens it (every sheet at
    once): per sheet, its last row with a value times its widest row up to its last value,
    repeats counted; summed over the sheets."""
    total = 0
    parser_options = {"resolve_entities": False, "no_network": True, "huge_tree": False}
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as content:
            rows = width = last = 0
            for _event, element in etree.iterparse(
                content, events=("end",), tag=(_ROW, _SHEET), **parser_options
            ):
                if element.tag == _SHEET:
                    total += last * width
                    rows = width = last = 0
                    element.clear()
                    continue
                repeated = _repeat(element, _ROWS_REPEATED)
                column = reach = 0
                for cell in element:
                    if cell.tag not in _CELLS:
                        continue
                    column += _repeat(cell, _COLUMNS_REPEATED)
                    if cell.get(_VALUE_TYPE) is not None or len(cell):
                        reach = column
                rows += repeated
                if reach:
                    last, width = rows, max(width, reach)
                element.clear()
            total += last * width
    except KeyError as exc:
        raise _unreadable("ods", file, "no content.xml") from exc
    except (zipfile.BadZipFile, etree.XMLSyntaxError, EOFError) as exc:
        raise _unreadable("ods", file, exc) from exc
    return total


def _sheet_rows(sheet: CalamineSheet) -> Iterator[tuple[int, list[str]]]:
    """A sheet's non-empty rows as (sheet row number, cell texts)."""
    start = sheet.start
    first_row, first_column = (start[0], start[1]) if start is not None else (0, 0)
    pad = [""] * first_column
    for index, cells in enumerate(sheet.iter_rows(), start=first_row + 1):
        texts = [cell_text(value) for value in cells]
        if any(texts):
            yield index, pad + texts if pad else texts


class SpreadsheetFile:
    """An .xls or .ods whose table has been found; `rows()` streams the rows below its header.

    ``kind`` is ``"xls"`` or ``"ods"``. The caller has checked the archive limits of an .ods
    (`check_archive`); the other limits are checked here."""

    def __init__(self, path: Path, *, file: str, kind: str) -> None:
        self.path = path
        self.file = file
        self.kind = kind
        if kind == "xls":
            size = path.stat().st_size
            if size > MAX_LEGACY_BYTES:
                raise FeedFormatError(
                    Message("file.legacy_too_large", size=size, limit=MAX_LEGACY_BYTES),
                    file=file,
                )
            try:
                cells = xls_cells(path)
            except XlsStructureError as exc:
                raise _unreadable(kind, file, exc) from exc
        else:
            cells = ods_cells(path, file=file)
        if cells > MAX_CELLS:
            raise FeedFormatError(
                Message("file.sheet_too_large", cells=cells, limit=MAX_CELLS),
                file=file,
            )
        book = self._open()
        try:
            names = book.sheet_names
            table = find_table((name, _sheet_rows(self._sheet(book, name))) for name in names)
        finally:
            book.close()
        if table is None:
            raise FeedFormatError(Message("file.no_data"), file=file)
        self.sheet = table.sheet
        self.header_row = table.header_row
        self.headers = clean_headers(table.header)

    def _open(self) -> CalamineWorkbook:
        try:
            return load_workbook(str(self.path))
        except (CalamineError, OSError, ValueError) as exc:
            raise _unreadable(self.kind, self.file, exc) from exc

    def _sheet(self, book: CalamineWorkbook, name: str) -> CalamineSheet:
        try:
            return book.get_sheet_by_name(name)
        except (CalamineError, ValueError) as exc:
            raise _unreadable(self.kind, self.file, exc) from exc

    def rows(self) -> Iterator[RawRow]:
        book = self._open()
        try:
            rows = _sheet_rows(self._sheet(book, self.sheet))
            below = ((n, cells) for n, cells in rows if n > self.header_row)
            yield from table_rows(self.headers, below)
        finally:
            book.close()


def read_ods_archive(
    path: Path, *, file: str, max_unzipped_bytes: int, max_ratio: float
) -> SpreadsheetFile:
    """An .ods after the archive checks every zip upload gets."""
    check_archive(path, file=file, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio)
    return SpreadsheetFile(path, file=file, kind="ods")
