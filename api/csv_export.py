"""CSV downloads that a spreadsheet cannot turn into formulas (CSV injection).

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``@SUM(...)``), and
feed rows, review texts and names come from other people. Such a cell is written with a
leading ``'``, which spreadsheets show as text and never evaluate; a plain negative number
(``-100``) is left a number. Every CSV the API or the
UI serves is written through :func:`csv_text`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NEGATIVE_NUMBER = re.compile(r"-\d+(?:[.,]\d+)?")


def safe_cell(value: object) -> str:
    """Pure: the cell as text, prefixed with ``'`` when a spreadsheet would evaluate it (a
    plain negative number, ``-100`` or ``-12,50``, is a number and stays one)."""
    text = "" if value is None else str(value)
    if NEGATIVE_NUMBER.fullmatch(text):
        return text
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, delimiter: str = ","
) -> str:
    """Pure: a header and rows as CSV text, every cell through :func:`safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
