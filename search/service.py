"""The search service: backend candidates -> ranked product hits with facets.

Per query there is no database round trip: documents carry their active offers, retailer
qualities and ranking configs are cached in memory (``refresh_signals``/``refresh_configs``),
and each product's best offer is memoized by (config, signals, offers, rules).

Matching is tiered. Products with every query word come first; when fewer of them than
the candidate depth exist, the list is filled up with products that miss at most a quarter
of the words (at least one: see :func:`fill_up_minimum`), ranked after every full match and
flagged ``partial_match``. When nothing has every word, any word matches (``relaxed``).
Facets always count the first tier's matched set.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.enums import StockStatus
from catalog.models import Offer, Retailer, RetailerSignals
from ranking.config import RankingConfig
from ranking.rules import Rule, applicable_rules
from ranking.scoring import (
    OfferInput,
    ProductInput,
    ProductScore,
    RankedOffer,
    best_offer_index,
    explain_best,
    offer_contributions,
    order_products,
    product_order_key,
    quality_points,
    quick_product_score,
    rank_offers,
    rank_products,
    score_product,
    text_contribution,
)
from ranking.signals import RetailerQuality
from search.analysis.analyzer import Analyzer, shipped_synonyms
from search.analysis.tokens import normalize, tokenize
from search.documents import StoredOffer, StoredProduct
from search.errors import InvalidSearchRequest
from search.prices import MARKETPLACE_CURRENCY, comparable_price
from search.protocol import (
    AnalyzedQuery,
    BackendQuery,
    BackendResult,
    Filters,
    SearchBackend,
    SortOrder,
)
from search.semantic import SemanticIndex, expand_query_text, hybrid_candidates

DEFAULT_CANDIDATES = 200
SEMANTIC_MIN_COSINE = 0.4  # unrelated dental products sit at 0.2-0.36 with MiniLM
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000
SUGGEST_MIN_LETTERS = 3  # Swedish search words are offered from the third letter
SUGGEST_COUNT_SECONDS = 60.0  # how long a search word's product count is reused
_RETAILER_RELOAD_SECONDS = 5.0
_OFFER_CACHE_LIMIT = 50_000
_AVAILABILITY_ORDER = (
    StockStatus.IN_STOCK.value,
    StockStatus.LIMITED.value,
    StockStatus.BACKORDER.value,
    StockStatus.OUT_OF_STOCK.value,
    StockStatus.UNKNOWN.value,
)
_SORTS = ("relevance", "price_asc", "price_desc", "delivery")
_SCORE_EPSILON = 1e-6  # above quantization and tie rounding (ranking.scoring)


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


@dataclass(slots=True)
class ProductHit:
    product_id: int
    gtin: str | None
    name: str
    brand: str | None
    category: str | None
    score: float
    offers_count: int
    best_offer: dict[str, Any] | None
    price_range: dict[str, Any] | None
    availability: str
    explanation: dict[str, Any]
    flags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SearchResponse:
    total: int
    took_ms: float
    hits: list[ProductHit]
    facets: dict[str, list[dict[str, Any]]]
    relaxed: bool = False  # no product had every word: matched any word instead
    partial: bool = False  # filled up with products that miss a word (after full matches)


class SearchService:
    def __init__(
        self,
        backend: SearchBackend,
        session_factory: Callable[[], Session],
        config_provider: Callable[[str], RankingConfig],
        candidates: int = DEFAULT_CANDIDATES,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        semantic: SemanticIndex | None = None,
        config_stamp: Callable[[], object] | None = None,
        config_check_seconds: float = 1.0,
    ) -> None:
        self.backend = backend
        # what identifies the published configs (``ranking.versions.publication_stamp``):
        # checked at most every ``config_check_seconds``; a change drops the cached configs,
        # so a config published through any worker is served by every worker within that
        self.config_stamp = config_stamp
        self.config_check_seconds = config_check_seconds
        self._stamp: object = None
        self._stamp_checked = float("-inf")
        self.semantic = semantic  # the optional hybrid: embeddings fused with text hits
        self.session_factory = session_factory
        self.config_provider = config_provider
        self.candidates = candidates
        self.clock = clock
        self._lock = threading.Lock()
        self._configs: dict[str, RankingConfig] = {}
        self._retailers: dict[int, RetailerQuality] = {}
        self._retailers_loaded_at = float("-inf")
        self._signals_version = 0
        self._offer_cache: dict[tuple[object, ...], _Prepared] = {}
        # suggestions: how many products each Swedish search word finds, and when it was counted
        self._word_totals: dict[str, tuple[float, int]] = {}

    # ---------------------------------------------------------------- caches

    def config(self, name: str) -> RankingConfig:
        self._follow_publications()
        found = self._configs.get(name)
        if found is None:
            found = self._configs[name] = self.config_provider(name)
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
            self._offer_cache = {}

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
            self._signals_version += 1
            self._offer_cache = {}
        return len(qualities)

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

    def _prepared(
        self,
        product: StoredProduct,
        config: RankingConfig,
        rules: Sequence[Rule],
        fresh: dict[int, RankedOffer] | None = None,
    ) -> _Prepared:
        """Where a product's best offer is and what it adds to the product's score, memoized.

        Keyed by the identity of the stored product (backends reuse the parsed object while
        the document is unchanged), the config, the signals version and the offer rules.
        The best offer's explanation is made when needed (:meth:`_best`) and then kept:
        an entry is one small object for the garbage collector to walk, not ten. A best offer
        explained here goes to ``fresh`` (per request, by product id) for :meth:`_best`.
        """
        if self._retailers_loaded_at == float("-inf"):
            self.refresh_signals()
        key = (id(product), id(config), self._signals_version, tuple(r.id for r in rules))
        entry = self._offer_cache.get(key)
        if entry is not None and entry.stored is product:
            return entry
        inputs = self._offer_inputs(product)
        index = best_offer_index(inputs, config, rules)
        prepared = _Prepared(product, index)
        if index is not None:  # not kept on the entry: most candidates are never shown
            best = explain_best(inputs, index, config, rules)
            prepared.offer_points = quality_points(best, config)
            if fresh is not None:
                fresh[product.product_id] = best
        if len(self._offer_cache) >= _OFFER_CACHE_LIMIT:
            self._offer_cache = {}
        self._offer_cache[key] = prepared
        return prepared

    def _best(
        self,
        prepared: _Prepared,
        config: RankingConfig,
        rules: Sequence[Rule],
        fresh: dict[int, RankedOffer] | None = None,
    ) -> RankedOffer | None:
        """The product's best offer with its explanation (made once, then kept)."""
        if prepared.best is None and prepared.best_index is not None:
            made = None if fresh is None else fresh.get(prepared.stored.product_id)
            if made is None:
                inputs = self._offer_inputs(prepared.stored)
                made = explain_best(inputs, prepared.best_index, config, rules)
            prepared.best = made
        return prepared.best

    def _offer_inputs(self, product: StoredProduct) -> list[OfferInput]:
        retailers = self._retailers
        return [
            OfferInput(
                offer_id=offer_id,
                retailer=retailers.get(retailer_id) or self._retailer(retailer_id, slug),
                price=comparable_price(price, currency),
                vat_included=vat_included,
                stock_status=stock_status,
                delivery_days=delivery_days,
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

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        request.validate()
        config = self.config(request.config_name)
        now = self.clock()
        rules = applicable_rules(config.rules, request.q, now)
        query = self.backend.analyze_query(request.q)
        filters = request.filters()
        partial = False
        if request.sort == "relevance":
            hits, total, facets, relaxed, partial = self._relevance(
                request, query, filters, config, rules, now
            )
        else:
            hits, total, facets, relaxed = self._sorted(request, query, filters, config, rules, now)
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

    def _ranked_tier(
        self,
        result: BackendResult,
        skip: set[int],
        needed: int,
        config: RankingConfig,
        rules: Sequence[Rule],
        entries: dict[int, _Prepared],
        fresh: dict[int, RankedOffer],
    ) -> tuple[list[_Scored], int]:
        """The tier's candidates ranked (as ``rank_products`` would), and how many were hidden.

        Candidates arrive best text first. Once ``needed`` visible products are scored, the
        rest are skipped as soon as even a perfect offer and every boost rule could not lift
        the next one above the ``needed``-th score (the text term only falls from there), so
        the first ``needed`` positions are exactly those of ranking every candidate. With a
        pin rule in play every candidate is scored. Without any rule for the query the
        candidates get their exact scores unexplained (:class:`_Pending`); only those that
        land on the page are explained.
        """
        hits = [(pid, text) for pid, text in result.hits if pid not in skip]
        max_text = max((text for _pid, text in hits), default=0.0)
        ceiling = config.text.quality_weight + sum(r.amount for r in rules if r.action == "boost")
        bounded = (
            needed > 0
            and max_text > 0
            and math.isfinite(max_text)
            and not any(r.action == "pin" for r in rules)
        )
        quick = not rules
        pending: list[_Pending] = []
        scores: list[ProductScore] = []
        top: list[float] = []  # min-heap of the best ``needed`` visible scores
        hidden = 0
        for pid, text in hits:
            if bounded and len(top) >= needed:
                reachable = config.text.relevance_weight * min(1.0, text / max_text) + ceiling
                if reachable + _SCORE_EPSILON < top[0]:
                    break
            product = result.documents.get(pid)
            if product is None:
                continue
            prepared = entries[pid] = self._prepared(product, config, rules, fresh)
            if quick:
                value = quick_product_score(text, max_text, prepared.offer_points, config)
                pending.append(_Pending(pid, value, text, max_text))
            else:
                best = self._best(prepared, config, rules, fresh)
                score = score_product(_product_input(product), text, max_text, best, config, rules)
                scores.append(score)
                value = score.score
                if score.hidden:
                    hidden += 1
                    continue
            if len(top) < needed:
                heapq.heappush(top, value)
            elif needed and value > top[0]:
                heapq.heapreplace(top, value)
        if quick:
            pending.sort(key=lambda p: product_order_key(p.score, p.product_id))
            return list(pending), 0
        return list(order_products(scores)), hidden

    def _pending_hit(
        self,
        scored: _Pending,
        prepared: _Prepared,
        config: RankingConfig,
        fresh: dict[int, RankedOffer],
    ) -> ProductHit:
        """The hit of a candidate no rule applies to, explained as :func:`score_product`
        would explain it: the text factor, then the product's offer factors (made once per
        product and config, see :meth:`_shown`). ``scored.score`` is the explanation's exact
        total (:func:`quick_product_score`); tests hold the two paths equal."""
        shown = self._shown(prepared, config, (), fresh)  # pending: no rule for this query
        text = text_contribution(scored.text, scored.max_text, config).as_dict()
        contributions = [text, *[{**c} for c in shown.contributions]]
        explanation = {"total": scored.score, "contributions": contributions}
        return _hit(
            prepared.stored, shown, scored.score, explanation, [*shown.flags, *scored.flags]
        )

    def _scored_hit(
        self,
        prepared: _Prepared,
        score: ProductScore,
        config: RankingConfig,
        rules: Sequence[Rule],
        fresh: dict[int, RankedOffer],
    ) -> ProductHit:
        """A hit explained in full (rules apply, or a non-relevance sort)."""
        shown = self._shown(prepared, config, rules, fresh)
        explanation = score.explanation.as_dict()
        return _hit(prepared.stored, shown, score.score, explanation, list(score.flags))

    def _shown(
        self,
        prepared: _Prepared,
        config: RankingConfig,
        rules: Sequence[Rule],
        fresh: dict[int, RankedOffer] | None = None,
    ) -> _Shown:
        """What a hit shows of the product that does not depend on the query, made once.

        Kept on the memoized :class:`_Prepared` entry (same product, config, signals and
        rules); every hit gets its own copies of the dicts, so a caller may change them.
        """
        found = prepared.shown
        if found is None:
            best = self._best(prepared, config, rules, fresh)
            stored = prepared.stored
            offers = stored.offers
            offer = None
            if best is not None:
                chosen = next(o for o in offers if o.offer_id == best.offer.offer_id)
                offer = _offer_dict(best, chosen)
            found = prepared.shown = _Shown(
                best_offer=offer,
                price_range=_price_range(offers),
                availability=_availability(offers),
                contributions=tuple(c.as_dict() for c in offer_contributions(best, config)),
                flags=() if best is not None else ("no_offers",),
            )
        return found

    def _relevance(
        self,
        request: SearchRequest,
        query: AnalyzedQuery,
        filters: Filters,
        config: RankingConfig,
        rules: Sequence[Rule],
        now: datetime,
    ) -> tuple[list[ProductHit], int, dict[str, list[tuple[str, int]]], bool, bool]:
        limit = max(self.candidates, request.page * request.size)
        needed = request.page * request.size
        result, relaxed = self._backend_search(query, filters, limit=limit)
        if self.semantic is not None and request.q.strip():
            result = self._fuse_semantic(request.q, query, filters, result, limit)
        entries: dict[int, _Prepared] = {}
        fresh: dict[int, RankedOffer] = {}
        scores, hidden = self._ranked_tier(result, set(), needed, config, rules, entries, fresh)
        total, partial = result.total, False
        sources: list[Mapping[int, StoredProduct]] = [result.documents]
        wanted = max(0, needed - (len(scores) - hidden))  # page positions left to fill
        fill = None if relaxed else self._fill_up(query, filters, result, limit, wanted)
        if fill is not None:
            seen = {pid for pid, _score in result.hits}
            extra: list[_Scored] = []
            extra_hidden = 0
            if wanted:
                extra, extra_hidden = self._ranked_tier(
                    fill, seen, wanted, config, rules, entries, fresh
                )
            for score in extra:
                score.flags.append("partial_match")
            scores += extra
            hidden += extra_hidden
            total, partial = max(total, fill.total), bool(extra)
            sources.append(fill.documents)
        if result.identifier_matches:  # an exact GTIN/MPN/SKU hit always comes first
            exact = [s for s in scores if s.product_id in result.identifier_matches]
            for score in exact:
                score.flags.append("identifier_match")
            scores = exact + [s for s in scores if s.product_id not in result.identifier_matches]
        start = (request.page - 1) * request.size
        page = scores[start : start + request.size]
        hits = [
            self._pending_hit(s, entries[s.product_id], config, fresh)
            if isinstance(s, _Pending)
            else self._scored_hit(entries[s.product_id], s, config, rules, fresh)
            for s in page
        ]
        return hits, max(0, total - hidden), result.facets, relaxed, partial

    def _fuse_semantic(
        self, text: str, query: AnalyzedQuery, filters: Filters, result: BackendResult, limit: int
    ) -> BackendResult:
        """Reciprocal rank fusion of the text hits with the query's nearest products.

        Neighbours are drawn from the products that share any analyzed term with the query
        (synonyms and compound parts included) and pass the filters: one extra OR query
        gives that pool and its stored documents, so filters and facets stay exact.
        """
        assert self.semantic is not None
        pool = self.backend.search(
            BackendQuery(query=query, filters=filters, limit=limit * 2, operator="or", facets=False)
        )
        allowed = {pid for pid, _ in pool.hits} | {pid for pid, _ in result.hits}
        vector = self.semantic.embed_query(expand_query_text(text, Analyzer.default()))
        fused = hybrid_candidates(
            result.hits,
            self.semantic.nearest(vector, limit, allowed),
            identifier_matches=result.identifier_matches,
            allowed_ids=allowed,
            limit=limit,
            min_cosine=SEMANTIC_MIN_COSINE,
        )
        documents = {**pool.documents, **result.documents}
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
        config: RankingConfig,
        rules: Sequence[Rule],
        now: datetime,
    ) -> tuple[list[ProductHit], int, dict[str, list[tuple[str, int]]], bool]:
        result, relaxed = self._backend_search(
            query,
            filters,
            limit=request.size,
            offset=(request.page - 1) * request.size,
            sort=request.sort,
        )
        items: list[tuple[ProductInput, float, RankedOffer | None]] = []
        entries: dict[int, _Prepared] = {}
        fresh: dict[int, RankedOffer] = {}
        for pid, _key in result.hits:
            product = result.documents.get(pid)
            if product is None:
                continue
            prepared = entries[pid] = self._prepared(product, config, rules, fresh)
            best = self._best(prepared, config, rules, fresh)
            items.append((_product_input(product), 1.0, best))
        by_id = {s.product_id: s for s in rank_products(items, request.q, config, now)}
        hits = [  # the backend's order (price/delivery) is kept; ranking explains each hit
            self._scored_hit(entries[pid], by_id[pid], config, rules, fresh)
            for pid, _key in result.hits
            if pid in by_id
        ]
        return hits, result.total, result.facets, relaxed

    # ---------------------------------------------------------------- other reads

    def suggest(self, q: str, limit: int = 8) -> list[str]:
        """Search-box completions: Swedish search words that find products (the catalog is
        mostly English, so "tand" would otherwise complete to nothing), then the backend's
        name/brand/category completions; never just the text typed."""
        typed = " ".join(tokenize(normalize(q)))
        words = self._vocabulary_completions(typed, limit)
        names = self.backend.suggest(q, limit)
        mixed = words[: max(limit // 2, limit - len(names))] + names + words
        shown: dict[str, str] = {typed: ""}  # one completion per normalized form, not the typed
        for text in mixed:
            shown.setdefault(" ".join(tokenize(text)), text)
        return [text for text in shown.values() if text][:limit]

    def _vocabulary_completions(self, typed: str, limit: int) -> list[str]:
        """Swedish headwords of the synonym table beginning with ``typed`` that match at least
        one product, most matches first (checks at most ``2 * limit`` of them)."""
        if len(typed) < SUGGEST_MIN_LETTERS:
            return []
        found = [
            (-total, word)
            for word in shipped_synonyms().swedish_starting_with(typed)[: 2 * limit]
            if word != typed and (total := self._word_total(word))
        ]
        return [word for _, word in sorted(found)]

    def _word_total(self, word: str) -> int:
        """How many products ``word`` finds, counted at most once per ``SUGGEST_COUNT_SECONDS``
        (every keystroke asks again; on OpenSearch each count is a round trip)."""
        now = time.monotonic()
        cached = self._word_totals.get(word)
        if cached is not None and now - cached[0] < SUGGEST_COUNT_SECONDS:
            return cached[1]
        query = BackendQuery(
            query=self.backend.analyze_query(word), limit=1, facets=False, include_documents=False
        )
        total = self.backend.search(query).total
        if len(self._word_totals) >= 4096:
            self._word_totals.clear()
        self._word_totals[word] = (now, total)
        return total

    def product_offers(self, product_id: int, config_name: str = "default") -> list[RankedOffer]:
        """The product's active offers, ranked, read from the database (product page)."""
        config = self.config(config_name)
        rules = applicable_rules(config.rules, "", self.clock())
        with self.session_factory() as session:
            rows = session.execute(
                select(Offer, Retailer, RetailerSignals)
                .join(Retailer, Retailer.id == Offer.retailer_id)
                .outerjoin(RetailerSignals, RetailerSignals.retailer_id == Retailer.id)
                .where(Offer.product_id == product_id, Offer.withdrawn_at.is_(None))
                .order_by(Offer.id)
            ).all()
            inputs = [
                OfferInput(
                    offer_id=offer.id,
                    retailer=RetailerQuality.from_row(signals, retailer),
                    price=comparable_price(offer.price, offer.currency),
                    vat_included=offer.vat_included,
                    stock_status=offer.stock_status,
                    delivery_days=offer.delivery_days,
                )
                for offer, retailer, signals in rows
            ]
        return rank_offers(inputs, config, rules)


class _Prepared:
    """What ranking needs of a stored product, per config and signals (memoized)."""

    __slots__ = ("best", "best_index", "offer_points", "shown", "stored")

    def __init__(self, stored: StoredProduct, best_index: int | None) -> None:
        self.stored = stored
        self.best_index = best_index  # of the best offer in stored.offer_rows
        self.offer_points: float | None = None  # what it adds to the product's score
        self.best: RankedOffer | None = None  # explained, once needed
        self.shown: _Shown | None = None  # once the product has been on a page


@dataclass(frozen=True, slots=True)
class _Shown:
    """The query-independent parts of a product's hit (shared, read-only).

    Tuples and dicts of atoms only: the collector stops tracking them, so a large cache of
    entries does not lengthen collections.
    """

    best_offer: dict[str, Any] | None
    price_range: dict[str, Any] | None
    availability: str
    contributions: tuple[dict[str, Any], ...]
    flags: tuple[str, ...]


@dataclass(slots=True)
class _Pending:
    """A candidate no rule applies to, with its exact score but not yet its explanation."""

    product_id: int
    score: float
    text: float
    max_text: float
    flags: list[str] = field(default_factory=list)


_Scored = ProductScore | _Pending


def _stored(sources: Sequence[Mapping[int, StoredProduct]], product_id: int) -> StoredProduct:
    for source in sources:
        found = source.get(product_id)
        if found is not None:
            return found
    raise KeyError(product_id)


def _product_input(product: StoredProduct) -> ProductInput:
    return ProductInput(
        product_id=product.product_id,
        brand=product.brand,
        category=product.category,
        manufacturer=product.manufacturer,
        retailer_slugs=product.retailer_slugs,
        has_offers=product.offers_count > 0,
    )


def _hit(
    stored: StoredProduct,
    shown: _Shown,
    score: float,
    explanation: dict[str, Any],
    flags: list[str],
) -> ProductHit:
    """A hit of its own: the shared parts of ``shown`` are copied, so a caller may edit it."""
    return ProductHit(
        product_id=stored.product_id,
        gtin=stored.gtin,
        name=stored.name,
        brand=stored.brand,
        category=stored.category,
        score=score,
        offers_count=stored.offers_count,
        best_offer=None if shown.best_offer is None else {**shown.best_offer},
        price_range=None if shown.price_range is None else {**shown.price_range},
        availability=shown.availability,
        explanation=explanation,
        flags=flags,
    )


def _offer_dict(ranked: RankedOffer, stored: StoredOffer) -> dict[str, Any]:
    return {
        "offer_id": stored.offer_id,
        "retailer": stored.retailer_slug,
        "retailer_name": ranked.offer.retailer.name,
        "price": stored.price,
        "currency": stored.currency,
        "vat_included": stored.vat_included,
        "price_incl_vat": stored.comparable_price,
        "stock_status": stored.stock_status,
        "delivery_days": stored.delivery_days,
        "score": ranked.score,
    }


def _price_range(offers: Sequence[StoredOffer]) -> dict[str, Any] | None:
    prices = [p for o in offers if (p := o.comparable_price) is not None]
    if not prices:
        return None
    return {  # comparable prices are in the marketplace's currency only
        "min": min(prices),
        "max": max(prices),
        "currency": MARKETPLACE_CURRENCY,
        "vat_included": True,
    }


def _availability(offers: Sequence[StoredOffer]) -> str:
    if not offers:
        return "no_offers"
    statuses = {o.stock_status for o in offers}
    for status in _AVAILABILITY_ORDER:
        if status in statuses:
            return status
    return StockStatus.UNKNOWN.value
