"""The tantivy backend: the shared contract plus its on-disk generation handling."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.backends.tantivy_backend import POINTER, TantivyBackend
from search.errors import IndexCorrupted
from search.protocol import BackendQuery, SearchBackend
from tests.unit.search.contract import BackendContract, sample_documents


class TestTantivyBackend(BackendContract):
    def make_backend(self, tmp_path: Path) -> SearchBackend:
        return TantivyBackend(tmp_path / "tantivy", heap_size=20_000_000, writer_threads=1)


def _generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def test_reindex_swaps_generation_and_removes_old(tmp_path: Path) -> None:
    root = tmp_path / "tantivy"
    backend = TantivyBackend(root, heap_size=20_000_000, writer_threads=1)
    backend.index_documents(sample_documents())
    old = backend.generation
    assert (root / POINTER).read_text().strip() == old
    backend.reindex(sample_documents()[:2])
    new = backend.generation
    assert new != old
    assert _generations(root) == [new]
    assert (root / POINTER).read_text().strip() == new
    assert backend.count() == 2


def test_searcher_taken_before_swap_keeps_working(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path / "tantivy", heap_size=20_000_000, writer_threads=1)
    backend.index_documents(sample_documents())
    old_index = backend._live().index  # a reader that is in the middle of a query
    searcher = old_index.searcher()
    backend.reindex(sample_documents()[:1])
    assert searcher.num_docs == 5  # files of the removed generation stay readable
    assert backend.count() == 1


def test_second_instance_follows_the_pointer(tmp_path: Path) -> None:
    root = tmp_path / "tantivy"
    writer = TantivyBackend(root, heap_size=20_000_000, writer_threads=1)
    writer.index_documents(sample_documents())
    reader = TantivyBackend(root)
    assert reader.count() == 5
    writer.reindex(sample_documents()[:2])
    reader._pointer_checked = float("-inf")  # skip the once-a-second throttle
    assert reader.count() == 2
    assert reader.generation == writer.generation


def test_reindex_learns_catalog_words_for_compounds(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path / "tantivy", heap_size=20_000_000, writer_threads=1)
    from search.documents import ProductDocument

    doc = ProductDocument(product_id=9, name="Zirkoniablock Katana", category="Zirkonia")
    backend.index_documents([doc])
    assert backend.analyzer.decompounder.split("katanablock") == ()
    backend.reindex([doc])  # the new generation knows "katana" from the catalog
    assert backend.analyzer.decompounder.split("katanablock") == ("katana", "block")


def test_missing_generation_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "tantivy"
    root.mkdir()
    (root / POINTER).write_text("does-not-exist\n")
    with pytest.raises(IndexCorrupted):
        TantivyBackend(root)


def test_closed_backend_refuses_queries(tmp_path: Path) -> None:
    from search.errors import BackendUnavailable

    backend = TantivyBackend(tmp_path / "tantivy", heap_size=20_000_000, writer_threads=1)
    backend.close()
    with pytest.raises(BackendUnavailable):
        backend.search(BackendQuery())


def test_concurrent_searches_during_reindex(tmp_path: Path) -> None:
    import threading
    import time
    from collections.abc import Iterator

    from search.documents import ProductDocument

    backend = TantivyBackend(tmp_path / "tantivy", heap_size=20_000_000, writer_threads=1)
    backend.index_documents(sample_documents())
    done = threading.Event()
    totals: set[int] = set()
    written: list[int] = []

    def slow_docs() -> Iterator[ProductDocument]:
        for doc in sample_documents()[:2]:
            time.sleep(0.05)
            yield doc

    def rebuild() -> None:
        try:  # an exception here fails the test (pytest reports unhandled thread errors)
            written.append(backend.reindex(slow_docs()))
        finally:
            done.set()

    thread = threading.Thread(target=rebuild)
    thread.start()
    while not done.is_set():
        totals.add(backend.search(BackendQuery(query=backend.analyze_query(""))).total)
    thread.join()
    assert written == [2]
    assert totals <= {5, 2}
    assert 5 in totals
    assert backend.search(BackendQuery(query=backend.analyze_query(""))).total == 2


def test_facet_cache_entries_made_together_expire_at_spread_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Popular queries cached together must not expire together (one burst of recomputes
    would stall the process); each expires after between half and all of the TTL."""
    clock = [1000.0]
    monkeypatch.setattr("search.backends.tantivy_backend.time.monotonic", lambda: clock[0])
    backend = TantivyBackend(
        tmp_path / "tantivy", heap_size=20_000_000, writer_threads=1, facet_cache_seconds=10.0
    )
    backend.index_documents(sample_documents())
    queries = ["handske", "nitril", "latex", "komposit", "sond", "spegel", "borr", "fil"]
    computed: list[str] = []
    real = backend._facets

    def counting(searcher, qb, matching, request):  # type: ignore[no-untyped-def]
        computed.append(request.query.text)
        return real(searcher, qb, matching, request)

    monkeypatch.setattr(backend, "_facets", counting)

    def search_all() -> None:
        for q in queries:
            backend.search(BackendQuery(query=backend.analyze_query(q), limit=5))

    search_all()
    assert len(computed) == len(queries)
    expiries = sorted(expires for expires, _facets in backend._facet_cache.values())
    assert len(expiries) == len(queries) and len(set(expiries)) == len(queries)
    assert expiries[0] >= 1005.0 and expiries[-1] <= 1010.0
    clock[0] = 1004.9  # none expired yet
    search_all()
    assert len(computed) == len(queries)
    clock[0] = (expiries[3] + expiries[4]) / 2  # the first four expired, the others not
    search_all()
    assert len(computed) == len(queries) + 4
    backend.close()


def test_queries_are_analyzed_and_built_once_per_generation(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path / "tantivy", heap_size=20_000_000, writer_threads=1)
    backend.index_documents(sample_documents())
    first = backend.analyze_query("nitrilhandskar")
    assert backend.analyze_query("nitrilhandskar") is first
    hits = backend.search(BackendQuery(query=first, limit=5)).hits
    assert backend.search(BackendQuery(query=first, limit=5)).hits == hits
    assert len(backend._live().built) == 1
    backend.reindex(sample_documents())  # a new generation: its own analyzer and memo
    again = backend.analyze_query("nitrilhandskar")
    assert again is not first and again == first
    assert backend.search(BackendQuery(query=again, limit=5)).hits == hits
    backend.close()


def test_reindex_drops_a_generation_a_killed_rebuild_left(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path)
    backend.index_documents(sample_documents())
    abandoned = tmp_path / "20260101T000000-deadbeef"  # a rebuild killed before its swap
    abandoned.mkdir()
    (abandoned / "meta.json").write_text("{}")
    (tmp_path / "notes").mkdir()  # not a generation: left alone
    backend.reindex(sample_documents())
    assert _generations(tmp_path) == sorted([backend.generation, "notes"])
    assert backend.count() == len(sample_documents())
