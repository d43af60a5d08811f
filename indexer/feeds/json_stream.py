"""Incremental JSON: the product objects of a JSON document, one at a time.

A top-level array is read element by element; ``{"products": [...]}``-style wrappers stream
the list under the wrapper key. An element that does not parse but whose end can be found
(brackets and strings counted) becomes a :class:`~indexer.feeds.json_cells.BrokenRecord`;
one whose end cannot be found refuses the file with its line and column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TextIO

from indexer.errors import FeedFormatError, FeedTooLarge
from indexer.feeds.errors import TruncatedFeed
from indexer.feeds.json_cells import (
    WHITESPACE,
    BrokenRecord,
    MalformedJson,
    bad_record,
    json_decoder,
    salvage,
    where_in,
)
from indexer.messages import Message

WRAPPER_KEYS = ("products", "items", "offers", "data", "entries", "results")
_CHUNK = 1 << 20
_TOKEN_MARGIN = 4096  # a number or literal cut by the buffer end fails this close to it


class JsonStream:
    """Incremental JSON over a text stream: one value at a time, bounded by ``limit``."""

    def __init__(self, fh: TextIO, limit: int, file: str) -> None:
        self.fh = fh
        self.limit = limit
        self.file = file
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.decoder = json_decoder()
        self.line, self.column = 1, 1  # of buf[0]

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.line, self.column = where_in(self.buf, self.pos, self.line, self.column)
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def where(self, pos: int) -> tuple[int, int]:
        """(line, column) of ``buf[pos]`` in the file."""
        return where_in(self.buf, pos, self.line, self.column)

    def malformed(self, why: str | Message, pos: int, row: int | None) -> MalformedJson:
        """``why``: the parser's own words, or a message with more values (line and column
        are added)."""
        line, column = self.where(pos)
        if not isinstance(why, Message):
            why = Message("file.json_malformed", error=why)
        return MalformedJson(why.with_values(line=line, column=column), file=self.file, row=row)

    def record_end(self) -> int | None:
        """From ``pos`` at an array element: the offset of the ``,`` or ``]`` ending it, or
        None when brackets do not match (the element cannot be isolated)."""
        stack: list[str] = []
        in_str = esc = False
        i = 0
        while True:
            p = self.pos + i
            if p >= len(self.buf):
                if not self._fill():
                    return None
                continue
            if i > self.limit:
                raise FeedTooLarge(
                    Message("file.json_too_long", limit=self.limit),
                    file=self.file,
                )
            c = self.buf[p]
            if in_str:
                if esc:
                    esc = False
                elif c == "\\":
                    esc = True
                elif c in '"\n':
                    in_str = False  # a raw line break: the string was never closed
            elif c == '"':
                in_str = True
            elif c in "{[":
                stack.append(c)
            elif c in "}]":
                if not stack:
                    return i if c == "]" else None
                if stack.pop() + c not in ("{}", "[]"):
                    return None
            elif c == "," and not stack:
                return i
            i += 1

    def peek(self) -> str:
        """The next non-whitespace character ('' at end of input)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, chars: str, row: int | None) -> str:
        ch = self.peek()
        if ch == "":
            raise TruncatedFeed(Message("file.json_unclosed"), file=self.file, row=row)
        if ch not in chars:
            expected = " or ".join(repr(c) for c in chars)
            raise self.malformed(
                Message("file.json_unexpected", expected=expected, found=ch), self.pos, row
            )
        self.pos += 1
        return ch

    def value(self, row: int | None) -> object:
        self.peek()
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                # an error near the end of what is buffered may be a value cut by the
                # buffer: read on; one well before it is in the file as written
                cut = "Unterminated" in exc.msg or exc.pos >= len(self.buf) - _TOKEN_MARGIN
                if cut and not self.eof:
                    if len(self.buf) - self.pos > self.limit:
                        raise FeedTooLarge(
                            Message("file.json_too_long", limit=self.limit),
                            file=self.file,
                            row=row,
                        ) from exc
                    if self._fill():
                        continue
                if exc.pos >= len(self.buf) - 1 or "Unterminated" in exc.msg:
                    raise TruncatedFeed(
                        Message("file.json_cut_value"), file=self.file, row=row
                    ) from exc
                raise self.malformed(exc.msg, exc.pos, row) from exc
            if end >= len(self.buf) and not self.eof and self._fill():
                continue  # a number cut at the buffer end may be longer
            if end - self.pos > self.limit:
                raise FeedTooLarge(
                    Message("file.json_too_long", limit=self.limit),
                    file=self.file,
                    row=row,
                )
            self.pos = end
            return obj

    def array_items(self) -> Iterator[object]:
        """After a consumed '[': yield the elements; one that does not parse but whose end
        is found (brackets and strings counted) as a :class:`BrokenRecord`."""
        index = 0
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            index += 1
            try:
                item: object = self.value(index)
            except MalformedJson as exc:
                item = self._broken(index, exc)
            yield item
            if self.expect(",]", index) == "]":
                return

    def _broken(self, index: int, error: MalformedJson) -> BrokenRecord:
        """The element at ``pos`` did not parse: skip to its end, or refuse the file (with
        the line and column) when its end cannot be found."""
        end = self.record_end()
        if end is None:
            raise error
        text = self.buf[self.pos : self.pos + end]
        values, field, offset, why = salvage(text)
        line, column = self.where(self.pos + offset)
        self.pos += end
        return BrokenRecord(values, bad_record(index, self.file, field, line, column, why))


def json_objects(stream: JsonStream) -> Iterator[dict[str, object] | BrokenRecord]:
    """The product objects of a JSON document, streamed when they sit in an array; an
    element that is not an object or does not parse is a :class:`BrokenRecord`."""
    first = stream.expect("[{", None)
    if first == "[":
        items: Iterable[object] = stream.array_items()
    else:
        items = _wrapped_items(stream)
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict | BrokenRecord):
            item = BrokenRecord(
                {},
                Message(
                    "row.json_element_not_object",
                    record=index,
                    file=stream.file,
                    preview=str(item)[:40],
                ),
            )
        yield item


def _wrapped_items(stream: JsonStream) -> Iterator[object]:
    """After a consumed '{': stream the list under a wrapper key, or the single list."""
    lists: list[list[object]] = []
    members: dict[str, object] = {}
    if stream.peek() == "}":
        stream.pos += 1
        return
    while True:
        key = stream.value(None)
        stream.expect(":", None)
        if isinstance(key, str) and key.lower() in WRAPPER_KEYS and stream.peek() == "[":
            stream.pos += 1
            yield from stream.array_items()
            return
        value = stream.value(None)
        if isinstance(value, list):
            lists.append(value)
        members[str(key)] = value
        if stream.expect(",}", None) == "}":
            break
    object_lists = [v for v in lists if v and all(isinstance(i, dict) for i in v)]
    if len(object_lists) == 1:
        yield from object_lists[0]
    elif not object_lists:
        yield members  # one product object
    else:
        raise FeedFormatError(
            Message("file.json_several_lists"),
            file=stream.file,
        )
