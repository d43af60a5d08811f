"""The feed template (issue 13, item 15): every column the detector recognises, Swedish
headers, an example row and a help sheet, as CSV (;) and XLSX; made from the detector's own
vocabulary, and a file filled in from it is read with no mapping."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from indexer import columns
from indexer.columns import ALIASES, detect_mapping
from indexer.feed_guide import FIELD_GUIDE
from indexer.feed_template import (
    HELP_SHEET,
    PRODUCT_SHEET,
    template_columns,
    template_csv,
    template_xlsx,
)
from indexer.feeds import read_feed
from indexer.records import CANONICAL_FIELDS, REQUIRED_FIELDS, RawRow
from indexer.rows import EXAMPLE_ROW, normalize_row


def _read(path: Path) -> tuple[list[str], list[dict[str, str]], str]:
    table = read_feed(path, max_bytes=10_000_000, max_line_bytes=100_000)
    return table.headers, [r.values for r in table.rows], table.format


def _own(row: dict[str, str]) -> dict[str, str]:
    """The example row made the retailer's own: its item number changed."""
    return {**row, "Artikelnummer": "TH-40017-2"}


def test_the_template_has_every_recognised_column_once_with_a_swedish_alias_header() -> None:
    cols = template_columns()
    assert [c.field for c in cols] == [f for f in CANONICAL_FIELDS if f in ALIASES]
    assert {c.field for c in cols} == set(ALIASES)
    for c in cols:
        assert c.header in ALIASES[c.field]  # a header the detector itself knows
        assert c.header not in c.also_read and set(c.also_read) < set(ALIASES[c.field])
        assert c.required == (c.field in REQUIRED_FIELDS)
    headers = {c.field: c.header for c in cols}
    assert headers["sku"] == "Artikelnummer" and headers["name"] == "Benämning"
    assert headers["price"] == "Pris inkl. moms" and headers["stock"] == "Lagerstatus"
    assert headers["warranty"] == "Garanti" and headers["training"] == "Utbildning"


