from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.matching import (
    PairFormatError,
    cross_validate,
    evaluate,
    parse_pairs,
    parse_record,
    prf,
    stratified_folds,
)
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
    result = evaluate(tmp_path, folds=3, candidates=("logistic", "boosted"), jobs=1)
    assert result.model in ("logistic", "boosted") and 0.0 < result.threshold < 1.0
    assert 0.0 <= result.precision <= 1.0 and 0.0 <= result.recall <= 1.0
    assert result.cv_f1 > 0.5 and result.f1 > 0.5  # model numbers separate most Abt-Buy pairs


def test_stratified_folds_partition_rows_and_spread_each_label() -> None:
    labels = np.array([1.0] * 10 + [0.0] * 37)
    folds = stratified_folds(labels, 5, seed=3)
    rows = np.concatenate(folds)
    assert sorted(rows.tolist()) == list(range(labels.size))  # every row once
    assert [int(labels[f].sum()) for f in folds] == [2, 2, 2, 2, 2]
    assert sorted(f.size for f in folds) == [9, 9, 9, 10, 10]
    again = stratified_folds(labels, 5, seed=3)  # seeded: the same folds every time
    assert all((a == b).all() for a, b in zip(folds, again, strict=True))


def test_cross_validation_scores_every_row_with_a_model_that_did_not_see_it() -> None:
    rng = np.random.default_rng(4)
    x = rng.random((300, 3))
    y = (x[:, 0] > 0.6).astype(float)
    # one leaked row: a row whose label contradicts the signal is not "learnt" out of fold
    x[0], y[0] = np.array([0.99, 0.5, 0.5]), 0.0
    results = cross_validate(x, y, ["logistic", "boosted"], k=4, jobs=2)
    assert set(results) == {"logistic", "boosted"}
    for name, result in results.items():
        assert result.name == name and len(result.fold_models) == 4
        assert result.out_of_fold.shape == (300,) and result.f1 > 0.9
        assert result.out_of_fold[0] > 0.5  # scored by a fold model that never saw row 0
        held = stratified_folds(y, 4)
        for model, rows in zip(result.fold_models, held, strict=True):
            assert np.allclose(model.score_many(x[rows]), result.out_of_fold[rows])
    serial = cross_validate(x, y, ["logistic"], k=4, jobs=1)["logistic"]
    assert np.allclose(serial.out_of_fold, results["logistic"].out_of_fold)
