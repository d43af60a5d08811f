"""Feed readers on files as retailers really send them: cut off, shifted, titled, late cp1252,
Excel number cells, formats and formulas, JSON numbers."""

from __future__ import annotations

import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from indexer.columns import detect_mapping
from indexer.feeds import TruncatedFeed, read_feed
from indexer.feeds.detect import detect_file_encoding, header_index, sep_hint
from indexer.normalize.price import parse_price
from indexer.records import FeedTable, OfferRecord
from indexer.scan import FeedScan, ReadLimits, iter_offers, scan_feed, sku_hash

MB = 1024 * 1024
LIMITS = {"max_bytes": 500_000_000, "max_line_bytes": 1_000_000}


def _write(tmp_path: Path, data: bytes | str, name: str = "feed.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _read(path: Path) -> FeedTable:
    return read_feed(path, **LIMITS)  # type: ignore[arg-type]


def prepare_feed(path: Path) -> tuple[FeedScan, list[OfferRecord]]:
    """Both passes of a feed (`indexer.scan`): the scan and every offer it lists."""
    scan = scan_feed(path, limits=ReadLimits(**LIMITS))
    return scan, list(iter_offers(scan))


def _prices(path: Path) -> dict[str, Decimal | None]:
    _, offers = prepare_feed(path)
    return {o.sku: o.price for o in offers}


# --- A: a file cut off in the middle of its last row ------------------------------------

HEADER = "Artikelnummer;Benämning;Pris;Lagerstatus;EAN\n"


def test_last_row_cut_short_without_newline_is_truncation(tmp_path: Path) -> None:
    data = HEADER + "T1;Sond;101,50;I lager;\nT2;Spegel;10"
    rows = _read(_write(tmp_path, data)).rows
    assert next(rows).values["Artikelnummer"] == "T1"
    with pytest.raises(TruncatedFeed, match=r"^feed\.txt, row 3: .*3 of the header's 5 cells"):
        next(rows)


def test_truncated_file_stores_nothing(tmp_path: Path) -> None:
    with pytest.raises(TruncatedFeed):
        prepare_feed(_write(tmp_path, HEADER + "T1;Sond;101,50;I lager;\nT2;Sp"))


@pytest.mark.parametrize(
    "body",
    [
        "T1;Sond;101,50;I lager;\nT2;Spegel;102,50;I lager;",  # complete, no final newline
        "T1;Sond;101,50;I lager;7310865004703\nT2;Spegel;102,50;I lager;73108",  # cut in last cell
        "T1;Sond;101,50;I lager\nT2;Spegel;102,50;I lager",  # rows omit the empty last cell
        "T1;Sond;101,50;I lager;\nT2;Spegel\n",  # short, but the line is complete
    ],
    ids=["complete", "last-cell", "consistently-short", "newline"],
)
def test_last_line_without_newline_is_fine_when_complete(tmp_path: Path, body: str) -> None:
    rows = list(_read(_write(tmp_path, HEADER + body)).rows)
    assert [r.values["Artikelnummer"] for r in rows] == ["T1", "T2"]


@given(st.data())
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_cut_that_loses_cells_of_the_last_row_is_caught(
    tmp_path: Path, data: st.DataObject
) -> None:
    cells = st.text(alphabet="abcXYZ019 ,.-", min_size=1, max_size=8)
    width = data.draw(st.integers(2, 6), label="width")
    rows = data.draw(st.lists(st.lists(cells, min_size=width, max_size=width), min_size=1))
    text = "\n".join(";".join(r) for r in [[f"h{i}" for i in range(width)], *rows])
    last = text.rsplit("\n", 1)[1]
    cut = data.draw(st.integers(1, len(last) - 1), label="cut")
    assume(last[:cut].count(";") < width - 1)  # cells lost, not just characters
    path = _write(tmp_path, text[: len(text) - len(last) + cut])
    with pytest.raises(TruncatedFeed) as err:
        list(_read(path).rows)
    assert err.value.row == len(rows) + 1


# --- B: rows with more cells than the header --------------------------------------------


def test_row_with_more_cells_than_the_header_is_rejected_alone(tmp_path: Path) -> None:
    data = (
        "Artikelnummer,Benämning,Pris,Lagerstatus\n"
        "W1,Sond,12,50,I lager\nW2,Pincett,20,I lager\nW3,Spegel,1 234,50,Slut i lager\n"
    )
    prepared, offers = prepare_feed(_write(tmp_path, data))
    assert [(o.sku, o.price) for o in offers] == [("W2", Decimal("20.00"))]
    errors = [e for e in prepared.errors if e.severity == "error"]
    assert [e.row for e in errors] == [2, 4]
    for error in errors:
        assert error.field == "" and error.value == ""  # no one field: never "row"
        assert "row has 5 cells where the header has 4" in error.message
        assert "unquoted comma inside a value" in error.message
    # their stored offers are kept, not withdrawn
    assert sorted(prepared.held) == sorted([sku_hash(s, prepared.key) for s in ("W1", "W3")])


def test_trailing_delimiters_and_quoted_delimiters_are_not_shifts(tmp_path: Path) -> None:
    data = 'sku,name,price,stock\nA,Sond,"12,50",5,,\nB,"Spegel, rund",3,5,\n'
    rows = list(_read(_write(tmp_path, data)).rows)
    assert rows[0].values == {"sku": "A", "name": "Sond", "price": "12,50", "stock": "5"}
    assert rows[1].values["name"] == "Spegel, rund"


# --- C, E, F: Excel number cells, number formats and formulas ---------------------------


def _workbook(path: Path, rows: list[list[object]], formats: dict[str, str] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Artikelnummer", "Benämning", "Pris", "Lagerstatus"])
    for row in rows:
        ws.append(row)
    for coordinate, number_format in (formats or {}).items():
        ws[coordinate].number_format = number_format
    wb.save(path)
    return path


def test_excel_number_prices_are_exact_not_thousands(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "p.xlsx",
        [["A", "Sond", 12.345, "I lager"], ["B", "Spegel", 79.992, 3], ["C", "Bricka", 1234.5, 3]],
    )
    rows = list(_read(path).rows)
    assert [r.values["Pris"] for r in rows] == ["12.3450", "79.9920", "1234.5"]
    assert _prices(path) == {
        "A": Decimal("12.35"), "B": Decimal("79.99"), "C": Decimal("1234.50"),
    }  # fmt: skip


def test_excel_zero_padding_format_applies_to_integers_only(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "f.xlsx",
        [[123, "Sond", 10, "I lager"], [7, "Spegel", 20.5, 1], [1.5, "Pincett", 12.345, 1]],
        {"A2": "000000", "A3": "0000", "A4": "000", "C2": '#,##0.00 "kr"', "C4": "0.00"},
    )
    values = [r.values for r in _read(path).rows]
    assert [v["Artikelnummer"] for v in values] == ["000123", "0007", "1.5"]
    assert [v["Pris"] for v in values] == ["10", "20.5", "12.3450"]


def test_formula_without_saved_value_is_named_in_the_row_error(tmp_path: Path) -> None:
    wb = Workbook()  # openpyxl saves formulas without results, like any program but Excel
    ws = wb.active
    assert ws is not None
    ws.append(["Artikelnummer", "Benämning", "Pris exkl. moms", "Pris inkl. moms", "Lager"])
    ws.append(["F1", "Sond", 100, "=C2*1.25", "I lager"])
    ws.append(["F2", "Spegel", 200, 250, "I lager"])
    wb.save(tmp_path / "formula.xlsx")
    prepared, offers = prepare_feed(tmp_path / "formula.xlsx")
    assert [(o.sku, o.price) for o in offers] == [("F2", Decimal("250.00"))]
    (error,) = [e for e in prepared.errors if e.severity == "error"]
    assert error.row == 2
    assert error.value.startswith("formula without a saved value (=C2*1.25)")
    assert error.value.endswith("open and save the file in Excel")


# --- C: JSON numbers --------------------------------------------------------------------


def test_json_numbers_are_exact(tmp_path: Path) -> None:
    data = (
        '{"products": [{"sku": 5001, "name": "Sond", "price": 12.345, "stock": "I lager"},'
        ' {"sku": "5002", "name": "Spegel", "price": 1.234e3, "stock": 7},'
        ' {"sku": "5003", "name": "Bricka", "price": 19.90, "stock": 7},'
        ' {"sku": "5004", "name": "Pincett", "price": "1.234", "stock": 7}]}'
    )
    path = _write(tmp_path, data, "p.json")
    assert [r.values["price"] for r in _read(path).rows] == ["12.3450", "1234", "19.90", "1.234"]
    assert _prices(path) == {
        "5001": Decimal("12.35"), "5002": Decimal("1234.00"),
        "5003": Decimal("19.90"), "5004": Decimal("1234.00"),  # text keeps the Swedish rule
    }  # fmt: skip


def test_jsonl_numbers_are_exact(tmp_path: Path) -> None:
    data = '{"sku": "A", "price": 12.345}\n{"sku": "B", "price": 2E-1}\n'
    rows = list(_read(_write(tmp_path, data, "p.jsonl")).rows)
    assert [r.values["price"] for r in rows] == ["12.3450", "0.2"]


# --- G: cp1252 whose first non-ASCII byte comes after the first MiB ---------------------


def test_late_cp1252_is_detected_from_the_first_non_ascii_byte(tmp_path: Path) -> None:
    lines = ["Artikelnummer;Namn;Pris\n"] + [f"K{i};Produkt {i};10\n" for i in range(100_000)]
    lines.append("K-Å;Käkbensgaffel;20\n")
    path = _write(tmp_path, "".join(lines).encode("cp1252"))
    assert path.stat().st_size > 1.5 * MB
    tracemalloc.start()
    try:
        assert detect_file_encoding(path) == "cp1252"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MB
    table = _read(path)
    assert table.encoding == "cp1252"
    *_, last = table.rows
    assert (last.row, last.values["Namn"]) == (100_002, "Käkbensgaffel")


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        ("Tandtråd".encode(), "utf-8"),
        ("Tandtråd".encode("cp1252"), "cp1252"),
        (b"\x81\x8d odd", "latin-1"),
        (b"plain", "utf-8"),
    ],
)
def test_detect_file_encoding_after_an_ascii_megabyte(
    tmp_path: Path, late: bytes, expected: str
) -> None:
    path = _write(tmp_path, b"a,b\n" + b"x,y\n" * (MB // 4 + 10) + late + b"\n")
    assert detect_file_encoding(path) == expected


# --- H: where the header is -------------------------------------------------------------


def test_title_lines_above_the_header_are_skipped(tmp_path: Path) -> None:
    data = "Prislista Dentalgrossisten 2026-11\n\nArtikelnummer;Benämning;Pris;Lagerstatus\n"
    data += "P1;Sond;10,50;I lager\nP2;Spegel;20;I lager\n"
    table = _read(_write(tmp_path, data))
    assert table.headers == ["Artikelnummer", "Benämning", "Pris", "Lagerstatus"]
    assert [(r.row, r.values["Pris"]) for r in table.rows] == [(4, "10,50"), (5, "20")]


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_sep_line_names_the_delimiter_and_is_skipped(tmp_path: Path, delimiter: str) -> None:
    rows = [["sku", "name", "price", "stock"], ["P1", "Sond 15 mm", "10", "I lager"]]
    data = f"sep={delimiter}\n" + "".join(delimiter.join(r) + "\n" for r in rows)
    table = _read(_write(tmp_path, data))
    assert table.headers == rows[0]
    assert [(r.row, r.values["name"]) for r in table.rows] == [(3, "Sond 15 mm")]


def test_sep_line_wins_over_sniffing(tmp_path: Path) -> None:
    data = "sep=;\nsku;name,size;price\nA;Sond,15;10\nB;Spegel,5;20\n"
    table = _read(_write(tmp_path, data))
    assert table.headers == ["sku", "name,size", "price"]


def test_header_index_rule() -> None:
    assert header_index([["Prislista"], ["", "", ""], ["sku", "name"], ["A", "B"]]) == 2
    assert header_index([["sep=", ""], ["sku", "name"]]) == 1
    assert header_index([["sku", "name"], ["A"]]) == 0
    assert header_index([["only"], ["one"], ["column"]]) == 0
    assert header_index([["title"]] * 20 + [["sku", "name"]]) == 0  # too far down
    assert sep_hint("sep=;\r\nsku;name") == ";"
    assert sep_hint("\ufeffSEP=,\n") == ","
    assert sep_hint("sep=;x\n") is None


def test_workbook_title_row_and_info_sheet(tmp_path: Path) -> None:
    wb = Workbook()
    info = wb.active
    assert info is not None
    info.title = "Info"
    info["A1"] = "Kontakta oss på order@example.se"
    info["A2"] = "Priser exkl. moms"
    ws = wb.create_sheet("Produkter")
    ws["A1"] = "Prislista Dentalgrossisten 2026"
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["Artikelnummer", "Benämning", "Pris", "Lagerstatus"])
    ws.append(["X1", "Sond", 10, "I lager"])
    wb.save(tmp_path / "b.xlsx")
    table = _read(tmp_path / "b.xlsx")
    assert table.headers == ["Artikelnummer", "Benämning", "Pris", "Lagerstatus"]
    assert table.notes == ["sheet 'Produkter', header on row 3"]
    assert [(r.row, r.values["Artikelnummer"]) for r in table.rows] == [(4, "X1")]


def test_workbook_without_a_plausible_table_reads_the_first_sheet(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["sku"])
    ws.append(["A"])
    wb.create_sheet("Tom")
    wb.save(tmp_path / "one.xlsx")
    table = _read(tmp_path / "one.xlsx")
    assert table.headers == ["sku"]
    assert [r.values for r in table.rows] == [{"sku": "A"}]


def test_price_parser_still_reads_typed_text_the_swedish_way() -> None:
    assert parse_price("12.345").amount == Decimal("12345.00")
    assert parse_price("12.3450").amount == Decimal("12.35")


def test_a_jsonl_file_cut_off_mid_line_is_reported_as_truncated(tmp_path: Path) -> None:
    whole = '{"sku":"J1","name":"Sond","price":"10","stock":"I lager"}\n'
    path = _write(tmp_path, whole + '{"sku":"J2","name":"Spe', "feed.jsonl")
    with pytest.raises(TruncatedFeed) as err:
        list(_read(path).rows)
    assert err.value.row == 2 and "was the file cut off?" in str(err.value)
    broken = _write(tmp_path, whole + '{"sku": oops}\n' + whole, "bad.jsonl")
    rows = list(_read(broken).rows)  # a bad line inside the file: not a cut, a row error
    assert [r.problem is None for r in rows] == [True, False, True]


def test_benamning_typed_without_the_umlaut_is_the_name() -> None:
    mapping = detect_mapping(["Artikelnummer", "Benamning", "Pris", "Lagerstatus"])
    assert mapping.fields["name"] == "Benamning" and mapping.missing_required == []
