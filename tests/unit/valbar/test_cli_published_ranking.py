"""``valbar search`` and ``valbar eval ranking`` rank with the published ranking version, as
the site does (``search.build``); ``--config NAME`` ranks with the config file instead."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from catalog.db import transaction
from catalog.settings import get_settings
from indexer.jobs import factory_for
from ranking.config import load_named
from ranking.rules import Rule
from ranking.versions import publish, save_draft
from tests.factories import add_product
from valbar.cli import app

QUERY = "diamond bur"
BURS = {
    "07350000000021": "Diamond bur FG round 012",
    "07350000000038": "Diamond bur FG round 014 long shank",
    "07350000000045": "Diamond bur FG flame 016 coarse grit for crown preparation",
}

runner = CliRunner()  # over the real ``valbar`` app


@pytest.fixture()
def indexed(settings_env: Path) -> Path:
    factory = factory_for(get_settings())
    for i, (gtin, name) in enumerate(BURS.items()):
        add_product(factory, key=f"b{i}", name=name, gtin=gtin, brand="Komet")
    add_product(factory, key="g", name="Nitrile examination gloves, size M", gtin="07350000000014")
    result = runner.invoke(app, ["reindex", "--json"])
    assert result.exit_code == 0, result.output
    return settings_env


def _hits(*args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["search", *args, "--json"])
    assert result.exit_code == 0, result.output
    hits: list[dict[str, Any]] = json.loads(result.output)["hits"]
    return hits


def _ids(*args: str) -> list[int]:
    return [hit["product_id"] for hit in _hits(*args)]


def _publish_pin(query: str, product_id: int) -> None:
    """Publish the shipped default config plus one rule: ``product_id`` first for ``query``."""
    shipped = load_named("default")
    pin = Rule(id="pin-bur", action="pin", match_query=query, product_id=product_id, position=1)
    cfg = shipped.model_copy(update={"rules": [*shipped.rules, pin]})
    with transaction(factory_for(get_settings())) as session:
        row = save_draft(session, "default", cfg, author="merch@valbar.test")
        publish(session, "default", row.version, author="merch@valbar.test")


@pytest.fixture()
def site(indexed: Path) -> Iterator[TestClient]:
    with TestClient(create_app(get_settings(), anonymous_rate_per_minute=10_000)) as client:
        yield client


def _site_ids(client: TestClient, q: str) -> list[int]:
    response = client.get("/api/v1/search", params={"q": q, "size": 10})
    assert response.status_code == 200, response.text
    return [hit["product_id"] for hit in response.json()["data"]]


def test_the_cli_shows_the_published_pin_and_the_file_config_does_not(indexed: Path) -> None:
    hits = _hits(QUERY)
    before = [hit["product_id"] for hit in hits]
    assert len(before) == len(BURS) and before == _ids(QUERY, "--config", "default")
    last, last_gtin = before[-1], hits[-1]["gtin"]
    _publish_pin(QUERY, last)

    assert _ids(QUERY)[0] == last  # the published version, as the site ranks
    assert _ids(QUERY, "--config", "default") == before  # the shipped file: no pin
    text = runner.invoke(app, ["search", QUERY])
    assert text.exit_code == 0, text.output
    first_line = text.output.splitlines()[1]
    assert first_line.lstrip().startswith("1.") and last_gtin in first_line


def test_the_cli_and_the_site_rank_identically_under_a_published_config(
    site: TestClient,
) -> None:
    queries = [QUERY, "bur", "diamant", "handskar", "fg round"]
    before = _ids(QUERY)
    _publish_pin(QUERY, before[-1])
    for q in queries:
        assert _ids(q) == _site_ids(site, q), q
    assert _site_ids(site, QUERY)[0] == before[-1]


def test_eval_ranking_reports_under_the_published_version(indexed: Path, tmp_path: Path) -> None:
    last = _hits(QUERY)[-1]  # ranked last unpinned: the one the judges want first
    judged_id, gtin = last["product_id"], last["gtin"]
    judgments = tmp_path / "j.tsv"
    judgments.write_text(
        "query\tgtin\tgrade\n" + "".join(f"{QUERY}\t{g}\t{3 if g == gtin else 0}\n" for g in BURS),
        encoding="utf-8",
    )

    def ndcg(*args: str) -> float:
        result = runner.invoke(
            app,
            ["eval", "ranking", "--judgments", str(judgments), "--json", "--no-baseline", *args],
        )
        assert result.exit_code == 0, result.output
        value: float = json.loads(result.output)["ndcg@10"]
        return value

    unpinned = ndcg()
    assert unpinned < 1.0
    _publish_pin(QUERY, judged_id)
    assert ndcg() == 1.0  # the published version: the pin puts the judged product first
    assert ndcg("--config", "default") == unpinned  # the shipped file
    text = runner.invoke(app, ["eval", "ranking", "--judgments", str(judgments), "--no-baseline"])
    assert text.exit_code == 0 and "published" in text.output, text.output
