"""The shipped model's training: the match-queue decisions join the public sets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from bench import matching_suite
from bench.matching_model import decision_pairs, train_shipped
from catalog.db import transaction
from catalog.models import MatchDecision
from catalog.settings import Settings
from indexer.matching.model import PairScorer, fit_boosted
from tests.factories import migrated_factory
from tests.unit.bench.test_matching_suite import tiny_sets  # noqa: F401  (fixture)


def _small_trees(x: np.ndarray, y: np.ndarray) -> PairScorer:
    return fit_boosted(x, y, rounds=15, depth=3)


def _decision(n: int, label: str) -> MatchDecision:
    return MatchDecision(
        label=label,
        action="accept" if label == "match" else "reject",
        offer_sku=f"SKU-{n}",
        offer_name=f"Filtek Supreme XTE A{n} 4 g",
        offer_brand="3M",
        offer_mpn=f"6910A{n}",
        offer_price=Decimal("199.50"),
        product_name=f"Filtek Supreme XTE komposit A{n if label == 'match' else n + 1} 4 g",
        product_brand="3M ESPE",
        product_mpn=f"6910A{n if label == 'match' else n + 1}",
        decided_by="admin@example.se",
    )


def test_decisions_are_read_as_labelled_pairs_with_every_attribute(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    with transaction(factory) as session:
        session.add_all([_decision(n, "match" if n % 2 else "non_match") for n in range(1, 6)])
    with factory() as session:
        pairs = decision_pairs(session, chunk=2)  # several chunks
    assert [p.label for p in pairs] == [1, 0, 1, 0, 1]
    first = pairs[0]
    assert first.left == {"name": "Filtek Supreme XTE A1 4 g", "brand": "3M", "mpn": "6910A1",
                          "gtin": "", "price": "199.50"}  # fmt: skip
    assert first.right["mpn"] == "6910A1" and first.right["brand"] == "3M ESPE"


def test_the_shipped_model_is_trained_on_the_sets_and_the_decisions(
    tiny_sets: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    with transaction(factory) as session:
        session.add_all([_decision(n, "match" if n % 2 else "non_match") for n in range(1, 9)])
    with factory() as session:
        decided = decision_pairs(session)
    monkeypatch.setattr(matching_suite, "PROTOCOL", {"small": _small_trees})
    report = train_shipped(
        tiny_sets, decided, kind="small", dental_offers=(60, 40), catalog_size=400
    )
    assert report.rows["match-queue decisions"] == 8
    assert set(report.rows) >= set(matching_suite.DATASETS) | {"synthetic dental"}
    scorer = report.scorer
    assert scorer.version.startswith("match-") and "match-queue decisions 8" in scorer.note
    assert 0.0 < scorer.thresholds.review_low < scorer.thresholds.accept < 1.0
    assert PairScorer.from_json(scorer.to_json()).version == scorer.version
