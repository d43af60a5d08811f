"""The shared HNSW index: versions published by a writer, followed by other processes."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from search.errors import SemanticIndexError
from search.semantic.ann import POINTER, AnnIndex, ann_available
from search.semantic.index import SemanticIndex
from search.semantic.texts import content_key, embedding_text
from search.semantic.vector_cache import EmbeddingCache
from tests.conftest import IN_CI
from tests.unit.search.test_search_semantic import CATALOG, HashingEmbedder, doc

if not ann_available():  # skipped locally without the extra; CI installs it (CI=true fails)
    message = "usearch (extra semantic) is not installed: pip install 'valbar[semantic]'"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: the semantic extra is required)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def open_index(root: Path) -> SemanticIndex:
    embedder = HashingEmbedder()
    cache = EmbeddingCache(root, embedder.model_id, embedder.dim)
    return SemanticIndex(embedder, cache, batch_size=2, check_seconds=0.0)


def _write_in_another_process(root: str, names: list[str]) -> None:
    """The writer: a separate interpreter adds products and publishes a new graph."""
    index = open_index(Path(root))
    index.update([doc(100 + i, name) for i, name in enumerate(names)])


def _nearest_ids(index: SemanticIndex, text: str, k: int = 3) -> list[int]:
    return [pid for pid, _ in index.nearest(index.embed_query(text), k)]


def test_a_build_publishes_a_graph_that_answers_nearest(tmp_path: Path) -> None:
    index = open_index(tmp_path)
    index.rebuild(CATALOG)
    assert index.ann.version == 1 and len(index.ann) == 5
    pointer = (tmp_path / "fake-1" / POINTER).read_text()
    assert '"version": 1' in pointer
    query = index.embed_query(embedding_text(CATALOG[2]))
    approximate = index.nearest(query, 3)  # the graph
    exact = index.nearest(query, 3, allowed_ids=range(1, 6))  # dot products
    assert [pid for pid, _ in approximate] == [pid for pid, _ in exact]
    assert approximate[0] == (3, pytest.approx(1.0, abs=2e-3))
    assert index.rebuild(CATALOG).products == 5
    assert index.ann.version == 1  # nothing changed: no new version


def test_another_process_sees_the_new_version(tmp_path: Path) -> None:
    reader = open_index(tmp_path)
    reader.rebuild(CATALOG)
    assert 100 not in _nearest_ids(reader, "Panoramic x-ray unit", 5)
    context = multiprocessing.get_context("spawn")
    child = context.Process(
        target=_write_in_another_process, args=(str(tmp_path), ["Panoramic x-ray unit"])
    )
    child.start()
    child.join(120)
    assert child.exitcode == 0
    assert reader.refresh_if_due()  # check_seconds=0: the pointer changed
    assert reader.ann.version == 2 and len(reader.ann) == 6
    assert _nearest_ids(reader, "Panoramic x-ray unit")[0] == 100


def test_a_reopened_graph_follows_a_new_version(tmp_path: Path) -> None:
    writer = open_index(tmp_path)
    writer.rebuild(CATALOG)
    reader = AnnIndex(tmp_path / "fake-1", writer.embedder.dim, check_seconds=3600.0)
    assert reader.version == 1
    writer.update([doc(7, "Panoramic x-ray unit")])
    assert not reader.refresh()  # not due yet: at most one check per check_seconds
    assert reader.refresh(force=True) and reader.version == 2
    vector = writer.embed_query("Panoramic x-ray unit")
    assert reader.search(vector, 1)[0][0] == 7


def test_changed_and_removed_products_are_replaced_in_the_graph(tmp_path: Path) -> None:
    index = open_index(tmp_path)
    index.rebuild(CATALOG)
    index.update([doc(3, "Panoramic x-ray unit")])  # product 3 is no longer a bur
    assert _nearest_ids(index, "Panoramic x-ray unit")[0] == 3
    assert 3 not in _nearest_ids(index, "Diamond bur round Dental bur diamond", 2)
    index.remove([3])
    assert 3 not in _nearest_ids(index, "Panoramic x-ray unit", 5)
    assert len(index.ann) == 4
    names = sorted(p.name for p in (tmp_path / "fake-1").glob("ann-*"))
    assert names == [  # the last two versions are kept, older ones deleted
        "ann-00000002.npz",
        "ann-00000002.usearch",
        "ann-00000003.npz",
        "ann-00000003.usearch",
    ]


def test_a_large_change_rebuilds_and_small_ones_update(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    ann = AnnIndex(tmp_path, embedder.dim)
    texts = [f"product number {i} alpha beta" for i in range(40)]
    vectors = {content_key(t): embedder.embed([t])[0] for t in texts}

    def lookup(keys: object) -> np.ndarray:
        return np.stack([vectors[k] for k in keys])  # type: ignore[attr-defined]

    products = {i: content_key(t) for i, t in enumerate(texts)}
    assert ann.publish(products, lookup) == 1
    del products[0]  # one of 40 changes: updated in place
    assert ann.publish(products, lookup) == 2 and len(ann) == 39
    half = dict(list(products.items())[:10])  # most change: built afresh
    assert ann.publish(half, lookup) == 3 and len(ann) == 10


def test_a_broken_pointer_is_named(tmp_path: Path) -> None:
    (tmp_path / POINTER).write_text("{not json", encoding="utf-8")
    with pytest.raises(SemanticIndexError, match=r"ann\.json"):
        AnnIndex(tmp_path, 8)


def test_query_vectors_are_cached_per_process(tmp_path: Path) -> None:
    index = open_index(tmp_path)
    index.rebuild(CATALOG)
    embedder = index.embedder
    assert isinstance(embedder, HashingEmbedder)
    before = len(embedder.calls)
    first = index.embed_query("diamond bur")
    again = index.embed_query("diamond bur")
    assert again is first and len(embedder.calls) == before + 1
    index.query_cache_size = 1
    index.embed_query("glove")  # evicts "diamond bur"
    index.embed_query("diamond bur")
    assert len(embedder.calls) == before + 3
    index.forget_queries()
    index.embed_query("glove")
    assert len(embedder.calls) == before + 4


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    index = open_index(tmp_path)
    index.rebuild(CATALOG)
    index.update([doc(9, "Cotton roll")])
    leftovers = [name for name in os.listdir(tmp_path / "fake-1") if name.endswith(".tmp")]
    assert leftovers == []
