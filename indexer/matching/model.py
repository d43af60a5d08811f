"""The pairwise scorer: a small model over `features.pair_features`, with calibrated thresholds.

Two model kinds, both plain numpy and both serialized as a small JSON document:

* ``logistic`` - L2-regularized logistic regression on standardized features (Newton steps);
* ``boosted`` - gradient-boosted depth-limited regression trees on the logistic loss.

`fit_scorer` trains one on labelled pairs; `choose_thresholds` calibrates the accept / review
thresholds on a held-out split. `default_model()` loads the shipped dental weights from
``default_model.json`` beside this module (trained by ``python -m bench.matching train-default``).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from indexer.errors import IndexerError
from indexer.matching.features import FEATURE_NAMES
from indexer.matching.text_stats import TextStats

FloatArray = npt.NDArray[np.float64]
DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json")


class ModelFormatError(IndexerError):
    """A scorer JSON document that does not fit the feature set or is malformed."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """accept: link automatically; review_low: send to review; margin: top-two ambiguity gap.

    Scores in [review_low, accept) go to the review queue with no link."""

    accept: float
    review_low: float
    margin: float = 0.05


@dataclass(frozen=True, slots=True)
class Tree:
    """A regression tree in arrays: node i splits on feature[i] <= threshold[i]; leaf if -1."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def predict_one(self, x: list[float]) -> float:
        node = 0
        while self.feature[node] >= 0:
            node = (
                self.left[node]
                if x[self.feature[node]] <= self.threshold[node]
                else self.right[node]
            )
        return self.value[node]


