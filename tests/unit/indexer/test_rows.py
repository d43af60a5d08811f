"""Row normalization: required fields, VAT and currency sources, warnings, SKU dedupe."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.enums import StockStatus
from indexer.columns import ColumnMapping, detect_mapping
from indexer.records import OfferRecord, RawRow, RowError
from indexer.rows import normalize_row

SWEDISH = detect_mapping(
    ["Art.nr", "Benämning", "Pris inkl. moms", "Lagerstatus", "Lagersaldo", "Leveranstid", "EAN",
     "Tillverkarens artikelnummer", "Varumärke", "Tillverkare", "Garanti", "Service",
     "Utbildning", "Länk", "Kategori"]
)  # fmt: skip


def _cells_row(cells: dict[str, str], row: int = 2, mapping: ColumnMapping = SWEDISH) -> RawRow:
    """A row of ``mapping``'s headers with the given cells (by canonical field) filled in."""
    values = dict.fromkeys(mapping.fields.values(), "")
    for name, value in cells.items():
        values[mapping.fields[name]] = value
    return RawRow(row, values)


def _row(**cells: str) -> RawRow:
    return _cells_row(cells)


def _only(result: tuple[OfferRecord | None, list[RowError]]) -> OfferRecord:
    record, problems = result
    assert record is not None, problems
    return record


def test_full_swedish_row() -> None:
    raw = _row(
        sku=" A-100 ",
        name="<b>Komposit</b> A2&nbsp;4 g",
        price="1 234,50 kr",
        stock="I lager",
        stock_quantity="12",
        delivery="1-3 dagar",
        gtin="4006381333931",
        mpn="6010-B",
        brand="Ivoclar",
        warranty="2 år",
        service="Ingår",
        training="Webbkurs",
        url="https://shop.example/a-100",
        category="Fyllning",
    )
    record, problems = normalize_row(raw, SWEDISH)
    assert problems == []
    assert record == OfferRecord(
        row=2,
        sku="A-100",
        name="Komposit A2 4 g",
        price=Decimal("1234.50"),
        currency="SEK",
        vat_included=True,  # from the header "Pris inkl. moms"
        stock_status=StockStatus.IN_STOCK,
        stock_quantity=12,
        delivery_days=3,
        gtin="04006381333931",
        mpn="6010-B",
        brand="Ivoclar",
        url="https://shop.example/a-100",
        metadata={
            "warranty": "2 år",
            "service": "Ingår",
            "training": "Webbkurs",
            "category": "Fyllning",
        },
    )


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        ({"sku": "", "name": "X", "price": "10", "stock": "Ja"}, "sku", "SKU is empty"),
        ({"sku": "A", "name": "  ", "price": "10", "stock": "Ja"}, "name", "name is empty"),
        ({"sku": "A", "name": "<p></p>", "price": "10", "stock": "Ja"}, "name", "name is empty"),
        ({"sku": "A", "name": "X", "price": "", "stock": "Ja"}, "price", "price is empty"),
        ({"sku": "A", "name": "X", "price": "Pris på förfrågan"}, "price", "not a price"),
        ({"sku": "A", "name": "X", "price": "-5"}, "price", "negative"),
    ],
)
def test_rows_with_errors_are_dropped(cells: dict[str, str], field: str, message: str) -> None:
    record, problems = normalize_row(_cells_row(cells, row=7), SWEDISH)
    assert record is None
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.row, problem.field, problem.severity) == (7, field, "error")
    assert message in problem.message
    assert problem.value == cells[field].strip()


def test_all_required_errors_are_reported_together() -> None:
    record, problems = normalize_row(_row(sku="", name="", price="gratis"), SWEDISH)
    assert record is None
    assert [p.field for p in problems] == ["sku", "name", "price"]


