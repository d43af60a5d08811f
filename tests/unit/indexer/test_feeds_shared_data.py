"""Every retailer feed in ../shared/data/feeds: detected format, row counts, sample cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.feeds import read_feed, sniff_format
from indexer.feeds.errors import ManufacturerCatalogFile
from indexer.feeds.limits import HEAD_BYTES
from indexer.records import FeedTable, RawRow

pytestmark = pytest.mark.shared_data


def _read(path: Path) -> tuple[FeedTable, list[RawRow]]:
    table = read_feed(path, max_bytes=50_000_000, max_line_bytes=1_000_000)
    return table, list(table.rows)


def _cells(table: FeedTable, row: RawRow) -> dict[str, str]:
    return {field: row.values.get(header, "") for field, header in table.known_mapping.items()}


def test_woocommerce_csv(shared_data: Path) -> None:
    table, rows = _read(shared_data / "feeds/ClassicPress__classic-commerce/sample_products.csv")
    assert (table.format, table.encoding) == ("woocommerce_csv", "utf-8-sig")
    assert table.headers[0] == "ID"  # BOM stripped
    assert "Weight (lbs)" in table.headers
    assert len(rows) == 22  # 25 records minus 2 variable parents and 1 grouped, all unpriced
    by_sku = {r.values["SKU"]: r for r in rows}
    assert "woo-vneck-tee" not in by_sku
    assert _cells(table, by_sku["woo-beanie"])["price"] == "18"  # sale price wins
    assert by_sku["woo-beanie"].values["Regular price"] == "20"
    assert by_sku["woo-hoodie-red"].values["Effective price"] == "42"
    assert by_sku["Woo-tshirt-logo"].values["Weight (lbs)"] == ".5"
    assert by_sku["woo-hoodie-blue-logo"].row == 26
    assert by_sku["woo-hoodie-blue-logo"].values["Categories"] == "Clothing > Hoodies"
    assert _cells(table, by_sku["woo-tshirt"])["name"] == "T-Shirt"


def test_woocommerce_wxr(shared_data: Path) -> None:
    table, rows = _read(shared_data / "feeds/ClassicPress__classic-commerce/sample_products.xml")
    assert table.format == "woocommerce_wxr"
    assert len(rows) == 15  # 18 products minus the 2 variable and 1 grouped parents
    first = _cells(table, rows[0])
    # a row is the item's position among the file's items, not its line
    assert (rows[0].row, first["sku"], first["price"], first["stock"]) == (
        3, "woo-hoodie-with-logo", "45", "instock",
    )  # fmt: skip
    assert _cells(table, rows[-1])["sku"] == "wp-pennant"
    assert rows[-1].values["_price"] == "11.05"
    assert rows[-1].row == 18  # the 18th item; items 1-2 and 17 are parents, not offers


def test_shopify(shared_data: Path) -> None:
    table, rows = _read(shared_data / "feeds/umsu2__shopify_import_gen/product_template.csv")
    assert table.format == "shopify_csv"
    assert [r.row for r in rows] == [2, 3, 4]
    cells = [_cells(table, r) for r in rows]
    assert [c["sku"] for c in cells] == [
        'example-t-shirt:Lithograph - Height: 9" x Width: 12"',
        "example-shirt-s",
        "example-shirt-m",
    ]
    assert [c["price"] for c in cells] == ["25", "19.99", "19.99"]
    assert {c["brand"] for c in cells} == {"Acme"}
    assert cells[1]["name"] == "Example T-Shirt - Small"
    assert rows[2].values["Variant Inventory Tracker"] == "shopify"


def test_magento(shared_data: Path) -> None:
    table, rows = _read(shared_data / "feeds/magento__magento2-sample-data/products.csv")
    assert table.format == "magento_csv"
    assert len(rows) == 1847  # 1,994 records minus 147 configurable parents
    assert table.notes == ["147 configurable/grouped parent row(s) skipped"]
    first = _cells(table, rows[0])
    assert (rows[0].row, first["sku"], first["price"], first["stock_quantity"]) == (
        2, "MH01-XS-Black", "52", "100",
    )  # fmt: skip
    assert rows[0].values["attr:color"] == "Black"
    assert rows[1].row == 4  # the description of row 2 spans two lines
    assert (rows[-1].row, rows[-1].values["sku"]) == (3938, "WSH12-32-Red")
    assert "attr:material" in table.headers


def test_prestashop(shared_data: Path) -> None:
    table, rows = _read(shared_data / "feeds/xyan-dhgb__prestashop-bash/products_import.csv")
    assert table.format == "prestashop_csv"
    assert len(rows) == 7
    assert table.headers[-1] == "Acessories  (x,y,z...)"
    first = _cells(table, rows[0])
    assert (first["sku"], first["name"], first["price"], first["gtin"], first["stock"]) == (
        "RP-demo_1", "iPod Nano", "100", "1234567890123", "160",
    )  # fmt: skip
    assert _cells(table, rows[-1])["brand"] == "Shure"


def test_schemaorg_jsonld_examples(shared_data: Path) -> None:
    table, rows = _read(shared_data / "feeds/schemaorg__schemaorg/issue-4870-examples.txt")
    assert table.format == "jsonld"
    assert len(rows) == 2
    first = _cells(table, rows[0])
    assert first == {
        "name": "Eco-Friendly Widget", "price": "19.99", "currency": "EUR",
        "gtin": "01234567890128",
    }  # fmt: skip
    assert rows[1].values["recycledContentPercentage"] == "45.5"


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("Delapro__GUDID/FULLDownload_Part177_Of_192_2025-05-01-dental.xml", "gudid_xml"),
        ("Delapro__GUDID/FULLDownload_Part52_Of_192_2025-05-01-dental.xml", "gudid_xml"),
        ("FriendsOfAkeneo__IcecatConnector/8806088281285-de.xml", "icecat_xml"),
        ("HenrikPilz__BMEcatConverter/new_catalog_ok.xml", "bmecat_xml"),
        ("HenrikPilz__BMEcatConverter/testCreateExcelFullDataWithCategoryTreeAndDTD.xml",
         "bmecat_xml"),
        ("stephanstapel__BMECat.net/WEI_BMECat_1609801044.xml", "bmecat_xml"),
    ],
)  # fmt: skip
def test_manufacturer_files_are_classified_and_redirected(
    shared_data: Path, relative: str, kind: str
) -> None:
    path = shared_data / "feeds" / relative
    with path.open("rb") as fh:
        assert sniff_format(fh.read(HEAD_BYTES)) == kind
    with pytest.raises(ManufacturerCatalogFile, match="valbar catalog import"):
        read_feed(path, max_bytes=50_000_000, max_line_bytes=1_000_000)


def test_every_feed_file_is_covered(shared_data: Path) -> None:
    names = {p.name for p in (shared_data / "feeds").rglob("*") if p.is_file()}
    assert names == {
        "sample_products.csv", "sample_products.xml", "product_template.csv", "products.csv",
        "products_import.csv", "issue-4870-examples.txt", "8806088281285-de.xml",
        "new_catalog_ok.xml", "testCreateExcelFullDataWithCategoryTreeAndDTD.xml",
        "WEI_BMECat_1609801044.xml", "FULLDownload_Part177_Of_192_2025-05-01-dental.xml",
        "FULLDownload_Part52_Of_192_2025-05-01-dental.xml",
    }  # fmt: skip
