"""JSON, JSON Lines and schema.org JSON-LD feeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.errors import FeedFormatError, FeedTooLarge
from indexer.feeds import read_feed
from indexer.feeds.json_reader import flatten
from indexer.records import FeedTable


def _read(tmp_path: Path, data: str | bytes, *, max_line_bytes: int = 1_000_000) -> FeedTable:
    path = tmp_path / "feed.dat"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return read_feed(path, max_bytes=100_000_000, max_line_bytes=max_line_bytes)


def test_array_of_objects_keeps_numbers_as_written(tmp_path: Path) -> None:
    table = _read(tmp_path, '[{"sku": "A", "price": 19.90, "gtin": 7310000000011, "ok": true}]')
    assert table.format == "json"
    assert table.encoding == "utf-8"
    row = next(table.rows)
    assert row.row == 1
    assert row.values == {"sku": "A", "price": "19.90", "gtin": "7310000000011", "ok": "true"}


@pytest.mark.parametrize("key", ["products", "items", "Products"])
def test_wrapper_keys(tmp_path: Path, key: str) -> None:
    doc = {"meta": {"shop": "x"}, key: [{"sku": "A"}, {"sku": "B"}]}
    rows = list(_read(tmp_path, json.dumps(doc)).rows)
    assert [(r.row, r.values["sku"]) for r in rows] == [(1, "A"), (2, "B")]


def test_single_top_level_list_under_any_key(tmp_path: Path) -> None:
    doc = {"count": 2, "artiklar": [{"sku": "A"}, {"sku": "B"}], "tags": []}
    assert [r.values["sku"] for r in _read(tmp_path, json.dumps(doc)).rows] == ["A", "B"]


def test_single_object_is_one_row(tmp_path: Path) -> None:
    assert [r.values for r in _read(tmp_path, '{"sku": "A"}').rows] == [{"sku": "A"}]


def test_nested_objects_are_flattened_with_dots(tmp_path: Path) -> None:
    doc = [{"sku": "A", "offers": {"price": "10", "seller": {"name": "S"}}, "tags": ["a", "b"]}]
    table = _read(tmp_path, json.dumps(doc))
    assert next(table.rows).values == {
        "sku": "A", "offers.price": "10", "offers.seller.name": "S", "tags": "a, b",
    }  # fmt: skip
    assert table.headers == ["sku", "offers.price", "offers.seller.name", "tags"]


def test_flatten_lists_of_objects() -> None:
    assert flatten({"img": [{"src": "1"}, {"src": "2"}], "n": None}) == {
        "img.0.src": "1", "img.1.src": "2", "n": "",
    }  # fmt: skip


def test_large_array_streams_across_buffer_boundaries(tmp_path: Path) -> None:
    items = [{"sku": f"S{i}", "price": f"{i}.5", "name": "x" * 50} for i in range(30_000)]
    table = _read(tmp_path, json.dumps(items, indent=1))
    rows = list(table.rows)
    assert len(rows) == 30_000
    assert rows[-1].row == 30_000
    assert rows[-1].values["sku"] == "S29999"


def test_headers_grow_with_keys_met_late(tmp_path: Path) -> None:
    items = [{"sku": str(i)} for i in range(300)] + [{"sku": "late", "color": "red"}]
    table = _read(tmp_path, json.dumps(items))
    assert table.headers == ["sku"]
    list(table.rows)
    assert table.headers == ["sku", "color"]


def test_oversized_object(tmp_path: Path) -> None:
    doc = json.dumps([{"sku": "A", "blob": "x" * 5000}])
    with pytest.raises(FeedTooLarge, match="row 1"):
        list(_read(tmp_path, doc, max_line_bytes=1000).rows)


def test_non_object_elements(tmp_path: Path) -> None:
    with pytest.raises(FeedFormatError, match="row 2: JSON element is not an object"):
        list(_read(tmp_path, '[{"sku": "A"}, 3]').rows)


def test_jsonl(tmp_path: Path) -> None:
    table = _read(tmp_path, '{"sku": "A", "p": {"v": 1}}\n\n{"sku": "B"}\n')
    assert table.format == "jsonl"
    rows = list(table.rows)
    assert [(r.row, r.values) for r in rows] == [(1, {"sku": "A", "p.v": "1"}), (3, {"sku": "B"})]


def test_jsonl_bad_line(tmp_path: Path) -> None:
    with pytest.raises(FeedFormatError, match="row 2: malformed JSON line"):
        list(_read(tmp_path, '{"sku": "A"}\n{"sku": \n').rows)


PRODUCT = {
    "@context": "https://schema.org/",
    "@type": "Product",
    "name": "Komposit A2",
    "sku": "K-A2",
    "gtin13": "7310000000011",
    "brand": {"@type": "Brand", "name": "3M"},
    "offers": [
        {
            "@type": "Offer",
            "price": "899.00",
            "priceCurrency": "SEK",
            "availability": "https://schema.org/InStock",
        },
        {"@type": "Offer", "price": "950.00", "priceCurrency": "SEK"},
    ],
}


def _mapped(table: FeedTable) -> list[dict[str, str]]:
    return [{f: r.values.get(h, "") for f, h in table.known_mapping.items()} for r in table.rows]


def test_jsonld_product(tmp_path: Path) -> None:
    table = _read(tmp_path, json.dumps(PRODUCT))
    assert table.format == "jsonld"
    assert _mapped(table) == [
        {
            "sku": "K-A2", "name": "Komposit A2", "price": "899.00", "currency": "SEK",
            "stock": "https://schema.org/InStock", "gtin": "7310000000011", "brand": "3M",
        }
    ]  # fmt: skip


def test_jsonld_in_html_graph(tmp_path: Path) -> None:
    graph = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, PRODUCT]}
    html = (
        "<!doctype html><html><head>"
        f'<script type="application/ld+json">{json.dumps(graph)}</script>'
        "</head><body>Komposit</body></html>"
    )
    table = _read(tmp_path, html)
    assert table.format == "jsonld"
    assert [m["sku"] for m in _mapped(table)] == ["K-A2"]


def test_jsonld_blocks_in_a_text_container(tmp_path: Path) -> None:
    text = (
        "Example 1\n\nJSON-LD:\n" + json.dumps(PRODUCT, indent=2) + "\n\n---\n\nJSON-LD:\n"
        + json.dumps({**PRODUCT, "sku": "K-A3"}, indent=2) + "\n"
    )  # fmt: skip
    table = _read(tmp_path, text)
    assert table.format == "jsonld"
    assert [(r.row, r.values["sku"]) for r in table.rows] == [(1, "K-A2"), (2, "K-A3")]
