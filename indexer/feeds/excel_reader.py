"""Excel workbooks (.xlsx) streamed with openpyxl in read-only mode.

Where the table is (see `indexer.feeds.detect.header_index`): the first sheet holding a
plausible table is read, one whose first 20 non-empty rows contain a header (the first row
with at least two non-empty cells; a title or merged banner above it has one) with at least
one non-empty row below it. An "Info" sheet in front of "Produkter" is thereby passed over.
When no sheet has such a table, the first sheet holding any value is read from its first
non-empty row. Row numbers are sheet rows.

Cells become text:

* Numbers are exact and unambiguous (`indexer.normalize.price.number_text`): an integral
  ``7310000000000.0`` is ``"7310000000000"``, other floats keep Excel's 15 significant digits
  (``19.99``, not ``19.990000000000002``) and a fraction of three digits gets a fourth zero
  (``12.345`` -> ``"12.3450"``) so price parsing never takes it for a thousands group.
* An integer cell formatted with zero padding ("000000") reads as Excel shows it, ``000123``.
  No other number format is applied (a price formatted ``#,##0.00 "kr"`` stays a number).
* A formula without a saved result (a workbook written by a program and never opened in
  Excel) reads as a sentence saying so (`formula_text`), so the row's error names the
  problem instead of reporting an empty cell.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from indexer.errors import FeedFormatError
from indexer.feed_template import HELP_HEADERS
from indexer.feeds.csv_reader import clean_headers
from indexer.feeds.detect import HEADER_SEARCH_ROWS, header_index
from indexer.feeds.errors import UnsupportedFeedFormat
from indexer.messages import Message
from indexer.normalize.price import number_text
from indexer.records import RawRow

_ZERO_PADDING = re.compile(r"0+")
# A formula element in sheet XML, with or without a namespace prefix: <f>, <f t="shared" .../>.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_SCAN_CHUNK = 1 << 20


def format_number(value: float) -> str:
    """Text of an Excel number: as Excel shows it in General format, exact and ungrouped."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return number_text(Decimal(format(value, ".15g")))


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def formula_text(formula: object) -> Message:
    """What a formula cell without a saved result reads as."""
    text = getattr(formula, "text", formula)  # ArrayFormula keeps its text in .text
    return Message("row.formula", formula=str(text))


def _number_format_text(value: int | float, number_format: str) -> str | None:
    """Zero padding ("000000") of an integral number, the one format a SKU cell relies on."""
    if not _ZERO_PADDING.fullmatch(number_format):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    number = int(value)
    if number < 0:
        return None
    return str(number).zfill(len(number_format))


def _text(cell: Any) -> str:
    """A read-only cell's text: `cell_text`, plus zero-padding number formats."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and cell.has_style:
        padded = _number_format_text(value, cell.number_format)
        if padded is not None:
            return padded
    return cell_text(value)


_UNPACK_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ElementTree.ParseError,
    DefusedXmlException,
)


@contextmanager
def _workbook(path: Path, file: str, *, data_only: bool = True) -> Iterator[Workbook]:
    # A file object, not the path: openpyxl would judge the file by its extension.
    with path.open("rb") as fh:
        try:
            wb = load_workbook(fh, read_only=True, data_only=data_only)
        except (InvalidFileException, KeyError, OSError, *_UNPACK_ERRORS) as exc:
            raise UnsupportedFeedFormat(
                Message("file.unreadable_workbook", kind="kind.xlsx", error=str(exc)), file=file
            ) from exc
        try:
            yield wb
        finally:
            wb.close()


@contextmanager
def _unpack_errors(file: str) -> Iterator[None]:
    """A member that fails while it is unpacked (a CRC mismatch: a member whose data unpacks to
    more than its declared size is cut at that size and then fails here), malformed XML in a
    member and a member the XML parser refuses (a DTD) are an unreadable file."""
    try:
        yield
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        ElementTree.ParseError,
        DefusedXmlException,
    ) as exc:
        raise UnsupportedFeedFormat(
            Message("file.unreadable_workbook", kind="kind.xlsx", error=str(exc)), file=file
        ) from exc


def _has_formulas(path: Path, worksheet: Any) -> bool:
    """Whether the sheet's XML holds any formula (scanned in chunks, not parsed)."""
    member = getattr(worksheet, "_worksheet_path", None)
    if not isinstance(member, str):
        return True  # cannot tell: look at the formulas
    try:
        with zipfile.ZipFile(path) as zf, zf.open(member) as xml:
            tail = b""
            while chunk := xml.read(_SCAN_CHUNK):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    except KeyError:
        return True
    return False


