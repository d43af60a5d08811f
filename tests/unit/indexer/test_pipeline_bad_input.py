"""Bad files through the whole pipeline: each is refused with a reason, stored data is kept."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.models import FeedRun, Offer
from catalog.settings import Settings
from indexer.pipeline import FeedOptions, dry_run, run_feed, submit_feed
from tests.factories import add_retailer, migrated_factory, swedish_feed


def _garbage(p: Path) -> None:
    p.write_bytes(os.urandom(4096))


def _png(p: Path) -> None:
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(512))


def _truncated(p: Path) -> None:
    p.write_text('Artikelnummer;Benämning;Pris;Lagerstatus\nA1;"Handske M;99;Ja\nA2;B;1;Ja\n')


def _xxe(p: Path) -> None:
    p.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>&x;</g:id>'
        "</item></channel></rss>"
    )


def _laughs(p: Path) -> None:
    # each entity is ten copies of the previous one: &l9; would expand to 10**9 "ha"s
    ents = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    p.write_text(f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "ha">{ents}]><r>&l9;</r>')


def _utf16_garbage(p: Path) -> None:
    p.write_bytes(b"\xff\xfe" + "Artikelnummer;Pris\n".encode("utf-16-le") + b"\x00\xd8")


def _missing_column(p: Path) -> None:
    p.write_text("Artikelnummer;Benämning;Lagerstatus\nA1;Handske;Ja\n")


BAD: dict[str, Callable[[Path], None]] = {
    "binary garbage": _garbage,
    "png image": _png,
    "truncated csv": _truncated,
    "xml external entity": _xxe,
    "billion laughs": _laughs,
    "broken utf-16": _utf16_garbage,
    "missing required column": _missing_column,
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_file_is_rejected_and_nothing_changes(kind: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    good = submit_feed(
        factory, settings, swedish_feed(tmp_path / "ok.csv", 6), "tandab", FeedOptions()
    )
    assert run_feed(factory, settings, good).status == "succeeded"
    with factory() as s:
        before = sorted((o.sku, str(o.price), o.withdrawn_at) for o in s.scalars(select(Offer)))

    bad = tmp_path / f"bad-{kind.replace(' ', '_')}.dat"
    BAD[kind](bad)
    run_id = submit_feed(factory, settings, bad, "tandab", FeedOptions())
    outcome = run_feed(factory, settings, run_id)

    assert outcome.status == "rejected", outcome.message
    assert outcome.message and bad.name in outcome.message
    with factory() as s:
        after = sorted((o.sku, str(o.price), o.withdrawn_at) for o in s.scalars(select(Offer)))
        run = s.get(FeedRun, run_id)
        assert run is not None and run.status == "rejected" and run.finished_at is not None
    assert after == before


def test_file_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "var", database_url="", environment="test", max_upload_bytes=1000
    )
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    big = swedish_feed(tmp_path / "big.csv", 200)
    outcome = run_feed(
        factory, settings, submit_feed(factory, settings, big, "tandab", FeedOptions())
    )
    assert outcome.status == "rejected"
    assert "big.csv" in (outcome.message or "")
    with factory() as s:
        assert s.scalars(select(Offer)).first() is None


def _invalid_rows(path: Path, valid: int, no_price: int, bad_price: int) -> Path:
    lines = ["Artikelnummer;Benämning;Pris;Lagerstatus"]
    lines += [f"OK-{i};Handske {i};99;I lager" for i in range(valid)]
    lines += [f"NP-{i};Handske {i};;I lager" for i in range(no_price)]
    lines += [f"BP-{i};Handske {i};{i}x{i};I lager" for i in range(bad_price)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_row_errors_beyond_the_limit_are_counted_not_kept(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "var", database_url="", environment="test", feed_max_row_errors=5
    )
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    feed = _invalid_rows(tmp_path / "fel.csv", valid=3, no_price=40, bad_price=20)
    outcome = run_feed(
        factory, settings, submit_feed(factory, settings, feed, "tandab", FeedOptions())
    )
    assert outcome.status == "succeeded", outcome.message
    assert len(outcome.errors) == 5 and [e["row"] for e in outcome.errors] == [5, 6, 7, 8, 9]
    with factory() as s:
        run = s.get(FeedRun, outcome.feed_run_id)
        assert run is not None
        assert len(run.row_errors) == 5
        counts = dict(run.counts)
    assert counts["rejected"] == 60 and counts["errors"] == 60 and counts["valid"] == 3
    assert counts["errors_truncated"] == 55
    assert counts["error_groups"] == [
        {
            "severity": "error",
            "field": "price",
            "reason": "price is empty",
            "count": 35,
            "code": "price.empty",
            "values": {},
        },
        {
            "severity": "error",
            "field": "price",
            "reason": "not a price: …",
            "count": 20,
            "code": "price.not_a_price",
            "values": {"value": "…"},
        },
    ]


def test_dry_run_report_is_bounded(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url="",
        environment="test",
        feed_max_row_errors=3,
        feed_dry_run_offers=4,
    )
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    feed = _invalid_rows(tmp_path / "fel.csv", valid=10, no_price=7, bad_price=0)
    report = dry_run(factory, settings, feed, "tandab", FeedOptions())
    assert len(report["offers"]) == 4 and report["offers_truncated"] == 6
    assert len(report["errors"]) == 3 and report["errors_truncated"] == 4
    assert report["counts"]["errors"] == 7 and report["counts"]["would_insert"] == 10
    assert report["error_groups"][0]["count"] == 4


def test_malformed_utf8_row_is_ingested_with_a_warning(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    lines = ["Artikelnummer;Benämning;Pris;Lagerstatus\n".encode()]
    lines += [f"A{i};Käkbensgaffel {i};99;I lager\n".encode() for i in range(30)]
    lines.append("B1;Tandtråd;49;I lager\n".encode("cp1252"))
    feed = tmp_path / "blandad.csv"
    feed.write_bytes(b"".join(lines))
    outcome = run_feed(
        factory, settings, submit_feed(factory, settings, feed, "tandab", FeedOptions())
    )
    assert outcome.status == "succeeded" and outcome.encoding == "utf-8"
    assert outcome.counts["inserted"] == 31 and outcome.counts["warnings"] == 1
    [warning] = outcome.errors
    assert (warning["row"], warning["field"], warning["severity"]) == (32, "encoding", "warning")
    assert warning["value"] == "Tandtr\ufffdd"
    with factory() as s:
        names = {o.sku: o.raw_name for o in s.scalars(select(Offer))}
    assert names["A0"] == "Käkbensgaffel 0"


def test_one_bad_record_in_a_json_array_is_a_row_error_and_its_offer_is_kept(
    tmp_path: Path,
) -> None:
    """A JSON array with one unparseable value and one invalid UTF-8 value: the run goes on;
    the bad record is a row error naming the file, record and field (its stored offer is kept,
    not withdrawn), the bad bytes a warning naming the field."""
    import json

    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)

    def record(i: int, price: str = "99") -> str:
        return json.dumps(
            {"sku": f"A{i}", "name": f"Käkbensgaffel {i}", "price": price, "stock": "I lager"},
            ensure_ascii=False,
        )

    first = tmp_path / "sortiment.json"
    first.write_text("[\n" + ",\n".join(record(i) for i in range(10)) + "\n]\n", "utf-8")
    assert (
        run_feed(
            factory, settings, submit_feed(factory, settings, first, "tandab", FeedOptions())
        ).status
        == "succeeded"
    )
    records = [record(i).encode() for i in range(10)]
    records[3] = b'{"sku": "A3", "name": "K\xe4kbensgaffel 3", "price": "99", "stock": "I lager"}'
    records[6] = b'{"sku": "A6", "name": "Spegel", "price": 12,5, "stock": "I lager"}'
    second = tmp_path / "sortiment2.json"
    second.write_bytes(b"[\n" + b",\n".join(records) + b"\n]\n")
    outcome = run_feed(
        factory, settings, submit_feed(factory, settings, second, "tandab", FeedOptions())
    )
    assert outcome.status == "succeeded", outcome.message
    by_row = {e["row"]: e for e in outcome.errors}
    assert by_row[7]["severity"] == "error"
    assert "record 7 of sortiment2.json" in by_row[7]["message"]
    assert "field 'price' at line 8" in by_row[7]["message"]
    assert by_row[4]["severity"] == "warning" and "field 'name'" in by_row[4]["message"]
    with factory() as s:
        offers = {o.sku: o for o in s.scalars(select(Offer))}
    assert len(offers) == 10 and all(o.withdrawn_at is None for o in offers.values())
    assert offers["A3"].raw_name == "K\ufffdkbensgaffel 3"