def test_invalid_gtin_is_a_warning_and_never_a_key() -> None:
    record, problems = normalize_row(
        _row(sku="A", name="X", price="10", stock="Ja", gtin="1234567890123"), SWEDISH
    )
    assert record is not None and record.gtin is None
    assert [(p.field, p.severity, p.value) for p in problems] == [
        ("gtin", "warning", "1234567890123")
    ]
    assert "check digit" in problems[0].message


def test_excel_mangled_gtin_says_so() -> None:
    _, problems = normalize_row(
        _row(sku="A", name="X", price="10", stock="Ja", gtin="7,31E+12"), SWEDISH
    )
    assert "Excel" in problems[0].message


def test_unknown_stock_is_a_warning() -> None:
    record, problems = normalize_row(_row(sku="A", name="X", price="10", stock="Ring oss"), SWEDISH)
    assert record is not None and record.stock_status is StockStatus.UNKNOWN
    assert [(p.field, p.severity) for p in problems] == [("stock", "warning")]


def test_quantity_fills_in_unknown_status() -> None:
    record = _only(normalize_row(_row(sku="A", name="X", price="10", stock_quantity="3"), SWEDISH))
    assert (record.stock_status, record.stock_quantity) == (StockStatus.LIMITED, 3)


def test_stock_delivery_phrase_sets_delivery_days() -> None:
    record = _only(
        normalize_row(
            _row(sku="A", name="X", price="10", stock="Beställningsvara 3-5 dagar"), SWEDISH
        )
    )
    assert (record.stock_status, record.delivery_days) == (StockStatus.BACKORDER, 5)


def test_unreadable_delivery_is_a_warning() -> None:
    record, problems = normalize_row(
        _row(sku="A", name="X", price="10", stock="Ja", delivery="snart"), SWEDISH
    )
    assert record is not None and record.delivery_days is None
    assert [(p.field, p.severity) for p in problems] == [("delivery", "warning")]


def test_zero_price_is_kept_with_a_warning() -> None:
    record, problems = normalize_row(_row(sku="A", name="X", price="0", stock="Ja"), SWEDISH)
    assert record is not None and record.price == Decimal("0.00")
    assert [(p.field, p.severity) for p in problems] == [("price", "warning")]


def test_relative_url_is_dropped_with_warning() -> None:
    record, problems = normalize_row(
        _row(sku="A", name="X", price="1", stock="Ja", url="/produkt/a"), SWEDISH
    )
    assert record is not None and record.url is None
    assert problems[0].field == "url"


def test_brand_falls_back_to_manufacturer() -> None:
    record = _only(
        normalize_row(
            _row(sku="A", name="X", price="1", stock="Ja", manufacturer="Kulzer"), SWEDISH
        )
    )
    assert record.brand == "Kulzer"
    assert record.metadata["manufacturer"] == "Kulzer"


@pytest.mark.parametrize(
    ("headers", "price", "vat_cell", "default", "expected"),
    [
        (["SKU", "Name", "Price", "Stock status", "VAT"], "199 kr exkl moms", "1", None, False),
        (["SKU", "Name", "Price", "Stock status", "VAT"], "199 kr inkl. moms", "0", None, True),
        (["SKU", "Name", "Pris exkl. moms", "Lagerstatus", "Moms"], "199", "ja", None, False),
        (["SKU", "Name", "Price tax excluded", "Stock status"], "199", "", True, False),
        (["SKU", "Name", "Price", "Stock status", "VAT"], "199", "inkl. moms", None, True),
        (["SKU", "Name", "Price", "Stock status", "VAT"], "199", "Nej", None, False),
        (["SKU", "Name", "Price", "Stock status", "VAT"], "199", "", True, True),
        (["SKU", "Name", "Price", "Stock status"], "199", "", None, None),
    ],
)
def test_vat_source_order(
    headers: list[str], price: str, vat_cell: str, default: bool | None, expected: bool | None
) -> None:
    mapping = detect_mapping(headers)
    values = dict(zip(headers, ["A", "X", price, "Ja", vat_cell], strict=False))
    record = _only(normalize_row(RawRow(3, values), mapping, default_vat_included=default))
    assert record.vat_included is expected


