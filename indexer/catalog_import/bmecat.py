"""BMEcat 1.01 / 1.2 (ARTICLE) and 2005 (PRODUCT) catalogs -> ProductRecord.

Namespaced or not (elements are matched by local name). Streamed in two passes over the
same seekable stream: the first collects catalog group names and the article-to-group
map (which BMEcat puts *after* the articles), the second yields the products.

* ``source_key`` = ``<supplier id>:<SUPPLIER_AID|SUPPLIER_PID>``; the prefix is the
  header's SUPPLIER_ID, else SUPPLIER_NAME, else CATALOG_ID, so keys stay unique across
  suppliers and stable across catalog versions.
* Names and descriptions in several languages: Swedish, then English, then the first.
* ``EAN`` and ``INTERNATIONAL_PID type="gtin"|"ean"`` become GS1 identifiers (GTIN-14);
  a bad check digit is a row error for that field, not an identifier.
* Features: ``FNAME`` or ``FTEMPLATE/FT_NAME``; ``FVALUE`` (else ``FVALUE_DETAILS`` when it
  is not just the feature name again); ``FUNIT`` / ``FT_UNIT``. Values are kept as text
  (decimal commas of BMEcat 1.01 untouched).
* ``MIME`` entries of an ``image/*`` type become ``image_urls`` (as given, relative paths
  are relative to the catalog's MIME_ROOT).
* Prices are not read here: this is the manufacturer catalog, offers come from feeds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from lxml import etree

from catalog.gtin import gtin14, gtin_problem
from catalog.records import Identifier, ProductRecord, Spec
from indexer.catalog_import.errors import CatalogRowError
from indexer.catalog_import.xmlstream import child, child_text, children, iter_elements, text

SOURCE = "bmecat"
PREFERRED_LANGS = ("swe", "sv", "eng", "en")
_PRODUCT_TAGS = frozenset({"ARTICLE", "PRODUCT"})
_MAP_TAGS = frozenset({"ARTICLE_TO_CATALOGGROUP_MAP", "PRODUCT_TO_CATALOGGROUP_MAP"})
_GTIN_PID_TYPES = frozenset({"gtin", "ean", "gtin13", "gtin14", "ean13", "upc"})
_TAG = re.compile(r"<[^>]+>")


def html_to_text(value: str | None) -> str | None:
    """Plain text of a description that may carry (escaped) HTML markup."""
    if value is None:
        return None
    plain = _TAG.sub(" ", html.unescape(value))
    plain = " ".join(html.unescape(plain).split())
    return plain or None


@dataclass(slots=True)
class CatalogHeader:
    key_prefix: str = ""
    supplier_name: str | None = None
    groups: dict[str, str] = field(default_factory=dict)  # group id -> name
    article_groups: dict[str, str] = field(default_factory=dict)  # article id -> group id


def _pick_lang(nodes: list[etree._Element]) -> str | None:
    """Text of the node in the preferred language (else the first one with text)."""
    by_lang: dict[str, str] = {}
    first: str | None = None
    for node in nodes:
        value = text(node)
        if value is None:
            continue
        first = first or value
        lang = (node.get("lang") or "").lower()
        by_lang.setdefault(lang, value)
    for lang in PREFERRED_LANGS:
        if lang in by_lang:
            return by_lang[lang]
    return first


def _collect_header(stream: IO[bytes], file: str) -> CatalogHeader:
    header = CatalogHeader()
    tags = {"HEADER", "CATALOG_STRUCTURE", *_MAP_TAGS, *_PRODUCT_TAGS}
    for elem in iter_elements(stream, tags, file):
        local = elem.tag.rsplit("}", 1)[-1] if isinstance(elem.tag, str) else ""
        if local == "HEADER":
            catalog = child(elem, "CATALOG")
            supplier = child(elem, "SUPPLIER")
            supplier_id = child_text(supplier, "SUPPLIER_ID") if supplier is not None else None
            header.supplier_name = (
                child_text(supplier, "SUPPLIER_NAME") if supplier is not None else None
            )
            catalog_id = child_text(catalog, "CATALOG_ID") if catalog is not None else None
            header.key_prefix = supplier_id or header.supplier_name or catalog_id or file
        elif local == "CATALOG_STRUCTURE":
            group_id = child_text(elem, "GROUP_ID")
            name = _pick_lang([n for t, n in children(elem) if t == "GROUP_NAME"])
            if group_id and name:
                header.groups[group_id] = name
        elif local in _MAP_TAGS:
            art = child_text(elem, "ART_ID") or child_text(elem, "PROD_ID")
            group_id = child_text(elem, "CATALOG_GROUP_ID")
            if art and group_id:
                header.article_groups.setdefault(art, group_id)
        elif local in _PRODUCT_TAGS:
            # Inline map (BMEcat 2005 may carry it inside the product).
            for tag, node in children(elem):
                if tag in _MAP_TAGS:
                    art = child_text(node, "PROD_ID") or child_text(elem, "SUPPLIER_PID")
                    group_id = child_text(node, "CATALOG_GROUP_ID")
                    if art and group_id:
                        header.article_groups.setdefault(art, group_id)
        elem.clear()
    if not header.key_prefix:
        header.key_prefix = file
    return header


def _features(node: etree._Element) -> list[Spec]:
    specs: list[Spec] = []
    for feature in node.iter("{*}FEATURE", "FEATURE"):
        template = child(feature, "FTEMPLATE")
        name = child_text(feature, "FNAME")
        unit = child_text(feature, "FUNIT")
        if template is not None:
            name = name or child_text(template, "FT_NAME")
            unit = unit or child_text(template, "FT_UNIT")
        if not name:
            continue
        value = _pick_lang([n for t, n in children(feature) if t == "FVALUE"])
        if value is None:
            details = child_text(feature, "FVALUE_DETAILS")
            if details and details != name:
                value = details
        if value is not None:
            specs.append(Spec(name, value, unit))
    return specs


def _images(node: etree._Element) -> list[str]:
    urls: list[str] = []
    for _tag, mime in children(node):
        mime_type = (child_text(mime, "MIME_TYPE") or "").lower()
        source = child_text(mime, "MIME_SOURCE")
        if source and mime_type.startswith("image") and source not in urls:
            urls.append(source)
    return urls


def _gtin(
    raw: str, file: str, key: str, field_name: str, errors: list[CatalogRowError]
) -> Identifier | None:
    value = gtin14(raw)
    if value is None:
        errors.append(CatalogRowError(file, key, field_name, gtin_problem(raw)))
        return None
    return Identifier(value=value, scheme="gs1", level="primary")


def parse_product(
    elem: etree._Element, header: CatalogHeader, file: str
) -> list[ProductRecord | CatalogRowError]:
    """One ARTICLE / PRODUCT element -> its record and row errors."""
    aid = child_text(elem, "SUPPLIER_AID") or child_text(elem, "SUPPLIER_PID")
    if aid is None:
        return [CatalogRowError(file, "?", "SUPPLIER_AID", "article without supplier id")]
    key = f"{header.key_prefix}:{aid}"
    errors: list[CatalogRowError] = []
    details = child(elem, "ARTICLE_DETAILS")
    if details is None:
        details = child(elem, "PRODUCT_DETAILS")
    if details is None:
        return [CatalogRowError(file, aid, "ARTICLE_DETAILS", "article without details")]
    by_tag: dict[str, list[etree._Element]] = {}
    for tag, node in children(details):
        by_tag.setdefault(tag, []).append(node)

    def first(tag: str) -> str | None:
        return _pick_lang(by_tag.get(tag, []))

    identifiers: list[Identifier] = []
    for node in by_tag.get("EAN", []):
        raw = text(node)
        ident = _gtin(raw, file, aid, "EAN", errors) if raw else None
        if ident is not None and ident not in identifiers:
            identifiers.append(ident)
    for node in by_tag.get("INTERNATIONAL_PID", []):
        raw = text(node)
        if raw and (node.get("type") or "").lower() in _GTIN_PID_TYPES:
            ident = _gtin(raw, file, aid, "INTERNATIONAL_PID", errors)
            if ident is not None and ident not in identifiers:
                identifiers.append(ident)

    specs: list[Spec] = []
    images: list[str] = []
    for tag, node in children(elem):
        if tag in ("ARTICLE_FEATURES", "PRODUCT_FEATURES"):
            specs.extend(_features(node))
        elif tag == "MIME_INFO":
            images.extend(u for u in _images(node) if u not in images)

    short = first("DESCRIPTION_SHORT")
    long = html_to_text(first("DESCRIPTION_LONG"))
    manufacturer = first("MANUFACTURER_NAME") or header.supplier_name
    mpn = first("MANUFACTURER_AID") or first("MANUFACTURER_PID")
    group_id = header.article_groups.get(aid)
    extra: dict[str, str] = {}
    type_descr = first("MANUFACTURER_TYPE_DESCR")
    if type_descr:
        extra["manufacturer_type"] = type_descr
    name = short or long or mpn or aid
    record = ProductRecord(
        source=SOURCE,
        source_key=key,
        name=name,
        manufacturer=manufacturer,
        brand=first("MANUFACTURER_NAME"),
        mpn=mpn,
        catalog_number=aid,
        description=long,
        category=header.groups.get(group_id) if group_id else None,
        category_code=group_id,
        identifiers=identifiers,
        specs=specs,
        image_urls=images,
        extra=extra,
    )
    return [record, *errors]


def read_bmecat(stream: IO[bytes], file: str) -> Iterator[ProductRecord | CatalogRowError]:
    """Stream a BMEcat catalog (any version): records and row errors in document order."""
    header = _collect_header(stream, file)
    stream.seek(0)
    for elem in iter_elements(stream, set(_PRODUCT_TAGS), file):
        yield from parse_product(elem, header, file)
        elem.clear()
