from __future__ import annotations

import random
from dataclasses import replace

import pytest

from indexer.matching.batch_features import fast_pair_features, text_vectors
from indexer.matching.catalog_index import CatalogEntry, CatalogIndex, blocking_keys
from indexer.matching.features import Profile, make_profile, pair_features
from indexer.matching.synthetic import synthetic_catalog, synthetic_offers
from indexer.matching.text_stats import TextStats

SOFTWARE = [
    ("Adobe Photoshop CS3 Mac", "Adobe", 649.0, "upgrade from CS2 model 65015634"),
    ("adobe photoshop cs4 ( win )", None, 699.99, ""),
    ("Photoshop CS3 for Mac by Adobe", "adobe systems inc", None, ""),
    ("Microsoft Office 2007 Professional Academic", "Microsoft", 99.0, ""),
    ("microsoft office 2008 mac home & student", None, 129.5, "MSO-2008-HS"),
    ("Sony Bravia KDL-40V4100 40'' LCD HDTV black", "Sony", 1299.0, ""),
    ("Sony KDL40V4100 40 inch", None, 1249.0, ""),
    ("hoyle classic 2006 win 98 me 2000 xp", None, None, ""),
    ("x", None, 1.0, ""),
    ("", None, None, ""),
]


def _assert_same(a: Profile, b: Profile, stats: TextStats) -> None:
    reference = pair_features(a, b, stats)
    fast = fast_pair_features(a, text_vectors(a, stats), b, text_vectors(b, stats))
    assert fast == reference  # equal floats, not merely close


def test_fast_features_equal_the_reference_on_software_titles() -> None:
    profiles = [
        make_profile(title, brand=brand, price=price, extra_text=extra)
        for title, brand, price, extra in SOFTWARE
    ]
    stats = TextStats.fit((t for t, *_ in SOFTWARE * 3), (b for _, b, *_ in SOFTWARE))
    for a in profiles:
        for b in profiles:
            _assert_same(a, b, stats)


@pytest.mark.parametrize("seed", [1, 2])
def test_fast_features_equal_the_reference_on_random_dental_pairs(seed: int) -> None:
    catalog = synthetic_catalog(1500, seed=seed)
    index = CatalogIndex.build(catalog)
    rng = random.Random(seed)
    offers = synthetic_offers(catalog, 150, seed=seed + 10, identifier_share=0.3)
    for item in offers:
        offer = item.offer
        price = float(offer.price) if offer.price is not None else None
        a = make_profile(offer.name, brand=offer.brand, identifiers=(offer.mpn,), price=price)
        blocked = [pid for pid, _ in index.candidates(blocking_keys(offer.name, a.codes), 8)]
        for pid in [*blocked, rng.randint(1, len(catalog))]:
            b = index.profile(pid)
            cached, vb = index.profile_vectors(pid, index.stats)
            assert vb == text_vectors(b, index.stats)
            assert cached == replace(b, grams={})
            va = text_vectors(a, index.stats)
            assert fast_pair_features(a, va, cached, vb) == pair_features(a, b, index.stats)
            _assert_same(a, b, index.stats)
            _assert_same(b, a, index.stats)


def test_cached_vectors_follow_the_catalog_statistics() -> None:
    index = CatalogIndex.build(
        [CatalogEntry(1, "Filtek Supreme XTE A2"), CatalogEntry(2, "Tetric EvoCeram A2")]
    )
    _, before = index.profile_vectors(1, index.stats)
    index.add(CatalogEntry(3, "Filtek Z250 A3"))  # "filtek" becomes more common
    _, after = index.profile_vectors(1, index.stats)
    assert after.idf["filtek"] < before.idf["filtek"]
    assert after == text_vectors(index.profile(1), index.stats)
    other = TextStats.fit(["filtek"] * 10)
    assert index.profile_vectors(1, other)[1] == text_vectors(index.profile(1), other)
