"""Swedish for the feed messages issue 13 added (unknown SKUs of a partial delta, legacy
workbook limits)."""

from __future__ import annotations

from ui.feed_report import file_message_label, message_label


def test_unknown_sku_of_a_stock_only_delta_in_swedish() -> None:
    message = (
        "saldo.csv: row 3: SKU 'DG-999' is not among the retailer's offers; a file without a "
        "name and price column only updates existing offers"
    )
    assert message_label(message, "sv") == (
        "saldo.csv, rad 3: artikelnumret 'DG-999' finns inte bland handlarens erbjudanden; en "
        "fil utan kolumn för benämning och pris uppdaterar bara befintliga erbjudanden"
    )
    assert message_label(message, "en") == message


def test_legacy_workbook_refusals_in_swedish() -> None:
    big = (
        "stor.xls: legacy Excel file too large (70,000,000 bytes; at most 67,108,864): save it "
        "as .xlsx or CSV"
    )
    assert file_message_label(big, "sv").startswith("stor.xls: den äldre Excel-filen är för stor")
    bomb = (
        "bomb.ods: spreadsheet sheet spans 900,000,000 cells (at most 5,000,000), counting "
        "repeated rows and columns; refused"
    )
    assert "kalkylbladet omfattar 900\u00a0000\u00a0000 celler" in file_message_label(bomb, "sv")
