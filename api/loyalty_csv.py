"""Loyalty downloads (the API's and the UI's): the yearly statement and the sponsor's
report, as Swedish Excel reads them (a BOM, ``;``, decimal commas) or in English (``,``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from api.csv_export import csv_text
from api.errors_csv import BOM
from loyalty import reports, statements
from marketplace.dates import LOCAL_TZ

ReportPart = Literal["months", "activities", "campaigns"]
REPORT_PARTS: tuple[ReportPart, ...] = ("months", "activities", "campaigns")

ACTIVITY_NAMES: dict[str, tuple[str, str]] = {
    "sale": ("Försäljning", "Sales"),
    reports.CAMPAIGN_BONUS: ("Kampanjbonus", "Campaign bonus"),
    "quiz": ("Kunskapstest", "Quizzes"),
    "photo": ("Fotouppdrag", "Photo activities"),
    "survey": ("Enkäter", "Surveys"),
    "suggestion": ("Förbättringsförslag", "Improvement suggestions"),
    "referral": ("Värvning", "Recruiting"),
    "contest": ("Tävlingar", "Contests"),
    "bonus": ("Månadens säljare/butik", "Monthly awards"),
    "adjustment": ("Justering", "Adjustment"),
}
_HEADERS: dict[ReportPart, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "months": (
        ("Månad", "Utdelat", "Återtaget", "Inlöst", "Förfallet", "Utestående", "Skuld (kr)"),
        ("Month", "Issued", "Clawed back", "Redeemed", "Expired", "Outstanding", "Liability (SEK)"),
    ),
    "activities": (
        ("Aktivitet", "Poäng", "Kostnad (kr)"),
        ("Activity", "Points", "Cost (SEK)"),
    ),
    "campaigns": (
        (
            "Kampanj",
            "Multiplikator",
            "Gäller",
            "Start",
            "Slut",
            "Före från",
            "Före (kr)",
            "Före rader",
            "Under (kr)",
            "Under rader",
        ),
        (
            "Campaign",
            "Multiplier",
            "Applies to",
            "Start",
            "End",
            "Before from",
            "Before (SEK)",
            "Before lines",
            "During (SEK)",
            "During lines",
        ),
    ),
}


def statement_csv(rows: list[statements.StatementRow]) -> str:
    """The statement as Swedish Excel reads it: a BOM, ``;``, Swedish headers, and every
    cell that a spreadsheet would run as a formula neutralised (``api.csv_export``). Pure."""
    text = csv_text(
        statements.STATEMENT_HEADER_SV,
        (statements.statement_cells(r) for r in rows),
        delimiter=";",
    )
    return BOM + text


def activity_name(activity: str, lang: str) -> str:
    """An activity's name in the language (an unknown entry kind as it is). Pure."""
    names = ACTIVITY_NAMES.get(activity)
    return activity if names is None else names[0 if lang == "sv" else 1]


def _money(value: Decimal, lang: str) -> str:
    text = f"{value.quantize(Decimal('0.01'))}"
    return text.replace(".", ",") if lang == "sv" else text


TARGET_NAMES: dict[str, tuple[str, str]] = {
    "category": ("kategori", "category"),
    "brand": ("varumärke", "brand"),
    "product": ("produkt", "product"),
}


def _when(value: datetime) -> str:
    """A moment as Swedish time to the minute (``2026-11-28 20:58``), which Excel reads as
    a date and time. Pure."""
    at = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _factor(value: Decimal, lang: str) -> str:
    """``2.00`` as ``2``, ``1.50`` as ``1,5`` in Swedish. Pure."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if lang == "sv" else text


def _target(kind: str, lang: str) -> str:
    names = TARGET_NAMES.get(kind)
    return kind if names is None else names[0 if lang == "sv" else 1]


def _rows(report: reports.SponsorReport, part: ReportPart, lang: str) -> Iterable[Sequence[str]]:
    if part == "months":
        for m in report.months:
            yield (
                m.month,
                str(m.issued),
                str(m.clawed_back),
                str(m.redeemed),
                str(m.expired),
                str(m.outstanding),
                _money(Decimal(m.outstanding_value_ore) / 100, lang),
            )
    elif part == "activities":
        for a in report.activities:
            yield (
                activity_name(a.activity, lang),
                str(a.points),
                _money(Decimal(a.value_ore) / 100, lang),
            )
    else:
        for c in report.campaigns:
            yield (
                c.name,
                _factor(c.multiplier, lang),
                f"{_target(c.target_kind, lang)}: {c.target_value}",
                _when(c.starts_at),
                _when(c.ends_at),
                _when(c.before_from),
                _money(c.before_sek, lang),
                str(c.before_lines),
                _money(c.during_sek, lang),
                str(c.during_lines),
            )


def report_csv(report: reports.SponsorReport, part: ReportPart, lang: str = "sv") -> str:
    """One part of the sponsor's report as CSV: Swedish (a BOM, ``;``, decimal commas) or
    English (``,``); formula-like cells neutralised. Pure."""
    sv, en = _HEADERS[part]
    if lang == "sv":
        return BOM + csv_text(sv, _rows(report, part, lang), delimiter=";")
    return csv_text(en, _rows(report, part, lang))