def test_vat_rate_goes_to_metadata() -> None:
    headers = ["SKU", "Name", "Price", "Stock status", "Moms"]
    mapping = detect_mapping(headers)
    record = _only(
        normalize_row(
            RawRow(3, dict(zip(headers, ["A", "X", "9", "Ja", "25 %"], strict=True))), mapping
        )
    )
    assert record.metadata["vat_rate"] == "25"
    assert record.vat_included is None


WITH_CURRENCY = ["SKU", "Name", "Price", "Stock status", "Currency"]


@pytest.mark.parametrize(
    ("headers", "cells", "default", "expected"),
    [
        (WITH_CURRENCY, ["A", "X", "19.99 EUR", "Ja", "SEK"], "SEK", "EUR"),
        (WITH_CURRENCY, ["A", "X", "19.99", "Ja", "nok"], "SEK", "NOK"),
        (["SKU", "Name", "Pris (EUR)", "Stock status"], ["A", "X", "19,99", "Ja"], "SEK", "EUR"),
        (["SKU", "Name", "Price", "Stock status"], ["A", "X", "19.99", "Ja"], "DKK", "DKK"),
    ],
)
def test_currency_source_order(
    headers: list[str], cells: list[str], default: str, expected: str
) -> None:
    mapping = detect_mapping(headers)
    record = _only(
        normalize_row(
            RawRow(2, dict(zip(headers, cells, strict=True))), mapping, default_currency=default
        )
    )
    assert record.currency == expected


def test_woocommerce_sale_then_regular_price() -> None:
    headers = ["SKU", "Name", "In stock?", "Stock", "Sale price", "Regular price"]
    mapping = detect_mapping(headers)
    rows = [
        RawRow(2, dict(zip(headers, ["a", "A", "1", "", "", "18"], strict=True))),
        RawRow(3, dict(zip(headers, ["b", "B", "1", "4", "11", "20"], strict=True))),
        RawRow(4, dict(zip(headers, ["c", "C", "0", "", "", ""], strict=True))),
    ]
    results = [normalize_row(raw, mapping) for raw in rows]
    first, second, third = (r for r, _ in results)
    assert first is not None and first.price == Decimal("18.00")
    assert first.stock_status is StockStatus.IN_STOCK and first.stock_quantity is None
    assert second is not None and second.price == Decimal("11.00")
    assert second.stock_status is StockStatus.IN_STOCK and second.stock_quantity == 4
    assert third is None
    assert results[2][1][0].field == "price"


def test_quantity_only_stock_column() -> None:
    headers = ["Artnr", "Namn", "Pris", "Lagersaldo"]
    mapping = detect_mapping(headers)
    one = _only(
        normalize_row(RawRow(2, dict(zip(headers, ["a", "A", "5", "1"], strict=True))), mapping)
    )
    assert (one.stock_status, one.stock_quantity) == (StockStatus.LIMITED, 1)
    many = _only(
        normalize_row(RawRow(3, dict(zip(headers, ["b", "B", "5", "40"], strict=True))), mapping)
    )
    assert (many.stock_status, many.stock_quantity) == (StockStatus.IN_STOCK, 40)


@pytest.mark.shared_data
def test_prestashop_sample(shared_data: Path) -> None:
    path = shared_data / "feeds/xyan-dhgb__prestashop-bash/products_import.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        headers = next(reader)
        rows = [
            RawRow(n, dict(zip(headers, cells, strict=False))) for n, cells in enumerate(reader, 2)
        ]
    mapping = detect_mapping(headers)
    results = [normalize_row(raw, mapping) for raw in rows]
    records = [r for r, _ in results if r is not None]
    assert records
    gtin_warnings = [p for _, ps in results for p in ps if p.field == "gtin"]
    assert any(p.value == "1234567890123" and p.severity == "warning" for p in gtin_warnings)
    assert all(r.vat_included is False for r in records)  # "Price tax excluded"