@dataclass(frozen=True, slots=True)
class PairScorer:
    """Maps a feature vector to a match probability in 0..1."""

    kind: Literal["logistic", "boosted"]
    bias: float
    weights: tuple[float, ...] = ()
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    trees: tuple[Tree, ...] = ()
    learning_rate: float = 0.1
    thresholds: Thresholds = field(default_factory=lambda: Thresholds(0.85, 0.5))
    feature_names: tuple[str, ...] = FEATURE_NAMES
    note: str = ""
    # names the trained model: recorded on every offer its matcher links (``with_version``)
    version: str = ""
    # IDF statistics the scorer was trained with; a fallback for catalogs too small to fit their own
    text_stats: TextStats | None = field(default=None, compare=False)

    def margin(self, x: list[float]) -> float:
        """The raw log-odds for one vector."""
        if self.kind == "logistic":
            z = self.bias
            for xi, w, m, s in zip(x, self.weights, self.mean, self.scale, strict=True):
                z += w * (xi - m) / s
            return z
        return self.bias + self.learning_rate * sum(t.predict_one(x) for t in self.trees)

    def score(self, x: list[float]) -> float:
        z = self.margin(x)
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        ez = math.exp(z)
        return ez / (1.0 + ez)

    def score_many(self, xs: FloatArray) -> FloatArray:
        """Probabilities for a matrix of feature rows (vectorized)."""
        if self.kind == "logistic":
            z = self.bias + ((xs - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(
                self.weights
            )
        else:
            z = np.full(xs.shape[0], self.bias)
            for tree in self.trees:
                z += self.learning_rate * _predict_tree(tree, xs)
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def with_thresholds(self, thresholds: Thresholds) -> PairScorer:
        return replace(self, thresholds=thresholds)

    def with_text_stats(self, stats: TextStats | None) -> PairScorer:
        return replace(self, text_stats=stats)

    def with_version(self, prefix: str) -> PairScorer:
        """`prefix` and a digest of the scorer's document (its weights, thresholds, features
        and statistics): two different models never share a version."""
        body = replace(self, version="").to_json()
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
        return replace(self, version=f"{prefix}-{digest}")

    def to_json(self) -> str:
        doc: dict[str, object] = {
            "kind": self.kind,
            "feature_names": list(self.feature_names),
            "bias": self.bias,
            "thresholds": {
                "accept": self.thresholds.accept,
                "review_low": self.thresholds.review_low,
                "margin": self.thresholds.margin,
            },
            "note": self.note,
            "version": self.version,
        }
        if self.kind == "logistic":
            doc.update(weights=list(self.weights), mean=list(self.mean), scale=list(self.scale))
        else:
            doc["learning_rate"] = self.learning_rate
            doc["trees"] = [
                [list(t.feature), list(t.threshold), list(t.left), list(t.right), list(t.value)]
                for t in self.trees
            ]
        if self.text_stats is not None:
            doc["text_stats"] = self.text_stats.to_doc(min_df=5)
        return json.dumps(doc, indent=1)

    @classmethod
    def from_json(cls, text: str) -> PairScorer:
        try:
            doc = json.loads(text)
            names = tuple(doc["feature_names"])
            if names != FEATURE_NAMES:
                raise ModelFormatError(f"model features {names} differ from {FEATURE_NAMES}")
            stats = TextStats.from_doc(doc["text_stats"]) if "text_stats" in doc else None
            th = doc["thresholds"]
            thresholds = Thresholds(
                float(th["accept"]), float(th["review_low"]), float(th["margin"])
            )
            if doc["kind"] == "logistic":
                return cls(
                    kind="logistic",
                    bias=float(doc["bias"]),
                    weights=tuple(float(v) for v in doc["weights"]),
                    mean=tuple(float(v) for v in doc["mean"]),
                    scale=tuple(float(v) for v in doc["scale"]),
                    thresholds=thresholds,
                    note=str(doc.get("note", "")),
                    version=str(doc.get("version", "")),
                    text_stats=stats,
                )
            if doc["kind"] == "boosted":
                trees = tuple(
                    Tree(
                        tuple(int(v) for v in f),
                        tuple(float(v) for v in t),
                        tuple(int(v) for v in lo),
                        tuple(int(v) for v in hi),
                        tuple(float(v) for v in val),
                    )
                    for f, t, lo, hi, val in doc["trees"]
                )
                return cls(
                    kind="boosted",
                    bias=float(doc["bias"]),
                    trees=trees,
                    learning_rate=float(doc["learning_rate"]),
                    thresholds=thresholds,
                    note=str(doc.get("note", "")),
                    version=str(doc.get("version", "")),
                    text_stats=stats,
                )
            raise ModelFormatError(f"unknown model kind {doc['kind']!r}")
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFormatError(f"malformed scorer JSON: {exc}") from exc


@lru_cache(maxsize=1)
def default_model() -> PairScorer:
    """The shipped scorer for dental offers (see the module docstring for how it is trained)."""
    return PairScorer.from_json(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- training


def fit_logistic(x: FloatArray, y: FloatArray, l2: float = 1.0, steps: int = 50) -> PairScorer:
    """L2-regularized logistic regression by Newton's method on standardized features."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    design = np.hstack([np.ones((z.shape[0], 1)), z])
    w = np.zeros(design.shape[1])
    reg = np.full(design.shape[1], l2)
    reg[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        grad = design.T @ (p - y) + reg * w
        hess = (design * (p * (1 - p))[:, None]).T @ design + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return PairScorer(
        kind="logistic",
        bias=float(w[0]),
        weights=tuple(float(v) for v in w[1:]),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
    )


def _predict_tree(tree: Tree, xs: FloatArray) -> FloatArray:
    out = np.empty(xs.shape[0])
    node = np.zeros(xs.shape[0], dtype=np.int64)
    feature = np.asarray(tree.feature)
    threshold = np.asarray(tree.threshold)
    left, right = np.asarray(tree.left), np.asarray(tree.right)
    active = feature[node] >= 0
    while active.any():
        idx = np.nonzero(active)[0]
        f = feature[node[idx]]
        go_left = xs[idx, f] <= threshold[node[idx]]
        node[idx] = np.where(go_left, left[node[idx]], right[node[idx]])
        active = feature[node] >= 0
    out[:] = np.asarray(tree.value)[node]
    return out


def _candidate_splits(x: FloatArray, max_bins: int = 32) -> list[FloatArray]:
    splits = []
    for j in range(x.shape[1]):
        values = np.unique(x[:, j])
        if values.size > max_bins:
            values = np.unique(np.quantile(x[:, j], np.linspace(0, 1, max_bins + 1)))
        splits.append((values[:-1] + values[1:]) / 2.0 if values.size > 1 else values[:0])
    return splits


_BIN_WIDTH = 33  # bins per feature: at most 32 cuts (see `_candidate_splits`), so 33 bins


def _bin_matrix(x: FloatArray, splits: list[FloatArray]) -> npt.NDArray[np.int64]:
    """Per cell, how many of its feature's cuts lie below the value, offset by feature
    (`_BIN_WIDTH` bins per feature).

    ``value <= cuts[k]`` exactly when the bin is at most k, so a tree grown on the bins splits
    as one grown on the values; the feature offset lets one `np.bincount` histogram all."""
    columns = [np.searchsorted(c, x[:, j], side="left") for j, c in enumerate(splits)]
    bins = np.stack(columns, axis=1).astype(np.int64) if columns else np.zeros((x.shape[0], 0))
    return np.asarray(bins + np.arange(x.shape[1]) * _BIN_WIDTH, dtype=np.int64)


def _grow_tree(
    bins: npt.NDArray[np.int64],
    grad: FloatArray,
    hess: FloatArray,
    splits: list[FloatArray],
    allowed: npt.NDArray[np.bool_],
    depth: int,
    l2: float,
    min_hess: float,
) -> Tree:
    """One regression tree on gradient / hessian histograms (`_bin_matrix` rows); a feature
    may split only where ``allowed`` (its real cuts, and column sampling)."""
    feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    n_feat = bins.shape[1]
    size = n_feat * _BIN_WIDTH

    shape = (n_feat, _BIN_WIDTH)

    def histogram(rows: npt.NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
        cells = bins[rows].ravel()
        g_hist = np.bincount(cells, np.repeat(grad[rows], n_feat), size).reshape(shape)
        h_hist = np.bincount(cells, np.repeat(hess[rows], n_feat), size).reshape(shape)
        return g_hist.astype(np.float64), h_hist.astype(np.float64)

    def build(
        rows: npt.NDArray[np.int64], level: int, hist: tuple[FloatArray, FloatArray] | None
    ) -> int:
        """`hist`: the node's gradient / hessian histograms, None at the last level."""
        node = len(feature)
        feature.append(-1)
        threshold.append(0.0)
        left.append(-1)
        right.append(-1)
        g, h = float(grad[rows].sum()), float(hess[rows].sum())
        value.append(-g / (h + l2))
        if hist is None or level >= depth or rows.size < 4:
            return node
        parent = g * g / (h + l2)
        gl, hl = hist[0].cumsum(axis=1), hist[1].cumsum(axis=1)
        gr, hr = g - gl, h - hl
        ok = allowed & (hl >= min_hess) & (hr >= min_hess)
        gain = np.where(ok, gl * gl / (hl + l2) + gr * gr / (hr + l2) - parent, 0.0)
        best = int(np.argmax(gain))
        if gain.flat[best] <= 0.0:
            return node
        j, k = divmod(best, _BIN_WIDTH)
        feature[node], threshold[node] = j, float(splits[j][k])
        go_left = bins[rows, j] - j * _BIN_WIDTH <= k
        rows_left, rows_right = rows[go_left], rows[~go_left]
        hist_left: tuple[FloatArray, FloatArray] | None = None
        hist_right: tuple[FloatArray, FloatArray] | None = None
        if level + 1 < depth:
            # histogram the smaller child; the larger one is the parent's minus it
            if rows_left.size <= rows_right.size:
                hist_left = histogram(rows_left)
                hist_right = (hist[0] - hist_left[0], hist[1] - hist_left[1])
            else:
                hist_right = histogram(rows_right)
                hist_left = (hist[0] - hist_right[0], hist[1] - hist_right[1])
        left[node] = build(rows_left, level + 1, hist_left)
        right[node] = build(rows_right, level + 1, hist_right)
        return node

    everything = np.arange(bins.shape[0])
    build(everything, 0, histogram(everything) if depth > 0 else None)
    return Tree(tuple(feature), tuple(threshold), tuple(left), tuple(right), tuple(value))


def fit_boosted(
    x: FloatArray,
    y: FloatArray,
    rounds: int = 150,
    depth: int = 3,
    learning_rate: float = 0.1,
    l2: float = 1.0,
    min_hess: float = 1.0,
    subsample: float = 1.0,
    colsample: float = 1.0,
    seed: int = 0,
) -> PairScorer:
    """Gradient-boosted regression trees on the logistic loss (second-order, XGBoost-style).

    ``subsample`` / ``colsample`` < 1 grow each tree on a random share of the rows / features
    (stochastic gradient boosting; seeded, so the fit is reproducible)."""
    prior = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    bias = float(np.log(prior / (1 - prior)))
    splits = _candidate_splits(x)
    bins = _bin_matrix(x, splits)
    real_cuts = np.arange(_BIN_WIDTH)[None, :] < np.asarray([c.size for c in splits])[:, None]
    z = np.full(x.shape[0], bias)
    trees: list[Tree] = []
    rng = np.random.default_rng(seed)
    n_rows, n_cols = x.shape
    for _ in range(rounds):
        p = 1.0 / (1.0 + np.exp(-z))
        rows, grad, hess = bins, p - y, p * (1 - p)
        if subsample < 1.0:
            keep = rng.random(n_rows) < subsample
            rows, grad, hess = bins[keep], grad[keep], hess[keep]
        allowed = real_cuts
        if colsample < 1.0:
            cols = rng.permutation(n_cols)[: max(1, round(colsample * n_cols))]
            chosen = np.zeros(n_cols, dtype=bool)
            chosen[cols] = True
            allowed = real_cuts & chosen[:, None]
        tree = _grow_tree(rows, grad, hess, splits, allowed, depth, l2, min_hess)
        trees.append(tree)
        z += learning_rate * _predict_tree(tree, x)
    return PairScorer(kind="boosted", bias=bias, trees=tuple(trees), learning_rate=learning_rate)


def fit_bagged(
    x: FloatArray,
    y: FloatArray,
    bags: int = 5,
    *,
    rounds: int = 300,
    depth: int = 6,
    learning_rate: float = 0.05,
    min_hess: float = 5.0,
    subsample: float = 0.8,
    colsample: float = 0.8,
) -> PairScorer:
    """The average log-odds of `bags` stochastic boosted models (seeds 0..bags-1).

    One boosted scorer: every tree of every bag, at learning_rate / bags (the bias is the same
    prior in each). Averaging smooths the variance a single fit has on noisy labels; scoring
    costs `bags` times the trees of one fit."""
    fits = [
        fit_boosted(
            x,
            y,
            rounds=rounds,
            depth=depth,
            learning_rate=learning_rate,
            min_hess=min_hess,
            subsample=subsample,
            colsample=colsample,
            seed=seed,
        )
        for seed in range(bags)
    ]
    return PairScorer(
        kind="boosted",
        bias=fits[0].bias,
        trees=tuple(tree for fit in fits for tree in fit.trees),
        learning_rate=fits[0].learning_rate / bags,
    )


def best_f1_threshold(scores: FloatArray, labels: FloatArray) -> tuple[float, float]:
    """The threshold maximizing F1 on (scores, labels), and that F1."""
    order = np.argsort(-scores)
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(1 - y)
    positives = max(float(y.sum()), 1.0)
    f1 = 2 * tp / (tp + fp + positives)
    # only cut between distinct scores
    distinct = np.append(s[1:] != s[:-1], True)
    f1 = np.where(distinct, f1, -1.0)
    k = int(np.argmax(f1))
    cut = float((s[k] + s[k + 1]) / 2) if k + 1 < s.size else float(s[k]) - 1e-9
    return cut, float(f1[k])


def choose_thresholds(
    scores: FloatArray,
    labels: FloatArray,
    precision: float = 0.98,
    recall: float = 0.97,
    floor: tuple[float, float] = (0.7, 0.3),
    min_band: float = 0.1,
) -> Thresholds:
    """accept: the lowest cut whose precision stays >= `precision` (never guess);
    review_low: the highest cut that still keeps `recall` of the true matches in review.
    `floor` bounds (accept, review_low) from below: a near-separable calibration split would
    otherwise push both cuts down to its lowest positive score. review_low is kept at least
    `min_band` under accept, so scores just short of a confident match are reviewed rather
    than dropped (a calibration split where recall is reached above accept has no band)."""
    order = np.argsort(-scores)
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    prec = tp / np.arange(1, s.size + 1)
    positives = max(float(y.sum()), 1.0)
    ok = np.nonzero(prec >= precision)[0]
    accept = float(s[ok.max()]) if ok.size else 0.99
    reach = np.nonzero(tp / positives >= recall)[0]
    review_low = float(s[reach.min()]) if reach.size else float(s.min())
    accept = min(max(accept, floor[0]), 0.999)
    review_low = min(max(review_low, floor[1]), accept - min_band)
    return Thresholds(accept=round(accept, 4), review_low=round(review_low, 4), margin=0.05)
