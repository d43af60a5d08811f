"""The search service: backend candidates -> ranked product hits with facets.

Per query there is no database round trip: documents carry their active offers, retailer
qualities and ranking configs are cached in memory (``refresh_signals``/``refresh_configs``).
Ranking is ``ranking.ranker.Ranker``'s, called once per request (one ranker per config,
which memoizes each product's best offer); this module queries the backend, fuses semantic
neighbours and lays out the hits (``search.results``); completions are
``search.suggestions``'.

Matching is tiered. Products with every query word come first; when fewer of them than
the candidate depth exist, the list is filled up with products that miss at most a quarter
of the words (at least one: see :func:`fill_up_minimum`), ranked after every full match and
flagged ``partial_match``. When nothing has every word, any word matches (``relaxed``).
Facets always count the first tier's matched set.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.listing import listed_seller
from catalog.models import Offer, Retailer, RetailerSignals
from ranking.config import RankingConfig
from ranking.ranker import Ranker, Tier
from ranking.retailer_rows import RetailerRow
from ranking.scoring import OfferInput, RankedOffer
from ranking.signals import RetailerQuality
from search.analysis.analyzer import Analyzer
from search.analysis.synonym_rules import EMPTY_RULES, SynonymRules
from search.documents import StoredProduct
from search.errors import InvalidSearchRequest
from search.prices import NO_RATES, RateTable, comparable_price, conversion, uncompared
from search.protocol import (
    AnalyzedQuery,
    BackendQuery,
    BackendResult,
    Filters,
    SearchBackend,
    SortOrder,
)
from search.results import HitBuilder, ProductHit, SearchResponse
from search.semantic.fusion import hybrid_candidates
from search.semantic.index import SemanticIndex
from search.semantic.texts import expand_query_text
from search.suggestions import Suggestions

__all__ = [
    "DEFAULT_CANDIDATES",
    "MAX_PAGE_SIZE",
    "MAX_RESULT_WINDOW",
    "SEMANTIC_MIN_COSINE",
    "ProductHit",
    "SearchRequest",
    "SearchResponse",
    "SearchService",
    "fill_up_minimum",
]

DEFAULT_CANDIDATES = 200
SEMANTIC_MIN_COSINE = 0.4  # unrelated dental products sit at 0.2-0.36 with MiniLM
SEMANTIC_NEIGHBOURS = 50  # nearest products fused with the text hits
SEMANTIC_WEIGHTS = (1.0, 1.0)  # RRF weights (text, semantic)


class _Chained(Mapping[int, StoredProduct]):
    """Two lazily loaded document mappings read as one (the first wins)."""

    def __init__(self, first: Mapping[int, StoredProduct], second: Mapping[int, StoredProduct]):
        self._maps = (first, second)

    def __getitem__(self, product_id: int) -> StoredProduct:
        for mapping in self._maps:
            try:
                return mapping[product_id]
            except KeyError:
                continue
        raise KeyError(product_id)

    def __iter__(self) -> Iterator[int]:
        return iter(dict.fromkeys([*self._maps[0], *self._maps[1]]))

    def __len__(self) -> int:
        return len(set(self._maps[0]) | set(self._maps[1]))


MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000
_RETAILER_RELOAD_SECONDS = 5.0
_SORTS = ("relevance", "price_asc", "price_desc", "delivery")


def fill_up_minimum(clauses: int) -> int:
    """Clauses a fill-up hit must still match: all but a quarter, dropping at least one."""
    return max(1, clauses - max(1, clauses // 4))


@dataclass(frozen=True, slots=True)
class SearchRequest:
    q: str = ""
    brand: str | None = None
    category: str | None = None
    manufacturer: str | None = None
    retailer: str | None = None
    in_stock: bool | None = None
    max_delivery_days: int | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    sort: SortOrder = "relevance"
    page: int = 1
    size: int = 20
    config_name: str = "default"

    def validate(self) -> None:
        if self.sort not in _SORTS:
            raise InvalidSearchRequest(f"sort must be one of {', '.join(_SORTS)}")
        if self.page < 1:
            raise InvalidSearchRequest("page must be >= 1")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise InvalidSearchRequest(f"size must be within 1..{MAX_PAGE_SIZE}")
        if self.page * self.size > MAX_RESULT_WINDOW:
            raise InvalidSearchRequest(f"cannot page beyond {MAX_RESULT_WINDOW} results")
        if self.max_delivery_days is not None and self.max_delivery_days < 0:
            raise InvalidSearchRequest("max_delivery_days must be >= 0")
        low, high = self.min_price, self.max_price
        if low is not None and high is not None and low > high:
            raise InvalidSearchRequest("min_price is above max_price")

    def filters(self) -> Filters:
        def one(value: str | None) -> tuple[str, ...]:
            return (value,) if value else ()

        return Filters(
            brand=one(self.brand),
            manufacturer=one(self.manufacturer),
            category=one(self.category),
            retailer=one(self.retailer),
            in_stock=self.in_stock,
            max_delivery_days=self.max_delivery_days,
            min_price=self.min_price,
            max_price=self.max_price,
        )


class SearchService(Suggestions):
    def __init__(
        self,
        backend: SearchBackend,
        session_factory: Callable[[], Session],
        config_provider: Callable[[str], RankingConfig],
        candidates: int = DEFAULT_CANDIDATES,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        semantic: SemanticIndex | None = None,
        semantic_k: int = SEMANTIC_NEIGHBOURS,
        semantic_weights: tuple[float, float] = SEMANTIC_WEIGHTS,
        config_stamp: Callable[[], object] | None = None,
        config_check_seconds: float = 1.0,
        rates: RateTable = NO_RATES,
        synonyms: Callable[[], SynonymRules] | None = None,
    ) -> None:
        self.backend = backend
        # the merchandisers' published synonym rules (``search.synonym_versions``), applied
        # to every query's analysis; the callable follows publications itself
        self.synonyms = synonyms
        # the configured currency rates: offers in another currency with a rate are ranked
        # by their SEK equivalent and explained as converted (``search.prices``)
        self.rates = rates
        # what identifies the published configs (``ranking.versions.publication_stamp``):
        # checked at most every ``config_check_seconds``; a change drops the cached configs,
        # so a config published through any worker is served by every worker within that
        self.config_stamp = config_stamp
        self.config_check_seconds = config_check_seconds
        self._stamp: object = None
        self._stamp_checked = float("-inf")
        self.semantic = semantic  # the optional hybrid: embeddings fused with text hits
        self.semantic_k = semantic_k  # nearest products fused with the text hits
        self.semantic_weights = semantic_weights  # RRF weights: (text, semantic)
        self.session_factory = session_factory
        self.config_provider = config_provider
        self.candidates = candidates
        self.clock = clock
        self._lock = threading.Lock()
        self._configs: dict[str, RankingConfig] = {}
        self._retailers: dict[int, RetailerQuality] = {}
        self._retailers_loaded_at = float("-inf")
        self._rankers: dict[str, Ranker[StoredProduct]] = {}
        self._hits = HitBuilder(rates)
        # suggestions: how many products each Swedish search word finds, and when it was counted
        self._word_totals: dict[str, tuple[float, int]] = {}

    # ---------------------------------------------------------------- caches

    def config(self, name: str) -> RankingConfig:
        self._follow_publications()
        found = self._configs.get(name)
        if found is None:
            found = self._configs[name] = self.config_provider(name)
        return found

    def ranker(self, name: str) -> Ranker[StoredProduct]:
        """The ranker of config ``name`` (kept with its caches until configs or signals change)."""
        config = self.config(name)
        found = self._rankers.get(name)
        if found is None or found.config is not config:
            found = self._rankers[name] = Ranker(config, self._offer_inputs)
        return found

    def _follow_publications(self) -> None:
        """Forget the cached configs when another process published one (see __init__)."""
        if self.config_stamp is None:
            return
        now = time.monotonic()
        if now - self._stamp_checked < self.config_check_seconds:
            return
        self._stamp_checked = now
        stamp = self.config_stamp()  # read before any config is loaded under it
        if stamp != self._stamp:
            self._stamp = stamp
            self.refresh_configs()

    def refresh_configs(self) -> None:
        """Forget cached ranking configs (after a config is published)."""
        with self._lock:
            self._configs = {}
            self._rankers = {}
            self._hits.forget()

    def refresh_signals(self) -> int:
        """Reload every retailer's quality signals; returns how many retailers are known."""
        with self.session_factory() as session:
            rows = session.execute(
                select(Retailer, RetailerSignals).outerjoin(
                    RetailerSignals, RetailerSignals.retailer_id == Retailer.id
                )
            ).all()
            qualities = {r.id: RetailerQuality.from_row(s, r) for r, s in rows}
        with self._lock:
            self._retailers = qualities
            self._retailers_loaded_at = time.monotonic()
        self.forget_rankings()
        return len(qualities)

    def forget_rankings(self) -> None:
        """Drop what the rankers and hits remember of products (configs stay loaded)."""
        with self._lock:
            for ranker in self._rankers.values():
                ranker.forget()
            self._hits.forget()

    def _retailer(self, retailer_id: int, slug: str) -> RetailerQuality:
        found = self._retailers.get(retailer_id)
        if found is not None:
            return found
        if time.monotonic() - self._retailers_loaded_at > _RETAILER_RELOAD_SECONDS:
            self.refresh_signals()  # a retailer added since the last load
            found = self._retailers.get(retailer_id)
            if found is not None:
                return found
        return RetailerQuality.unmeasured(retailer_id, slug, slug)

    def _offer_inputs(self, product: StoredProduct) -> list[OfferInput]:
        """The product's offers as ranking sees them (the ranker's ``offers_of``)."""
        if self._retailers_loaded_at == float("-inf"):
            self.refresh_signals()
        retailers = self._retailers
        rates = self.rates
        return [
            OfferInput(
                offer_id=offer_id,
                retailer=retailers.get(retailer_id) or self._retailer(retailer_id, slug),
                price=comparable_price(price, currency, rates),
                vat_included=vat_included,
                stock_status=stock_status,
                delivery_days=delivery_days,
                conversion=conversion(price, currency, rates),
                uncompared=uncompared(price, currency, rates),
            )
            for (
                offer_id,
                retailer_id,
                slug,
                price,
                vat_included,
                currency,
                stock_status,
                delivery_days,
            ) in product.offer_rows
        ]

    # ---------------------------------------------------------------- search

    def live_rules(self) -> SynonymRules:
        """The published synonym rules this service applies (none: an empty set)."""
        return self.synonyms() if self.synonyms is not None else EMPTY_RULES

    def refresh_synonyms(self) -> None:
        """Read the published synonym rules on the next query (after a publication)."""
        forget = getattr(self.synonyms, "forget", None)
        if forget is not None:
            forget()

    def search(self, request: SearchRequest, rules: SynonymRules | None = None) -> SearchResponse:
        """Search; ``rules`` replaces the published synonym rules (previews of a draft)."""
        started = time.perf_counter()
        request.validate()
        ranker = self.ranker(request.config_name)
        now = self.clock()
        query = self.backend.analyze_query(request.q, self.live_rules() if rules is None else rules)
        filters = request.filters()
        partial = False
        if request.sort == "relevance":
            hits, total, facets, relaxed, partial = self._relevance(
                request, query, filters, ranker, now
            )
        else:
            hits, total, facets, relaxed = self._sorted(request, query, filters, ranker, now)
        return SearchResponse(
            total=total,
            took_ms=round((time.perf_counter() - started) * 1000, 3),
            hits=hits,
            facets={
                name: [{"value": value, "count": count} for value, count in values]
                for name, values in facets.items()
            },
            relaxed=relaxed,
            partial=partial,
        )

    def _backend_search(
        self, query: AnalyzedQuery, filters: Filters, **options: Any
    ) -> tuple[BackendResult, bool]:
        result = self.backend.search(BackendQuery(query=query, filters=filters, **options))
        if result.total == 0 and len(query.clauses) > 1:
            relaxed = BackendQuery(query=query, filters=filters, operator="or", **options)
            return self.backend.search(relaxed), True
        return result, False

    def _fill_up(
        self,
        query: AnalyzedQuery,
        filters: Filters,
        first: BackendResult,
        limit: int,
        wanted: int,
    ) -> BackendResult | None:
        """Products missing a few words, when the full matches are fewer than ``limit``.

        With ``wanted`` = 0 (the page is already full of full matches) only the count is
        needed, for a ``total`` that does not depend on the page.
        """
        clauses = len(query.clauses)
        if clauses < 2 or first.total >= limit:
            return None
        request = BackendQuery(
            query=query,
            filters=filters,
            limit=limit if wanted else 1,
            include_documents=bool(wanted),
            operator="or",
            minimum_should_match=fill_up_minimum(clauses),
            facets=False,
        )
        return self.backend.search(request)

    def _relevance(
        self,
        request: SearchRequest,
        query: AnalyzedQuery,
        filters: Filters,
        ranker: Ranker[StoredProduct],
        now: datetime,
    ) -> tuple[list[ProductHit], int, dict[str, list[tuple[str, int]]], bool, bool]:
        limit = max(self.candidates, request.page * request.size)
        needed = request.page * request.size
        result, relaxed = self._backend_search(query, filters, limit=limit)
        if self.semantic is not None and request.q.strip() and not result.identifier_matches:
            # (an exact identifier is what was asked for: a number's neighbours are noise)
            result = self._fuse_semantic(request.q, query, filters, result, limit)
        total = result.total

        def fill(wanted: int) -> Tier[StoredProduct] | None:
            nonlocal total
            found = None if relaxed else self._fill_up(query, filters, result, limit, wanted)
            if found is None:
                return None
            total = max(total, found.total)
            return Tier(found.hits, found.documents)

        start = (request.page - 1) * request.size
        ranking = ranker.rank(
            Tier(result.hits, result.documents),
            needed,
            query=request.q,
            now=now,
            page=slice(start, start + request.size),
            fill=fill,
            first=result.identifier_matches,
        )
        hits = [self._hits.hit(ranked) for ranked in ranking.page]
        return hits, max(0, total - ranking.hidden), result.facets, relaxed, ranking.partial

    def _fuse_semantic(
        self, text: str, query: AnalyzedQuery, filters: Filters, result: BackendResult, limit: int
    ) -> BackendResult:
        """Reciprocal rank fusion of the text hits with the query's nearest products.

        Neighbours come from the whole catalogue (the shared HNSW graph), so a product that
        shares no word with the query can still be found; one extra backend query restricted
        to those neighbours applies the filters and gives their stored documents.
        """
        semantic = self.semantic
        assert semantic is not None
        semantic.refresh_if_due()  # another process may have published a new graph
        # English readings of the Swedish words appended: the catalogue text is English, and
        # even the multilingual e5 gains from them (demo judged set, semantic queries: nDCG@10
        # +0.124 with them, +0.001 without)
        text = expand_query_text(text, Analyzer.default())
        min_cosine = float(getattr(semantic.embedder, "min_cosine", SEMANTIC_MIN_COSINE))
        neighbours = [
            (pid, cosine)
            for pid, cosine in semantic.nearest(semantic.embed_query(text), self.semantic_k)
            if cosine >= min_cosine
        ]
        if not neighbours:
            return result
        found = self.backend.search(
            BackendQuery(
                filters=filters,
                limit=len(neighbours),
                facets=False,
                product_ids=tuple(pid for pid, _ in neighbours),
            )
        )
        fused = hybrid_candidates(
            result.hits,
            neighbours,
            identifier_matches=result.identifier_matches,
            allowed_ids={pid for pid, _ in found.hits} | {pid for pid, _ in result.hits},
            limit=limit,
            weights=self.semantic_weights,
        )
        documents = _Chained(result.documents, found.documents)
        return replace(
            result,
            hits=[(pid, score) for pid, score in fused if pid in documents],
            total=max(result.total, len(fused)),
            documents=documents,
        )

    def _sorted(
        self,
        request: SearchRequest,
        query: AnalyzedQuery,
        filters: Filters,
        ranker: Ranker[StoredProduct],
        now: datetime,
    ) -> tuple[list[ProductHit], int, dict[str, list[tuple[str, int]]], bool]:
        result, relaxed = self._backend_search(
            query,
            filters,
            limit=request.size,
            offset=(request.page - 1) * request.size,
            sort=request.sort,
        )
        # the backend's order (price/delivery) is kept; ranking explains each hit
        ranked = ranker.rank_in_order(Tier(result.hits, result.documents), query=request.q, now=now)
        return [self._hits.hit(r) for r in ranked], result.total, result.facets, relaxed

    # ---------------------------------------------------------------- other reads

    def product_offers(self, product_id: int, config_name: str = "default") -> list[RankedOffer]:
        """The product's active offers, ranked, read from the database."""
        return self.ranker(config_name).rank_offers(self._product_inputs(product_id), self.clock())

    def product_retailers(self, product_id: int, config_name: str = "default") -> list[RetailerRow]:
        """The product's comparison (product page, API, compare): its active offers ranked,
        one row per retailer with the retailer's other offers folded under its best."""
        ranker = self.ranker(config_name)
        return ranker.rank_retailers(self._product_inputs(product_id), self.clock())

    def _product_inputs(self, product_id: int) -> list[OfferInput]:
        """The product's active offers as ranking sees them, read from the database (a
        retailer whose organisation is not active is not listed: ``catalog.listing``)."""
        with self.session_factory() as session:
            rows = session.execute(
                select(Offer, Retailer, RetailerSignals)
                .join(Retailer, Retailer.id == Offer.retailer_id)
                .outerjoin(RetailerSignals, RetailerSignals.retailer_id == Retailer.id)
                .where(
                    Offer.product_id == product_id,
                    Offer.withdrawn_at.is_(None),
                    listed_seller(Offer.retailer_id),
                )
                .order_by(Offer.id)
            ).all()
            inputs = [
                OfferInput(
                    offer_id=offer.id,
                    retailer=RetailerQuality.from_row(signals, retailer),
                    price=comparable_price(offer.price, offer.currency, self.rates),
                    vat_included=offer.vat_included,
                    stock_status=offer.stock_status,
                    delivery_days=offer.delivery_days,
                    conversion=conversion(offer.price, offer.currency, self.rates),
                    uncompared=uncompared(offer.price, offer.currency, self.rates),
                )
                for offer, retailer, signals in rows
            ]
        return inputs
