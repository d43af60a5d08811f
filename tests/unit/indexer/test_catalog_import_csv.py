"""CSV catalog reader: Swedish/English headers, sniffed delimiters, bad GTINs."""

from __future__ import annotations

import io

import pytest

from catalog.records import Identifier, ProductRecord
from indexer.catalog_import.csv_catalog import map_headers, read_csv_catalog
from indexer.catalog_import.errors import CatalogFormatError, CatalogRowError


def read(text: str, encoding: str = "utf-8") -> list[ProductRecord | CatalogRowError]:
    return list(read_csv_catalog(io.BytesIO(text.encode(encoding)), "lev/tandab.csv"))


def test_swedish_headers_semicolon_and_bom() -> None:
    text = (
        "\ufeffArtikelnummer;Benämning;Varumärke;Tillverkare;EAN;Tillverkarens artikelnummer;"
        "Kategori;Bilder\n"
        "T-1;Komposit A2 4 g;Filtek;3M;4008190397111;4200-A2;Komposit;"
        "http://a/1.jpg|http://a/2.jpg\n"
        "T-2;Handske nitril M;Nitra;Nitra AB;1234567890123;N-M;Handskar;\n"
        ";;;;;;;\n"
    )
    items = read(text)
    records = [i for i in items if isinstance(i, ProductRecord)]
    assert [r.source_key for r in records] == ["tandab:T-1", "tandab:T-2"]
    first = records[0]
    assert first.name == "Komposit A2 4 g"
    assert (first.brand, first.manufacturer, first.mpn) == ("Filtek", "3M", "4200-A2")
    assert first.category == "Komposit"
    assert first.identifiers == [Identifier("04008190397111", "gs1", "primary")]
    assert first.image_urls == ["http://a/1.jpg", "http://a/2.jpg"]
    assert records[1].identifiers == []
    errors = [i for i in items if isinstance(i, CatalogRowError)]
    assert [(e.record, e.field) for e in errors] == [("row 3", "gtin")]


def test_english_headers_comma_cp1252_and_key_fallbacks() -> None:
    text = (
        "GTIN,Brand,Manufacturer part number,Product name,Description\n"
        "00612479142572,Acme,X-1,Mirror,Front surface\n"
        ",Acme,X-2,Mirror size 5,\n"
        ",,,Nameless key,\n"
        "4008190397111,Sävsjö,,,\n"
    )
    items = read(text, "cp1252")
    records = [i for i in items if isinstance(i, ProductRecord)]
    assert [r.source_key for r in records] == [
        "tandab:00612479142572",
        "tandab:X-2",
        "tandab:04008190397111",
    ]
    assert records[2].name == "Sävsjö"  # brand (+ mpn) when the name is empty
    errors = [i for i in items if isinstance(i, CatalogRowError)]
    assert [(e.record, e.field) for e in errors] == [("row 4", "sku")]


def test_file_without_usable_columns_is_refused() -> None:
    with pytest.raises(CatalogFormatError, match="no product name"):
        read("price\tstock\n10\t3\n")


def test_header_aliases() -> None:
    assert map_headers(
        ["Tillverkare", "Varumärke", "Benämning", "catalog_number", "image-url"]
    ) == {
        "manufacturer": 0,
        "brand": 1,
        "name": 2,
        "catalog_number": 3,
        "image_url": 4,
    }
