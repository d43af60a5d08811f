"""Matching benchmark on the Ditto pair datasets (Abt-Buy, Amazon-Google).

    python -m bench.matching --dataset ../shared/data/matching/abt-buy
    python -m bench.matching --all               # five sets: own-split and leave-one-out F1
    python -m bench.matching --train-default     # retrain indexer/matching/default_model.json
    python -m bench.matching --speed 200000      # catalogue build + cascade timings at scale

Trains the product's pairwise scorer (`indexer.matching.features` + `indexer.matching.model`)
on train.txt + valid.txt only: 5-fold stratified cross-validation over their pooled pairs picks
the model kind and the F1-maximizing threshold (on the pooled out-of-fold scores, so each pair
is scored by a model that did not see it), and the chosen kind is refitted on all of them.
test.txt is scored once, with that threshold; it prints precision, recall and F1 (last line:
``F1 <value>``). The protocol (CV + refit, rather than fitting on train and picking on valid,
or averaging the fold models) was chosen on train -> valid alone.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from indexer.matching.catalog_index import CatalogIndex, blocking_keys
from indexer.matching.features import Profile, make_profile, pair_features
from indexer.matching.matcher import Matcher
from indexer.matching.model import (
    FloatArray,
    PairScorer,
    best_f1_threshold,
    fit_bagged,
    fit_boosted,
    fit_logistic,
)
from indexer.matching.synthetic import synthetic_catalog, synthetic_offers
from indexer.matching.text_stats import TextStats

IntArray = npt.NDArray[np.int64]
PUBLISHED_F1 = {"abt-buy": 89.33, "amazon-google": 75.58}
_ATTR = re.compile(r"COL (\S+) VAL ?")


class PairFormatError(ValueError):
    """A line that is not `record <TAB> record <TAB> label`."""


@dataclass(frozen=True, slots=True)
class LabelledPair:
    left: dict[str, str]
    right: dict[str, str]
    label: int


def parse_record(text: str) -> dict[str, str]:
    """`COL name VAL x y COL price VAL 9.0` -> {"name": "x y", "price": "9.0"}."""
    parts = _ATTR.split(text)
    if parts[0].strip():
        raise PairFormatError(f"record does not start with COL: {text[:60]!r}")
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def parse_pairs(lines: Iterable[str]) -> list[LabelledPair]:
    pairs = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != 3 or cells[2].strip() not in ("0", "1"):
            raise PairFormatError(f"line {number}: expected 3 tab-separated cells ending in 0/1")
        pairs.append(LabelledPair(parse_record(cells[0]), parse_record(cells[1]), int(cells[2])))
    return pairs


def load_split(path: Path) -> list[LabelledPair]:
    with path.open(encoding="utf-8") as fh:
        return parse_pairs(fh)


def record_profile(record: dict[str, str]) -> Profile:
    """The benchmark record seen the way the Matcher sees an offer or a catalog entry: every
    attribute it carries (title, brand, model number, GTIN, category, description, price)."""
    title = _title(record)
    price_text = record.get("price", "")
    try:
        price: float | None = float(price_text) if price_text else None
    except ValueError:
        price = None
    return make_profile(
        title,
        brand=_brand(record),
        identifiers=tuple(record.get(name) for name in _MODEL_FIELDS if record.get(name)),
        gtin=record.get("gtin") or record.get("ean") or None,
        category=record.get("category", ""),
        extra_text=record.get("description", ""),
        price=price,
    )


_MODEL_FIELDS = ("mpn", "model", "modelno", "part_number")


def _title(record: dict[str, str]) -> str:
    return record.get("name") or record.get("title") or ""


def _brand(record: dict[str, str]) -> str | None:
    return record.get("manufacturer") or record.get("brand") or None


class FeatureBuilder:
    """Profiles memoized per record text; `TextStats` fitted on the distinct records (both
    sides) of the given unlabelled pairs - the training split only."""

    def __init__(self, fit_on: list[LabelledPair]) -> None:
        self._cache: dict[tuple[tuple[str, str], ...], Profile] = {}
        records = {
            tuple(sorted(rec.items())): rec for pair in fit_on for rec in (pair.left, pair.right)
        }
        self.stats = TextStats.fit(
            (_title(rec) for rec in records.values()), (_brand(rec) for rec in records.values())
        )

    def profile(self, record: dict[str, str]) -> Profile:
        key = tuple(sorted(record.items()))
        prof = self._cache.get(key)
        if prof is None:
            prof = self._cache[key] = record_profile(record)
        return prof

    def matrix(self, pairs: list[LabelledPair]) -> tuple[FloatArray, FloatArray]:
        rows = [
            pair_features(self.profile(p.left), self.profile(p.right), self.stats) for p in pairs
        ]
        return np.asarray(rows, dtype=np.float64), np.asarray([p.label for p in pairs], float)


@dataclass(frozen=True, slots=True)
class Evaluation:
    model: str
    threshold: float
    cv_f1: float  # the chosen kind's F1 on pooled out-of-fold scores (train + valid)
    precision: float
    recall: float
    f1: float


def prf(scores: FloatArray, labels: FloatArray, threshold: float) -> tuple[float, float, float]:
    predicted = scores >= threshold
    tp = float((predicted & (labels == 1)).sum())
    precision = tp / max(float(predicted.sum()), 1.0)
    recall = tp / max(float(labels.sum()), 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _fit_boosted_d4(x: FloatArray, y: FloatArray) -> PairScorer:
    return fit_boosted(x, y, rounds=300, depth=4, learning_rate=0.05)


def _fit_boosted_d6(x: FloatArray, y: FloatArray) -> PairScorer:
    # deeper trees with larger leaves: interactions between the rarity features
    return fit_boosted(x, y, rounds=300, depth=6, learning_rate=0.05, min_hess=5.0)


def _fit_bagged_d6(x: FloatArray, y: FloatArray) -> PairScorer:
    # five of those on 80 % of rows / features each, log-odds averaged (noisy labels)
    return fit_bagged(x, y, bags=5)


# the model kinds tried, cheapest first (module-level functions: fitted in worker processes)
CANDIDATES: dict[str, Callable[[FloatArray, FloatArray], PairScorer]] = {
    "logistic": fit_logistic,
    "boosted": fit_boosted,
    "boosted-d4": _fit_boosted_d4,
    "boosted-d6": _fit_boosted_d6,
    "bagged-d6": _fit_bagged_d6,
}


def stratified_folds(labels: FloatArray, k: int, seed: int = 0) -> list[IntArray]:
    """`k` disjoint row-index arrays covering every row, each with about 1/k of each label."""
    rng = np.random.default_rng(seed)
    parts: list[list[IntArray]] = [[] for _ in range(k)]
    for value in (0.0, 1.0):
        rows = rng.permutation(np.nonzero(labels == value)[0])
        for i, chunk in enumerate(np.array_split(rows, k)):
            parts[i].append(chunk)
    return [np.sort(np.concatenate(p)).astype(np.int64) for p in parts]


@dataclass(frozen=True, slots=True)
class CvResult:
    """One model kind under k-fold cross-validation: pooled out-of-fold scores, the F1-best
    threshold on them and its F1, and the k fold models."""

    name: str
    threshold: float
    f1: float
    out_of_fold: FloatArray
    fold_models: tuple[PairScorer, ...]


def _fit_fold(
    job: tuple[str, FloatArray, FloatArray, FloatArray],
) -> tuple[PairScorer, FloatArray]:
    name, x_fit, y_fit, x_held = job
    scorer = CANDIDATES[name](x_fit, y_fit)
    return scorer, scorer.score_many(x_held)


def cross_validate(
    x: FloatArray, y: FloatArray, names: Iterable[str], k: int = 5, jobs: int | None = None
) -> dict[str, CvResult]:
    """Out-of-fold scores of each named model kind on (x, y), folds fitted in parallel."""
    folds = stratified_folds(y, k)
    names = list(names)
    work = []
    for name in names:
        for held in folds:
            fit = np.ones(y.size, dtype=bool)
            fit[held] = False
            work.append((name, x[fit], y[fit], x[held]))
    workers = jobs or os.cpu_count() or 1
    if workers > 1:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            fitted = list(pool.map(_fit_fold, work))
    else:
        fitted = [_fit_fold(job) for job in work]
    results = {}
    for n, name in enumerate(names):
        oof = np.empty(y.size)
        models = []
        for i, held in enumerate(folds):
            scorer, scores = fitted[n * k + i]
            oof[held] = scores
            models.append(scorer)
        threshold, f1 = best_f1_threshold(oof, y)
        results[name] = CvResult(name, threshold, f1, oof, tuple(models))
    return results


def evaluate(
    dataset: Path, folds: int = 5, candidates: Iterable[str] = CANDIDATES, jobs: int | None = None
) -> Evaluation:
    """Select by cross-validation on train + valid, refit on both, score test once."""
    seen = load_split(dataset / "train.txt") + load_split(dataset / "valid.txt")
    test = load_split(dataset / "test.txt")
    builder = FeatureBuilder(seen)
    x_seen, y_seen = builder.matrix(seen)
    results = cross_validate(x_seen, y_seen, candidates, k=folds, jobs=jobs)
    best: CvResult | None = None
    for name, result in results.items():
        print(f"  {folds}-fold CV {name:10s} F1 {result.f1:.4f} at {result.threshold:.3f}")
        if best is None or result.f1 > best.f1:
            best = result
    assert best is not None
    scorer = CANDIDATES[best.name](x_seen, y_seen)
    x_test, y_test = builder.matrix(test)
    precision, recall, f1 = prf(scorer.score_many(x_test), y_test, best.threshold)
    return Evaluation(best.name, best.threshold, best.f1, precision, recall, f1)


def dental_pairs(
    index: CatalogIndex, seed: int, count: int, k: int
) -> tuple[FloatArray, FloatArray]:
    """Feature rows for synthetic title-only offers against their blocked candidates."""
    entries = [index.entry(pid) for pid in range(1, len(index) + 1)]
    offers = synthetic_offers(entries, count, seed=seed, identifier_share=0.0)
    rows, labels = [], []
    for item in offers:
        offer = item.offer
        profile = make_profile(offer.name, brand=offer.brand, price=None)
        for pid, _ in index.candidates(blocking_keys(offer.name, profile.codes, (offer.brand,)), k):
            rows.append(pair_features(profile, index.profile(pid), index.stats))
            labels.append(float(pid == item.product_id))
    return np.asarray(rows, dtype=np.float64), np.asarray(labels)


def speed(size: int) -> None:
    """Build a `size`-product catalogue and match `size` offers (70 % with identifiers)."""
    import resource

    catalog = synthetic_catalog(size, seed=5)
    offers = synthetic_offers(catalog, size, seed=9, identifier_share=0.7)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    index = CatalogIndex.build(catalog)
    built = time.perf_counter() - started
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    print(f"index build: {size} products in {built:.2f} s, max RSS grew {grown / 1e3:.0f} MB")
    matcher = Matcher(index)
    started = time.perf_counter()
    results = matcher.match_many(o.offer for o in offers)
    total = time.perf_counter() - started
    title_only = [
        (o, r) for o, r in zip(offers, results, strict=True) if not (o.offer.gtin or o.offer.mpn)
    ]
    started = time.perf_counter()
    matcher.match_many(o.offer for o, _ in title_only)
    title_time = time.perf_counter() - started
    linked = [(o, r) for o, r in zip(offers, results, strict=True) if r.product_id is not None]
    wrong = sum(1 for o, r in linked if r.product_id != o.product_id)
    t_linked = [(o, r) for o, r in title_only if r.product_id is not None]
    t_wrong = sum(1 for o, r in t_linked if r.product_id != o.product_id)
    t_review = sum(1 for _, r in title_only if r.needs_review)
    print(
        f"match: {size} offers in {total:.2f} s ({total / size * 1e6:.0f} us/offer); "
        f"linked {len(linked)}, wrong {wrong}"
    )
    print(
        f"title-only: {len(title_only)} offers, {title_time / max(len(title_only), 1) * 1e3:.3f}"
        f" ms/offer; linked {len(t_linked)} (wrong {t_wrong}), review {t_review}, "
        f"unmatched {len(title_only) - len(t_linked) - t_review}"
    )
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "matching"


def _decisions(args: argparse.Namespace) -> list[LabelledPair]:
    pairs: list[LabelledPair] = []
    for path in args.decisions or ():
        pairs.extend(load_split(path))
    if args.database_url:
        from sqlalchemy.orm import Session

        from bench.matching_model import decision_pairs
        from catalog.db import make_engine

        engine = make_engine(args.database_url)
        with Session(engine) as session:
            pairs.extend(decision_pairs(session))
        engine.dispose()
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dataset", type=Path, help="dir with train/valid/test.txt")
    parser.add_argument(
        "--all", action="store_true", help="all five sets: own-split and leave-one-out F1"
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="the matching sets' folder (--all)"
    )
    parser.add_argument("--train-default", action="store_true", help="retrain default weights")
    parser.add_argument(
        "--decisions", type=Path, action="append", help="match decisions, Ditto lines (repeatable)"
    )
    parser.add_argument("--database-url", help="read the match decisions from this database")
    parser.add_argument("--speed", type=int, metavar="N", help="time N products / N offers")
    args = parser.parse_args(argv)
    if args.train_default:
        from bench.matching_model import train_shipped, write_shipped

        write_shipped(train_shipped(args.data, _decisions(args)))
        return 0
    if args.speed:
        speed(args.speed)
        return 0
    if args.all:
        from bench.matching_suite import format_table, load_sets, run_suite

        started = time.perf_counter()
        sets = load_sets(args.data)
        print(f"features of {len(sets)} sets in {time.perf_counter() - started:.0f} s")
        print(format_table(run_suite(sets)))
        return 0
    if args.dataset is None:
        parser.error("--dataset, --all, --train-default or --speed is required")
    started = time.perf_counter()
    result = evaluate(args.dataset)
    name = args.dataset.resolve().name
    print(
        f"dataset {name}: model {result.model}, threshold {result.threshold:.3f} (CV F1 "
        f"{result.cv_f1:.4f} on train + valid), {time.perf_counter() - started:.1f} s"
    )
    if name in PUBLISHED_F1:
        print(f"published Ditto F1 {PUBLISHED_F1[name]:.2f} (Li et al., VLDB 2020)")
    print(f"precision {result.precision:.4f}")
    print(f"recall {result.recall:.4f}")
    print(f"F1 {result.f1:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
