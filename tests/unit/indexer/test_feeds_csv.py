"""Delimited text: delimiters, encodings, row numbers, quoting, speed."""

from __future__ import annotations

import codecs
import csv
import tracemalloc
from pathlib import Path

import pytest

from indexer.feeds import read_feed
from indexer.records import FeedTable

LIMITS = {"max_bytes": 500_000_000, "max_line_bytes": 1_000_000}


def _write(tmp_path: Path, data: bytes, name: str = "feed.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read(path: Path, **kw: str) -> FeedTable:
    return read_feed(path, **LIMITS, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_any_delimiter(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["sku", "namn", "pris", "lager"]) + "\n"
    text += delimiter.join(["A-1", "Sond", "12.50", "5"]) + "\n"
    table = _read(_write(tmp_path, text.encode()))
    assert table.format == ("tsv" if delimiter == "\t" else "csv")
    rows = list(table.rows)
    assert table.headers == ["sku", "namn", "pris", "lager"]
    assert rows[0].row == 2
    assert rows[0].values == {"sku": "A-1", "namn": "Sond", "pris": "12.50", "lager": "5"}


def test_extension_is_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path, b"sku;name\nA;B\n", name="export.xlsx")
    assert _read(path).format == "csv"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("cp1252", "cp1252"),
        ("utf-16", "utf-16"),
    ],
)
def test_encodings(tmp_path: Path, encoding: str, reported: str) -> None:
    text = "artikel;benämning;pris\nÖ-1;Tandtråd 50 m;49,00\n"
    table = _read(_write(tmp_path, text.encode(encoding)))
    assert table.encoding == reported
    assert table.headers == ["artikel", "benämning", "pris"]
    assert [r.values for r in table.rows] == [
        {"artikel": "Ö-1", "benämning": "Tandtråd 50 m", "pris": "49,00"}
    ]


def test_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    table = _read(_write(tmp_path, codecs.BOM_UTF8 + b"ID,SKU\n1,A\n"))
    assert table.headers[0] == "ID"


def test_embedded_newlines_keep_physical_line_numbers(tmp_path: Path) -> None:
    data = b'sku,description,price\r\nA,"line one\r\nline two\r\nline three",10\r\nB,plain,20\r\n'
    rows = list(_read(_write(tmp_path, data)).rows)
    assert [r.row for r in rows] == [2, 5]
    assert rows[0].values["description"] == "line one\r\nline two\r\nline three"
    assert rows[1].values["sku"] == "B"


def test_doubled_quotes_and_blank_lines(tmp_path: Path) -> None:
    data = b'sku,name\n\nA,"Spegel 5"" rund"\n,\nB,x\n'
    rows = list(_read(_write(tmp_path, data)).rows)
    assert [(r.row, r.values["name"]) for r in rows] == [(3, 'Spegel 5" rund'), (5, "x")]


def test_trailing_delimiter_is_dropped(tmp_path: Path) -> None:
    data = b"sku;name;price;\nA;B;1;\nC;D;2;\n"
    table = _read(_write(tmp_path, data))
    assert table.headers == ["sku", "name", "price"]
    assert [r.values for r in table.rows] == [
        {"sku": "A", "name": "B", "price": "1"},
        {"sku": "C", "name": "D", "price": "2"},
    ]


def test_short_and_long_rows(tmp_path: Path) -> None:
    # A cell past the header row is a shifted row (see test_feed_edge_cases), unless the header
    # row spans it with a blank name; empty extra cells (a trailing delimiter) are nothing.
    data = b"sku,name,price,\nA,B\nC,D,3,extra\nE,F,4,,\n"
    rows = list(_read(_write(tmp_path, data)).rows)
    assert rows[0].values == {"sku": "A", "name": "B", "price": ""}
    assert rows[1].values == {"sku": "C", "name": "D", "price": "3", "column_4": "extra"}
    assert rows[2].values == {"sku": "E", "name": "F", "price": "4"}


def test_duplicate_and_blank_headers_are_named(tmp_path: Path) -> None:
    table = _read(_write(tmp_path, b"sku,price,,price\nA,1,x,2\n"))
    assert table.headers == ["sku", "price", "column_3", "price (2)"]
    assert next(table.rows).values["price (2)"] == "2"


def test_header_only_reads_zero_rows(tmp_path: Path) -> None:
    table = _read(_write(tmp_path, b"sku,name,price,stock\n"))
    assert table.headers == ["sku", "name", "price", "stock"]
    assert list(table.rows) == []


def test_rows_are_lazy(tmp_path: Path) -> None:
    table = _read(_write(tmp_path, b"sku\n" + b"A\n" * 10))
    first = next(table.rows)
    assert first.row == 2
    assert sum(1 for _ in table.rows) == 9


def _generate(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["sku", "name", "price", "stock", "gtin", "brand", "description"])
        for i in range(n):
            writer.writerow(
                [f"SKU-{i}", f"Komposit A{i % 7}, 4 g", f"{i % 900}.50", i % 30,
                 f"{7310000000000 + i}", "Dentsply", "Ljushärdande; för front"]
            )  # fmt: skip


@pytest.mark.slow
def test_200k_rows_stream_in_bounded_memory(tmp_path: Path) -> None:
    """Rows stream: memory stays flat however long the file (speed is bench/ingest.py's job)."""
    path = tmp_path / "big.csv"
    _generate(path, 200_000)
    with path.open(encoding="utf-8", newline="") as fh:
        baseline = sum(1 for _ in csv.reader(fh, delimiter=";")) - 1
    tracemalloc.start()
    try:
        table = _read(path)
        count = 0
        last_row = 0
        for row in table.rows:
            count += 1
            last_row = row.row
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == baseline == 200_000
    assert last_row == 200_001
    assert peak < 10 * 1024 * 1024, peak  # the 20 MB file is never held whole
