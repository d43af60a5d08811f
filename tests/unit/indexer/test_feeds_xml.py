"""Google Merchant RSS/Atom and WooCommerce WXR feeds; the format override for every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from indexer.feeds import SUPPORTED_FORMATS, read_feed
from indexer.records import FeedTable
from tests.unit.indexer.spreadsheets import write_ods, write_xls

GOOGLE_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">
<channel>
  <title>Dentalbutiken</title>
  <item>
    <g:id>SO-5</g:id>
    <title>Sond nr 5</title>
    <link>https://shop.example/so-5</link>
    <g:price>199.00 SEK</g:price>
    <g:availability>in_stock</g:availability>
    <g:gtin>7310000000011</g:gtin>
    <g:mpn>EXS5</g:mpn>
    <g:brand>Hu-Friedy</g:brand>
    <g:additional_image_link>https://img/1.jpg</g:additional_image_link>
    <g:additional_image_link>https://img/2.jpg</g:additional_image_link>
    <g:shipping><g:country>SE</g:country><g:price>49 SEK</g:price></g:shipping>
    <g:shipping><g:country>NO</g:country><g:price>99 SEK</g:price></g:shipping>
  </item>
  <item>
    <g:id>SP-4</g:id>
    <title><![CDATA[Spegel "Front" 4]]></title>
    <g:price>45.00 SEK</g:price>
    <g:availability>out_of_stock</g:availability>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
<title>Shop</title>
<entry>
  <g:id>A1</g:id><title>Komposit</title><link href="https://shop/a1"/>
  <g:price>899 SEK</g:price><g:availability>in stock</g:availability>
</entry>
</feed>
"""

WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Shop</title>
<item><title>Logo</title><wp:post_id>5</wp:post_id>
  <wp:post_type><![CDATA[attachment]]></wp:post_type></item>
<item><title>Spegel</title><link>https://shop/spegel</link><wp:post_id>10</wp:post_id>
  <wp:status><![CDATA[publish]]></wp:status><wp:post_parent>0</wp:post_parent>
  <wp:post_type><![CDATA[product]]></wp:post_type>
  <category domain="product_cat" nicename="instr"><![CDATA[Instrument]]></category>
  <category domain="product_type" nicename="variable"><![CDATA[variable]]></category>
  <wp:postmeta><wp:meta_key><![CDATA[_sku]]></wp:meta_key>
    <wp:meta_value><![CDATA[spegel]]></wp:meta_value></wp:postmeta>
  <wp:postmeta><wp:meta_key><![CDATA[_price]]></wp:meta_key>
    <wp:meta_value><![CDATA[39]]></wp:meta_value></wp:postmeta>
</item>
<item><title>Spegel - 5</title><wp:post_id>12</wp:post_id>
  <wp:status><![CDATA[publish]]></wp:status><wp:post_parent>10</wp:post_parent>
  <wp:post_type><![CDATA[product_variation]]></wp:post_type>
  <wp:postmeta><wp:meta_key><![CDATA[_sku]]></wp:meta_key>
    <wp:meta_value><![CDATA[spegel-5]]></wp:meta_value></wp:postmeta>
  <wp:postmeta><wp:meta_key><![CDATA[_price]]></wp:meta_key>
    <wp:meta_value><![CDATA[39]]></wp:meta_value></wp:postmeta>
  <wp:postmeta><wp:meta_key><![CDATA[_regular_price]]></wp:meta_key>
    <wp:meta_value><![CDATA[45]]></wp:meta_value></wp:postmeta>
  <wp:postmeta><wp:meta_key><![CDATA[_stock_status]]></wp:meta_key>
    <wp:meta_value><![CDATA[instock]]></wp:meta_value></wp:postmeta>
  <wp:postmeta><wp:meta_key><![CDATA[_stock]]></wp:meta_key>
    <wp:meta_value><![CDATA[7]]></wp:meta_value></wp:postmeta>
