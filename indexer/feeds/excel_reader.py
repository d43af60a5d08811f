"""Excel workbooks (.xlsx) streamed with openpyxl in read-only mode.

The first sheet that holds any value is read; its first non-empty row is the header. Row
numbers are sheet rows. Numbers come back as text without float artefacts: an integral
``7310000000000.0`` is ``"7310000000000"`` and other floats keep Excel's 15 significant
digits (``19.99``, not ``19.990000000000002``).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Generator, Iterator
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from indexer.errors import FeedFormatError
from indexer.feeds.csv_reader import clean_headers
from indexer.feeds.errors import UnsupportedFeedFormat
from indexer.records import RawRow


def format_number(value: float) -> str:
    """Text of an Excel number as a person would have typed it."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = format(value, ".15g")
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


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


def _sheet_rows(path: Path, file: str) -> Generator[tuple[str, int, list[str]], None, None]:
    """Yield ``(sheet, row_number, cells)`` of non-empty rows of the first non-empty sheet."""
    # A file object, not the path: openpyxl would judge the file by its extension.
    fh = path.open("rb")
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        fh.close()
        raise UnsupportedFeedFormat(
            f"not a supported feed format: not a readable .xlsx workbook ({exc})", file=file
        ) from exc
    try:
        for ws in wb.worksheets:
            found = False
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [cell_text(v) for v in values]
                if any(cells):
                    found = True
                    yield ws.title, number, cells
            if found:
                return
    finally:
        wb.close()
        fh.close()


class ExcelFile:
    """A workbook whose header row has been found; `rows()` streams the rows below it."""

    def __init__(self, path: Path, *, file: str) -> None:
        self.path = path
        self.file = file
        self.headers: list[str] = []
        self.sheet = ""
        self.header_row = 0
        rows = _sheet_rows(path, file)
        try:
            for sheet, number, cells in rows:
                self.sheet, self.header_row, self.headers = sheet, number, clean_headers(cells)
                break
        finally:
            rows.close()
        if not self.headers:
            raise FeedFormatError("workbook has no data in any sheet", file=file)

    def rows(self) -> Iterator[RawRow]:
        headers = self.headers
        width = len(headers)
        for _sheet, number, cells in _sheet_rows(self.path, self.file):
            if number <= self.header_row:
                continue
            values = dict(zip(headers, cells, strict=False))
            for name in headers[len(cells) :]:
                values[name] = ""
            for i in range(width, len(cells)):
                if cells[i]:
                    values[f"column_{i + 1}"] = cells[i]
            yield RawRow(number, values)
