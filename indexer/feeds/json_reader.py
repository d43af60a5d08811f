"""JSON feeds: a top-level array of objects (streamed), ``{"products": [...]}``-style
wrappers, and JSON Lines (schema.org JSON-LD markup: :mod:`indexer.feeds.jsonld_reader`).

Records become cells as :mod:`indexer.feeds.json_cells` says (dotted keys, exact numbers).
Headers are the keys of the first rows; keys first met later are appended to
``FeedTable.headers`` while the rows stream.

One bad record does not refuse the file where the format isolates it:

* In JSON Lines and in a top-level array (read incrementally, one element at a time:
  :mod:`indexer.feeds.json_stream`), a record whose value cannot be parsed
  (``"price": 12,5``, ``"name": "ab`` with no closing quote, ``tru``) is skipped to its end
  (brackets and strings counted) and becomes a row error naming the file, the record number,
  the field and the line and column; the members before and after the bad one are kept, so
  the record's SKU is known (its stored offer is kept, not withdrawn). A record that is not
  an object is a row error too.
* Bytes that are not valid UTF-8 in a UTF-8 file (JSON, JSON Lines, JSON-LD) read as U+FFFD
  and the record gets a warning naming the field.
* Where no record can be isolated (a bracket never closed, a closing bracket that does not
  match, a JSON-LD document that does not parse), the file is refused with the file, line
  and column of the error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from indexer.feeds.detect import LENIENT_ENCODINGS
from indexer.feeds.errors import FeedEncodingError, TruncatedFeed
from indexer.feeds.json_cells import (
    BrokenRecord,
    bad_record,
    flatten,
    invalid_utf8,
    json_decoder,
    salvage,
    where_in,
)
from indexer.feeds.json_stream import JsonStream, json_objects
from indexer.feeds.limits import RecordTracker, bounded_lines
from indexer.messages import Message
from indexer.records import RawRow

HEADER_LOOKAHEAD = 200


def _with_headers(rows: Iterator[RawRow]) -> tuple[list[str], Iterator[RawRow]]:
    """Read ahead a few rows to learn the headers; later new keys are appended."""
    head: list[RawRow] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_LOOKAHEAD:
            break
    headers: list[str] = []
    seen: set[str] = set()
    for row in head:
        for key in row.values:
            if key not in seen:
                seen.add(key)
                headers.append(key)

    def stream() -> Iterator[RawRow]:
        for source in (iter(head), rows):
            for row in source:
                for key in row.values:
                    if key not in seen:
                        seen.add(key)
                        headers.append(key)
                yield row

    return headers, stream()


def read_json(
    path: Path, *, encoding: str, max_line_bytes: int, file: str
) -> tuple[list[str], Iterator[RawRow]]:
    def rows() -> Iterator[RawRow]:
        lenient = encoding in LENIENT_ENCODINGS  # bad bytes: U+FFFD and a warning at the row
        errors = "replace" if lenient else "strict"
        with path.open("r", encoding=encoding, errors=errors) as fh:
            stream = JsonStream(fh, max_line_bytes, file)
            try:
                for index, obj in enumerate(json_objects(stream), start=1):
                    if isinstance(obj, BrokenRecord):
                        yield RawRow(index, obj.values, problem=obj.problem)
                        continue
                    values = flatten(obj)
                    yield RawRow(index, values, warning=invalid_utf8(values) if lenient else None)
            except UnicodeDecodeError as exc:
                raise FeedEncodingError(
                    Message("file.undecodable", encoding=encoding, reason=exc.reason),
                    file=file,
                ) from exc

    return _with_headers(rows())


def read_jsonl(
    path: Path, *, encoding: str, max_line_bytes: int, file: str
) -> tuple[list[str], Iterator[RawRow]]:
    def rows() -> Iterator[RawRow]:
        decoder = json_decoder()
        lenient = encoding in LENIENT_ENCODINGS  # bad bytes: U+FFFD and a warning at the row
        tracker = RecordTracker(limit=max_line_bytes, file=file, lenient=lenient)
        errors = "replace" if lenient else "strict"
        with path.open("r", encoding=encoding, errors=errors, newline="") as fh:
            for line in bounded_lines(fh, tracker):
                replaced = tracker.replaced
                tracker.next_record()
                text = line.strip()
                if not text:
                    continue
                try:
                    obj = decoder.decode(text)
                except json.JSONDecodeError as exc:
                    if not line.endswith(("\n", "\r")):  # the last line, with no line break
                        raise TruncatedFeed(
                            Message("file.json_truncated_line", error=exc.msg),
                            file=file,
                            row=tracker.lineno,
                        ) from exc
                    # one line is one record: report it and go on
                    values, field, offset, why = salvage(text)
                    _, column = where_in(text, offset, 1, 1 + len(line) - len(line.lstrip()))
                    problem = bad_record(tracker.lineno, file, field, tracker.lineno, column, why)
                    yield RawRow(tracker.lineno, values, problem=problem)
                    continue
                if not isinstance(obj, dict):
                    problem = Message(
                        "row.json_line_not_object",
                        record=tracker.lineno,
                        file=file,
                        preview=text[:40],
                    )
                    yield RawRow(tracker.lineno, {}, problem=problem)
                    continue
                values = flatten(obj)
                warning = invalid_utf8(values) if replaced else None
                yield RawRow(tracker.lineno, values, warning=warning)

    return _with_headers(rows())
