"""Plain CSV manufacturer catalogs (Swedish or English headers, any delimiter) -> records.

Headers are matched case-insensitively after folding ``_ - .`` to spaces, against the
aliases in :data:`HEADER_ALIASES`. A file needs a name column or an identity column
(article number / GTIN / MPN); otherwise it is refused with :class:`CatalogFormatError`.

* ``source_key`` = ``<file stem>:<article number>`` (else the GTIN, else the MPN); a row
  with none of them is a row error.
* GTIN cells are validated (GTIN-14 kept); a bad one is a row error, the row still imports.
* Several image URLs in one cell may be separated by ``|``, ``;``, ``,`` or whitespace.
* Encoding: UTF-8 (BOM allowed), else Windows-1252.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import IO

from catalog.gtin import gtin14, gtin_problem
from catalog.records import Identifier, ProductRecord
from indexer.catalog_import.errors import CatalogFormatError, CatalogRowError

SOURCE = "csv"
SAMPLE_BYTES = 64 * 1024
_FOLD = re.compile(r"[\s_.\-/]+")
_IMAGE_SPLIT = re.compile(r"[|;,\s]+")

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "sku": (
        "sku",
        "id",
        "article number",
        "item number",
        "product id",
        "artikelnummer",
        "artikelnr",
        "art nr",
        "artnr",
        "produkt id",
    ),
    "gtin": ("gtin", "ean", "ean13", "gtin13", "gtin14", "upc", "ean kod", "streckkod", "di"),
    "brand": ("brand", "brand name", "varumärke", "varumarke", "märke", "marke"),
    "manufacturer": ("manufacturer", "company", "company name", "tillverkare", "producent"),
    "mpn": (
        "mpn",
        "manufacturer part number",
        "part number",
        "model",
        "model number",
        "version model number",
        "modell",
        "modellnummer",
        "tillverkarens artikelnummer",
        "tillverkarnummer",
    ),
    "catalog_number": (
        "catalog number",
        "catalogue number",
        "catalog no",
        "ref",
        "ref nr",
        "katalognummer",
        "katalognr",
        "referensnummer",
    ),
    "name": (
        "name",
        "title",
        "product name",
        "produktnamn",
        "benämning",
        "benamning",
        "artikelbenämning",
        "namn",
        "produkt",
    ),
    "description": (
        "description",
        "long description",
        "beskrivning",
        "produktbeskrivning",
        "lång beskrivning",
    ),
    "category": ("category", "product category", "kategori", "produktkategori", "varugrupp"),
    "image_url": (
        "image url",
        "image urls",
        "image",
        "images",
        "image link",
        "bild",
        "bilder",
        "bild url",
        "bildlänk",
    ),
}


def fold_header(header: str) -> str:
    return _FOLD.sub(" ", header.strip().lstrip("\ufeff").lower()).strip()


_ALIAS_TO_FIELD = {fold_header(a): f for f, aliases in HEADER_ALIASES.items() for a in aliases}


def map_headers(headers: list[str]) -> dict[str, int]:
    """Canonical field -> column index (first matching column wins)."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        fld = _ALIAS_TO_FIELD.get(fold_header(header))
        if fld is not None and fld not in mapping:
            mapping[fld] = index
    return mapping


def _encoding(sample: bytes) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _dialect(sample_text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample_text, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def row_to_record(
    cells: list[str], mapping: dict[str, int], stem: str, row: int, file: str
) -> list[ProductRecord | CatalogRowError]:
    """One data row -> its record and row errors (pure)."""

    def get(fld: str) -> str | None:
        index = mapping.get(fld)
        if index is None or index >= len(cells):
            return None
        value = " ".join(cells[index].split())
        return value or None

    errors: list[CatalogRowError] = []
    where = f"row {row}"
    identifiers: list[Identifier] = []
    raw_gtin = get("gtin")
    gtin = gtin14(raw_gtin) if raw_gtin else None
    if raw_gtin and gtin is None:
        errors.append(CatalogRowError(file, where, "gtin", gtin_problem(raw_gtin)))
    if gtin:
        identifiers.append(Identifier(value=gtin, scheme="gs1", level="primary"))
    mpn = get("mpn")
    key = get("sku") or gtin or mpn
    name = get("name") or " ".join(p for p in (get("brand"), mpn) if p) or None
    if key is None:
        return [*errors, CatalogRowError(file, where, "sku", "no article number, GTIN or MPN")]
    if name is None:
        return [*errors, CatalogRowError(file, where, "name", "no product name")]
    images = [u for u in _IMAGE_SPLIT.split(get("image_url") or "") if u]
    record = ProductRecord(
        source=SOURCE,
        source_key=f"{stem}:{key}",
        name=name,
        manufacturer=get("manufacturer"),
        brand=get("brand"),
        mpn=mpn,
        catalog_number=get("catalog_number"),
        description=get("description"),
        category=get("category"),
        identifiers=identifiers,
        image_urls=images,
    )
    return [record, *errors]


def read_csv_catalog(stream: IO[bytes], file: str) -> Iterator[ProductRecord | CatalogRowError]:
    """Stream a CSV catalog: one record (plus row errors) per data row."""
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    encoding = _encoding(sample)
    sample_text = sample.decode(encoding, errors="ignore")
    text_stream = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text_stream, _dialect(sample_text))
    try:
        headers = next(reader)
    except StopIteration:
        raise CatalogFormatError("empty CSV file", file=file) from None
    mapping = map_headers(headers)
    if "name" not in mapping and not {"sku", "gtin", "mpn"} & mapping.keys():
        raise CatalogFormatError(
            "no product name or article number column among headers: "
            + ", ".join(repr(h) for h in headers),
            file=file,
        )
    stem = PurePath(file.rsplit("!", 1)[-1]).stem
    try:
        for row, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            yield from row_to_record(cells, mapping, stem, row, file)
    except csv.Error as exc:
        raise CatalogFormatError(f"CSV error: {exc}", file=file) from exc
    finally:
        text_stream.detach()
