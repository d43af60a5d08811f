"""Delimited text (CSV/TSV, any of , ; TAB |) streamed with the csv module.

Row numbers are physical line numbers where a record starts (the header is line 1 when it
is the first line), so a retailer can find the row in a text editor. A record's quoted
fields may span lines (Magento). Memory stays flat: one record at a time, bounded by
``max_line_bytes``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator, Iterator
from contextlib import closing
from pathlib import Path

from indexer.errors import FeedFormatError, FeedTooLarge
from indexer.feeds.errors import TruncatedFeed
from indexer.feeds.limits import RecordTracker, bounded_lines
from indexer.records import RawRow


def _ensure_field_limit(limit: int) -> None:
    # csv.field_size_limit is process-wide: only ever raise it, never lower it.
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


def _records(
    path: Path, encoding: str, delimiter: str, max_line_bytes: int, file: str
) -> Generator[tuple[int, list[str]], None, None]:
    """Yield ``(start_line, cells)`` for every non-empty record of the file."""
    _ensure_field_limit(max_line_bytes)
    tracker = RecordTracker(limit=max_line_bytes, file=file)
    with path.open("r", encoding=encoding, newline="") as fh:
        reader = csv.reader(bounded_lines(fh, tracker), delimiter=delimiter, strict=False)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise FeedTooLarge(
                        f"field longer than the limit of {max_line_bytes:,} characters",
                        file=file,
                        row=tracker.start,
                    ) from exc
                raise FeedFormatError(
                    f"unreadable CSV record: {exc}", file=file, row=tracker.start
                ) from exc
            start = tracker.start
            if tracker.eof and tracker.quotes % 2:
                _check_complete("".join(tracker.pending), delimiter, file, start)
            tracker.next_record()
            if any(cells):
                yield start, cells


def _check_complete(text: str, delimiter: str, file: str, start: int) -> None:
    """Re-read the last record strictly: an open quote at end of file means a cut-off file."""
    try:
        list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise TruncatedFeed(
                "file ends inside a quoted field (unterminated quote); the record starting "
                "on this row is incomplete: was the file cut off?",
                file=file,
                row=start,
            ) from exc


def clean_headers(cells: list[str]) -> list[str]:
    """Strip header names, drop trailing empty ones, name blanks and de-duplicate."""
    names = [c.strip().removeprefix("\ufeff").strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    seen: dict[str, int] = {}
    out: list[str] = []
    for i, name in enumerate(names):
        name = name or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


class DelimitedFile:
    """A delimited file whose header has been read; `rows()` streams the records after it."""

    def __init__(
        self, path: Path, *, encoding: str, delimiter: str, max_line_bytes: int, file: str
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        self.max_line_bytes = max_line_bytes
        self.file = file
        self.header_line = 0
        self.headers: list[str] = []
        with closing(self._open()) as records:
            for line, cells in records:
                self.header_line = line
                self.headers = clean_headers(cells)
                break
        if not self.headers:
            raise FeedFormatError("no header row found", file=file)

    def _open(self) -> Generator[tuple[int, list[str]], None, None]:
        return _records(self.path, self.encoding, self.delimiter, self.max_line_bytes, self.file)

    def rows(self) -> Iterator[RawRow]:
        headers = self.headers
        width = len(headers)
        records = self._open()
        next(records, None)  # the header record
        for line, cells in records:
            n = len(cells)
            values = dict(zip(headers, cells, strict=False))
            if n < width:
                for name in headers[n:]:
                    values[name] = ""
            elif n > width:
                for i in range(width, n):
                    if cells[i]:
                        values[f"column_{i + 1}"] = cells[i]
            yield RawRow(line, values)
