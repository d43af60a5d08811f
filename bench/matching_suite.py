"""All five product-matching sets under one protocol: own-split and leave-one-dataset-out F1.

    python -m bench.matching --all [--data ../shared/data/matching]

One protocol for every set, never tuned per set:

1. Features: `indexer.matching.features.pair_features` over every attribute a record
   carries; each set's IDF statistics are fitted on the text of its own train + valid records
   (unlabelled, as the product fits them on a catalogue).
2. Model kind and hyper-parameters: each candidate in `PROTOCOL` is cross-validated (k-fold,
   stratified) on the train + valid pairs of every set; the one with the best *mean* CV F1
   over the sets is used for all of them. Test splits are not read until it is chosen.
3. Own split: that kind refitted on the set's train + valid, thresholded at the F1-best cut
   of its out-of-fold scores, scores the set's test split once.
4. Leave one dataset out: the same kind fitted on the train + valid pairs of the other four
   sets; its threshold is the F1-best cut of leave-one-*training*-set-out scores (for each of
   the four, a model fitted on the other three), so it is chosen as a new retailer would meet
   it; it scores the held-out set's test split once.

Prints one table: per set, the CV F1, the own-split test F1, the leave-one-out test F1, the
target and the published reference F1 where the data README gives one.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.matching.model import FloatArray, PairScorer, best_f1_threshold, fit_boosted

DATASETS = ("abt-buy", "amazon-google", "wdc-cameras", "wdc-watches", "wdc-shoes")
TARGET_F1 = {
    "abt-buy": 0.90,
    "amazon-google": 0.76,
    "wdc-cameras": 0.85,
    "wdc-watches": 0.85,
    "wdc-shoes": 0.85,
}
# test F1 published for Ditto (Li et al., VLDB 2020), as the data README gives them
PUBLISHED_F1 = {"abt-buy": 0.8933, "amazon-google": 0.7558}


def _boosted_d4(x: FloatArray, y: FloatArray) -> PairScorer:
    return fit_boosted(x, y, rounds=200, depth=4, learning_rate=0.1, min_hess=2.0)


def _boosted_d6(x: FloatArray, y: FloatArray) -> PairScorer:
    return fit_boosted(
        x, y, rounds=200, depth=6, learning_rate=0.08, min_hess=5.0, subsample=0.8, colsample=0.8
    )


# the model kinds and hyper-parameters the protocol chooses among (module-level: fitted in
# worker processes)
PROTOCOL: dict[str, Callable[[FloatArray, FloatArray], PairScorer]] = {
    "boosted-d4": _boosted_d4,
    "boosted-d6": _boosted_d6,
}


@dataclass(frozen=True, slots=True)
class SetMatrices:
    """One set's feature rows: train + valid ("seen") and test."""

    name: str
    x_seen: FloatArray
    y_seen: FloatArray
    x_test: FloatArray
    y_test: FloatArray


def featurize(directory: Path) -> SetMatrices:
    """Feature rows of one set (IDFs fitted on its train + valid records)."""
    from bench.matching import FeatureBuilder, load_split

    seen = load_split(directory / "train.txt") + load_split(directory / "valid.txt")
    test = load_split(directory / "test.txt")
    builder = FeatureBuilder(seen)
    x_seen, y_seen = builder.matrix(seen)
    x_test, y_test = builder.matrix(test)
    return SetMatrices(directory.name, x_seen, y_seen, x_test, y_test)


@dataclass(frozen=True, slots=True)
class SetResult:
    name: str
    cv_f1: float
    threshold: float
    f1: float
    loo_threshold: float
    loo_f1: float


@dataclass(frozen=True, slots=True)
class SuiteResult:
    model: str
    cv_means: dict[str, float]  # candidate -> mean CV F1 over the sets
    sets: tuple[SetResult, ...]
    seconds: float


def _fit_and_score(job: tuple[str, FloatArray, FloatArray, FloatArray]) -> FloatArray:
    name, x_fit, y_fit, x_score = job
    return PROTOCOL[name](x_fit, y_fit).score_many(x_score)


def _run(
    jobs: Sequence[tuple[str, FloatArray, FloatArray, FloatArray]], workers: int
) -> list[FloatArray]:
    if workers > 1 and len(jobs) > 1:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=ctx) as pool:
            return list(pool.map(_fit_and_score, jobs))
    return [_fit_and_score(job) for job in jobs]


def f1_at(scores: FloatArray, labels: FloatArray, threshold: float) -> float:
    predicted = scores >= threshold
    tp = float((predicted & (labels == 1)).sum())
    denominator = float(predicted.sum()) + float(labels.sum())
    return 2 * tp / denominator if denominator else 0.0


