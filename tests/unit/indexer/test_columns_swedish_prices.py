"""Price headers of real Swedish retailer exports (issue 13, item 11): recognised, with the VAT
flag the header states, and the preview saying which header is the price and how VAT reads."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from indexer.columns import detect_mapping
from indexer.pipeline import FeedOptions, dry_run
from indexer.records import RawRow
from indexer.rows import normalize_row
from tests.factories import write_csv
from tests.unit.indexer.feed_env import feed_env


@pytest.mark.parametrize(
    ("header", "vat_included"),
    [
        ("Nettopris exkl. moms", False),
        ("Nettopris inkl. moms", True),
        ("Listpris", None),
        ("Ert pris", None),
        ("Pris/st", None),
        ("Pris per st", None),
        ("Kundpris", None),
        ("Kundpris exkl. moms", False),
        ("Utpris", None),
        ("Utpris inkl. moms", True),
    ],
)
def test_swedish_price_headers_are_the_price(header: str, vat_included: bool | None) -> None:
    headers = ["Artikelnummer", "Benämning", header, "Lagersaldo"]
    mapping = detect_mapping(headers)
    assert mapping.fields.get("price") == header, mapping.as_dict()
    assert mapping.missing_required == []
    assert mapping.price_vat_included is vat_included
    assert mapping.as_dict()["price_vat_included"] is vat_included
    cells = ["DH-3310", "Sondspegel nr 5, 12-pack", "189,00", "40"]
    record, problems = normalize_row(RawRow(2, dict(zip(headers, cells, strict=True))), mapping)
    assert record is not None, problems
    assert record.price == Decimal("189.00")
    assert record.vat_included is vat_included


def test_customer_price_wins_over_list_price() -> None:
    """A wholesaler export with both: the clinic pays "Ert pris", "Listpris" is the fallback."""
    headers = ["Artikelnummer", "Benämning", "Listpris", "Ert pris", "Lagersaldo"]
    mapping = detect_mapping(headers)
    assert mapping.fields["price"] == "Ert pris"
    assert mapping.fallbacks.get("price") == ["Listpris"]


def test_preview_reports_the_price_header_and_its_vat(tmp_path: Path) -> None:
    settings, factory = feed_env(tmp_path)
    feed = write_csv(
        tmp_path / "netto.csv",
        [
            ["Artikelnummer", "Benämning", "Nettopris exkl. moms", "Lagersaldo"],
            ["DH-3310", "Sondspegel nr 5, 12-pack", "189,00", "40"],
        ],
    )
    report = dry_run(factory, settings, feed, "tandab", FeedOptions())
    assert report["mapping"]["price"] == "Nettopris exkl. moms"
    assert report["price_vat"] == {
        "header": "Nettopris exkl. moms",
        "vat_included": False,
        "excl_fallback": None,
    }
    assert report["offers"][0]["vat_included"] is False
