"""The ranking entry point: candidates in, ranked products with offers and explanations out.

A :class:`Ranker` holds one config (and factor table) and the caches that make ranking a
request cheap: per candidate product, where its best offer is and what that offer adds to
the product's score (memoized by the identity of the candidate object, which its owner
reuses while the product is unchanged, and by the rules in force), and once a product has
been shown, its best offer's explanation.

Early termination: candidates arrive best text first. Once ``needed`` visible products are
scored, the rest are skipped as soon as even a perfect offer and every boost rule could not
lift the next one above the ``needed``-th score (the text term only falls from there), so
the first ``needed`` positions are exactly those of ranking every candidate
(``ranking.scoring.rank_products``). With a pin rule in play every candidate is scored.
Without any rule for the query the candidates get their exact scores unexplained, and only
those on the requested page are explained.

Tiers: a second tier of candidates (e.g. products that miss a query word) is asked for only
with the number of page positions the first tier leaves open, ranked after every product of
the first and flagged ``partial_match``; the explanation of each says so (code
``partial_match``, with how many products of the first tier it outscores).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from ranking.config import RankingConfig
from ranking.retailer_rows import RetailerRow, per_retailer
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
    partial_match_contribution,
    product_order_key,
    quality_points,
    quick_product_score,
    rank_offers,
    rank_products,
    score_product,
    text_contribution,
)

CACHE_LIMIT = 50_000
_SCORE_EPSILON = 1e-6  # above quantization and tie rounding (ranking.scoring)


class Candidate(Protocol):
    """What ranking reads of a candidate product (a search document satisfies it)."""

    @property
    def product_id(self) -> int: ...
    @property
    def brand(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def manufacturer(self) -> str | None: ...
    @property
    def retailer_slugs(self) -> tuple[str, ...]: ...
    @property
    def offers_count(self) -> int: ...


P = TypeVar("P", bound=Candidate)


@dataclass(frozen=True, slots=True)
class Tier(Generic[P]):
    """Candidates best text first: (product id, text score) and the products by id."""

    hits: Sequence[tuple[int, float]]
    products: Mapping[int, P]


@dataclass(slots=True)
class RankedProduct(Generic[P]):
    """A product on the page: its score, explanation (as data), best offer and flags."""

    product: P
    score: float
    explanation: dict[str, Any]
    best_offer: RankedOffer | None
    flags: list[str]


@dataclass(slots=True)
class Ranking(Generic[P]):
    """The requested page of a ranking, how many candidates a rule hid, and whether the
    second tier contributed."""

    page: list[RankedProduct[P]]
    hidden: int
    partial: bool


class _Entry:
    """What ranking keeps of a candidate product, per config, signals and rules."""

    __slots__ = ("best", "best_index", "offer_points", "parts", "product")

    def __init__(self, product: object, best_index: int | None) -> None:
        self.product = product
        self.best_index = best_index  # of the best offer among the product's offers
        self.offer_points: float | None = None  # what it adds to the product's score
        self.best: RankedOffer | None = None  # explained, once needed
        # the explanation after the text factor, once shown (dicts of atoms: the collector
        # stops tracking them, so a large cache does not lengthen collections)
        self.parts: tuple[dict[str, Any], ...] | None = None


@dataclass(slots=True)
class _Pending:
    """A candidate no rule applies to, with its exact score but not yet its explanation."""

    product_id: int
    score: float
    text: float
    max_text: float
    flags: list[str] = field(default_factory=list)


_Scored = ProductScore | _Pending


class Ranker(Generic[P]):
    """Ranks candidates of one config; ``offers_of`` gives a candidate's offers."""

    def __init__(
        self,
        config: RankingConfig,
        offers_of: Callable[[P], list[OfferInput]],
    ) -> None:
        self.config = config
        self.offers_of = offers_of
        self._cache: dict[tuple[int, tuple[str, ...]], _Entry] = {}

    def forget(self) -> None:
        """Drop the caches (after the retailers' signals changed)."""
        self._cache = {}

    def rules(self, query: str, now: datetime) -> list[Rule]:
        """The config's rules in force for ``query`` at ``now``."""
        return applicable_rules(self.config.rules, query, now)

    # ---------------------------------------------------------------- ranking

    def rank(
        self,
        tier: Tier[P],
        needed: int,
        *,
        query: str,
        now: datetime,
        page: slice,
        fill: Callable[[int], Tier[P] | None] | None = None,
        first: Collection[int] = (),
    ) -> Ranking[P]:
        """Rank ``tier`` (and what ``fill`` adds) so that the first ``needed`` positions are
        exact, and explain the products of ``page``.

        ``fill(wanted)`` is called once with the page positions the first tier leaves open
        (0: only a count is wanted) and may return a second tier; its products that are not
        in the first are ranked after it and flagged ``partial_match``. Products in ``first``
        (exact identifier matches) come before all others, flagged ``identifier_match``.
        """
        rules = self.rules(query, now)
        rules_key = tuple(r.id for r in rules)
        entries: dict[int, _Entry] = {}
        fresh: dict[int, RankedOffer] = {}
        scores, hidden = self._ranked_tier(tier, set(), needed, rules, rules_key, entries, fresh)
        partial = False
        wanted = max(0, needed - (len(scores) - hidden))  # page positions left to fill
        second = None if fill is None else fill(wanted)
        outscored: dict[int, int] = {}  # partial match -> full matches ranked above it
        if second is not None and wanted:
            seen = {pid for pid, _score in tier.hits}
            extra, extra_hidden = self._ranked_tier(
                second, seen, wanted, rules, rules_key, entries, fresh
            )
            full = sorted(s.score for s in scores)  # the first tier was ranked in full
            for score in extra:
                score.flags.append("partial_match")
                outscored[score.product_id] = bisect.bisect_left(full, score.score)
            scores += extra
            hidden += extra_hidden
            partial = bool(extra)
        if first:
            exact = [s for s in scores if s.product_id in first]
            for score in exact:
                score.flags.append("identifier_match")
            scores = exact + [s for s in scores if s.product_id not in first]
        shown = [
            self._pending(s, entries[s.product_id], fresh)
            if isinstance(s, _Pending)
            else self._explained(entries[s.product_id], s, rules, fresh)
            for s in scores[page]
        ]
        for item in shown:
            if item.product.product_id in outscored:
                below = outscored[item.product.product_id]
                item.explanation["contributions"].append(partial_match_contribution(below))
        return Ranking(shown, hidden, partial)

    def rank_in_order(self, tier: Tier[P], *, query: str, now: datetime) -> list[RankedProduct[P]]:
        """Score and explain every candidate of ``tier`` but keep its order (a sort by price
        or delivery); products a rule hides are left out."""
        rules = self.rules(query, now)
        rules_key = tuple(r.id for r in rules)
        items: list[tuple[ProductInput, float, RankedOffer | None]] = []
        entries: dict[int, _Entry] = {}
        fresh: dict[int, RankedOffer] = {}
        for pid, _key in tier.hits:
            product = tier.products.get(pid)
            if product is None:
                continue
            entry = entries[pid] = self._entry(product, rules, rules_key, fresh)
            items.append((product_input(product), 1.0, self._best(entry, rules, fresh)))
        by_id = {s.product_id: s for s in rank_products(items, query, self.config, now)}
        return [
            self._explained(entries[pid], by_id[pid], rules, fresh)
            for pid, _key in tier.hits
            if pid in by_id
        ]

    def best_offer(self, product: P, query: str, now: datetime) -> RankedOffer | None:
        """The product's best offer under the rules for ``query`` at ``now``, explained."""
        rules = self.rules(query, now)
        return self._best(self._entry(product, rules, tuple(r.id for r in rules)), rules)

    def rank_offers(self, offers: Sequence[OfferInput], now: datetime) -> list[RankedOffer]:
        """One product's offers ranked, each explained (a product page)."""
        return rank_offers(offers, self.config, self.rules("", now))

    def rank_retailers(self, offers: Sequence[OfferInput], now: datetime) -> list[RetailerRow]:
        """One product's offers as a comparison: one row per retailer (its best offer in
        :meth:`rank_offers`' order, its others folded beside it), best retailer first."""
        return per_retailer(self.rank_offers(offers, now))

    # ---------------------------------------------------------------- internals

    def _entry(
        self,
        product: P,
        rules: Sequence[Rule],
        rules_key: tuple[str, ...],
        fresh: dict[int, RankedOffer] | None = None,
    ) -> _Entry:
        """Where a product's best offer is and what it adds to the product's score, memoized.

        The best offer's explanation is made when needed (:meth:`_best`) and then kept: an
        entry is one small object for the garbage collector to walk, not ten. A best offer
        explained here goes to ``fresh`` (per request, by product id) for :meth:`_best`.
        """
        key = (id(product), rules_key)
        entry = self._cache.get(key)
        if entry is not None and entry.product is product:
            return entry
        config = self.config
        inputs = self.offers_of(product)
        index = best_offer_index(inputs, config, rules)
        entry = _Entry(product, index)
        if index is not None:  # not kept on the entry: most candidates are never shown
            best = explain_best(inputs, index, config, rules)
            entry.offer_points = quality_points(best, config)
            if fresh is not None:
                fresh[product.product_id] = best
        if len(self._cache) >= CACHE_LIMIT:
            self._cache = {}
        self._cache[key] = entry
        return entry

    def _best(
        self,
        entry: _Entry,
        rules: Sequence[Rule],
        fresh: dict[int, RankedOffer] | None = None,
    ) -> RankedOffer | None:
        """The product's best offer with its explanation (made once, then kept)."""
        if entry.best is None and entry.best_index is not None:
            product: P = entry.product  # type: ignore[assignment]
            made = None if fresh is None else fresh.get(product.product_id)
            if made is None:
                made = explain_best(self.offers_of(product), entry.best_index, self.config, rules)
            entry.best = made
        return entry.best

    def _ranked_tier(
        self,
        tier: Tier[P],
        skip: set[int],
        needed: int,
        rules: Sequence[Rule],
        rules_key: tuple[str, ...],
        entries: dict[int, _Entry],
        fresh: dict[int, RankedOffer],
    ) -> tuple[list[_Scored], int]:
        """The tier's candidates ranked (as ``rank_products`` would), and how many were
        hidden (see the module docstring for when it stops early)."""
        config = self.config
        hits = [(pid, text) for pid, text in tier.hits if pid not in skip]
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
        products = tier.products
        for pid, text in hits:
            if bounded and len(top) >= needed:
                reachable = config.text.relevance_weight * min(1.0, text / max_text) + ceiling
                if reachable + _SCORE_EPSILON < top[0]:
                    break
            product = products.get(pid)
            if product is None:
                continue
            entry = entries[pid] = self._entry(product, rules, rules_key, fresh)
            if quick:
                value = quick_product_score(text, max_text, entry.offer_points, config)
                pending.append(_Pending(pid, value, text, max_text))
            else:
                best = self._best(entry, rules, fresh)
                score = score_product(product_input(product), text, max_text, best, config, rules)
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

    def _parts(self, entry: _Entry, fresh: dict[int, RankedOffer]) -> tuple[dict[str, Any], ...]:
        """The explanation after the text factor of a product no rule applies to, made once
        per product (its best offer's scaled factors, or the no-offers penalty)."""
        found = entry.parts
        if found is None:
            best = self._best(entry, (), fresh)  # pending: no rule for this query
            found = entry.parts = tuple(c.as_dict() for c in offer_contributions(best, self.config))
        return found

    def _pending(
        self, scored: _Pending, entry: _Entry, fresh: dict[int, RankedOffer]
    ) -> RankedProduct[P]:
        """A product no rule applies to, explained as :func:`score_product` would explain it:
        the text factor, then the product's offer factors. ``scored.score`` is the
        explanation's exact total (:func:`quick_product_score`); tests hold the two equal."""
        parts = self._parts(entry, fresh)
        best = self._best(entry, (), fresh)
        text = text_contribution(scored.text, scored.max_text, self.config).as_dict()
        explanation = {"total": scored.score, "contributions": [text, *[{**c} for c in parts]]}
        flags = [*(() if best is not None else ("no_offers",)), *scored.flags]
        return RankedProduct(entry.product, scored.score, explanation, best, flags)  # type: ignore[arg-type]

    def _explained(
        self,
        entry: _Entry,
        score: ProductScore,
        rules: Sequence[Rule],
        fresh: dict[int, RankedOffer],
    ) -> RankedProduct[P]:
        """A product explained in full (rules apply, or a non-relevance sort)."""
        best = self._best(entry, rules, fresh)
        explanation = score.explanation.as_dict()
        return RankedProduct(entry.product, score.score, explanation, best, list(score.flags))  # type: ignore[arg-type]


def product_input(product: Candidate) -> ProductInput:
    """What product-level rules need to know about a candidate."""
    return ProductInput(
        product_id=product.product_id,
        brand=product.brand,
        category=product.category,
        manufacturer=product.manufacturer,
        retailer_slugs=product.retailer_slugs,
        has_offers=product.offers_count > 0,
    )