def _non_empty_rows(worksheet: Any) -> Iterator[tuple[int, list[str]]]:
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        texts = [_text(c) for c in cells]
        if any(texts):
            yield number, texts


def _rows_with_formulas(values_ws: Any, formulas_ws: Any) -> Iterator[tuple[int, list[str]]]:
    """Rows of a sheet with formulas: cached results, or `formula_text` where none is saved."""
    pairs = zip(values_ws.iter_rows(), formulas_ws.iter_rows(), strict=False)
    for number, (cells, formulas) in enumerate(pairs, start=1):
        texts = [_text(c) for c in cells]
        for i, (cell, formula) in enumerate(zip(cells, formulas, strict=False)):
            if cell.value is None and formula.data_type == "f":
                texts[i] = formula_text(formula.value)
        if any(texts):
            yield number, texts


@dataclass(frozen=True, slots=True)
class SheetTable:
    """Where a sheet's table is: the sheet, its header's row number and the header cells."""

    sheet: str
    header_row: int
    header: list[str]


SheetRows = tuple[str, Iterator[tuple[int, list[str]]]]  # a sheet's name, its non-empty rows


def find_table(sheets: Iterable[SheetRows]) -> SheetTable | None:
    """The first sheet with a plausible table, else the first sheet holding any value (the
    module docstring); the feed template's help sheet (`indexer.feed_template.HELP_HEADERS`)
    is never the table, wherever the retailer moved it. ``sheets`` yields each sheet's name
    and (row number, cells) of its non-empty rows; only the first `HEADER_SEARCH_ROWS` + 1
    rows of a sheet are taken."""
    fallback: SheetTable | None = None
    for title, rows in sheets:
        sample: list[tuple[int, list[str]]] = []
        for row in rows:
            sample.append(row)
            if len(sample) > HEADER_SEARCH_ROWS:
                break
        if not sample:
            continue
        at = header_index([cells for _, cells in sample])
        number, cells = sample[at]
        if tuple(c.strip() for c in cells[: len(HELP_HEADERS)]) == HELP_HEADERS:
            continue  # the feed template's help sheet, moved in front: what columns mean
        table = SheetTable(title, number, cells)
        if sum(1 for c in cells if c.strip()) >= 2 and len(sample) > at + 1:
            return table
        if fallback is None:
            fallback = table
    return fallback


def table_rows(headers: list[str], rows: Iterable[tuple[int, list[str]]]) -> Iterator[RawRow]:
    """The rows of a sheet's table as `RawRow`s: cells by header, missing cells empty and
    cells beyond the header as ``column_N`` (``rows`` start below the header)."""
    width = len(headers)
    for number, cells in rows:
        values = dict(zip(headers, cells, strict=False))
        for name in headers[len(cells) :]:
            values[name] = ""
        for i in range(width, len(cells)):
            if cells[i]:
                values[f"column_{i + 1}"] = cells[i]
        yield RawRow(number, values)


class ExcelFile:
    """A workbook whose table has been found; `rows()` streams the rows below its header."""

    def __init__(self, path: Path, *, file: str) -> None:
        self.path = path
        self.file = file
        with _workbook(path, file) as wb, _unpack_errors(file):
            table = find_table((ws.title, _non_empty_rows(ws)) for ws in wb.worksheets)
        if table is None:
            raise FeedFormatError(Message("file.no_data"), file=file)
        self.sheet = table.sheet
        self.header_row = table.header_row
        self.headers = clean_headers(table.header)

    def rows(self) -> Iterator[RawRow]:
        with _unpack_errors(self.file):
            yield from self._rows()

    def _rows(self) -> Iterator[RawRow]:
        with ExitStack() as stack:
            ws = stack.enter_context(_workbook(self.path, self.file))[self.sheet]
            if _has_formulas(self.path, ws):
                with_formulas = stack.enter_context(
                    _workbook(self.path, self.file, data_only=False)
                )
                rows = _rows_with_formulas(ws, with_formulas[self.sheet])
            else:
                rows = _non_empty_rows(ws)
            below = ((n, cells) for n, cells in rows if n > self.header_row)
            yield from table_rows(self.headers, below)
