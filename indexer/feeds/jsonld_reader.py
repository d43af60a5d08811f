"""schema.org JSON-LD Product markup: a JSON document, or blocks inside HTML or text.

A product is not a record of the file (it sits anywhere in a graph), so the file is read
whole (JSON-LD is page markup, small by nature; the file size limit applies).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import FeedFormatError
from indexer.feeds.detect import LENIENT_ENCODINGS
from indexer.feeds.json_cells import MalformedJson, flatten, invalid_utf8, json_decoder, where_in
from indexer.messages import Message
from indexer.records import RawRow

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
    decoder = json_decoder()
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
                    Message("file.jsonld_malformed", line=line, column=column, error=exc.msg),
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
        raise FeedFormatError(
            Message("file.undecodable_jsonld", encoding=encoding, reason=exc.reason), file=file
        ) from exc
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
                json_decoder().decode(stripped)
            except json.JSONDecodeError as exc:
                offset = len(text) - len(text.lstrip())
                line, column = where_in(text, offset + exc.pos)
                raise MalformedJson(
                    Message("file.json_malformed", line=line, column=column, error=exc.msg),
                    file=file,
                ) from exc
        raise FeedFormatError(Message("file.jsonld_no_product"), file=file)
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
