"""`pair_features` for one offer against its candidates, with one-sided work done once per side.

`features.pair_features` is the reference: readable, one pair at a time, and what the benchmark
trains on. Most of its cost depends on one side only - the IDF of each word, the token, core and
character n-gram TF-IDF vectors and their norms - so `text_vectors` computes those once per
profile (the `CatalogIndex` keeps them per product, the `Matcher` once per offer) and
`fast_pair_features` combines two of them. The Jaro-Winkler similarities behind soft TF-IDF and
Monge-Elkan come from one `rapidfuzz.process.cdist` matrix per pair instead of a Python double
loop. Sums run over the same terms in the same order as the reference (sums over sets use the
exact `math.fsum`, so neither side depends on the hash seed), so the vectors are equal
(tests/unit/indexer/test_matching_batch_features.py compares them on random pairs).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from indexer.matching.features import (
    Profile,
    _bigram_share,
    _code_agreement,
    _core_overlap,
    _keyword_conflicts,
    _rarity,
    _token_weights,
    _version_agreement,
    core_tokens,
    identity_features,
    idf_overlap,
    pair_attributes,
    seats_conflict,
    shape_features,
    size_features,
)
from indexer.matching.text_stats import TextStats

SOFT_TFIDF_THRESHOLD = 0.9  # as in features._soft_tfidf


@dataclass(frozen=True, slots=True)
class TextVectors:
    """What the text features need from one side, given fitted `TextStats`."""

    words: tuple[str, ...]  # tuple(profile.token_set): the Monge-Elkan order
    idf: dict[str, float]  # IDF per distinct word, in `words` order
    idf_sum: float
    token_w: dict[str, float]  # token TF-IDF vector (first-appearance order)
    token_norm: float
    token_values: tuple[float, ...]  # token_w.values()
    gram_w: dict[str, float]  # character n-gram TF-IDF vector
    gram_norm: float
    core_w: dict[str, float]  # token TF-IDF vector without brand words
    core_norm: float
    core: tuple[str, ...]  # title tokens without brand words, in order
    # position in `words` of each key of `token_w` (derived from the two, so not compared)
    token_rows: npt.NDArray[np.intp] = field(compare=False)


def _norm(weights: dict[str, float]) -> float:
    values = weights.values()  # the reference's sum of squares, in its order, without a genexpr
    return math.sqrt(sum(map(operator.mul, values, values)))


def text_vectors(profile: Profile, stats: TextStats) -> TextVectors:
    """Digest one profile's text for `fast_pair_features` (IDFs read from `stats` once)."""
    words = tuple(profile.token_set)
    idf = {t: stats.token_idf(t) for t in words}
    token_w = _token_weights(profile.tokens, stats)
    position = {t: i for i, t in enumerate(words)}
    core = core_tokens(profile, stats)
    core_w = _token_weights(core, stats)
    gram_w = stats.gram_weights(profile.grams)
    return TextVectors(
        words=words,
        idf=idf,
        idf_sum=math.fsum(idf.values()),
        token_w=token_w,
        token_norm=_norm(token_w),
        token_rows=np.fromiter((position[t] for t in token_w), dtype=np.intp, count=len(token_w)),
        token_values=tuple(token_w.values()),
        gram_w=gram_w,
        gram_norm=_norm(gram_w),
        core_w=core_w,
        core_norm=_norm(core_w),
        core=core,
    )


def _cosine(a: dict[str, float], norm_a: float, b: dict[str, float], norm_b: float) -> float:
    """features._cosine with the norms given; absent keys add exact zeros, so they are skipped."""
    if not norm_a or not norm_b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[k] for k, v in a.items() if k in b) / (norm_a * norm_b)


def _jaro_winkler(va: TextVectors, vb: TextVectors) -> tuple[float, float, float]:
    """Soft TF-IDF and Monge-Elkan (a->b, b->a) from one Jaro-Winkler matrix."""
    if not va.words or not vb.words:
        return 0.0, 0.0, 0.0
    sims = process.cdist(va.words, vb.words, scorer=JaroWinkler.similarity, dtype=np.float64)
    me_ab = math.fsum(sims.max(axis=1).tolist()) / len(va.words)
    me_ba = math.fsum(sims.max(axis=0).tolist()) / len(vb.words)
    if not va.token_norm or not vb.token_norm:
        return 0.0, me_ab, me_ba
    # soft TF-IDF: rows and columns in token-vector order; identical words score 1.0 either way
    soft = sims[va.token_rows][:, vb.token_rows]
    best_col = soft.argmax(axis=1)
    best = soft[np.arange(best_col.size), best_col]
    total = 0.0
    weights_b = vb.token_values
    for weight_a, col, sim in zip(va.token_values, best_col.tolist(), best.tolist(), strict=True):
        if sim >= SOFT_TFIDF_THRESHOLD:
            total += weight_a * weights_b[col] * sim
    return min(total / (va.token_norm * vb.token_norm), 1.0), me_ab, me_ba


def code_conflict(a: Profile, b: Profile) -> bool:
    """Both sides carry model numbers and none agrees (the Matcher never links such a pair)."""
    return _code_agreement(a, b)[2] == 1.0


def fast_pair_features(a: Profile, va: TextVectors, b: Profile, vb: TextVectors) -> list[float]:
    """`features.pair_features(a, b, stats)` where va / vb = `text_vectors(., stats)`."""
    idf_a = va.idf
    w_shared = math.fsum(idf_a[t] for t in a.token_set & b.token_set)
    w_a, w_b = va.idf_sum, vb.idf_sum
    left = max((idf_a[t] for t in a.token_set - b.token_set), default=0.0)
    right = max((vb.idf[t] for t in b.token_set - a.token_set), default=0.0)
    soft, me_ab, me_ba = _jaro_winkler(va, vb)
    return [
        *identity_features(a, b),
        *idf_overlap(w_shared, w_a, w_b),
        *shape_features(a, b),
        _cosine(va.token_w, va.token_norm, vb.token_w, vb.token_norm),
        _cosine(va.gram_w, va.gram_norm, vb.gram_w, vb.gram_norm),
        soft,
        min(me_ab, me_ba),
        max(me_ab, me_ba),
        *_version_agreement(a, b),
        *_keyword_conflicts(a, b),
        max(left, right),
        min(left, right),
        *size_features(a, b),
        _cosine(va.core_w, va.core_norm, vb.core_w, vb.core_norm),
        w_shared / max(w_a, w_b) if max(w_a, w_b) > 0 else 0.0,
        *_rarity(a, b, idf_a.__getitem__, vb.idf.__getitem__),
        _bigram_share(a, b),
        *_core_overlap(va.core, vb.core),
        seats_conflict(a, b),
        *pair_attributes(a, b),
    ]
