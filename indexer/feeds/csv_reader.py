"""Delimited text (CSV/TSV, any of , ; TAB |) streamed with the csv module.

Row numbers are physical line numbers where a record starts (the header is line 1 when it
is the first line), so a retailer can find the row in a text editor. A record's quoted
fields may span lines (Magento). Memory stays flat: one record at a time, bounded by
``max_line_bytes``.

The header is the first of the first 20 non-empty records with two or more non-empty cells
(`indexer.feeds.detect.header_index`): title lines and Excel's ``sep=;`` line above it are
skipped, and row numbers stay the file's line numbers.

Records that do not fit the header:

* fewer cells: the missing ones are empty, except for the last record of a file that ends
  without a line break, when it also has fewer cells than the record before it: the file was
  cut off mid-row, and `TruncatedFeed` is raised (as for a file ending inside quotes).
* more non-empty cells than the header row has: a value holds an unquoted delimiter (a
  decimal comma in a comma-separated file) and every column after it is shifted. The row is
  yielded with a ``problem`` (`too_wide`), so the row normalizer rejects it with that message
  and the other rows go on. Empty extra cells (a trailing delimiter) are fine.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator, Iterator
from contextlib import closing
from pathlib import Path

from indexer.errors import FeedFormatError, FeedTooLarge
from indexer.feeds.detect import HEADER_SEARCH_ROWS, LENIENT_ENCODINGS, header_index
from indexer.feeds.errors import TruncatedFeed
from indexer.feeds.limits import INVALID_UTF8, RecordTracker, bounded_lines
from indexer.messages import Message
from indexer.records import RawRow


def _ensure_field_limit(limit: int) -> None:
    # csv.field_size_limit is process-wide: only ever raise it, never lower it.
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


def _records(
    path: Path, encoding: str, delimiter: str, max_line_bytes: int, file: str
) -> Generator[tuple[int, list[str], bool, bool], None, None]:
    """Yield ``(start_line, cells, ended, replaced)`` for every non-empty record of the file.

    ``ended`` is False only for a last record with no line break after it. A UTF-8 file is
    decoded leniently: bytes that are not valid UTF-8 read as U+FFFD and ``replaced`` is True
    for the record holding them (the row gets a warning); other encodings decode strictly.
    """
    _ensure_field_limit(max_line_bytes)
    lenient = encoding in LENIENT_ENCODINGS
    tracker = RecordTracker(limit=max_line_bytes, file=file, lenient=lenient)
    errors = "replace" if lenient else "strict"
    with path.open("r", encoding=encoding, errors=errors, newline="") as fh:
        reader = csv.reader(bounded_lines(fh, tracker), delimiter=delimiter, strict=False)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise FeedTooLarge(
                        Message("file.field_too_long", limit=max_line_bytes),
                        file=file,
                        row=tracker.start,
                    ) from exc
                raise FeedFormatError(
                    Message("file.csv_unreadable", error=str(exc)), file=file, row=tracker.start
                ) from exc
            start = tracker.start
            if tracker.eof and tracker.quotes % 2:
                _check_complete("".join(tracker.pending), delimiter, file, start)
            # Only the file's last line can lack its line break (longer lines are refused).
            ended = not tracker.pending or tracker.pending[-1].endswith(("\n", "\r"))
            replaced = tracker.replaced
            tracker.next_record()
            if any(cells):
                yield start, cells, ended, replaced


def _check_complete(text: str, delimiter: str, file: str, start: int) -> None:
    """Re-read the last record strictly: an open quote at end of file means a cut-off file."""
    try:
        list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise TruncatedFeed(
                Message("file.unterminated_quote"),
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


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}


def too_wide(cells: int, width: int, delimiter: str) -> Message:
    """What a row with more cells than the header reads as (see the module docstring)."""
    name = _DELIMITER_NAMES.get(delimiter)
    return Message(
        "row.too_wide",
        cells=cells,
        width=width,
        delimiter=f"delimiter.{name or 'other'}",
        delimiter_char=None if name else delimiter,
    )


class DelimitedFile:
    """A delimited file whose header has been found; `rows()` streams the records after it."""

    def __init__(
        self, path: Path, *, encoding: str, delimiter: str, max_line_bytes: int, file: str
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        self.max_line_bytes = max_line_bytes
        self.file = file
        sample: list[tuple[int, list[str]]] = []
        with closing(self._open()) as records:
            try:
                for line, cells, _ended, _replaced in records:
                    sample.append((line, cells))
                    if len(sample) >= HEADER_SEARCH_ROWS:
                        break
            except FeedFormatError:
                if not sample:
                    raise  # else `rows()` meets the same error at its row, after the good rows
        if not sample:
            raise FeedFormatError(Message("file.no_header"), file=file)
        self.header_line, cells = sample[header_index([c for _, c in sample])]
        self.headers = clean_headers(cells)
        # Cells the header row spans, trailing blank names included: data there is kept.
        self.header_cells = len(cells)
        if not self.headers:
            raise FeedFormatError(Message("file.no_header"), file=file)

    def _open(self) -> Generator[tuple[int, list[str], bool, bool], None, None]:
        return _records(self.path, self.encoding, self.delimiter, self.max_line_bytes, self.file)

    def rows(self) -> Iterator[RawRow]:
        headers = self.headers
        width = len(headers)
        spanned = self.header_cells
        previous = spanned
        for line, cells, ended, replaced in self._open():
            if line <= self.header_line:
                continue
            warning = INVALID_UTF8 if replaced else None
            n = len(cells)
            if not ended and n < width and n < previous:
                raise TruncatedFeed(
                    Message("file.truncated_row", cells=n, width=width),
                    file=self.file,
                    row=line,
                )
            previous = n
            if n > spanned and any(cells[spanned:]):
                values = dict(zip(headers, cells, strict=False))
                yield RawRow(line, values, too_wide(n, spanned, self.delimiter), warning)
                continue
            values = dict(zip(headers, cells, strict=False))
            if n < width:
                for name in headers[n:]:
                    values[name] = ""
            elif n > width:
                for i in range(width, n):
                    if cells[i]:
                        values[f"column_{i + 1}"] = cells[i]
            yield RawRow(line, values, None, warning)
