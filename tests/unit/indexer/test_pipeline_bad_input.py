"""Bad files through the whole pipeline: each is refused with a reason, stored data is kept."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.models import FeedRun, Offer
from catalog.settings import Settings
from indexer.pipeline import FeedOptions, run_feed, submit_feed
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
