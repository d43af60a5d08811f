from __future__ import annotations

import numpy as np
import pytest

from indexer.matching.catalog_index import CatalogEntry, CatalogIndex
from indexer.matching.features import FEATURE_NAMES, make_profile, pair_features
from indexer.matching.model import PairScorer, choose_thresholds, fit_logistic
from indexer.matching.text_stats import TextStats, char_grams

TITLES = [
    "adobe photoshop cs3 mac",
    "adobe photoshop cs4 windows",
    "adobe illustrator cs3 upgrade",
    "microsoft office 2007 professional",
    "microsoft office 2008 mac home",
]


def _features(a: str, b: str, stats: TextStats) -> dict[str, float]:
    values = pair_features(make_profile(a), make_profile(b), stats)
    return dict(zip(FEATURE_NAMES, values, strict=True))


def test_text_stats_counts_documents_and_round_trips() -> None:
    stats = TextStats.fit(TITLES, ["Adobe Systems Inc", "microsoft"])
    assert len(stats) == 5
    assert stats.token_idf("adobe") < stats.token_idf("illustrator") < stats.token_idf("unseen")
    assert stats.gram_idf(" ad") < stats.gram_idf("zzz")
    assert stats.brand_in_title("Adobe Flash CS3") == "ADOBE"  # first word of "Adobe Systems"
    copy = TextStats.from_doc(stats.to_doc())
    assert copy.token_idf("illustrator") == stats.token_idf("illustrator")
    assert copy.gram_idf("ill") == stats.gram_idf("ill")
    stats.add("adobe photoshop cs3 mac", sign=-1)
    assert len(stats) == 4


def test_char_grams_pad_the_title() -> None:
    assert char_grams("ab") == [" ab", "ab ", " ab "]


def test_version_edition_and_platform_conflicts() -> None:
    stats = TextStats.fit(TITLES)
    f = _features("adobe photoshop cs3 mac", "adobe photoshop cs4 ( win )", stats)
    assert f["alnum_version_conflict"] == 1.0
    assert f["version_conflict"] == 1.0
    assert f["platform_conflict"] == 1.0
    f = _features("microsoft office 2007 professional", "microsoft office 2008 home", stats)
    assert f["year_conflict"] == 1.0 and f["edition_conflict"] == 1.0
    f = _features("adobe illustrator cs3 upgrade", "adobe illustrator cs3 academic", stats)
    assert f["upgrade_mismatch"] == 1.0 and f["academic_mismatch"] == 1.0
    # numbers after an OS name are requirements, not versions
    f = _features("hoyle classic 2006", "hoyle classic 2006 win 98 me 2000 xp", stats)
    assert f["version_share"] == 1.0 and f["version_conflict"] == 0.0


def test_similarities_prefer_the_same_product() -> None:
    stats = TextStats.fit(TITLES)
    same = _features("adobe photoshop cs3 mac", "photoshop cs3 for mac by adobe", stats)
    other = _features("adobe photoshop cs3 mac", "adobe illustrator cs3 upgrade", stats)
    for name in ("tfidf_cosine", "char_tfidf_cosine", "soft_tfidf", "core_cosine"):
        assert same[name] > other[name], name
        assert 0.0 <= other[name] <= same[name] <= 1.0 + 1e-9
    assert _features("a b", "a b", stats)["tfidf_cosine"] == pytest.approx(1.0)


def test_catalog_index_keeps_stats_in_step_with_its_entries() -> None:
    index = CatalogIndex.build(
        CatalogEntry(i, title, brand=title.split()[0]) for i, title in enumerate(TITLES, 1)
    )
    assert len(index.stats) == 5
    before = index.stats.token_idf("illustrator")
    index.add(CatalogEntry(3, "adobe flash cs3", brand="adobe"))  # replaces entry 3
    assert len(index.stats) == 5
    assert index.stats.token_idf("illustrator") > before  # no longer counted


def test_scorer_json_carries_its_text_stats() -> None:
    stats = TextStats.fit(TITLES * 5)
    rows = [pair_features(make_profile(a), make_profile(b), stats) for a in TITLES for b in TITLES]
    labels = [float(a == b) for a in TITLES for b in TITLES]
    scorer = fit_logistic(np.asarray(rows), np.asarray(labels)).with_text_stats(stats)
    loaded = PairScorer.from_json(scorer.to_json())
    assert loaded.text_stats is not None
    assert loaded.text_stats.token_idf("adobe") == stats.token_idf("adobe")
    assert loaded.score(rows[0]) == pytest.approx(scorer.score(rows[0]))


def test_thresholds_keep_a_review_band_on_a_separable_split() -> None:
    scores = np.asarray([0.99, 0.98, 0.97, 0.95, 0.2, 0.1, 0.05])
    labels = np.asarray([1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    thresholds = choose_thresholds(scores, labels, precision=0.99, recall=0.97, min_band=0.1)
    assert thresholds.accept == pytest.approx(0.95)
    assert thresholds.review_low == pytest.approx(0.85)  # recall alone would give 0.95
