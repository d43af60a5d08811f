"""Icecat product XML (``ICECAT-interface`` responses) -> ProductRecord.

Icecat keeps values in attributes. Only ``Product`` elements directly under the root are
products (``ProductRelated/Product`` are references to other products). The remote
DOCTYPE is never fetched (see :mod:`indexer.catalog_import.xmlstream`).

* ``source_key`` = Icecat product ``ID``; ``Prod_id`` -> mpn; ``Supplier/@Name`` -> brand
  and manufacturer; ``Title`` (else ``Name``) -> name.
* ``EANCode/@EAN`` and ``EAN_UPCS/EAN_UPC/@Value`` -> GS1 identifiers (bad GTIN: row error).
* ``ProductFeature``: ``Feature/Name/@Value`` with ``@Presentation_Value`` kept as localized
  text (``12,9 cm (5.1 Zoll)``), no unit split.
* Images: ``HighPic`` first, then gallery pictures of type ProductImage (``Pic``).
* A product with ``Code="-1"`` / ``ErrorMessage`` is an Icecat error response: row error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from lxml import etree

from catalog.gtin import gtin14, gtin_problem
from catalog.records import Identifier, ProductRecord, Spec
from indexer.catalog_import.errors import CatalogRowError
from indexer.catalog_import.xmlstream import child, children, iter_elements

SOURCE = "icecat"


def _attr(elem: etree._Element | None, name: str) -> str | None:
    if elem is None:
        return None
    value = elem.get(name)
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _name_value(elem: etree._Element | None) -> str | None:
    return _attr(child(elem, "Name"), "Value") if elem is not None else None


def _eans(product: etree._Element) -> list[str]:
    values: list[str] = []
    for tag, node in children(product):
        if tag == "EANCode":
            raw = _attr(node, "EAN")
            if raw:
                values.append(raw)
        elif tag == "EAN_UPCS":
            for _t, upc in children(node):
                raw = _attr(upc, "Value")
                if raw:
                    values.append(raw)
    return values


def _specs(product: etree._Element) -> list[Spec]:
    specs: list[Spec] = []
    for tag, node in children(product):
        if tag != "ProductFeature":
            continue
        value = _attr(node, "Presentation_Value") or _attr(node, "Value")
        name = _name_value(child(node, "Feature"))
        if name and value:
            specs.append(Spec(name, value))
    return specs


def _images(product: etree._Element) -> list[str]:
    urls: list[str] = []
    high = _attr(product, "HighPic")
    if high:
        urls.append(high)
    gallery = child(product, "ProductGallery")
    if gallery is not None:
        for _t, pic in children(gallery):
            if (pic.get("Type") or "ProductImage") != "ProductImage":
                continue
            url = _attr(pic, "Pic") or _attr(pic, "Original")
            if url and url not in urls:
                urls.append(url)
    return urls


def _description(product: etree._Element) -> str | None:
    summary = child(product, "SummaryDescription")
    if summary is not None:
        long = child(summary, "LongSummaryDescription")
        if long is not None and long.text and long.text.strip():
            return " ".join(long.text.split())
    desc = child(product, "ProductDescription")
    return _attr(desc, "LongDesc") or _attr(desc, "ShortDesc")


def parse_product(product: etree._Element, file: str) -> list[ProductRecord | CatalogRowError]:
    """One top-level ``Product`` element -> its record and row errors."""
    key = _attr(product, "ID")
    if product.get("Code") == "-1" or product.get("ErrorMessage"):
        message = product.get("ErrorMessage") or "Icecat error response"
        return [CatalogRowError(file, key or "?", "Product", message)]
    if key is None:
        return [CatalogRowError(file, "?", "ID", "product without Icecat ID")]
    errors: list[CatalogRowError] = []
    identifiers: list[Identifier] = []
    for raw in _eans(product):
        value = gtin14(raw)
        if value is None:
            errors.append(CatalogRowError(file, key, "EAN", gtin_problem(raw)))
            continue
        ident = Identifier(value=value, scheme="gs1", level="primary")
        if ident not in identifiers:
            identifiers.append(ident)
    supplier = _attr(child(product, "Supplier"), "Name")
    category = child(product, "Category")
    mpn = _attr(product, "Prod_id")
    name = _attr(product, "Title") or _attr(product, "Name") or mpn or key
    extra: dict[str, str] = {}
    release = _attr(product, "ReleaseDate")
    if release:
        extra["release_date"] = release
    family = child(product, "ProductFamily")
    if family is not None and _name_value(family):
        extra["family"] = _name_value(family) or ""
    record = ProductRecord(
        source=SOURCE,
        source_key=key,
        name=name,
        manufacturer=supplier,
        brand=supplier,
        mpn=mpn,
        description=_description(product),
        category=_name_value(category),
        category_code=_attr(category, "ID"),
        identifiers=identifiers,
        specs=_specs(product),
        image_urls=_images(product),
        extra=extra,
    )
    return [record, *errors]


def read_icecat(stream: IO[bytes], file: str) -> Iterator[ProductRecord | CatalogRowError]:
    """Stream an Icecat XML response: top-level products and their row errors."""
    for elem in iter_elements(stream, {"Product"}, file):
        parent = elem.getparent()
        if parent is None or parent.getparent() is not None:
            continue  # nested Product (ProductRelated, ProductBundled): a reference only
        yield from parse_product(elem, file)
        elem.clear()
