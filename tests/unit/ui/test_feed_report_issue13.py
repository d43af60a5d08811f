"""Swedish for the feed messages issue 13 added (unknown SKUs of a partial delta, legacy
workbook limits): rendered from their codes."""

from __future__ import annotations

from decimal import Decimal

from indexer.errors import FeedFormatError
from indexer.messages import Message
from indexer.partial import unknown_sku_error
from indexer.records import OfferRecord
from ui.feed_report import raised_message, row_message


def test_unknown_sku_of_a_stock_only_delta_in_swedish() -> None:
    record = OfferRecord(
        row=3, sku="DG-999", name="", price=Decimal(0), absent=frozenset({"name", "price"})
    )
    error = unknown_sku_error(record, "saldo.csv")
    assert error.message == (
        "saldo.csv: row 3: SKU 'DG-999' is not among the retailer's offers; a file without a "
        "name and price column only updates existing offers"
    )
    stored = error.as_dict()
    assert row_message(stored, "sv") == (
        "saldo.csv, rad 3: artikelnumret 'DG-999' finns inte bland handlarens erbjudanden; en "
        "fil utan kolumn för benämning och pris uppdaterar bara befintliga erbjudanden"
    )
    assert row_message(stored, "en") == error.message


def test_legacy_workbook_refusals_in_swedish() -> None:
    big = FeedFormatError(
        Message("file.legacy_too_large", size=70_000_000, limit=67_108_864), file="stor.xls"
    )
    assert str(big) == (
        "stor.xls: legacy Excel file too large (70,000,000 bytes; at most 67,108,864): save it "
        "as .xlsx or CSV"
    )
    assert str(raised_message(big.message, "sv")).startswith(
        "stor.xls: den äldre Excel-filen är för stor (70\u00a0000\u00a0000 byte"
    )
    bomb = FeedFormatError(
        Message("file.sheet_too_large", cells=900_000_000, limit=5_000_000), file="bomb.ods"
    )
    assert str(bomb) == (
        "bomb.ods: spreadsheet sheet spans 900,000,000 cells (at most 5,000,000), counting "
        "repeated rows and columns; refused"
    )
    assert "kalkylbladet omfattar 900\u00a0000\u00a0000 celler" in str(
        raised_message(bomb.message, "sv")
    )
