"""JSON feeds: a top-level array of objects (streamed), ``{"products": [...]}``-style
wrappers, JSON Lines, and schema.org JSON-LD Product markup (also inside HTML or text).

Nested objects are flattened to dotted keys (``offers.price``); lists of scalars are joined
with ``", "``; lists of objects get an index (``images.0.src``). Integers are kept exactly as
written in the file; other numbers become exact plain decimals
(`indexer.normalize.price.number_text`: ``1.234e3`` -> ``"1234"``, ``12.345`` ->
``"12.3450"``) so price parsing never reads a JSON number with Swedish thousands rules.
Headers are the keys of the first rows; keys first met later are
appended to ``FeedTable.headers`` while the rows stream.

One bad record does not refuse the file where the format isolates it:

* In JSON Lines and in a top-level array (read incrementally, one element at a time), a
  record whose value cannot be parsed (``"price": 12,5``, ``"name": "ab`` with no closing
  quote, ``tru``) is skipped to its end (brackets and strings counted) and becomes a row
  error naming the file, the record number, the field and the line and column; the members
  before and after the bad one are kept, so the record's SKU is known (its stored offer is
  kept, not withdrawn). A record that is not an object is a row error too.
* Bytes that are not valid UTF-8 in a UTF-8 file (JSON, JSON Lines, JSON-LD) read as U+FFFD
  and the record gets a warning naming the field.
* Where no record can be isolated (a bracket never closed, a closing bracket that does not
  match, a JSON-LD document that does not parse), the file is refused with the file, line
  and column of the error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from indexer.errors import FeedFormatError, FeedTooLarge
from indexer.feeds.detect import LENIENT_ENCODINGS
from indexer.feeds.errors import FeedEncodingError, TruncatedFeed
from indexer.feeds.limits import REPLACEMENT, RecordTracker, bounded_lines
from indexer.normalize.price import number_text
from indexer.records import RawRow

WRAPPER_KEYS = ("products", "items", "offers", "data", "entries", "results")
HEADER_LOOKAHEAD = 200
_CHUNK = 1 << 20
_WS = " \t\r\n"
_TOKEN_MARGIN = 4096  # a number or literal cut by the buffer end fails this close to it


def json_number(text: str) -> str:
    """Text of a JSON number with a fraction or exponent (see the module docstring)."""
    return number_text(Decimal(text))


def _decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_float=json_number, parse_int=str)


def scalar_text(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def flatten(obj: dict[str, object], prefix: str = "") -> dict[str, str]:
    """Flatten nested dicts/lists into ``{"a.b": "text"}``."""
    out: dict[str, str] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                out[name] = ", ".join(scalar_text(v) for v in value)
            else:
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        out.update(flatten(item, f"{name}.{i}."))
                    else:
                        out[f"{name}.{i}"] = scalar_text(item)
        else:
            out[name] = scalar_text(value)
    return out


def invalid_utf8(values: dict[str, str]) -> str | None:
    """The warning for a record whose cells hold U+FFFD (bytes that were not UTF-8), naming
    the fields; ``None`` when none does."""
    fields = [k for k, v in values.items() if REPLACEMENT in v or REPLACEMENT in k]
    if not fields:
        return None
    names = ", ".join(repr(f) for f in fields[:5])
    return (
        f"bytes that are not valid UTF-8 were replaced by \ufffd in field {names} (the rest of "
        "the file is UTF-8); check the record and save the file as UTF-8"
    )


def bad_record(record: int, file: str, field: str | None, line: int, column: int, why: str) -> str:
    """A row error's message for a record that cannot be parsed."""
    where = f"field {field!r}" if field is not None else "a member"
    return (
        f"record {record} of {file}: unreadable JSON in {where} at line {line}, column "
        f"{column} ({why}); the record is skipped"
    )


def where_in(text: str, pos: int, line: int = 1, column: int = 1) -> tuple[int, int]:
    """(line, column), 1-based, of ``text[pos]`` when ``text`` starts at (line, column)."""
    newlines = text.count("\n", 0, pos)
    if newlines == 0:
        return line, column + pos
    return line + newlines, pos - text.rfind("\n", 0, pos)


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _member_end(text: str, i: int) -> int:
    """From ``i`` inside an object's member, the index just after the ``,`` ending it, or of
    the ``}`` closing the object (``len(text)`` if neither): brackets and strings counted."""
    depth, in_str, esc = 0, False, False
    while i < len(text):
        c = text[i]
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
            depth += 1
        elif c in "}]":
            if depth == 0:
                return i
            depth -= 1
        elif c == "," and depth == 0:
            return i + 1
        i += 1
    return len(text)


