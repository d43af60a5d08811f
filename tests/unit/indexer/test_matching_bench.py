from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.matching import PairFormatError, evaluate, parse_pairs, parse_record, prf
from indexer.matching.model import (
    PairScorer,
    best_f1_threshold,
    fit_bagged,
    fit_boosted,
    fit_logistic,
)

SAMPLE = (
    "COL name VAL lg 24 ' lds4821ww dishwasher COL description VAL white COL price VAL \t"
    "COL name VAL lg ldf6920bb dishwasher COL description VAL  COL price VAL 499.0 \t0\n"
    "COL title VAL adobe flash cs3 ( mac ) COL manufacturer VAL adobe COL price VAL 699.0 \t"
    "COL title VAL adobe flash cs3 mac COL manufacturer VAL  COL price VAL 649.99 \t1\n"
)


def test_parse_pairs_reads_the_ditto_format() -> None:
    pairs = parse_pairs(SAMPLE.splitlines(keepends=True))
    assert [p.label for p in pairs] == [0, 1]
    assert pairs[0].left == {"name": "lg 24 ' lds4821ww dishwasher", "description": "white",
                             "price": ""}  # fmt: skip
    assert pairs[0].right["price"] == "499.0"
    assert pairs[1].left["manufacturer"] == "adobe"
    assert pairs[1].right["manufacturer"] == ""


def test_parse_rejects_malformed_lines() -> None:
    with pytest.raises(PairFormatError):
        parse_pairs(["COL name VAL x\tCOL name VAL y\n"])
    with pytest.raises(PairFormatError):
        parse_record("name VAL x")


def test_prf_and_best_threshold() -> None:
    scores = np.array([0.9, 0.8, 0.4, 0.1])
    labels = np.array([1.0, 0.0, 1.0, 0.0])
    assert prf(scores, labels, 0.5) == (0.5, 0.5, 0.5)
    cut, f1 = best_f1_threshold(scores, labels)
    assert f1 == pytest.approx(0.8)
    assert prf(scores, labels, cut)[2] == pytest.approx(0.8)


def test_both_model_kinds_learn_a_separable_signal() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((400, 3))
    y = (x[:, 0] + 0.2 * x[:, 1] > 0.7).astype(float)
    for scorer in (fit_logistic(x, y), fit_boosted(x, y, rounds=40)):
        _, f1 = best_f1_threshold(scorer.score_many(x), y)
        assert f1 > 0.9


def test_bagged_boosting_is_seeded_and_one_scorer() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((300, 4))
    y = (x[:, 0] + 0.3 * x[:, 2] > 0.8).astype(float)
    bagged = fit_bagged(x, y, bags=3, rounds=20, depth=3, min_hess=1.0)
    assert len(bagged.trees) == 60 and bagged.learning_rate == pytest.approx(0.05 / 3)
    assert bagged == fit_bagged(x, y, bags=3, rounds=20, depth=3, min_hess=1.0)  # reproducible
    assert best_f1_threshold(bagged.score_many(x), y)[1] > 0.9
    copy = PairScorer.from_json(bagged.to_json())
    assert copy.score(list(x[0])) == pytest.approx(float(bagged.score_many(x[:1])[0]))


@pytest.mark.shared_data
def test_evaluation_runs_on_a_small_real_slice(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "matching" / "abt-buy"
    for split, lines in (("train", 1200), ("valid", 400), ("test", 400)):
        head = (source / f"{split}.txt").read_text(encoding="utf-8").splitlines()[:lines]
        (tmp_path / f"{split}.txt").write_text("\n".join(head) + "\n", encoding="utf-8")
    result = evaluate(tmp_path)
    assert 0.0 <= result.precision <= 1.0 and 0.0 <= result.recall <= 1.0
    assert result.f1 > 0.5  # model numbers alone separate most Abt-Buy pairs