def test_every_recognised_field_is_described_and_has_an_example() -> None:
    for c in template_columns():
        guide = FIELD_GUIDE[c.field]
        assert guide.sv and guide.en and guide.example, c.field
        assert (c.description_sv, c.description_en, c.example) == (
            guide.sv,
            guide.en,
            guide.example,
        )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_filled_in_from_the_template_is_read_with_no_mapping(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"mall.{kind}"
    path.write_bytes(template_csv() if kind == "csv" else template_xlsx())
    headers, rows, fmt = _read(path)
    assert fmt == kind
    mapping = detect_mapping(headers)
    assert mapping.fields == {c.field: c.header for c in template_columns()}
    assert set(mapping.sources.values()) == {"alias"}
    assert mapping.unmapped == [] and mapping.missing_required == []
    assert mapping.price_vat_included is True  # "Pris inkl. moms"
    record, problems = normalize_row(RawRow(2, _own(rows[0])), mapping)
    assert problems == [] and record is not None  # the example row reads without a warning
    assert record.sku == "TH-40017-2" and str(record.price) == "8750.00"
    assert record.gtin == "07312345678909" and record.stock_quantity == 12
    assert record.delivery_days == 2 and record.vat_included is True
    assert record.metadata["warranty"] == "2 år"
    assert record.metadata["training"] == "Introduktion för personalen ingår"


def test_the_csv_is_semicolon_separated_utf8_with_a_header_and_an_example_row() -> None:
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert len(lines) == 2
    assert lines[0] == [c.header for c in template_columns()]
    assert lines[1] == [c.example for c in template_columns()]
    assert data.decode("utf-8-sig").split("\r\n")[0].count(";") == len(lines[0]) - 1


def test_the_workbook_has_the_product_sheet_first_and_a_help_sheet() -> None:
    book = load_workbook(io.BytesIO(template_xlsx()))
    assert book.sheetnames == [PRODUCT_SHEET, HELP_SHEET]
    products = [[c.value for c in row] for row in book[PRODUCT_SHEET].iter_rows()]
    assert products[0] == [c.header for c in template_columns()]
    assert products[1] == [c.example for c in template_columns()]
    help_rows = [[c.value for c in row] for row in book[HELP_SHEET].iter_rows()]
    assert help_rows[0][:4] == ["Kolumn", "Fält", "Obligatorisk", "Beskrivning"]
    by_header = {row[0]: row for row in help_rows[1:]}
    assert set(by_header) == {c.header for c in template_columns()}
    assert by_header["Artikelnummer"][2] == "Ja" and by_header["Garanti"][2] == "Nej"
    assert "återförsäljare" in by_header["Garanti"][3]
    assert "Art.nr" in by_header["Artikelnummer"][5]  # the other headers it is read from
    assert by_header["Garanti"][6].startswith("Warranty you give")


def test_a_column_the_detector_learns_is_in_the_template_without_further_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(columns.ALIASES, "sterility", ("Sterilitet", "Sterility"))
    cols = template_columns()
    assert cols[-1].field == "sterility" and cols[-1].header == "Sterilitet"
    assert cols[-1].description_sv and cols[-1].description_en  # described, if only by name
    assert "Sterilitet" in template_csv().decode("utf-8-sig").split("\r\n")[0].split(";")
    book = load_workbook(io.BytesIO(template_xlsx()))
    assert "Sterilitet" in [c.value for c in book[PRODUCT_SHEET][1]]
    assert "Sterilitet" in [row[0].value for row in book[HELP_SHEET].iter_rows()]


def test_every_chosen_template_header_is_an_alias_of_its_field() -> None:
    assert all(h in ALIASES[f] for f, h in columns.TEMPLATE_HEADERS.items())
    assert columns.template_header("sku") == ALIASES["sku"][0]  # otherwise the first alias


def test_a_template_whose_price_column_was_deleted_prices_excluding_vat(tmp_path: Path) -> None:
    """What the guide tells a retailer whose prices exclude VAT to do works: without the
    "Pris inkl. moms" column, "Pris exkl. moms" is the price, excluding VAT."""
    lines = list(csv.reader(io.StringIO(template_csv().decode("utf-8-sig")), delimiter=";"))
    at = lines[0].index("Pris inkl. moms")
    kept = [[cell for i, cell in enumerate(line) if i != at] for line in lines]
    path = tmp_path / "exkl.csv"
    path.write_text("\n".join(";".join(line) for line in kept) + "\n", encoding="utf-8")
    headers, rows, _ = _read(path)
    mapping = detect_mapping(headers)
    assert mapping.fields["price"] == "Pris exkl. moms" and mapping.unmapped == []
    record, problems = normalize_row(RawRow(2, _own(rows[0])), mapping)
    assert problems == [] and record is not None
    assert str(record.price) == "7000.00" and record.vat_included is False


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_template_whose_price_column_was_left_empty_prices_excluding_vat(
    tmp_path: Path, kind: str
) -> None:
    """A retailer pricing excluding VAT who keeps "Pris inkl. moms" but leaves it empty and
    fills in "Pris exkl. moms" (what a spreadsheet user does) has its rows priced excluding
    VAT, not every row refused for an empty price; a row with both keeps the price with VAT."""
    book = load_workbook(io.BytesIO(template_xlsx()))
    sheet = book[PRODUCT_SHEET]
    header = [c.value for c in sheet[1]]
    incl, excl = header.index("Pris inkl. moms"), header.index("Pris exkl. moms")
    example = [c.value for c in sheet[2]]
    sheet.delete_rows(2)
    only_excl = list(example)
    only_excl[0], only_excl[incl], only_excl[excl] = "EX-1", None, "1 250,50 kr"
    both = list(example)
    both[0] = "EX-2"
    sheet.append(only_excl)
    sheet.append(both)
    path = tmp_path / f"exkl.{kind}"
    if kind == "xlsx":
        book.save(path)
    else:
        lines = [
            [("" if v is None else str(v)) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        path.write_text("\n".join(";".join(line) for line in lines) + "\n", encoding="utf-8")
    headers, rows, _ = _read(path)
    mapping = detect_mapping(headers)
    assert mapping.fields["price"] == "Pris inkl. moms"
    record, problems = normalize_row(RawRow(2, rows[0]), mapping)
    assert problems == [] and record is not None
    assert str(record.price) == "1250.50" and record.vat_included is False
    record, problems = normalize_row(RawRow(3, rows[1]), mapping)
    assert problems == [] and record is not None
    assert str(record.price) == "8750.00" and record.vat_included is True
    assert record.metadata["price_excl_vat"] == "7000.00"


@pytest.mark.parametrize(
    ("remembered", "field", "own_header"),
    [
        # an old file with only "Lagersaldo": remembered as the stock, read as a quantity
        (
            {
                "fields": {"sku": "Art.nr", "name": "Produktnamn", "stock": "Lagersaldo"},
                "fallbacks": {},
                "stock_is_quantity": True,
            },
            "stock",
            "Lagerstatus",
        ),
        # an old file with only "Pris exkl. moms": remembered as the price
        (
            {
                "fields": {"sku": "Artikelnummer", "name": "Benämning", "price": "Pris exkl. moms"},
                "fallbacks": {},
                "stock_is_quantity": False,
            },
            "price",
            "Pris inkl. moms",
        ),
    ],
)
def test_a_remembered_promoted_column_goes_back_to_its_own_field_for_the_template(
    tmp_path: Path, remembered: dict[str, object], field: str, own_header: str
) -> None:
    """A retailer whose earlier file had only a quantity (or only a price excluding VAT),
    remembered as its stock (price), sends the template: its status (price with VAT) column
    is read, the remembered column fills its own field, nothing is left for a mapping step."""
    path = tmp_path / "mall.csv"
    path.write_bytes(template_csv())
    headers, rows, _ = _read(path)
    mapping = detect_mapping(headers, remembered=remembered)
    assert mapping.fields[field] == own_header and mapping.unmapped == []
    assert mapping.fields["stock_quantity"] == "Lagersaldo" and not mapping.stock_is_quantity
    assert mapping.fields["price_excl_vat"] == "Pris exkl. moms"
    record, problems = normalize_row(RawRow(2, _own(rows[0])), mapping)
    assert problems == [] and record is not None
    assert record.stock_status == "in_stock" and record.stock_quantity == 12
    assert str(record.price) == "8750.00" and record.vat_included is True
    # the same memory still reads a file like the old one the old way
    old_headers = [h for h in remembered["fields"].values()]  # type: ignore[attr-defined]
    again = detect_mapping(old_headers, remembered=remembered)
    assert again.fields[field] == remembered["fields"][field]  # type: ignore[index]
    assert again.stock_is_quantity == remembered["stock_is_quantity"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_example_row_left_in_is_refused_naming_it(tmp_path: Path, kind: str) -> None:
    """A retailer who uploads the template without deleting its example row does not get the
    made-up "Turbinhandstycke Pro 400" published as its offer: the row is refused, saying it
    is the template's example; the retailer's own rows beside it read."""
    path = tmp_path / f"mall.{kind}"
    path.write_bytes(template_csv() if kind == "csv" else template_xlsx())
    headers, rows, _ = _read(path)
    mapping = detect_mapping(headers)
    record, problems = normalize_row(RawRow(2, rows[0]), mapping)
    assert record is None
    assert [(p.field, p.value, p.message, p.severity) for p in problems] == [
        ("sku", "TH-40017", EXAMPLE_ROW, "error")
    ]
    renamed = {**rows[0], "Benämning": "Turbinhandstycke Pro 400 LED"}  # edited: the retailer's
    record, problems = normalize_row(RawRow(3, renamed), mapping)
    assert problems == [] and record is not None and record.sku == "TH-40017"


def test_the_workbook_keeps_identifier_columns_as_text_for_the_rows_a_retailer_adds() -> None:
    """The article number, EAN and manufacturer's number columns are formatted as text as
    whole columns, not only in the example row: once the example row is deleted, what the
    retailer types or pastes ("000123", "0731234567890") keeps its leading zeros in Excel
    instead of becoming the number 123 (another SKU on the next upload)."""
    book = load_workbook(io.BytesIO(template_xlsx()))
    sheet = book[PRODUCT_SHEET]
    by_field = {c.field: i for i, c in enumerate(template_columns(), start=1)}
    for field in ("sku", "gtin", "mpn"):
        letter = sheet.cell(row=1, column=by_field[field]).column_letter
        assert sheet.column_dimensions[letter].number_format == "@", field
    price = sheet.cell(row=1, column=by_field["price"]).column_letter
    assert sheet.column_dimensions[price].number_format == "General"  # prices stay numbers


def test_the_help_sheet_moved_in_front_is_passed_over(tmp_path: Path) -> None:
    """A retailer who drags the help sheet in front of the product sheet (or whose program
    reorders them) still has its products read: the help sheet's table (Kolumn, Fält, ...)
    was taken as the feed, every required column missing."""
    book = load_workbook(io.BytesIO(template_xlsx()))
    book[PRODUCT_SHEET]["A2"] = "EGEN-1"
    book.move_sheet(HELP_SHEET, offset=-1)
    assert book.sheetnames == [HELP_SHEET, PRODUCT_SHEET]
    path = tmp_path / "hjalp-forst.xlsx"
    book.save(path)
    headers, rows, _ = _read(path)
    assert headers == [c.header for c in template_columns()]
    assert [r["Artikelnummer"] for r in rows] == ["EGEN-1"]
