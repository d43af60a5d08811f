"""XML retailer feeds, always parsed through `indexer.xmlsafe` (no DTD, no entities, no
network): Google Merchant RSS 2.0 / Atom (``g:`` namespace) and WooCommerce/WordPress WXR.

Row numbers are the 1-based index of the ``<item>``/``<entry>`` element among the file's
items (every ``<item>`` of a WXR export counts, products or not): a feed on one line has all
its items on line 1. Headers are learned from the
first items (a first streaming pass over at most `HEADER_LOOKAHEAD` items); keys first met
later are appended while the rows stream.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import closing
from itertools import islice
from pathlib import Path

from lxml import etree

from indexer import xmlsafe
from indexer.records import RawRow

HEADER_LOOKAHEAD = 200
GOOGLE_NS = "http://base.google.com/ns/1.0"
WP_PREFIX = "http://wordpress.org/export/"
ATOM_NS = "http://www.w3.org/2005/Atom"

GOOGLE_MAPPING: dict[str, tuple[str, ...]] = {
    "sku": ("g:id",),
    "name": ("g:title", "title"),
    "price": ("g:price",),
    "stock": ("g:availability",),
    "gtin": ("g:gtin",),
    "mpn": ("g:mpn",),
    "brand": ("g:brand",),
    "url": ("g:link", "link"),
    "image": ("g:image_link",),
    "description": ("g:description", "description", "summary"),
    "category": ("g:product_type", "g:google_product_category"),
}
WXR_MAPPING: dict[str, tuple[str, ...]] = {
    "sku": ("_sku",),
    "name": ("title",),
    "price": ("_price",),
    "stock": ("_stock_status",),
    "stock_quantity": ("_stock",),
    "gtin": ("_global_unique_id",),
    "brand": ("product_brand", "pwb-brand"),
    "url": ("link",),
    "category": ("product_cat",),
    "description": ("excerpt", "content"),
}
WXR_PRODUCT_TYPES = frozenset({"product", "product_variation"})
_WXR_PARENT_KINDS = frozenset({"variable", "grouped"})
_WXR_INHERITED = ("product_cat", "product_tag", "product_brand", "content", "excerpt")


def _text(elem: etree._Element) -> str:
    return (elem.text or "").strip()


def _qualified(elem: etree._Element) -> str:
    tag = elem.tag
    if not isinstance(tag, str):
        return ""
    if tag.startswith("{"):
        ns, local = tag[1:].split("}", 1)
        if ns == GOOGLE_NS:
            return f"g:{local}"
        return local
    return tag


def google_item_cells(item: etree._Element) -> dict[str, str]:
    """One Merchant item: ``g:price`` etc.; nested ``g:shipping`` flattened; repeats joined."""
    cells: dict[str, str] = {}
    for child in item:
        key = _qualified(child)
        if not key:
            continue
        if len(child):
            if key in cells or any(k.startswith(key + ".") for k in cells):
                continue  # keep the first of repeated nested blocks (g:shipping)
            for sub in child:
                sub_key = _qualified(sub)
                if sub_key:
                    cells[f"{key}.{sub_key}"] = _text(sub)
            continue
        value = _text(child)
        if key == "link" and not value:
            value = child.get("href", "")
        if key in cells:
            if value:
                cells[key] = f"{cells[key]}, {value}" if cells[key] else value
        else:
            cells[key] = value
    return cells


def wxr_item_cells(item: etree._Element) -> dict[str, str]:
    """One WXR item: post fields, taxonomy terms by domain, and postmeta (``_sku``...)."""
    cells: dict[str, str] = {}
    terms: dict[str, list[str]] = {}
    for child in item:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        ns, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
        if local == "postmeta":
            key = value = ""
            for sub in child:
                sub_local = xmlsafe.local_name(sub)
                if sub_local == "meta_key":
                    key = _text(sub)
                elif sub_local == "meta_value":
                    value = (sub.text or "").strip()
            if key:
                cells[key] = value
        elif local == "category":
            terms.setdefault(child.get("domain", "category"), []).append(_text(child))
        elif local == "encoded":
            cells["excerpt" if "excerpt" in ns else "content"] = (child.text or "").strip()
        elif local in ("comment", "author"):
            continue
        elif not len(child):
            cells[local] = _text(child)
    for domain, values in terms.items():
        cells[domain] = ", ".join(values)
    return cells


def _header_list(rows: list[dict[str, str]]) -> list[str]:
    headers: list[str] = []
    seen: set[str] = set()
    for cells in rows:
        for key in cells:
            if key not in seen:
                seen.add(key)
                headers.append(key)
    return headers


def _extend(headers: list[str], seen: set[str], cells: dict[str, str]) -> None:
    for key in cells:
        if key not in seen:
            seen.add(key)
            headers.append(key)


def _mapping(candidates: dict[str, tuple[str, ...]], headers: list[str]) -> dict[str, str]:
    have = set(headers)
    out: dict[str, str] = {}
    for canonical, names in candidates.items():
        for name in names:
            if name in have:
                out[canonical] = name
                break
    return out


def _google_items(path: Path, file: str) -> Generator[tuple[int, dict[str, str]], None, None]:
    for index, elem in enumerate(xmlsafe.iterparse(path, {"item", "entry"}, file), start=1):
        cells = google_item_cells(elem)
        elem.clear()
        yield index, cells


def read_google_rss(path: Path, *, file: str) -> tuple[list[str], Iterator[RawRow], dict[str, str]]:
    with closing(_google_items(path, file)) as items:
        head = [cells for _index, cells in islice(items, HEADER_LOOKAHEAD)]
    headers = _header_list(head)
    seen = set(headers)

    def rows() -> Iterator[RawRow]:
        for index, cells in _google_items(path, file):
            _extend(headers, seen, cells)
            yield RawRow(index, cells)

    return headers, rows(), _mapping(GOOGLE_MAPPING, headers)


def _wxr_items(path: Path, file: str) -> Generator[tuple[int, dict[str, str]], None, None]:
    for index, elem in enumerate(xmlsafe.iterparse(path, {"item"}, file), start=1):
        cells = wxr_item_cells(elem)
        elem.clear()
        if cells.get("post_type", "") in WXR_PRODUCT_TYPES:
            yield index, cells


def read_wxr(
    path: Path, *, file: str, notes: list[str]
) -> tuple[list[str], Iterator[RawRow], dict[str, str]]:
    """Products and variations of a WordPress export; attachments/pages are ignored.

    A ``variable``/``grouped`` parent without a regular or sale price is not an offer (its
    ``_price`` is only the cheapest variation); variations inherit its categories and texts.
    Trashed posts are skipped.
    """
    with closing(_wxr_items(path, file)) as items:
        head = [cells for _index, cells in islice(items, HEADER_LOOKAHEAD)]
    headers = _header_list(head)
    seen = set(headers)

    def rows() -> Iterator[RawRow]:
        parents: dict[str, dict[str, str]] = {}
        skipped = 0
        for index, cells in _wxr_items(path, file):
            if cells.get("status") == "trash":
                skipped += 1
                continue
            if cells.get("product_type", "") in _WXR_PARENT_KINDS:
                parents[cells.get("post_id", "")] = {k: cells.get(k, "") for k in _WXR_INHERITED}
                if not (cells.get("_regular_price") or cells.get("_sale_price")):
                    skipped += 1
                    continue
            parent = parents.get(cells.get("post_parent", ""))
            if parent is not None:
                for key, value in parent.items():
                    if value and not cells.get(key):
                        cells[key] = value
            _extend(headers, seen, cells)
            yield RawRow(index, cells)
        if skipped:
            notes.append(f"{skipped} WXR parent/trashed product(s) skipped (not offers)")

    return headers, rows(), _mapping(WXR_MAPPING, headers)
