"""Search results and the product comparison count a retailer once (issue 13 item 4): one
retailer's several offers of a product take one place, its best, with the others beside it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import Offer, Product, Retailer, RetailerSignals
from ranking.config import RankingConfig
from search.backends.tantivy_backend import TantivyBackend
from search.documents import build_documents
from search.service import SearchRequest, SearchService
from tests.factories import migrated_factory

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture()
def catalog(tmp_path: Path) -> sessionmaker[Session]:
    """Nitrile gloves from two retailers: "good" once, "many" three times."""
    factory = migrated_factory(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    with transaction(factory) as s:
        good = Retailer(slug="good", name="Good Dental AB")
        many = Retailer(slug="many", name="Many Variants AB")
        s.add_all([good, many])
        s.flush()
        s.add(
            RetailerSignals(
                retailer_id=good.id,
                delivery_precision=0.98,
                delivery_count=500,
                review_overall=4.8,
                review_count=300,
            )
        )
        gloves = Product(source="test", source_key="g", name="Nitrilhandskar M", content_hash="g")
        s.add(gloves)
        s.flush()
        rows = [
            (good, "G-1", "120.00", "in_stock"),
            (many, "M-1", "95.00", "in_stock"),
            (many, "M-2", "99.00", "in_stock"),
            (many, "M-3", "90.00", "out_of_stock"),
        ]
        for retailer, sku, price, stock in rows:
            s.add(
                Offer(
                    retailer_id=retailer.id,
                    product_id=gloves.id,
                    sku=sku,
                    raw_name=sku,
                    content_hash=sku,
                    price=Decimal(price),
                    vat_included=True,
                    stock_status=stock,
                    delivery_days=2,
                )
            )
    return factory


@pytest.fixture()
def service(tmp_path: Path, catalog: sessionmaker[Session]) -> Iterator[SearchService]:
    backend = TantivyBackend(tmp_path / "index", heap_size=20_000_000, writer_threads=1)
    with catalog() as session:
        backend.index_documents(build_documents(session))
    yield SearchService(backend, catalog, lambda _name: RankingConfig(), clock=lambda: NOW)
    backend.close()


def test_a_search_hit_counts_each_retailer_once(service: SearchService) -> None:
    (hit,) = service.search(SearchRequest(q="nitrilhandskar")).hits
    assert hit.offers_count == 2  # two retailers, however many offers ("N erbjudanden")
    assert hit.price_range is not None and hit.price_range["min"] == Decimal("90.00")


def test_the_product_comparison_has_one_row_per_retailer(service: SearchService) -> None:
    ranked = service.product_offers(1)
    rows = service.product_retailers(1)
    assert [r.best.offer.retailer.slug for r in rows] == ["good", "many"]
    assert [r.rank for r in rows] == [1, 2]
    many = [r for r in ranked if r.offer.retailer.slug == "many"]
    assert len(many) == 3
    assert rows[1].offers == tuple(many)  # ranked order, all kept
    assert [r.offer.stock_status for r in rows[1].offers][-1] == "out_of_stock"