def salvage(text: str) -> tuple[dict[str, str], str | None, int, str]:
    """The members of a broken JSON object that parse, and the first bad one: (cells, its
    field or None, its offset in ``text``, why)."""
    decoder = _decoder()
    values: dict[str, str] = {}
    bad: tuple[str | None, int, str] | None = None
    i = _skip_ws(text, 0)
    if text[i : i + 1] != "{":
        return values, None, i, "the record is not an object"
    i += 1
    last: str | None = None  # the member before, which a stray comma may have cut (12,5)
    while True:
        i = _skip_ws(text, i)
        if i >= len(text) or text[i] == "}":
            break
        field: str | None = None
        try:
            if text[i] != '"':
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, i
                )
            key, i = decoder.raw_decode(text, i)
            field = last = key
            i = _skip_ws(text, i)
            if text[i : i + 1] != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
            value, i = decoder.raw_decode(text, _skip_ws(text, i + 1))
            i = _skip_ws(text, i)
            if text[i : i + 1] not in (",", "}"):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        except json.JSONDecodeError as exc:
            if field is None and last is not None:
                field = last  # "price": 12,5 -> the 5 is what is left of the price
            if bad is None:
                bad = (field, exc.pos, exc.msg)
            if field is not None:
                for name in [k for k in values if k == field or k.startswith(field + ".")]:
                    del values[name]
            i = _member_end(text, exc.pos)
            last = None
            continue
        values.update(flatten({field: value}))
        if text[i] == ",":
            i += 1
    if bad is None:  # every member parsed: what broke is after the object
        return values, None, i, "Expecting ',' delimiter"
    return values, bad[0], bad[1], bad[2]


@dataclass(slots=True)
class BrokenRecord:
    """An element of a JSON array that does not parse: what was salvaged and why."""

    values: dict[str, str]
    problem: str


class MalformedJson(FeedFormatError):
    """A JSON document that cannot be read on, with the line and column of the error."""


class _Stream:
    """Incremental JSON over a text stream: one value at a time, bounded by ``limit``."""

    def __init__(self, fh: TextIO, limit: int, file: str) -> None:
        self.fh = fh
        self.limit = limit
        self.file = file
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.decoder = _decoder()
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

    def malformed(self, why: str, pos: int, row: int | None) -> MalformedJson:
        line, column = self.where(pos)
        return MalformedJson(
            f"malformed JSON at line {line}, column {column}: {why}", file=self.file, row=row
        )

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
                    f"JSON value longer than the limit of {self.limit:,} characters",
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
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, chars: str, row: int | None) -> str:
        ch = self.peek()
        if ch == "":
            raise TruncatedFeed("JSON ends before the document is closed", file=self.file, row=row)
        if ch not in chars:
            raise self.malformed(
                f"expected {' or '.join(repr(c) for c in chars)}, found {ch!r}", self.pos, row
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
                            f"JSON value longer than the limit of {self.limit:,} characters",
                            file=self.file,
                            row=row,
                        ) from exc
                    if self._fill():
                        continue
                if exc.pos >= len(self.buf) - 1 or "Unterminated" in exc.msg:
                    raise TruncatedFeed(
                        "JSON ends inside a value (was the file cut off?)", file=self.file, row=row
                    ) from exc
                raise self.malformed(exc.msg, exc.pos, row) from exc
            if end >= len(self.buf) and not self.eof and self._fill():
                continue  # a number cut at the buffer end may be longer
            if end - self.pos > self.limit:
                raise FeedTooLarge(
                    f"JSON value longer than the limit of {self.limit:,} characters",
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


def _objects(stream: _Stream) -> Iterator[dict[str, object] | BrokenRecord]:
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
                f"record {index} of {stream.file}: the JSON element is not an object "
                f"({str(item)[:40]!r}); the record is skipped",
            )
        yield item


def _wrapped_items(stream: _Stream) -> Iterator[object]:
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
            'JSON object holds several lists; put the products under "products"',
            file=stream.file,
        )


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
            stream = _Stream(fh, max_line_bytes, file)
            try:
                for index, obj in enumerate(_objects(stream), start=1):
                    if isinstance(obj, BrokenRecord):
                        yield RawRow(index, obj.values, problem=obj.problem)
                        continue
                    values = flatten(obj)
                    yield RawRow(index, values, warning=invalid_utf8(values) if lenient else None)
            except UnicodeDecodeError as exc:
                raise FeedEncodingError(
                    f"cannot decode bytes as {encoding} ({exc.reason}); "
                    "save the file as UTF-8 and upload it again",
                    file=file,
                ) from exc

    return _with_headers(rows())


def read_jsonl(
    path: Path, *, encoding: str, max_line_bytes: int, file: str
) -> tuple[list[str], Iterator[RawRow]]:
    def rows() -> Iterator[RawRow]:
        decoder = _decoder()
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
                            f"the file ends in the middle of a JSON line ({exc.msg}) with no "
                            "line break after it; was the file cut off?",
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
                    problem = (
                        f"record {tracker.lineno} of {file}: the JSON line is not an object "
                        f"({text[:40]!r}); the record is skipped"
                    )
                    yield RawRow(tracker.lineno, {}, problem=problem)
                    continue
                values = flatten(obj)
                warning = invalid_utf8(values) if replaced else None
                yield RawRow(tracker.lineno, values, warning=warning)

    return _with_headers(rows())


