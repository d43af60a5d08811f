"""The shipped matching model (``indexer/matching/default_model.json``), trained offline.

    python -m bench.matching --train-default [--decisions pairs.txt] [--database-url URL]

Training data, pooled:

* the train + valid pairs of the five public product-matching sets (`matching_suite.DATASETS`;
  their test splits stay for the benchmark);
* the admin match-queue decisions (issue 9): the labelled offer/product pairs of
  ``match_decision``, read from a database (``--database-url``) and/or from the Ditto-format
  export ``GET /api/v1/admin/match-decisions?format=ditto`` (``--decisions``);
* synthetic noisy dental titles against their blocked candidates (`indexer.matching.synthetic`),
  the product's own domain, whose second split calibrates the accept / review thresholds.

The model kind is one of the ``--all`` protocol's candidates (`SHIPPED_KIND` says which and
why). The scorer gets a version (``match-<digest>``) that the ingest records on every offer
its matcher links.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench import matching_suite
from bench.matching import FeatureBuilder, LabelledPair, dental_pairs, load_split, parse_pairs
from bench.matching_suite import DATASETS
from catalog.models import MatchDecision
from indexer.matching.catalog_index import CatalogIndex
from indexer.matching.model import (
    DEFAULT_MODEL_PATH,
    FloatArray,
    PairScorer,
    best_f1_threshold,
    choose_thresholds,
)
from indexer.matching.synthetic import synthetic_catalog
from indexer.matching.text_stats import TextStats
from marketplace.match_review import ditto_line

# The protocol's two candidates are close on the public sets (mean CV F1 0.8451 boosted-d4,
# 0.8495 boosted-d6, `--all` on 2026-12-07); the shipped model must also rank dental shades:
# for "3M ESPE Filtek Supreme XTE Universal A2 4 g" boosted-d6 scores "... komposit A2 4 g"
# 0.29 and "... komposit A3 4 g" 0.26 (a tie the margin rule sends to review, A3 first), while
# boosted-d4 scores them 0.50 and 0.41. The shallower trees are shipped.
SHIPPED_KIND = "boosted-d4"
# accept - review_low at least: trained on five other domains, the model scores a dental title
# with one word the catalogue lacks (the one above) about 0.5, so the review band reaches down
# to 0.3 for such titles to be reviewed rather than dropped (the synthetic calibration split
# alone would give 0.6)
REVIEW_BAND = 0.4
MIN_OWN_STATS = 500  # fewer distinct decision records than this: IDFs of the dental catalogue


def decision_pairs(session: Session, chunk: int = 1000) -> list[LabelledPair]:
    """Every admin match decision as a labelled pair, oldest first (read a chunk at a time)."""
    pairs: list[LabelledPair] = []
    last = 0
    while True:
        rows = list(
            session.scalars(
                select(MatchDecision)
                .where(MatchDecision.id > last)
                .order_by(MatchDecision.id)
                .limit(chunk)
            )
        )
        if not rows:
            return pairs
        pairs.extend(parse_pairs(ditto_line(d) + "\n" for d in rows))
        last = rows[-1].id


@dataclass(frozen=True, slots=True)
class TrainingReport:
    scorer: PairScorer
    rows: dict[str, int]  # source -> labelled pairs used
    dental_f1: float  # F1 at the best cut on the synthetic dental calibration split


def _features(
    pairs: Sequence[LabelledPair], stats: TextStats | None
) -> tuple[FloatArray, FloatArray]:
    builder = FeatureBuilder(list(pairs))
    if stats is not None:
        builder.stats = stats
    return builder.matrix(list(pairs))


def train_shipped(
    root: Path,
    decisions: Iterable[LabelledPair] = (),
    *,
    datasets: Sequence[str] = DATASETS,
    kind: str = SHIPPED_KIND,
    dental_offers: tuple[int, int] = (4000, 2000),
    catalog_size: int = 20_000,
) -> TrainingReport:
    """Fit the shipped scorer (see the module docstring); nothing is written."""
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    rows: dict[str, int] = {}
    for name in datasets:
        seen = load_split(root / name / "train.txt") + load_split(root / name / "valid.txt")
        x, y = _features(seen, None)
        xs.append(x)
        ys.append(y)
        rows[name] = y.size
    index = CatalogIndex.build(synthetic_catalog(catalog_size, seed=3))
    decided = list(decisions)
    if decided:
        records = {tuple(sorted(r.items())) for p in decided for r in (p.left, p.right)}
        # the Matcher also falls back on the dental statistics for a small catalogue
        x, y = _features(decided, None if len(records) >= MIN_OWN_STATS else index.stats)
        xs.append(x)
        ys.append(y)
    rows["match-queue decisions"] = len(decided)
    x_dental, y_dental = dental_pairs(index, seed=101, count=dental_offers[0], k=10)
    x_valid, y_valid = dental_pairs(index, seed=202, count=dental_offers[1], k=10)
    xs.append(x_dental)
    ys.append(y_dental)
    rows["synthetic dental"] = y_dental.size
    scorer = matching_suite.PROTOCOL[kind](np.vstack(xs), np.concatenate(ys))
    valid_scores = scorer.score_many(x_valid)
    thresholds = choose_thresholds(
        valid_scores, y_valid, precision=0.99, recall=0.97, floor=(0.7, 0.3), min_band=REVIEW_BAND
    )
    _, f1 = best_f1_threshold(valid_scores, y_valid)
    sources = ", ".join(f"{name} {count}" for name, count in rows.items())
    note = (
        f"{kind} trained by `python -m bench.matching --train-default` on labelled pairs "
        f"({sources}); thresholds from synthetic dental titles (best-cut F1 {f1:.4f})"
    )
    shipped = PairScorer(
        kind=scorer.kind,
        bias=scorer.bias,
        weights=scorer.weights,
        mean=scorer.mean,
        scale=scorer.scale,
        trees=scorer.trees,
        learning_rate=scorer.learning_rate,
        thresholds=thresholds,
        note=note,
        text_stats=index.stats,
    ).with_version("match")
    return TrainingReport(shipped, rows, f1)


def write_shipped(report: TrainingReport, path: Path = DEFAULT_MODEL_PATH) -> None:
    path.write_text(report.scorer.to_json() + "\n", encoding="utf-8")
    print(f"wrote {path}: version {report.scorer.version}, {report.scorer.thresholds}")
    print(report.scorer.note)
