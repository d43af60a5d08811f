"""Shop-platform exports: Shopify, Magento 2, PrestaShop, WooCommerce CSV, Google TSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.feeds import read_feed
from indexer.feeds.platforms import unpack_attributes
from indexer.records import CANONICAL_FIELDS, FeedTable


def _read(tmp_path: Path, text: str, fmt: str = "auto") -> FeedTable:
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode())
    table = read_feed(path, format=fmt, max_bytes=10_000_000, max_line_bytes=100_000)
    assert set(table.known_mapping) <= set(CANONICAL_FIELDS)
    assert set(table.known_mapping.values()) <= set(table.headers)
    return table


SHOPIFY = (
    "Handle,Title,Vendor,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Qty,"
    "Variant Price,Variant Barcode,Image Src\r\n"
    "komposit,Filtek Supreme,3M,Färg,A2,FS-A2,4,899.00,7310000000011,http://img/1.jpg\r\n"
    "komposit,,,,A3,FS-A3,0,899.00,,\r\n"
    "komposit,,,,,,,,,http://img/2.jpg\r\n"
    "handske,Nitril,Abena,Title,Default Title,,100,129.00,,\r\n"
)


def test_shopify_variants_inherit_product_cells(tmp_path: Path) -> None:
    table = _read(tmp_path, SHOPIFY)
    rows = list(table.rows)
    assert table.format == "shopify_csv"
    assert table.known_mapping["sku"] == "Variant SKU"
    assert table.known_mapping["price"] == "Variant Price"
    assert table.known_mapping["brand"] == "Vendor"
    assert table.known_mapping["gtin"] == "Variant Barcode"
    assert [r.row for r in rows] == [2, 3, 5]
    a3 = rows[1].values
    assert (a3["Variant SKU"], a3["Title"], a3["Vendor"]) == ("FS-A3", "Filtek Supreme", "3M")
    assert a3["Variant Name"] == "Filtek Supreme - A3"
    assert a3["Variant Barcode"] == ""  # variant columns are never inherited
    glove = rows[2].values
    assert (glove["Variant SKU"], glove["SKU generated"]) == ("handske", "1")
    assert glove["Variant Name"] == "Nitril"
    assert table.notes == ["1 Shopify row(s) without variant data (image rows) skipped"]


MAGENTO = (
    "sku,store_view_code,attribute_set_code,product_type,name,price,qty,is_in_stock,"
    "additional_attributes\n"
    'K-1,,Default,simple,"Komposit\nA2",899,4,1,"manufacturer=3M,shade=A2,note=a,b"\n'
    "K-1,sv_se,Default,simple,Komposit (sv),,,,\n"
    "K,,Default,configurable,Komposit,899,0,1,manufacturer=3M\n"
)


def test_magento_store_views_parents_and_packed_attributes(tmp_path: Path) -> None:
    table = _read(tmp_path, MAGENTO)
    rows = list(table.rows)
    assert table.format == "magento_csv"
    assert [r.row for r in rows] == [2]
    values = rows[0].values
    assert values["name"] == "Komposit\nA2"
    assert values["attr:manufacturer"] == "3M"
    assert values["attr:note"] == "a,b"
    assert "attr:shade" in table.headers
    assert table.known_mapping["manufacturer"] == "attr:manufacturer"
    assert table.known_mapping["stock_quantity"] == "qty"
    assert table.notes == [
        "1 store-view translation row(s) skipped",
        "1 configurable/grouped parent row(s) skipped",
    ]


def test_unpack_attributes() -> None:
    assert unpack_attributes("") == {}
    assert unpack_attributes("size=XS,color=Black") == {"attr:size": "XS", "attr:color": "Black"}


PRESTASHOP = (
    "Product ID;Active (0/1);Name *;Price tax excluded;Reference #;EAN13;Quantity;Manufacturer;\n"
    "1;1;Sond nr 5;120,50;SO-5;7310000000011;12;Hu-Friedy;\n"
)


def test_prestashop(tmp_path: Path) -> None:
    table = _read(tmp_path, PRESTASHOP)
    assert table.format == "prestashop_csv"
    row = next(table.rows)
    mapped = {field: row.values[header] for field, header in table.known_mapping.items()}
    assert mapped["sku"] == "SO-5"
    assert mapped["name"] == "Sond nr 5"
    assert mapped["price"] == mapped["price_excl_vat"] == "120,50"
    assert mapped["gtin"] == "7310000000011"
    assert mapped["brand"] == "Hu-Friedy"
    assert mapped["stock"] == "12"


WOO = (
    "ID,Type,SKU,Name,In stock?,Stock,Sale price,Regular price,Categories,Parent\n"
    "10,variable,spegel,Spegel,1,,,,Instrument,\n"
    "11,variation,spegel-4,Spegel - 4,1,7,,45,,spegel\n"
    "12,variation,spegel-5,Spegel - 5,0,0,39,45,,id:10\n"
    "13,simple,sond,Sond,1,3,,19.5,Instrument,\n"
    "14,grouped,kit,Kit,1,,,,Kit,\n"
)


def test_woocommerce_variations(tmp_path: Path) -> None:
    table = _read(tmp_path, WOO)
    rows = list(table.rows)
    assert table.format == "woocommerce_csv"
    assert table.known_mapping["price"] == "Effective price"
    assert table.known_mapping["stock"] == "In stock?"
    assert [(r.row, r.values["SKU"], r.values["Effective price"]) for r in rows] == [
        (3, "spegel-4", "45"),
        (4, "spegel-5", "39"),
        (5, "sond", "19.5"),
    ]
    assert rows[0].values["Categories"] == rows[1].values["Categories"] == "Instrument"
    assert table.notes == ["2 variable/grouped parent(s) without a price skipped"]


def test_google_tsv(tmp_path: Path) -> None:
    text = (
        "id\ttitle\tprice\tavailability\tlink\tgtin\tbrand\n"
        "A1\tSond\t199.00 SEK\tin_stock\thttps://shop/a1\t7310000000011\tHu-Friedy\n"
    )
    table = _read(tmp_path, text)
    assert table.format == "google_tsv"
    assert table.known_mapping == {
        "sku": "id", "name": "title", "price": "price", "stock": "availability",
        "gtin": "gtin", "brand": "brand", "url": "link",
    }  # fmt: skip
    assert next(table.rows).values["price"] == "199.00 SEK"


def test_forcing_a_platform_on_a_file_without_its_columns(tmp_path: Path) -> None:
    from indexer.errors import FeedFormatError

    with pytest.raises(FeedFormatError, match="not a Shopify product CSV"):
        _read(tmp_path, "sku,price\nA,1\n", fmt="shopify_csv")