def run_suite(
    sets: Sequence[SetMatrices],
    *,
    candidates: Sequence[str] | None = None,
    folds: int = 5,
    workers: int | None = None,
) -> SuiteResult:
    """The protocol of the module docstring over `sets` (at least three); `candidates`:
    names in `PROTOCOL` (all of them by default)."""
    from bench.matching import stratified_folds

    candidates = tuple(PROTOCOL) if candidates is None else tuple(candidates)
    if len(sets) < 3:
        raise ValueError("leave-one-dataset-out needs at least three sets")
    started = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    # 1. cross-validation of every candidate on every set's seen pairs
    jobs = []
    layout = []
    for name in candidates:
        for s in sets:
            for held in stratified_folds(s.y_seen, folds):
                fit = np.ones(s.y_seen.size, dtype=bool)
                fit[held] = False
                jobs.append((name, s.x_seen[fit], s.y_seen[fit], s.x_seen[held]))
                layout.append((name, s.name, held))
    scored = _run(jobs, workers)
    oof = {(name, s.name): np.empty(s.y_seen.size) for name in candidates for s in sets}
    for (name, set_name, held), scores in zip(layout, scored, strict=True):
        oof[name, set_name][held] = scores
    cv = {
        key: best_f1_threshold(scores, next(s.y_seen for s in sets if s.name == key[1]))
        for key, scores in oof.items()
    }
    cv_means = {name: float(np.mean([cv[name, s.name][1] for s in sets])) for name in candidates}
    chosen = max(candidates, key=lambda name: cv_means[name])

    # 2. own split refits, the four-set fits and the three-set fits, in one batch
    def pooled(members: Sequence[SetMatrices]) -> tuple[FloatArray, FloatArray]:
        return (
            np.vstack([m.x_seen for m in members]),
            np.concatenate([m.y_seen for m in members]),
        )

    jobs, keys = [], []
    for s in sets:
        jobs.append((chosen, s.x_seen, s.y_seen, s.x_test))
        keys.append(("own", s.name, ""))
    for i, s in enumerate(sets):
        x, y = pooled([m for j, m in enumerate(sets) if j != i])
        jobs.append((chosen, x, y, s.x_test))
        keys.append(("loo", s.name, ""))
    for a, b in itertools.combinations(range(len(sets)), 2):
        # fitted without sets a and b: scores a (for b's held-out threshold) and b (for a's)
        x, y = pooled([m for j, m in enumerate(sets) if j not in (a, b)])
        both = np.vstack([sets[a].x_seen, sets[b].x_seen])
        jobs.append((chosen, x, y, both))
        keys.append(("pair", sets[a].name, sets[b].name))
    scored = _run(jobs, workers)
    by_key = dict(zip(keys, scored, strict=True))
    results = []
    for i, s in enumerate(sets):
        threshold = cv[chosen, s.name][0]
        f1 = f1_at(by_key["own", s.name, ""], s.y_test, threshold)
        # out-of-training-set scores of the four training sets, by models that lacked s too
        held_scores, held_labels = [], []
        for j, other in enumerate(sets):
            if j == i:
                continue
            a, b = min(i, j), max(i, j)
            both = by_key["pair", sets[a].name, sets[b].name]
            first = sets[a].y_seen.size
            held_scores.append(both[:first] if j == a else both[first:])
            held_labels.append(other.y_seen)
        loo_threshold, _ = best_f1_threshold(
            np.concatenate(held_scores), np.concatenate(held_labels)
        )
        loo_f1 = f1_at(by_key["loo", s.name, ""], s.y_test, loo_threshold)
        results.append(
            SetResult(s.name, cv[chosen, s.name][1], threshold, f1, loo_threshold, loo_f1)
        )
    return SuiteResult(chosen, cv_means, tuple(results), time.perf_counter() - started)


def load_sets(
    root: Path, names: Sequence[str] = DATASETS, workers: int | None = None
) -> list[SetMatrices]:
    """Feature rows of the named sets under `root`, one worker process per set."""
    missing = [n for n in names if not (root / n / "test.txt").is_file()]
    if missing:
        raise FileNotFoundError(f"{root}: no train/valid/test.txt for {', '.join(missing)}")
    workers = min(workers or os.cpu_count() or 1, len(names))
    dirs = [root / n for n in names]
    if workers > 1:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            return list(pool.map(featurize, dirs))
    return [featurize(d) for d in dirs]


def _cell(value: float | None, width: int) -> str:
    return f"{value:{width}.4f}" if value is not None else f"{'-':>{width}s}"


def format_table(result: SuiteResult) -> str:
    """The one summary table (F1 on each test split; miss: how far own F1 is under target)."""
    lines = [
        f"protocol: {result.model} (mean CV F1 over the sets: "
        + ", ".join(f"{k} {v:.4f}" for k, v in result.cv_means.items())
        + f"); {result.seconds:.0f} s",
        f"{'dataset':15s} {'CV F1':>7s} {'own F1':>7s} {'target':>7s} {'miss':>7s} "
        f"{'LOO F1':>7s} {'published':>9s}",
    ]
    for s in result.sets:
        target = TARGET_F1.get(s.name)
        miss = max(0.0, target - s.f1) if target is not None else None
        lines.append(
            f"{s.name:15s} {s.cv_f1:7.4f} {s.f1:7.4f} {_cell(target, 7)} {_cell(miss, 7)} "
            f"{s.loo_f1:7.4f} {_cell(PUBLISHED_F1.get(s.name), 9)}"
        )
    lines.append(
        "own F1: trained on the set's train + valid; LOO F1: trained on the other sets only; "
        "published: Ditto (Li et al., VLDB 2020), from the data README"
    )
    return "\n".join(lines)
