from __future__ import annotations

import pytest

from indexer.matching.catalog_index import CatalogEntry, CatalogIndex, blocking_keys
from indexer.matching.features import make_profile
from indexer.matching.synthetic import synthetic_catalog


@pytest.fixture(scope="module")
def catalog_10k() -> list[CatalogEntry]:
    return synthetic_catalog(10_000, seed=21)


@pytest.fixture(scope="module")
def index_10k(catalog_10k: list[CatalogEntry]) -> CatalogIndex:
    return CatalogIndex.build(catalog_10k)


def _keys(name: str, brand: str | None = None) -> set[str]:
    return blocking_keys(name, make_profile(name).codes, (brand,))


def test_never_more_than_k_candidates(index_10k: CatalogIndex) -> None:
    for k in (1, 5, 10):
        assert len(index_10k.candidates(_keys("komposit A2 implantat 4 mm ml st"), k)) <= k


def test_finds_the_right_product_among_10k(
    catalog_10k: list[CatalogEntry], index_10k: CatalogIndex
) -> None:
    found = 0
    sample = catalog_10k[::500]
    for entry in sample:
        words = entry.name.split()
        noisy = " ".join([*reversed(words)]).lower()  # reordered, lower-cased
        ids = [pid for pid, _ in index_10k.candidates(_keys(noisy, entry.brand), 10)]
        found += entry.product_id in ids
    assert found == len(sample)


def test_model_number_key_blocks_directly(index_10k: CatalogIndex) -> None:
    entry = index_10k.entry(1234)
    assert entry.mpn is not None
    ids = [pid for pid, _ in index_10k.candidates(_keys(f"something {entry.mpn}"), 3)]
    assert ids[0] == 1234


def test_unknown_words_give_no_candidates(index_10k: CatalogIndex) -> None:
    assert index_10k.candidates(_keys("qqqzzz wwwxxx"), 10) == []


def test_add_grows_the_index_and_replaces_an_entry() -> None:
    index = CatalogIndex.build([CatalogEntry(1, "Filtek Supreme komposit A2", mpn="F123A")])
    index.add(CatalogEntry(2, "Tetric EvoCeram komposit A3", mpn="T555B"))
    assert len(index) == 2
    assert index.by_code("T555B") == [2]
    index.add(CatalogEntry(2, "Tetric EvoCeram komposit A3", mpn="T556B"))
    assert index.by_code("T555B") == []
    assert index.by_code("T556B") == [2]
    assert [pid for pid, _ in index.candidates(_keys("tetric evoceram"), 5)] == [2]


def test_frequent_title_words_break_ties_among_a_product_line() -> None:
    """Forty products share the rare line word; the device type words pick the right ten."""
    from indexer.matching import CatalogEntry, CatalogIndex
    from indexer.matching.catalog_index import blocking_keys

    kinds = ["carbide bur", "diamond bur", "face mask", "matrix band"]
    entries = [
        CatalogEntry(product_id=pid, name=f"Acme Rufuzo {kinds[pid % 4]} {pid}", brand="Acme")
        for pid in range(1, 41)
    ]
    # device-type words are frequent across the catalog, too frequent to open as keys
    entries += [
        CatalogEntry(product_id=pid, name=f"Other {kinds[pid % 4]}") for pid in range(41, 5041)
    ]
    index = CatalogIndex.build(entries, max_df_share=0.005)
    found = index.candidates(blocking_keys("Acme Rufuzo carbide bur", (), ("Acme",)), 10)
    assert len(found) == 10
    assert all("carbide bur" in index.entry(pid).name for pid, _ in found)
