"""JSON, JSON Lines and schema.org JSON-LD feeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.errors import FeedFormatError, FeedTooLarge
from indexer.feeds import read_feed
from indexer.feeds.json_cells import flatten
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


def test_non_object_elements_are_row_errors(tmp_path: Path) -> None:
    rows = list(_read(tmp_path, '[{"sku": "A"}, 3, {"sku": "B"}]').rows)
    assert [(r.row, r.values, r.problem is None) for r in rows] == [
        (1, {"sku": "A"}, True),
        (2, {}, False),
        (3, {"sku": "B"}, True),
    ]
    assert rows[1].problem is not None
    assert "record 2 of feed.dat: the JSON element is not an object" in rows[1].problem


def test_jsonl(tmp_path: Path) -> None:
    table = _read(tmp_path, '{"sku": "A", "p": {"v": 1}}\n\n{"sku": "B"}\n')
    assert table.format == "jsonl"
    rows = list(table.rows)
    assert [(r.row, r.values) for r in rows] == [(1, {"sku": "A", "p.v": "1"}), (3, {"sku": "B"})]


def test_jsonl_bad_line_is_a_row_error(tmp_path: Path) -> None:
    rows = list(_read(tmp_path, '{"sku": "A"}\n{"sku": \n{"sku": "C"}\n').rows)
    assert [(r.row, r.values) for r in rows] == [(1, {"sku": "A"}), (2, {}), (3, {"sku": "C"})]
    assert rows[1].problem is not None and "record 2 of feed.dat" in rows[1].problem
    assert "field 'sku' at line 2, column 8" in rows[1].problem


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


# --- one bad record does not refuse the file ---------------------------------------------

GOOD = '{"sku": "A%d", "name": "Käksond %d", "price": "10"}'


def _array(records: list[str], indent: str = "\n  ") -> bytes:
    return ("[" + indent + ("," + indent).join(records) + "\n]\n").encode()


@pytest.mark.parametrize(
    ("bad", "field", "at"),
    [
        ('{"sku": "B1", "price": 12,5, "name": "Spegel"}', "price", "5, "),
        ('{"sku": "B1", "price": tru, "name": "Spegel"}', "price", "tru"),
        ('{"name": "Spegel", "price": 0x12, "sku": "B1"}', "price", "x12"),
        ('{"sku": "B1", "name": "Spe\tgel", "price": "9"}', "name", "\t"),
        ('{"sku": "B1", "stock": {"n": 3 "unit": "st"}, "name": "x"}', "stock", '"unit'),
    ],
)
def test_an_unparseable_value_in_an_array_is_a_row_error(
    tmp_path: Path, bad: str, field: str, at: str
) -> None:
    column = 3 + bad.index(at)  # two spaces of indent, 1-based
    records = [GOOD % (i, i) for i in range(6)]
    records.insert(3, bad)
    table = _read(tmp_path, _array(records))
    rows = list(table.rows)
    assert [r.row for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    broken = rows[3]
    assert broken.problem is not None, broken
    assert broken.problem.startswith(f"record 4 of feed.dat: unreadable JSON in field {field!r}")
    assert f"at line 5, column {column}" in broken.problem, broken.problem
    assert broken.values["sku"] == "B1"  # its stored offer is kept, not withdrawn
    assert all(r.problem is None for r in rows if r is not broken)
    assert [r.values["sku"] for r in rows if r is not broken] == [f"A{i}" for i in range(6)]


def test_an_unparseable_value_in_a_big_streamed_array(tmp_path: Path) -> None:
    """Records far past the first buffer (1 MiB) are isolated the same way."""
    records = [GOOD % (i, i) for i in range(60_000)]
    records[50_000] = '{"price": 12,5, "sku": "B1"}'
    rows = list(_read(tmp_path, _array(records)).rows)
    assert len(rows) == 60_000
    bad = [r for r in rows if r.problem]
    assert [(r.row, r.values) for r in bad] == [(50_001, {"sku": "B1"})]
    assert bad[0].problem is not None and "at line 50002, column 16" in bad[0].problem


def test_invalid_utf8_in_an_array_is_a_warning_naming_the_field(tmp_path: Path) -> None:
    records = [(GOOD % (i, i)).encode() for i in range(8)]
    records.insert(2, b'{"sku": "B1", "name": "Tandtr\xe5d", "price": "5"}')
    data = b"[\n" + b",\n".join(records) + b"\n]\n"
    table = _read(tmp_path, data)
    assert table.format == "json" and table.encoding == "utf-8"
    rows = list(table.rows)
    assert len(rows) == 9 and all(r.problem is None for r in rows)
    warned = [(r.row, r.values["name"], r.warning) for r in rows if r.warning]
    assert len(warned) == 1 and warned[0][:2] == (3, "Tandtr\ufffdd")
    assert "in field 'name'" in str(warned[0][2])


def test_invalid_utf8_in_jsonl_names_the_field(tmp_path: Path) -> None:
    data = (
        b'{"sku": "A", "name": "K\xc3\xa4k\xc3\xa4k"}\n'
        b'{"sku": "B", "name": "Tandtr\xe5d"}\n{"sku": "C"}\n'
    )
    rows = list(_read(tmp_path, data).rows)
    assert [r.row for r in rows if r.warning] == [2]
    assert "in field 'name'" in str(rows[1].warning)


@pytest.mark.parametrize(
    ("doc", "line", "column"),
    [
        ('[\n  {"sku": "A"},\n  {"sku": "B", "name": "x"\n  {"sku": "C"}\n]\n', 4, 3),
        ('[\n  {"sku": "A"},\n  {"sku": "B", "tags": ["x"}\n]\n', 3, 28),
        # an unbalanced quote: where the record ends cannot be known
        (
            '[\n  {"sku": "A"},\n  {"sku": "B", "name": "Spegel, "price": "9"},\n'
            '  {"sku": "C"}\n]\n',
            3,
            34,
        ),
        ('{"products": [\n  {"sku": "A"}\n}\n', 3, 1),
    ],
)
def test_a_malformed_document_names_the_line_and_column(
    tmp_path: Path, doc: str, line: int, column: int
) -> None:
    with pytest.raises(FeedFormatError) as err:
        list(_read(tmp_path, doc).rows)
    assert f"at line {line}, column {column}" in str(err.value), str(err.value)
    assert str(err.value).startswith("feed.dat")


def test_jsonld_with_invalid_utf8_warns_and_a_malformed_one_names_line_and_column(
    tmp_path: Path,
) -> None:
    product = json.dumps(
        {**PRODUCT, "description": "Tandvård för små", "name": "Tandtr~d"},
        indent=2,
        ensure_ascii=False,
    ).encode()
    table = _read(tmp_path, product.replace(b"~", b"\xe5"))
    assert table.format == "jsonld"
    rows = list(table.rows)
    assert len(rows) == 1 and "in field 'name'" in str(rows[0].warning)
    broken = json.dumps(PRODUCT, indent=2).replace('"name"', '"name" "x"', 1)
    with pytest.raises(FeedFormatError) as err:
        list(_read(tmp_path, broken).rows)
    line = broken[: broken.index('"name" "x"')].count("\n") + 1
    assert f"at line {line}, column" in str(err.value), str(err.value)
    html = (
        '<html><script type="application/ld+json">{"@type": "Product", "sku": "A"}</script>\n'
        '<script type="application/ld+json">\n{"@type": "Product", "sku": B}</script></html>'
    )
    with pytest.raises(FeedFormatError, match="at line 3, column 29"):
        list(_read(tmp_path, html).rows)


DEEP = "[" * 100_000 + "]" * 100_000  # 200 KB: past the JSON parser's recursion limit


@pytest.mark.parametrize(
    "document",
    [
        DEEP,  # the whole document
        '[{"Artikelnummer": "A", "Pris": "1"}, {"Artikelnummer": "B", "Pris": ' + DEEP + "}]",
        '{"Artikelnummer": "A", "Pris": "1"}\n{"Artikelnummer": "B", "x": ' + DEEP + "}\n",
    ],
    ids=["document", "a-value-of-the-second-item", "jsonl-line"],
)
def test_json_nested_past_the_recursion_limit_is_refused_naming_the_file(
    tmp_path: Path, document: str
) -> None:
    """A JSON file nested 100,000 deep (or one item's value so nested) raised RecursionError
    out of the reader: the portal's preview answered 500 and the run failed as an internal
    error. It is a feed the reader refuses, naming the file, as for any malformed file."""
    with pytest.raises(FeedFormatError) as caught:
        table = _read(tmp_path, document)
        list(table.rows)
    assert caught.value.file == "feed.dat"
    assert "nested too deeply" in str(caught.value)
