"""What a search returns: product hits with their best offer, price range and explanation.

The hit parts that do not depend on the query (best offer, price range, availability) are
made once per product and best offer and shared (:class:`HitParts`); each hit gets its own
copies of the dicts, so a caller may change them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from catalog.enums import StockStatus
from ranking.ranker import RankedProduct
from ranking.scoring import RankedOffer
from search.documents import StoredOffer, StoredProduct, buyable_delivery_days
from search.prices import MARKETPLACE_CURRENCY, NO_RATES, RateTable

_AVAILABILITY_ORDER = (
    StockStatus.IN_STOCK.value,
    StockStatus.LIMITED.value,
    StockStatus.BACKORDER.value,
    StockStatus.OUT_OF_STOCK.value,
    StockStatus.UNKNOWN.value,
)
_PARTS_CACHE_LIMIT = 50_000


@dataclass(slots=True)
class ProductHit:
    product_id: int
    gtin: str | None
    name: str
    brand: str | None
    category: str | None
    score: float
    offers_count: int  # one per retailer: a retailer's several offers take one place
    best_offer: dict[str, Any] | None
    price_range: dict[str, Any] | None
    availability: str
    explanation: dict[str, Any]
    flags: list[str] = field(default_factory=list)
    fastest_delivery_days: int | None = None  # the fastest buyable offer's (delivery sort)


@dataclass(slots=True)
class SearchResponse:
    total: int
    took_ms: float
    hits: list[ProductHit]
    facets: dict[str, list[dict[str, Any]]]
    relaxed: bool = False  # no product had every word: matched any word instead
    partial: bool = False  # filled up with products that miss a word (after full matches)


@dataclass(frozen=True, slots=True)
class HitParts:
    """The query-independent parts of a product's hit (shared, read-only).

    Tuples and dicts of atoms only: the collector stops tracking them, so a large cache of
    them does not lengthen collections.
    """

    best_offer: dict[str, Any] | None
    price_range: dict[str, Any] | None
    availability: str
    fastest_delivery_days: int | None = None


class HitBuilder:
    """Makes hits of ranked products, remembering each product's :class:`HitParts`."""

    def __init__(self, rates: RateTable = NO_RATES) -> None:
        self.rates = rates  # the price range compares converted offers by their SEK amount
        # by identity of the product and best offer (the entry keeps both alive, so their ids
        # cannot be reused while cached)
        self._parts: dict[tuple[int, int], tuple[StoredProduct, RankedOffer | None, HitParts]] = {}

    def forget(self) -> None:
        self._parts = {}

    def hit(self, ranked: RankedProduct[StoredProduct]) -> ProductHit:
        stored = ranked.product
        parts = self.parts(stored, ranked.best_offer)
        return ProductHit(
            product_id=stored.product_id,
            gtin=stored.gtin,
            name=stored.name,
            brand=stored.brand,
            category=stored.category,
            score=ranked.score,
            offers_count=stored.retailers_count,
            best_offer=None if parts.best_offer is None else {**parts.best_offer},
            price_range=None if parts.price_range is None else {**parts.price_range},
            availability=parts.availability,
            explanation=ranked.explanation,
            flags=ranked.flags,
            fastest_delivery_days=parts.fastest_delivery_days,
        )

    def parts(self, stored: StoredProduct, best: RankedOffer | None) -> HitParts:
        """The shared parts of the hit of ``stored`` whose best offer is ``best``."""
        key = (id(stored), id(best))
        found = self._parts.get(key)
        if found is not None and found[0] is stored and found[1] is best:
            return found[2]
        offers = stored.offers
        offer = None
        if best is not None:
            chosen = next(o for o in offers if o.offer_id == best.offer.offer_id)
            offer = offer_dict(best, chosen)
        made = HitParts(
            offer,
            price_range(offers, self.rates),
            availability(offers),
            buyable_delivery_days(offers),
        )
        if len(self._parts) >= _PARTS_CACHE_LIMIT:
            self._parts = {}
        self._parts[key] = (stored, best, made)
        return made


def offer_dict(ranked: RankedOffer, stored: StoredOffer) -> dict[str, Any]:
    """The best offer as a hit shows it: in its own currency (``price``, ``currency``);
    ``price_incl_vat`` only for a price in the marketplace's currency (a converted price's
    SEK equivalent is in the explanation, with the rate, never passed off as its price)."""
    return {
        "offer_id": stored.offer_id,
        "retailer": stored.retailer_slug,
        "retailer_name": ranked.offer.retailer.name,
        "price": stored.price,
        "currency": stored.currency,
        "vat_included": stored.vat_included,
        "price_incl_vat": stored.comparable_price(NO_RATES),
        "stock_status": stored.stock_status,
        "delivery_days": stored.delivery_days,
        "score": ranked.score,
    }


_ORE = Decimal("0.01")


def _ore(amount: Decimal) -> Decimal:
    return amount.quantize(_ORE, ROUND_HALF_UP)


def price_range(offers: Sequence[StoredOffer], rates: RateTable) -> dict[str, Any] | None:
    """Lowest and highest VAT-included price of the offers (None without prices), offers in
    another currency by their SEK equivalent when ``rates`` has the currency."""
    prices = [p for o in offers if (p := o.comparable_price(rates)) is not None]
    if not prices:
        return None
    return {  # comparable prices are in the marketplace's currency (converted ones too),
        # rounded to öre: 599 CZK * 0.4483 is 268.53 kr, not 268.5317
        "min": _ore(min(prices)),
        "max": _ore(max(prices)),
        "currency": MARKETPLACE_CURRENCY,
        "vat_included": True,
    }


def availability(offers: Sequence[StoredOffer]) -> str:
    """The best stock status among the offers ("no_offers" without any)."""
    if not offers:
        return "no_offers"
    statuses = {o.stock_status for o in offers}
    for status in _AVAILABILITY_ORDER:
        if status in statuses:
            return status
    return StockStatus.UNKNOWN.value
