"""Search and suggest responses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pydantic_core
from pydantic import BaseModel

from api.schemas.products import ExplanationPublic
from ranking.explain import explanation_json
from search.service import ProductHit, SearchResponse


class BestOfferPublic(BaseModel):
    offer_id: int
    retailer: str
    retailer_name: str
    price: float | None
    currency: str
    vat_included: bool | None
    price_incl_vat: float | None
    stock_status: str
    delivery_days: int | None
    score: float


class PriceRangePublic(BaseModel):
    min: float
    max: float
    currency: str
    vat_included: bool


class ProductHitPublic(BaseModel):
    product_id: int
    gtin: str | None
    name: str
    brand: str | None
    category: str | None
    score: float
    offers_count: int
    best_offer: BestOfferPublic | None
    price_range: PriceRangePublic | None
    availability: str
    flags: list[str]
    explanation: ExplanationPublic


class FacetValuePublic(BaseModel):
    value: str
    count: int


class SearchResponsePublic(BaseModel):
    data: list[ProductHitPublic]
    count: int
    facets: dict[str, list[FacetValuePublic]]
    took_ms: float
    relaxed: bool
    page: int
    size: int


class SuggestResponsePublic(BaseModel):
    data: list[str]
    count: int


def _number(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _best_offer(offer: dict[str, Any] | None) -> dict[str, Any] | None:
    if offer is None:
        return None
    return {
        "offer_id": offer["offer_id"],
        "retailer": offer["retailer"],
        "retailer_name": offer["retailer_name"],
        "price": _number(offer["price"]),
        "currency": offer["currency"],
        "vat_included": offer["vat_included"],
        "price_incl_vat": _number(offer["price_incl_vat"]),
        "stock_status": offer["stock_status"],
        "delivery_days": offer["delivery_days"],
        "score": float(offer["score"]),
    }


def _price_range(found: dict[str, Any] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "min": float(found["min"]),
        "max": float(found["max"]),
        "currency": found["currency"],
        "vat_included": found["vat_included"],
    }


def _hit(hit: ProductHit, lang: str) -> dict[str, Any]:
    return {
        "product_id": hit.product_id,
        "gtin": hit.gtin,
        "name": hit.name,
        "brand": hit.brand,
        "category": hit.category,
        "score": float(hit.score),
        "offers_count": hit.offers_count,
        "best_offer": _best_offer(hit.best_offer),
        "price_range": _price_range(hit.price_range),
        "availability": hit.availability,
        "flags": hit.flags,
        "explanation": explanation_json(hit.explanation, lang),
    }


def search_response_json(result: SearchResponse, page: int, size: int, lang: str = "en") -> bytes:
    """The :class:`SearchResponsePublic` JSON of a search, without a validation pass.

    The hot path of the API: the service's hits are already well-typed, so they are laid out
    in the public schema's shape (prices as numbers) and serialized by pydantic-core directly,
    at about half the cost of validating a model and dumping it. A test holds the output
    byte-identical to ``SearchResponsePublic.model_validate(...).model_dump_json()``.
    Explanation texts are rendered in ``lang``.
    """
    body = {
        "data": [_hit(h, lang) for h in result.hits],
        "count": result.total,
        "facets": result.facets,
        "took_ms": float(result.took_ms),
        "relaxed": result.relaxed,
        "page": page,
        "size": size,
    }
    return pydantic_core.to_json(body, inf_nan_mode="null")  # as model_dump_json does
