"""The bounded row-error log: the first N in full, the rest counted by field and reason."""

from __future__ import annotations

from indexer.messages import Message, render
from indexer.records import RowError
from indexer.row_errors import MAX_GROUPS, OTHER_CODE, OTHER_REASON, ErrorLog, reason_of


def test_reason_blanks_the_rows_own_values() -> None:
    assert reason_of(RowError(7, "price", "12,3,4", "not a price: 12,3,4")) == "not a price: …"
    dup = RowError(9, "sku", "A1", "duplicate SKU 'A1': row 9 ignored, row 12 wins (last one wins)")
    assert reason_of(dup) == "duplicate SKU …: row … ignored, row … wins (last one wins)"


def test_log_keeps_the_first_and_counts_the_rest() -> None:
    log = ErrorLog(limit=2)
    for row in range(10):
        log.add(RowError(row, "price", "", "price is empty"))
    gtin = "GTIN 123 has 3 digits; expected 8, 12, 13 or 14"
    log.add(RowError(11, "gtin", "123", gtin, "warning"))
    assert [e.row for e in log.kept] == [0, 1]
    assert log.totals() == {"errors": 10, "warnings": 1} and log.dropped == 9
    assert log.overflow() == [
        {"severity": "error", "field": "price", "reason": "price is empty", "count": 8},
        {
            "severity": "warning",
            "field": "gtin",
            "reason": "GTIN … has 3 digits; expected 8, 12, 13 or 14",
            "count": 1,
        },
    ]


def test_distinct_reasons_are_bounded() -> None:
    log = ErrorLog(limit=0)
    for i in range(MAX_GROUPS + 50):
        log.add(RowError(i, f"field{i}", "", "odd"))
    groups = log.overflow()
    assert len(groups) == MAX_GROUPS + 1
    assert groups[0] == {
        "severity": "error",
        "field": "",
        "reason": OTHER_REASON,
        "count": 50,
        "code": OTHER_CODE,
        "values": {},
    }
    assert render(OTHER_CODE, {}, "sv") == "övriga orsaker"


def test_a_group_keeps_its_code_and_the_values_that_are_not_the_rows_own() -> None:
    """A reader renders a counted reason in its own language from the group's code: the
    row's cell and row numbers are blanked, what the reason says besides them is kept."""
    log = ErrorLog(limit=0)
    for row, cell in ((5, "12,3,4"), (6, "abc")):
        message = Message("price.not_a_price", value=cell)
        log.add(RowError(row, "price", cell, message))
    twin = Message("row.duplicate_sku", value="A1", row=9, other_row=12)
    log.add(RowError(9, "sku", "A1", twin, "warning"))
    gtin = Message("gtin.length", value="123", digits=3)
    log.add(RowError(11, "gtin", "123", gtin, "warning"))
    groups = {g["code"]: g for g in log.overflow()}
    assert groups["price.not_a_price"]["count"] == 2
    assert groups["price.not_a_price"]["values"] == {"value": "…"}
    assert groups["row.duplicate_sku"]["values"] == {"value": "…", "row": "…", "other_row": "…"}
    assert groups["gtin.length"]["values"] == {"value": "…", "digits": 3}
    assert render("gtin.length", groups["gtin.length"]["values"], "sv") == (
        "GTIN '…' har 3 siffror; 8, 12, 13 eller 14 väntades"
    )