</item>
</channel></rss>
"""


def _read(tmp_path: Path, data: str | bytes, fmt: str = "auto", name: str = "f") -> FeedTable:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return read_feed(path, format=fmt, max_bytes=10_000_000, max_line_bytes=100_000)


def _mapped(table: FeedTable) -> list[dict[str, str]]:
    return [{f: r.values.get(h, "") for f, h in table.known_mapping.items()} for r in table.rows]


def test_google_rss(tmp_path: Path) -> None:
    table = _read(tmp_path, GOOGLE_RSS)
    assert (table.format, table.encoding) == ("google_rss", "utf-8")
    assert table.known_mapping["sku"] == "g:id"
    assert table.known_mapping["price"] == "g:price"
    table_rows = list(table.rows)
    assert [r.row for r in table_rows] == [1, 2]  # item index, not line (issue 13, 12)
    first = table_rows[0].values
    assert first["g:additional_image_link"] == "https://img/1.jpg, https://img/2.jpg"
    assert first["g:shipping.g:price"] == "49 SEK"
    table = _read(tmp_path, GOOGLE_RSS)
    assert _mapped(table)[1] == {
        "sku": "SP-4", "name": 'Spegel "Front" 4', "price": "45.00 SEK",
        "stock": "out_of_stock", "gtin": "", "mpn": "", "brand": "", "url": "",
    }  # fmt: skip


def test_google_atom(tmp_path: Path) -> None:
    table = _read(tmp_path, ATOM)
    assert table.format == "google_rss"
    assert _mapped(table) == [
        {"sku": "A1", "name": "Komposit", "price": "899 SEK", "stock": "in stock",
         "url": "https://shop/a1"}
    ]  # fmt: skip


def test_wxr_products_and_variations(tmp_path: Path) -> None:
    table = _read(tmp_path, WXR)
    assert table.format == "woocommerce_wxr"
    rows = list(table.rows)
    assert len(rows) == 1  # the attachment and the variable parent are not offers
    values = rows[0].values
    assert (values["_sku"], values["_price"], values["_stock"]) == ("spegel-5", "39", "7")
    assert values["product_cat"] == "Instrument"  # inherited from the parent
    assert rows[0].row == 3  # the third <item> of the export
    assert table.known_mapping["sku"] == "_sku"
    assert table.notes == ["1 WXR parent/trashed product(s) skipped (not offers)"]


def _sample(fmt: str, tmp_path: Path) -> Path:
    """A small file of each format (content for a reader of that format)."""
    path = tmp_path / f"sample-{fmt}"
    texts = {
        "csv": "sku,name,price\nA,B,1\n",
        "tsv": "sku\tname\tprice\nA\tB\t1\n",
        "json": '[{"sku": "A", "name": "B", "price": "1"}]',
        "jsonl": '{"sku": "A", "name": "B"}\n{"sku": "C", "name": "D"}\n',
        "jsonld": json.dumps(
            {"@context": "https://schema.org", "@type": "Product", "sku": "A", "name": "B"}
        ),
        "google_rss": GOOGLE_RSS,
        "google_tsv": "id\ttitle\tprice\tavailability\nA\tB\t1 SEK\tin_stock\n",
        "woocommerce_csv": "ID,Type,SKU,Name,Regular price\n1,simple,A,B,1\n",
        "woocommerce_wxr": WXR,
        "shopify_csv": "Handle,Title,Variant SKU,Variant Price\nh,B,A,1\n",
        "magento_csv": "sku,store_view_code,product_type,name,price\nA,,simple,B,1\n",
        "prestashop_csv": "Reference #;Name *;Price tax excluded\nA;B;1\n",
    }
    if fmt == "xlsx":
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["sku", "name", "price"])
        ws.append(["A", "B", 1])
        wb.save(path)
    elif fmt == "xls":
        write_xls(path, {"Blad1": [["sku", "name", "price"], ["A", "B", 1]]})
    elif fmt == "ods":
        write_ods(path, [["sku", "name", "price"], ["A", "B", 1]])
    else:
        path.write_text(texts[fmt], encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", SUPPORTED_FORMATS)
def test_format_override_works_for_every_format(tmp_path: Path, fmt: str) -> None:
    table = read_feed(_sample(fmt, tmp_path), format=fmt, max_bytes=10**7, max_line_bytes=10**5)
    assert table.format == fmt
    rows = list(table.rows)
    assert rows
    assert all(row.row >= 1 for row in rows)


@pytest.mark.parametrize("fmt", SUPPORTED_FORMATS)
def test_auto_detection_agrees_with_every_sample(tmp_path: Path, fmt: str) -> None:
    table = read_feed(_sample(fmt, tmp_path), max_bytes=10**7, max_line_bytes=10**5)
    assert table.format == fmt


def test_csv_override_reads_a_platform_file_generically(tmp_path: Path) -> None:
    table = read_feed(_sample("shopify_csv", tmp_path), format="csv", max_bytes=10**7,
                      max_line_bytes=10**5)  # fmt: skip
    assert table.format == "csv"
    assert table.known_mapping == {}
    assert table.headers == ["Handle", "Title", "Variant SKU", "Variant Price"]
