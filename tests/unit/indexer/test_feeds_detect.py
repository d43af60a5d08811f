"""Format and encoding detection from content."""

from __future__ import annotations

import codecs

import pytest

from indexer.feeds import SUPPORTED_FORMATS, detect_encoding, sniff_format
from indexer.feeds.detect import classify_headers, sniff_delimiter

GOOGLE_RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>
<item><g:id>A1</g:id></item></channel></rss>"""


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"sku,name,price,stock\nA,B,1,2\n", "csv"),
        (b"sku;name;price;stock\nA;B;1,50;2\n", "csv"),
        (b"sku\tname\tprice\tstock\nA\tB\t1\t2\n", "tsv"),
        (b"sku|name|price\nA|B|1\n", "csv"),
        (b"id\ttitle\tprice\tavailability\tlink\nA\tB\t1 SEK\tin_stock\thttp://x\n", "google_tsv"),
        (b'[{"sku": "A"}]', "json"),
        (b'{"products": [{"sku": "A"}]}', "json"),
        (b'{"sku": "A"}\n{"sku": "B"}\n', "jsonl"),
        (
            b'{"@context": "https://schema.org/", "@type": "Product", "name": "X"}',
            "jsonld",
        ),
        (
            b'<html><script type="application/ld+json">{"@context":"https://schema.org",'
            b'"@type":"Product"}</script></html>',
            "jsonld",
        ),
        (GOOGLE_RSS, "google_rss"),
        (
            b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">'
            b"<entry><g:id>1</g:id></entry></feed>",
            "google_rss",
        ),
        (b'<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel/></rss>', "woocommerce_wxr"),
        (b'<?xml version="1.0"?>\n<BMECAT version="2005"><HEADER/></BMECAT>', "bmecat_xml"),
        (
            b'<!DOCTYPE ICECAT-interface SYSTEM "http://data.icecat.biz/dtd/x.dtd">\n'
            b"<ICECAT-interface><Product/></ICECAT-interface>",
            "icecat_xml",
        ),
        (
            b'\xef\xbb\xbf<?xml version="1.0"?>\n<devices><device '
            b'xmlns="http://www.fda.gov/cdrh/gudid"/></devices>',
            "gudid_xml",
        ),
        (b"<note><to>x</to></note>", "xml"),
        (b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml....xl/workbook.xml", "xlsx"),
        (b"PK\x03\x04\x14\x00\x00\x00readme.txt", "unknown"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unknown"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "xls"),
        (b"", "empty"),
    ],
)
def test_sniff_format(head: bytes, expected: str) -> None:
    assert sniff_format(head) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Handle", "Title", "Variant SKU", "Variant Price"], "shopify_csv"),
        (["sku", "store_view_code", "product_type", "name"], "magento_csv"),
        (["Product ID", "Name *", "Price tax excluded", "Reference #"], "prestashop_csv"),
        (["ID", "Type", "SKU", "Name", "Regular price", "Parent"], "woocommerce_csv"),
        (["ID", "Title", "Price", "Availability"], "google_tsv"),
        (["Artikelnummer", "Benämning", "Pris"], "csv"),
    ],
)
def test_classify_headers(headers: list[str], expected: str) -> None:
    assert classify_headers(headers, ",") == expected


def test_supported_formats_are_the_documented_set() -> None:
    assert set(SUPPORTED_FORMATS) == {
        "csv", "tsv", "xlsx", "xls", "ods", "json", "jsonl", "jsonld", "google_rss", "google_tsv",
        "woocommerce_csv", "woocommerce_wxr", "shopify_csv", "magento_csv", "prestashop_csv",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"plain ascii", "utf-8"),
        ("Tandtråd".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "Tandtråd".encode(), "utf-8-sig"),
        ("Tandtråd".encode("cp1252"), "cp1252"),
        (b"\x81\x8d odd", "latin-1"),
        ("sku,namn\n".encode("utf-16"), "utf-16"),
        ("sku,namn\nA,B\n".encode("utf-16-le"), "utf-16-le"),
        ("sku,namn\nA,B\n".encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_detect_encoding(data: bytes, expected: str) -> None:
    assert detect_encoding(data) == expected


def test_detect_encoding_tolerates_a_character_cut_at_the_prefix_end() -> None:
    data = ("a" * 10 + "å").encode()[:-1]
    assert detect_encoding(data) == "utf-8"


def test_sniff_delimiter_prefers_consistent_columns() -> None:
    text = 'sku;name;price\nA;"Borr, 2 mm";12,50\nB;"Sond";9,90\n'
    assert sniff_delimiter(text) == ";"