# --- schema.org JSON-LD ----------------------------------------------------------------

PRODUCT_TYPES = frozenset({"Product", "IndividualProduct", "ProductModel", "SomeProducts"})
_SCRIPT = re.compile(
    r"<script[^>]*type=[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.S | re.I
)
_BLOCK_START = re.compile(r"^[ \t]*[\[{]", re.M)
_JSONLD_MAPPING: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "productID"),
    "name": ("name",),
    "price": ("offers.price", "offers.lowPrice"),
    "currency": ("offers.priceCurrency",),
    "stock": ("offers.availability",),
    "gtin": ("gtin13", "gtin14", "gtin12", "gtin8", "gtin"),
    "mpn": ("mpn",),
    "brand": ("brand.name", "brand"),
    "manufacturer": ("manufacturer.name", "manufacturer"),
    "url": ("offers.url", "url"),
    "image": ("image", "image.url"),
    "description": ("description",),
    "category": ("category",),
}


def jsonld_blocks(text: str, file: str = "") -> Iterator[object]:
    """Every JSON value in ``text``: a whole JSON document, ``<script type=ld+json>`` blocks,
    or blocks starting at the beginning of a line inside a text container.

    A ``<script>`` block that does not parse refuses the file with its line and column (its
    products cannot be known; skipping them would withdraw their offers)."""
    decoder = _decoder()
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            yield decoder.decode(stripped)
            return
        except json.JSONDecodeError:
            pass
    scripts = list(_SCRIPT.finditer(text))
    if scripts:
        for match in scripts:
            body = match.group(1)
            try:
                yield decoder.decode(body)
            except json.JSONDecodeError as exc:
                line, column = where_in(text, match.start(1) + exc.pos)
                raise MalformedJson(
                    f"malformed JSON at line {line}, column {column}: {exc.msg} (in a "
                    "<script type=application/ld+json> block)",
                    file=file,
                ) from exc
        return
    pos = 0
    while (m := _BLOCK_START.search(text, pos)) is not None:
        start = m.end() - 1
        try:
            obj, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            pos = m.end()
            continue
        yield obj
        pos = end


def _is_product(obj: dict[str, object]) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] in PRODUCT_TYPES for k in kinds)


def find_products(value: object) -> Iterator[dict[str, object]]:
    """Product nodes anywhere in a JSON-LD value (``@graph``, lists, ``ItemList``...)."""
    if isinstance(value, list):
        for item in value:
            yield from find_products(item)
    elif isinstance(value, dict):
        if _is_product(value):
            yield value
            return
        for item in value.values():
            if isinstance(item, dict | list):
                yield from find_products(item)


def product_cells(product: dict[str, object]) -> dict[str, str]:
    """Flatten a Product; a list of offers is reduced to its first offer."""
    node = dict(product)
    offers = node.get("offers")
    if isinstance(offers, list) and offers:
        node["offers"] = offers[0]
        if len(offers) > 1:
            node["offers_count"] = str(len(offers))
    return flatten(node)


def read_jsonld(
    path: Path, *, encoding: str, file: str
) -> tuple[list[str], list[RawRow], dict[str, str]]:
    """JSON-LD is page markup, small by nature: read whole (the file size limit applies).

    A product is not a record of the file (it sits anywhere in a graph): bytes that are not
    UTF-8 read as U+FFFD with a warning at the product; a document that does not parse is
    refused with its line and column."""
    lenient = encoding in LENIENT_ENCODINGS
    try:
        text = path.read_text(encoding=encoding, errors="replace" if lenient else "strict")
    except UnicodeDecodeError as exc:
        raise FeedFormatError(f"cannot decode as {encoding}: {exc.reason}", file=file) from exc
    rows: list[RawRow] = []
    for block in jsonld_blocks(text, file):
        for product in find_products(block):
            cells = product_cells(product)
            warning = invalid_utf8(cells) if lenient else None
            rows.append(RawRow(len(rows) + 1, cells, warning=warning))
    if not rows:
        stripped = text.strip()
        if stripped[:1] in ("{", "["):
            try:
                _decoder().decode(stripped)
            except json.JSONDecodeError as exc:
                offset = len(text) - len(text.lstrip())
                line, column = where_in(text, offset + exc.pos)
                raise MalformedJson(
                    f"malformed JSON at line {line}, column {column}: {exc.msg}", file=file
                ) from exc
        raise FeedFormatError("no schema.org Product found in the JSON-LD", file=file)
    headers: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for key in row.values:
            if key not in seen:
                seen.add(key)
                headers.append(key)
    mapping: dict[str, str] = {}
    for canonical, names in _JSONLD_MAPPING.items():
        for name in names:
            if name in seen:
                mapping[canonical] = name
                break
    return headers, rows, mapping
