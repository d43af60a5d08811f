"""The loyalty CSVs (the yearly statement, the sponsor's report): Swedish Excel's format (a
BOM, ``;``, Swedish headers, a decimal comma) and no cell a spreadsheet would run as a formula;
the report's cells hold the numbers of a hand-built ledger."""

from __future__ import annotations

import csv
import io

from api.loyalty_csv import report_csv, statement_csv
from catalog.db import transaction
from loyalty import reports
from loyalty.statements import StatementRow
from tests.unit.loyalty.test_loyalty_reports import REPORT_AT, _ledger
from tests.unit.marketplace.mp_support import Market, market, template_db

__all__ = ["market", "template_db"]  # the fixtures of the hand-built ledger


def test_the_statement_is_swedish_excel_csv_without_formulas() -> None:
    rows = [
        StatementRow("Tand AB", "556677-8899", '=HYPERLINK("http://x")', "@a.se", 2, 300, 1550),
        StatementRow("Tand AB", "556677-8899", "Tand AB", "", 1, 100, 500),
    ]
    text = statement_csv(rows)
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert parsed[0] == [
        "Organisation",
        "Organisationsnummer",
        "Deltagare",
        "E-post",
        "Antal uttag",
        "Poäng",
        "Förmånsvärde (kr)",
    ]
    assert parsed[1][2] == '\'=HYPERLINK("http://x")' and parsed[1][3] == "'@a.se"
    assert parsed[1][4:] == ["2", "300", "15,50"]
    assert parsed[2] == ["Tand AB", "556677-8899", "Tand AB", "", "1", "100", "5,00"]


def test_the_report_csv_holds_the_hand_built_ledgers_numbers(market: Market) -> None:
    loyal = _ledger(market)
    with transaction(market.factory) as s:
        report = reports.sponsor_report(
            s, market.user(s, "admin"), loyal.programme_id, now=REPORT_AT, months=3
        )
    months = list(
        csv.reader(io.StringIO(report_csv(report, "months").lstrip("\ufeff")), delimiter=";")
    )
    assert months[1:] == [
        ["2026-01", "1296", "0", "0", "0", "1296", "64,80"],
        ["2026-02", "3781", "0", "500", "0", "4577", "228,85"],
        ["2026-03", "0", "396", "-100", "50", "4231", "211,55"],
    ]
    activities = list(csv.reader(io.StringIO(report_csv(report, "activities", "en"))))
    assert activities[1:] == [
        ["Sales", "3690", "184.50"],
        ["Campaign bonus", "891", "44.55"],
        ["Quizzes", "100", "5.00"],
    ]
    campaigns = list(
        csv.reader(io.StringIO(report_csv(report, "campaigns").lstrip("\ufeff")), delimiter=";")
    )
    (row,) = campaigns[1:]
    assert row[0] == "Handskveckan" and row[1] == "2,5" and row[2] == "kategori: handskar"
    assert row[6:] == ["198,00", "1", "297,00", "1"]
