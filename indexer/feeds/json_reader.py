"""JSON feeds: a top-level array of objects (streamed), ``{"products": [...]}``-style
wrappers, JSON Lines, and schema.org JSON-LD Product markup (also inside HTML or text).

Nested objects are flattened to dotted keys (``offers.price``); lists of scalars are joined
with ``", "``; lists of objects get an index (``images.0.src``). Integers are kept exactly as
written in the file; other numbers become exact plain decimals
(`indexer.normalize.price.number_text`: ``1.234e3`` -> ``"1234"``, ``12.345`` ->
``"12.3450"``) so price parsing never reads a JSON number with Swedish thousands rules.
Headers are the keys of the first rows; keys first met later are
appended to ``FeedTable.headers`` while the rows stream.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from indexer.errors import FeedFormatError, FeedTooLarge
from indexer.feeds.detect import LENIENT_ENCODINGS
from indexer.feeds.errors import TruncatedFeed
from indexer.feeds.limits import INVALID_UTF8, RecordTracker, bounded_lines
from indexer.normalize.price import number_text
from indexer.records import RawRow

WRAPPER_KEYS = ("products", "items", "offers", "data", "entries", "results")
HEADER_LOOKAHEAD = 200
_CHUNK = 1 << 20
_WS = " \t\r\n"


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

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

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
            raise FeedFormatError(
                f"malformed JSON: expected {' or '.join(repr(c) for c in chars)}, found {ch!r}",
                file=self.file,
                row=row,
            )
        self.pos += 1
        return ch

    def value(self, row: int | None) -> object:
        self.peek()
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
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
                raise FeedFormatError(
                    f"malformed JSON: {exc.msg}", file=self.file, row=row
                ) from exc
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
        """After a consumed '[': yield the elements."""
        index = 0
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            index += 1
            yield self.value(index)
            if self.expect(",]", index) == "]":
                return


def _objects(stream: _Stream) -> Iterator[dict[str, object]]:
    """The product objects of a JSON document, streamed when they sit in an array."""
    first = stream.expect("[{", None)
    if first == "[":
        items: Iterable[object] = stream.array_items()
    else:
        items = _wrapped_items(stream)
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise FeedFormatError(
                f"JSON element is not an object: {str(item)[:40]!r}",
                file=stream.file,
                row=index,
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
        with path.open("r", encoding=encoding) as fh:
            stream = _Stream(fh, max_line_bytes, file)
            for index, obj in enumerate(_objects(stream), start=1):
                yield RawRow(index, flatten(obj))

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
                warning = INVALID_UTF8 if tracker.replaced else None
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
                    raise FeedFormatError(
                        f"malformed JSON line: {exc.msg}", file=file, row=tracker.lineno
                    ) from exc
                if not isinstance(obj, dict):
                    raise FeedFormatError(
                        "JSON line is not an object", file=file, row=tracker.lineno
                    )
                yield RawRow(tracker.lineno, flatten(obj), warning=warning)

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


def jsonld_blocks(text: str) -> Iterator[object]:
    """Every JSON value in ``text``: a whole JSON document, ``<script type=ld+json>`` blocks,
    or blocks starting at the beginning of a line inside a text container."""
    decoder = _decoder()
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            yield decoder.decode(stripped)
            return
        except json.JSONDecodeError:
            pass
    scripts = _SCRIPT.findall(text)
    if scripts:
        for body in scripts:
            try:
                yield decoder.decode(body.strip())
            except json.JSONDecodeError:
                continue
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
    """JSON-LD is page markup, small by nature: read whole (the file size limit applies)."""
    try:
        text = path.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise FeedFormatError(f"cannot decode as {encoding}: {exc.reason}", file=file) from exc
    rows: list[RawRow] = []
    for block in jsonld_blocks(text):
        for product in find_products(block):
            rows.append(RawRow(len(rows) + 1, product_cells(product)))
    if not rows:
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
