"""Row errors of XML and JSON feeds name the item, by index and id (issue 13, item 12), and
``counts.rejected`` is the number of rejected rows whatever the file's line layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.pipeline import FeedOptions, dry_run
from tests.unit.indexer.feed_env import feed_env

# Zrcátko 2 has no price, Sond 4 a price in words: items 2 and 4 of 5 are rejected.
ITEMS = [
    ("TD-1001", "Munspegel nr 5, 12-pack", "189.00 SEK"),
    ("TD-1002", "Munspegel nr 4, 12-pack", ""),
    ("TD-1003", "Sond EXD 11/12", "249.00 SEK"),
    ("TD-1004", "Sond 23", "Pris på förfrågan"),
    ("TD-1005", "Pincett DP 2", "159.00 SEK"),
]


def _google_one_line(path: Path) -> Path:
    items = "".join(
        f"<item><g:id>{sku}</g:id><g:title>{name}</g:title><g:price>{price}</g:price>"
        "<g:availability>in stock</g:availability></item>"
        for sku, name, price in ITEMS
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
        ' xmlns:g="http://base.google.com/ns/1.0"><channel><title>Tandab</title>'
        f"{items}</channel></rss>",
        encoding="utf-8",
    )
    return path


def _json_one_line(path: Path) -> Path:
    rows = [{"sku": s, "name": n, "price": p, "stock": "I lager"} for s, n, p in ITEMS]
    path.write_text(json.dumps({"products": rows}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture()
def env(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings, factory = feed_env(tmp_path)
    return settings, factory


@pytest.mark.parametrize("make", [_google_one_line, _json_one_line])
def test_errors_name_the_item_and_rejected_counts_rows(env, tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    settings, factory = env
    feed = make(tmp_path / ("feed.xml" if make is _google_one_line else "feed.json"))
    report = dry_run(factory, settings, feed, "tandab", FeedOptions(delta=True))
    errors = [e for e in report["errors"] if e["severity"] == "error"]
    assert [(e["row"], e["item"]) for e in errors] == [
        (2, {"index": 2, "id": "TD-1002"}),
        (4, {"index": 4, "id": "TD-1004"}),
    ]
    assert report["counts"]["rejected"] == 2 == len({e["row"] for e in errors})
    assert report["counts"]["valid"] == 3


def test_every_item_rejected_counts_every_item(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings, factory = env
    items = "".join(
        f"<item><g:id>CZ-{i}</g:id><g:title>Zrcátko {i}</g:title><g:price>599 Kč/ks</g:price>"
        "<g:availability>in stock</g:availability></item>"
        for i in range(1, 5)
    )
    feed = tmp_path / "cz.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">'
        f"<channel>{items}</channel></rss>",
        encoding="utf-8",
    )
    report = dry_run(factory, settings, feed, "tandab", FeedOptions())
    assert report["counts"]["rejected"] == 4
    assert [e["item"]["index"] for e in report["errors"]] == [1, 2, 3, 4]
    assert [e["item"]["id"] for e in report["errors"]] == ["CZ-1", "CZ-2", "CZ-3", "CZ-4"]
    assert "none of the 4 rows" in report["message"]


def test_delimited_rows_keep_their_line_and_no_item(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings, factory = env
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "Artikelnummer;Benämning;Pris;Lagerstatus\nTD-1;Sond;abc;I lager\n", encoding="utf-8"
    )
    report = dry_run(factory, settings, feed, "tandab", FeedOptions())
    assert report["errors"][0]["row"] == 2
    assert "item" not in report["errors"][0]
