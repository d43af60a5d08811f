"""build_documents and SearchService over a small migrated SQLite catalog."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import (
    Manufacturer,
    Offer,
    Product,
    ProductIdentifier,
    Retailer,
    RetailerSignals,
)
from ranking.config import RankingConfig
from ranking.rules import Rule
from search.analysis.analyzer import shipped_synonyms
from search.backends.tantivy_backend import TantivyBackend
from search.documents import build_documents
from search.errors import InvalidSearchRequest
from search.service import SearchRequest, SearchService
from tests.factories import migrated_factory

GTIN = "7350012345679"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _product(session: Session, key: str, name: str, **fields: object) -> Product:
    product = Product(source="test", source_key=key, name=name, content_hash=key, **fields)
    session.add(product)
    session.flush()
    return product


def _offer(
    session: Session, retailer: Retailer, product: Product | None, sku: str, **f: object
) -> None:
    session.add(
        Offer(
            retailer_id=retailer.id,
            product_id=None if product is None else product.id,
            sku=sku,
            raw_name=sku,
            content_hash=sku,
            **f,
        )
    )


@pytest.fixture()
def catalog(tmp_path: Path) -> sessionmaker[Session]:
    factory = migrated_factory(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    with transaction(factory) as s:
        good = Retailer(slug="good", name="Good Dental AB")
        poor = Retailer(slug="poor", name="Poor Supply AB")
        s.add_all([good, poor])
        s.flush()
        s.add(
            RetailerSignals(
                retailer_id=good.id,
                delivery_precision=0.98,
                delivery_count=500,
                stock_accuracy=0.97,
                stock_count=500,
                review_overall=4.8,
                review_count=300,
            )
        )
        s.add(
            RetailerSignals(
                retailer_id=poor.id,
                delivery_precision=0.4,
                delivery_count=500,
                stock_accuracy=0.5,
                stock_count=500,
                review_overall=1.8,
                review_count=300,
            )
        )
        abena = Manufacturer(name="Abena A/S", name_key="ABENA")
        s.add(abena)
        s.flush()
        gloves = _product(
            s,
            "gloves",
            "Nitrilhandskar puderfria M",
            brand="Abena",
            manufacturer_id=abena.id,
            category="Handskar",
            primary_gtin=GTIN,
            specs=[{"name": "Storlek", "value": "M", "unit": None}],
        )
        s.add(ProductIdentifier(product_id=gloves.id, scheme="gs1", value=GTIN, level="primary"))
        s.add(
            ProductIdentifier(
                product_id=gloves.id, scheme="gs1", value="17350012345676", level="package"
            )
        )
        latex = _product(
            s, "latex", "Latexhandskar puderfria M", brand="Abena", category="Handskar"
        )
        composite = _product(
            s,
            "composite",
            "Filtek Supreme composite A2",
            brand="3M",
            category="Komposit",
            mpn="4910A2",
        )
        _product(s, "orphan", "Handskar utan återförsäljare", brand="Noname", category="Handskar")
        _offer(
            s,
            good,
            gloves,
            "G-1",
            price=Decimal("120.00"),
            vat_included=True,
            stock_status="in_stock",
            delivery_days=1,
        )
        _offer(
            s,
            poor,
            gloves,
            "POOR-1001",
            price=Decimal("76.00"),
            vat_included=False,
            stock_status="in_stock",
            delivery_days=6,
        )  # 95.00 incl. VAT
        _offer(
            s,
            poor,
            gloves,
            "P-OLD",
            price=Decimal("10.00"),
            vat_included=True,
            stock_status="in_stock",
            withdrawn_at=NOW,
        )  # withdrawn: ignored
        _offer(
            s,
            good,
            latex,
            "G-2",
            price=Decimal("90.00"),
            vat_included=True,
            stock_status="limited",
            delivery_days=2,
        )
        _offer(
            s,
            good,
            composite,
            "G-3",
            price=Decimal("650.00"),
            vat_included=True,
            stock_status="out_of_stock",
            delivery_days=9,
        )
        _offer(s, poor, None, "P-UNMATCHED", price=Decimal("1.00"), stock_status="in_stock")
    return factory


@pytest.fixture()
def backend(tmp_path: Path, catalog: sessionmaker[Session]) -> Iterator[TantivyBackend]:
    backend = TantivyBackend(tmp_path / "index", heap_size=20_000_000, writer_threads=1)
    with catalog() as session:
        backend.index_documents(build_documents(session, batch_size=2))
    yield backend
    backend.close()


def _service(
    backend: TantivyBackend, catalog: sessionmaker[Session], rules: list[Rule] | None = None
) -> SearchService:
    configs = {"default": RankingConfig(), "merch": RankingConfig(name="merch", rules=rules or [])}
    return SearchService(backend, catalog, configs.__getitem__, clock=lambda: NOW)


def _ids(service: SearchService, **request: object) -> list[int]:
    return [h.product_id for h in service.search(SearchRequest(**request)).hits]  # type: ignore[arg-type]


def test_build_documents_collapses_offers(catalog: sessionmaker[Session]) -> None:
    with catalog() as session:
        docs = {d.name: d for d in build_documents(session, batch_size=2)}
    assert len(docs) == 4  # the unmatched offer made no product
    gloves = docs["Nitrilhandskar puderfria M"]
    assert gloves.offers_count == 2  # the withdrawn offer is excluded
    assert gloves.min_price == Decimal("95.0000")  # VAT-excluded 76.00 * 1.25
    assert gloves.max_price == Decimal("120.00")
    assert gloves.delivery_days == 1
    assert gloves.in_stock
    assert gloves.retailer_slugs == ("good", "poor")
    assert gloves.gtins == (GTIN, "17350012345676")
    assert gloves.manufacturer == "Abena A/S"
    assert "Storlek M" in gloves.specs_text
    assert set(gloves.skus) == {"G-1", "POOR-1001"}
    assert not docs["Handskar utan återförsäljare"].has_offers


def test_build_documents_for_selected_ids(catalog: sessionmaker[Session]) -> None:
    with catalog() as session:
        docs = list(build_documents(session, product_ids=[3, 1, 999]))
    assert [d.product_id for d in docs] == [1, 3]


def test_relevance_search_ranks_and_explains(
    backend: TantivyBackend, catalog: sessionmaker[Session]
) -> None:
    service = _service(backend, catalog)
    response = service.search(SearchRequest(q="handskar"))
    assert response.total == 3
    assert response.took_ms >= 0
    ids = [h.product_id for h in response.hits]
    assert ids[-1] == 4  # no offers: flagged and ranked below purchasable products
    orphan = response.hits[-1]
    assert "no_offers" in orphan.flags
    assert orphan.availability == "no_offers"
    assert orphan.best_offer is None
    gloves = next(h for h in response.hits if h.product_id == 1)
    assert gloves.offers_count == 2
    assert gloves.best_offer is not None
    assert gloves.best_offer["retailer"] == "good"  # better service beats 25 kr
    assert gloves.price_range == {
        "min": Decimal("95.0000"),
        "max": Decimal("120.00"),
        "currency": "SEK",
        "vat_included": True,
    }
    assert gloves.availability == "in_stock"
    factors = {c["factor"] for c in gloves.explanation["contributions"]}
    assert {"text", "price", "delivery_precision"} <= factors
    assert {f["value"]: f["count"] for f in response.facets["brand"]} == {
        "Abena": 2,
        "Noname": 1,
    }


def test_identifier_query_pins_product_first(
    backend: TantivyBackend, catalog: sessionmaker[Session]
) -> None:
    service = _service(backend, catalog)
    for q in (GTIN, "17350012345676", "4910-A2", "poor 1001"):
        hit = service.search(SearchRequest(q=q)).hits[0]
        assert "identifier_match" in hit.flags
    assert _ids(service, q="4910a2") == [3]


def test_typo_and_synonym_queries(backend: TantivyBackend, catalog: sessionmaker[Session]) -> None:
    service = _service(backend, catalog)
    assert _ids(service, q="komposti") == [3]
    assert _ids(service, q="gloves")[:2] and set(_ids(service, q="gloves")) == {1, 2, 4}
    assert _ids(service, q="nitrile gloves") == [1]


def test_browse_filters_and_sorts(backend: TantivyBackend, catalog: sessionmaker[Session]) -> None:
    service = _service(backend, catalog)
    assert sorted(_ids(service)) == [1, 2, 3, 4]
    assert sorted(_ids(service, in_stock=True)) == [1, 2]
    assert _ids(service, retailer="poor") == [1]
    assert sorted(_ids(service, max_price=Decimal("100"))) == [1, 2]
    assert _ids(service, max_delivery_days=1) == [1]
    assert _ids(service, sort="price_asc") == [2, 1, 3, 4]
    assert _ids(service, sort="price_desc")[:3] == [3, 1, 2]
    assert _ids(service, q="handskar", sort="delivery") == [1, 2, 4]


def test_delivery_sort_uses_the_fastest_buyable_offer(
    tmp_path: Path, catalog: sessionmaker[Session]
) -> None:
    """Issue 13 item 6: a same-day promise of an out-of-stock (or undated backorder) offer
    never puts the latex gloves before the nitrile ones (in stock, 1 day)."""
    with transaction(catalog) as s:
        poor = s.query(Retailer).filter_by(slug="poor").one()
        latex = s.query(Product).filter_by(name="Latexhandskar puderfria M").one()
        oos = {"stock_status": "out_of_stock", "delivery_days": 0}
        _offer(s, poor, latex, "P-OOS", price=Decimal("80"), **oos)
    backend = TantivyBackend(tmp_path / "fresh", heap_size=20_000_000, writer_threads=1)
    try:
        with catalog() as session:
            backend.index_documents(build_documents(session))
        service = _service(backend, catalog)
        assert _ids(service, q="handskar", sort="delivery") == [1, 2, 4]
        assert _ids(service, max_delivery_days=0) == []
    finally:
        backend.close()


def test_a_hit_says_the_fastest_buyable_delivery_it_is_sorted_by(
    tmp_path: Path, catalog: sessionmaker[Session]
) -> None:
    """Before, a hit showed only its best offer's delivery, so under "Snabbast leverans" a
    "5 dagar" could stand above "2 dagar" with nothing saying why: the hit now carries the
    fastest buyable offer's days (an out-of-stock offer's promise never counts)."""
    with transaction(catalog) as s:
        poor = s.query(Retailer).filter_by(slug="poor").one()
        latex = s.query(Product).filter_by(name="Latexhandskar puderfria M").one()
        _offer(
            s, poor, latex, "P-FAST", price=Decimal("300"), stock_status="in_stock", delivery_days=1
        )
        _offer(
            s,
            poor,
            latex,
            "P-OOS",
            price=Decimal("80"),
            stock_status="out_of_stock",
            delivery_days=0,
        )
    backend = TantivyBackend(tmp_path / "fresh", heap_size=20_000_000, writer_threads=1)
    try:
        with catalog() as session:
            backend.index_documents(build_documents(session))
        service = _service(backend, catalog)
        hits = {h.name: h for h in service.search(SearchRequest(sort="delivery")).hits}
        latex_hit = hits["Latexhandskar puderfria M"]
        assert latex_hit.fastest_delivery_days == 1
        assert latex_hit.best_offer is not None and latex_hit.best_offer["delivery_days"] == 2
        assert hits["Filtek Supreme composite A2"].fastest_delivery_days is None  # none buyable
    finally:
        backend.close()


def test_pagination(backend: TantivyBackend, catalog: sessionmaker[Session]) -> None:
    service = _service(backend, catalog)
    first = _ids(service, page=1, size=2)
    second = _ids(service, page=2, size=2)
    assert len(first) == len(second) == 2
    assert not set(first) & set(second)
    assert service.search(SearchRequest(page=1, size=2)).total == 4


def test_all_words_else_any_word(backend: TantivyBackend, catalog: sessionmaker[Session]) -> None:
    service = _service(backend, catalog)
    response = service.search(SearchRequest(q="nitrilhandskar filtek"))
    assert response.relaxed
    assert {h.product_id for h in response.hits} == {1, 3}


def test_ranking_rules_pin_and_hide(
    backend: TantivyBackend, catalog: sessionmaker[Session]
) -> None:
    rules = [
        Rule(id="pin-latex", action="pin", match_query="handskar", product_id=2, position=1),
        Rule(id="hide-orphan", action="hide", product_id=4),
    ]
    service = _service(backend, catalog, rules)
    response = service.search(SearchRequest(q="handskar", config_name="merch"))
    assert [h.product_id for h in response.hits] == [2, 1]
    assert "pinned" in response.hits[0].flags
    assert response.total == 2


def test_signal_refresh_changes_best_offer(
    backend: TantivyBackend, catalog: sessionmaker[Session]
) -> None:
    service = _service(backend, catalog)
    best = service.search(SearchRequest(q=GTIN)).hits[0].best_offer
    assert best is not None and best["retailer"] == "good"
    with transaction(catalog) as s:
        for signals in s.query(RetailerSignals):
            good = signals.retailer_id == 1
            signals.delivery_precision = 0.3 if good else 0.99
            signals.stock_accuracy = 0.3 if good else 0.99
            signals.review_overall = 1.5 if good else 4.9
    assert service.refresh_signals() == 2
    best = service.search(SearchRequest(q=GTIN)).hits[0].best_offer
    assert best is not None and best["retailer"] == "poor"  # no reindex needed


def test_repeated_search_reuses_hit_parts_but_hands_out_fresh_dicts(
    backend: TantivyBackend, catalog: sessionmaker[Session]
) -> None:
    service = _service(backend, catalog)
    first = service.search(SearchRequest(q=GTIN))
    best = first.hits[0].best_offer
    assert best is not None and best["retailer_name"] == "Good Dental AB"
    best["retailer_name"] = "tampered"  # a caller's edit stays in its own response
    again = service.search(SearchRequest(q=GTIN))
    assert again.hits[0].best_offer == {**best, "retailer_name": "Good Dental AB"}
    assert again.hits[0].price_range == first.hits[0].price_range
    assert again.hits[0].price_range is not first.hits[0].price_range
    assert again.facets == first.facets
    with transaction(catalog) as s:
        retailer = s.get(Retailer, 1)
        assert retailer is not None
        retailer.name = "Good Dental Sverige AB"
    service.refresh_signals()
    renamed = service.search(SearchRequest(q=GTIN)).hits[0].best_offer
    assert renamed is not None and renamed["retailer_name"] == "Good Dental Sverige AB"


def test_product_offers_from_database(
    backend: TantivyBackend, catalog: sessionmaker[Session]
) -> None:
    ranked = _service(backend, catalog).product_offers(1)
    assert [r.rank for r in ranked] == [1, 2]
    assert ranked[0].offer.retailer.slug == "good"
    assert ranked[0].explanation.total == ranked[0].score


def test_suggest(backend: TantivyBackend, catalog: sessionmaker[Session]) -> None:
    suggestions = _service(backend, catalog).suggest("nitril")
    assert "nitrilhandskar" in suggestions


def test_suggest_offers_swedish_search_words_that_find_products(
    backend: TantivyBackend, catalog: sessionmaker[Session]
) -> None:
    service = _service(backend, catalog)
    # "kompo" completes to the Swedish word "komposit", which finds the composite (whose name
    # is English); Swedish words that find nothing here ("kompress") are not offered
    assert "komposit" in service.suggest("kompo")
    assert "kompress" not in service.suggest("kompr")
    assert "diamantborr" not in service.suggest("diamant")  # no bur in this catalog
    assert "handskar" not in service.suggest("handskar")  # never just the text typed
    assert service._vocabulary_completions("ko", 8) == []  # from the third letter
    assert service._vocabulary_completions("kom", 8) == ["komposit"]
    assert len(service.suggest("hand", limit=2)) <= 2


def test_suggest_counts_each_search_word_once_per_minute(
    backend: TantivyBackend, catalog: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _service(backend, catalog)
    searches: list[object] = []
    real = backend.search
    monkeypatch.setattr(backend, "search", lambda q: searches.append(q) or real(q))
    first = service.suggest("kompo")
    counted = len(searches)
    assert counted >= 1 and "komposit" in first
    assert service.suggest("kompo") == first and len(searches) == counted  # reused
    service._word_totals = {w: (t - 61.0, n) for w, (t, n) in service._word_totals.items()}
    service.suggest("kompo")
    assert len(searches) == 2 * counted  # counted again once the minute is over


def test_synonym_table_lists_swedish_headwords_by_prefix() -> None:
    table = shipped_synonyms()
    words = table.swedish_starting_with("avtryck")
    assert words == sorted(words) and "avtrycksmaterial" in words
    assert all(w.startswith("avtryck") for w in words)
    assert table.swedish_starting_with("zzzz") == []


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest(page=0),
        SearchRequest(size=0),
        SearchRequest(size=500),
        SearchRequest(sort="name"),  # type: ignore[arg-type]
        SearchRequest(min_price=Decimal("10"), max_price=Decimal("5")),
    ],
)
def test_invalid_requests(
    backend: TantivyBackend, catalog: sessionmaker[Session], request_: SearchRequest
) -> None:
    with pytest.raises(InvalidSearchRequest):
        _service(backend, catalog).search(request_)


def test_semantic_fusion_keeps_filters_and_identifier_matches_first(
    tmp_path: Path, backend: TantivyBackend, catalog: sessionmaker[Session]
) -> None:
    from search.semantic.index import SemanticIndex
    from search.semantic.vector_cache import EmbeddingCache
    from tests.unit.search.test_search_semantic import HashingEmbedder

    embedder = HashingEmbedder()
    semantic = SemanticIndex(embedder, EmbeddingCache(tmp_path / "emb", "fake@1", embedder.dim))
    with catalog() as session:
        semantic.rebuild(build_documents(session))
    configs = {"default": RankingConfig()}
    service = SearchService(
        backend, catalog, configs.__getitem__, clock=lambda: NOW, semantic=semantic
    )
    plain = _service(backend, catalog)

    # every text hit is still found (the nearest products of the whole catalogue join them) ...
    assert set(_ids(plain, q="handskar")) <= set(_ids(service, q="handskar"))
    # ... filters still hold for every fused hit ...
    hits = service.search(SearchRequest(q="handskar", brand="Abena")).hits
    assert hits and all(h.brand == "Abena" for h in hits)
    # ... and an exact identifier still comes first
    first = service.search(SearchRequest(q=GTIN)).hits[0]
    assert "identifier_match" in first.flags
    # the index build plus one query embedding: the repeated query's vector is cached and an
    # exact identifier is not fused with neighbours
    assert embedder.calls[1:] == [["handskar (gloves; glove)"]]


@pytest.mark.parametrize("q", ["handskar", "nitril", "latex handskar", GTIN, "komposit", ""])
def test_hits_without_rules_are_explained_as_score_product_explains_them(
    backend: TantivyBackend, catalog: sessionmaker[Session], q: str
) -> None:
    """The fast page path (no rule for the query) equals the fully scored path bit for bit:
    an inert rule (it targets no product) makes the service score every candidate with
    ``score_product`` and explain it from there."""
    inert = [Rule(id="inert", action="boost", amount=0.1, brand="Inget sådant märke")]
    fast = _service(backend, catalog).search(SearchRequest(q=q))
    full = _service(backend, catalog, inert).search(SearchRequest(q=q, config_name="merch"))
    assert fast.hits, q
    assert [asdict(h) for h in fast.hits] == [asdict(h) for h in full.hits]
    again = _service(backend, catalog).search(SearchRequest(q=q))  # from the memoized parts
    assert [asdict(h) for h in again.hits] == [asdict(h) for h in fast.hits]
    for hit in fast.hits:
        points = [c["points"] for c in hit.explanation["contributions"]]
        assert hit.score == hit.explanation["total"] == math.fsum(points) == sum(points)
