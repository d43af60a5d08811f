"""Column detection: aliases, fuzzy near-misses, precedence, fallbacks, mapping files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from indexer.columns import (
    ALIASES,
    MappingFileError,
    detect_mapping,
    load_mapping_file,
    normalize_header,
    remembered_fields,
    remembered_mapping,
    require_complete,
)
from indexer.errors import MissingColumnsError
from indexer.records import CANONICAL_FIELDS

SWEDISH = [
    "Art.nr",
    "Benämning",
    "Pris inkl. moms",
    "Pris exkl. moms",
    "Lagerstatus",
    "Lagersaldo",
    "Leveranstid",
    "EAN",
    "Tillverkare",
    "Tillverkarens artikelnummer",
    "Varumärke",
    "Valuta",
    "Moms",
    "Garanti",
    "Service",
    "Utbildning",
    "Länk",
    "Bild",
    "Kategori",
    "Beskrivning",
]


def test_every_canonical_field_has_aliases() -> None:
    assert set(ALIASES) == set(CANONICAL_FIELDS)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Pris (SEK)", "pris"),
        ("Name *", "name"),
        ("Categories (x,y,z...)", "categories"),
        ("Reference #", "reference"),
        ("In stock?", "in stock"),
        ("\ufeffID", "id"),
        ("Art.nr", "art nr"),
        ("variant_inventory_qty", "variant inventory qty"),
        ("(SEK)", "sek"),
    ],
)
def test_normalize_header(header: str, expected: str) -> None:
    assert normalize_header(header) == expected


def test_swedish_headers_map_completely() -> None:
    mapping = detect_mapping(SWEDISH)
    assert mapping.fields == {
        "sku": "Art.nr",
        "name": "Benämning",
        "price": "Pris inkl. moms",
        "price_excl_vat": "Pris exkl. moms",
        "stock": "Lagerstatus",
        "stock_quantity": "Lagersaldo",
        "delivery": "Leveranstid",
        "gtin": "EAN",
        "manufacturer": "Tillverkare",
        "mpn": "Tillverkarens artikelnummer",
        "brand": "Varumärke",
        "currency": "Valuta",
        "vat": "Moms",
        "warranty": "Garanti",
        "service": "Service",
        "training": "Utbildning",
        "url": "Länk",
        "image": "Bild",
        "category": "Kategori",
        "description": "Beskrivning",
    }
    assert mapping.missing_required == []
    assert not mapping.stock_is_quantity
    assert all(score == 1.0 for score in mapping.scores.values())
    assert set(mapping.sources.values()) == {"alias"}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Artikelnummer", "sku"),
        ("Artnr", "sku"),
        ("Art nr", "sku"),
        ("Artikelnr", "sku"),
        ("Produktnummer", "sku"),
        ("SKU", "sku"),
        ("Item number", "sku"),
        ("Produktnamn", "name"),
        ("Artikelnamn", "name"),
        ("Namn", "name"),
        ("Title", "name"),
        ("Product name", "name"),
        ("Pris", "price"),
        ("Pris (SEK)", "price"),
        ("Försäljningspris", "price"),
        ("price", "price"),
        ("Tillgänglighet", "stock"),
        ("I lager", "stock"),
        ("availability", "stock"),
        ("Delivery time", "delivery"),
        ("EAN13", "gtin"),
        ("GTIN", "gtin"),
        ("Streckkod", "gtin"),
        ("barcode", "gtin"),
        ("MPN", "mpn"),
        ("Manufacturer", "manufacturer"),
        ("Brand", "brand"),
        ("Currency", "currency"),
        ("URL", "url"),
        ("Image", "image"),
        ("Description", "description"),
    ],
)
def test_single_alias(header: str, field: str) -> None:
    mapping = detect_mapping([header])
    assert mapping.fields == {field: header}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Artikelnumer", "sku"),  # typo
        ("Produktnman", "name"),
        ("Leveranstd", "delivery"),
        ("Regualr price", "price"),
        ("Google Shopping / MPN", "mpn"),  # strong token inside a longer header
        ("Produkt EAN", "gtin"),
    ],
)
def test_near_misses(header: str, field: str) -> None:
    mapping = detect_mapping([header])
    assert mapping.fields == {field: header}
    assert 0.5 < mapping.scores[field] < 1.0
    assert mapping.sources[field] in {"fuzzy", "token"}


@pytest.mark.parametrize(
    "header",
    ["Wholesale price", "Low stock level", "Text when in stock", "Meta title", "Short", "Weight"],
)
def test_lookalikes_are_not_mapped(header: str) -> None:
    assert detect_mapping([header]).fields == {}


def test_one_header_never_maps_to_two_fields() -> None:
    mapping = detect_mapping(["Artikelnummer", "Artikelnumer", "Art.nr"])
    assert mapping.fields == {"sku": "Artikelnummer"}
    assert mapping.unmapped == ["Artikelnumer", "Art.nr"]


def test_woocommerce_sale_price_falls_back_to_regular_price() -> None:
    headers = ["ID", "SKU", "Name", "In stock?", "Stock", "Sale price", "Regular price"]
    mapping = detect_mapping(headers)
    assert mapping.fields["sku"] == "SKU"
    assert mapping.fields["price"] == "Sale price"
    assert mapping.fallbacks == {"price": ["Regular price"]}
    assert mapping.headers_for("price") == ["Sale price", "Regular price"]
    assert mapping.fields["stock"] == "In stock?"
    assert mapping.fields["stock_quantity"] == "Stock"


def test_quantity_column_alone_satisfies_stock() -> None:
    mapping = detect_mapping(["Artnr", "Namn", "Pris", "Lagersaldo"])
    assert mapping.fields["stock"] == "Lagersaldo"
    assert "stock_quantity" not in mapping.fields
    assert mapping.stock_is_quantity
    assert mapping.missing_required == []


def test_excl_price_alone_becomes_price() -> None:
    mapping = detect_mapping(["SKU", "Name", "Price tax excluded", "Quantity"])
    assert mapping.fields["price"] == "Price tax excluded"
    assert "price_excl_vat" not in mapping.fields


def test_precedence_override_known_remembered_detection() -> None:
    headers = ["Art.nr", "Kod", "Benämning", "Titel", "Pris", "Netto", "Lager"]
    mapping = detect_mapping(
        headers,
        override={"sku": "Kod"},
        known={"sku": "Art.nr", "name": "Titel"},
        remembered={
            "fields": {"price": "Netto", "stock": "Gone", "gtin": "Also gone"},
            "fallbacks": {},
            "stock_is_quantity": False,
        },
    )
    assert mapping.fields["sku"] == "Kod"
    assert mapping.fields["name"] == "Titel"
    assert mapping.fields["price"] == "Netto"
    assert mapping.fields["stock"] == "Lager"  # remembered header vanished: detected instead
    assert mapping.sources == {
        "sku": "override",
        "name": "known",
        "price": "remembered",
        "stock": "alias",
    }
    assert "Pris" in mapping.unmapped


def test_override_naming_a_missing_header_is_an_error() -> None:
    headers = ["Art.nr", "Namn", "Pris", "Netto pris", "Lager"]
    mapping = detect_mapping(headers, override={"price": "Nettopriset", "bogus": "Namn"})
    assert mapping.override_absent == {"price": "Nettopriset"}
    assert mapping.fields["price"] == "Pris"  # detection still fills the field for a preview
    assert any("'bogus'" in note for note in mapping.notes)
    with pytest.raises(MissingColumnsError) as info:
        require_complete(mapping, headers, "netto.csv")
    assert info.value.missing == [] and info.value.absent == {"price": "Nettopriset"}
    message = str(info.value)
    assert message.startswith("netto.csv: the mapping names header(s) the file does not have")
    assert "price -> 'Nettopriset'" in message and "'Netto pris'" in message


def test_remembered_mapping_keeps_quantity_reading_and_fallbacks() -> None:
    headers = ["Artikelnummer", "Benämning", "Kampanjpris", "Pris", "Lagersaldo"]
    first = detect_mapping(headers)
    assert first.stock_is_quantity and first.fallbacks == {"price": ["Pris"]}
    stored = json.loads(json.dumps(remembered_mapping(first)))  # as the database keeps it
    again = detect_mapping(headers, remembered=stored)
    assert again.fields == first.fields
    assert again.fallbacks == first.fallbacks
    assert again.stock_is_quantity
    assert set(again.sources.values()) == {"remembered"}
    assert remembered_fields(stored) == first.fields
    # a remembered fallback header that is gone is dropped; the field itself still reads
    fewer = detect_mapping(
        ["Artikelnummer", "Benämning", "Kampanjpris", "Lagersaldo"], remembered=stored
    )
    assert fewer.fields["price"] == "Kampanjpris" and "price" not in fewer.fallbacks


def test_an_older_flat_memory_reads_quantity_and_fallbacks_from_the_headers() -> None:
    headers = ["Artikelnummer", "Benämning", "Kampanjpris", "Pris", "Lagersaldo"]
    flat = {
        "sku": "Artikelnummer",
        "name": "Benämning",
        "price": "Kampanjpris",
        "stock": "Lagersaldo",
    }
    mapping = detect_mapping(headers, remembered=flat)
    assert mapping.stock_is_quantity
    assert mapping.fallbacks == {"price": ["Pris"]}
    text_stock = detect_mapping(
        ["SKU", "Name", "Price", "Lagerstatus"], remembered={"stock": "Lagerstatus"}
    )
    assert not text_stock.stock_is_quantity


def test_a_remembered_text_stock_column_stays_text() -> None:
    headers = ["SKU", "Name", "Price", "Lagerstatus", "Lagersaldo"]
    first = detect_mapping(headers)
    assert first.fields["stock"] == "Lagerstatus" and not first.stock_is_quantity
    again = detect_mapping(headers, remembered=remembered_mapping(first))
    assert again.fields == first.fields and not again.stock_is_quantity


def test_require_complete() -> None:
    headers = ["Benämning", "Pris"]
    mapping = detect_mapping(headers)
    assert mapping.missing_required == ["sku", "stock"]
    with pytest.raises(MissingColumnsError) as info:
        require_complete(mapping, headers, "feed.csv")
    assert info.value.missing == ["sku", "stock"]
    assert "feed.csv" in str(info.value)
    assert "'Benämning'" in str(info.value)
    require_complete(detect_mapping(SWEDISH), SWEDISH)


def test_as_dict_is_json_ready() -> None:
    data = detect_mapping(["Artnr", "Namn", "Pris", "Lagersaldo"]).as_dict()
    assert json.loads(json.dumps(data))["fields"] == {
        "sku": "Artnr",
        "name": "Namn",
        "price": "Pris",
        "stock": "Lagersaldo",
    }
    assert data["stock_is_quantity"] is True


def test_load_mapping_file_toml_and_json(tmp_path: Path) -> None:
    toml_file = tmp_path / "map.toml"
    toml_file.write_text('sku = "Kod"\nprice = "Pris (inkl)"\n', encoding="utf-8")
    assert load_mapping_file(toml_file) == {"sku": "Kod", "price": "Pris (inkl)"}
    table = tmp_path / "table.toml"
    table.write_text('[columns]\nname = "Benämning"\n', encoding="utf-8")
    assert load_mapping_file(table) == {"name": "Benämning"}
    json_file = tmp_path / "map.json"
    json_file.write_text(json.dumps({"gtin": "Streckkod"}), encoding="utf-8")
    assert load_mapping_file(json_file) == {"gtin": "Streckkod"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.toml", 'colour = "Färg"\n', "unknown field"),
        ("bad2.toml", "sku = 3\n", "must map to a header"),
        ("bad3.toml", "sku = \n", "not valid"),
        ("bad.json", "[1, 2]", "expected a table"),
        ("bad2.json", "{", "not valid json"),
    ],
)
def test_load_mapping_file_errors(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MappingFileError, match=message):
        load_mapping_file(path)


def test_load_mapping_file_missing(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError, match="cannot read"):
        load_mapping_file(tmp_path / "absent.toml")


def _headers(path: Path, delimiter: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle, delimiter=delimiter))


@pytest.mark.shared_data
def test_real_feed_headers(shared_data: Path) -> None:
    feeds = shared_data / "feeds"
    woo = detect_mapping(
        _headers(feeds / "ClassicPress__classic-commerce/sample_products.csv", ",")
    )
    assert woo.missing_required == []
    assert woo.headers_for("price") == ["Sale price", "Regular price"]

    presta_headers = _headers(feeds / "xyan-dhgb__prestashop-bash/products_import.csv", ";")
    presta = detect_mapping(presta_headers)
    assert presta.fields["sku"] == "Reference #"
    assert presta.fields["name"] == "Name *"
    assert presta.fields["price"] == "Price tax excluded"
    assert presta.fields["gtin"] == "EAN13"
    assert presta.fields["stock"] == "Quantity"
    assert presta.stock_is_quantity

    shopify = detect_mapping(
        _headers(feeds / "umsu2__shopify_import_gen/product_template.csv", ",")
    )
    assert shopify.fields["sku"] == "Variant SKU"
    assert shopify.fields["price"] == "Variant Price"
    assert shopify.fields["gtin"] == "Variant Barcode"

    magento = detect_mapping(_headers(feeds / "magento__magento2-sample-data/products.csv", ","))
    assert magento.missing_required == []
    assert magento.fields["stock"] == "is_in_stock"
    assert magento.fields["stock_quantity"] == "qty"
