"""Search and suggest responses."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field

from api.schemas import examples
from api.schemas.products import ExplanationPublic
from ranking.explain import contribution_json
from search.prices import MARKETPLACE_CURRENCY
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
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SEARCH_HIT]})

    product_id: int
    gtin: str | None
    name: str
    brand: str | None
    category: str | None
    score: float
    offers_count: int = Field(
        description="The product's places in a comparison: one per retailer, however many "
        "offers it has (as the product's ``offers_count``)."
    )
    best_offer: BestOfferPublic | None
    price_range: PriceRangePublic | None
    availability: str
    fastest_delivery_days: int | None = Field(
        description="The fewest promised delivery days of the product's buyable offers (in "
        "stock, or on backorder with a date): what ``sort=delivery`` orders by, which may be "
        "another offer than the best one."
    )
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


def _json(value: Any) -> bytes:
    return pydantic_core.to_json(value, inf_nan_mode="null")  # as model_dump_json does


@lru_cache(maxsize=32_768)
def _contribution_bytes(
    factor: str,
    code: str,
    values: tuple[tuple[str, Any], ...],
    value: float,
    weight: float,
    points: float,
    count: int | None,
    lang: str,
) -> bytes:
    """One contribution's JSON with its text, by content: a product's offer factors are the
    same on every page that shows it, and the text factor takes few distinct values."""
    c = {
        "factor": factor,
        "code": code,
        "values": dict(values),
        "value": value,
        "weight": weight,
        "points": points,
        "count": count,
    }
    return _json(contribution_json(c, lang, MARKETPLACE_CURRENCY))


_SEEN_LIMIT = 20_000
# (id of a contribution's values dict, lang) -> (that dict, its numbers, the JSON): ranking
# keeps a product's offer factors and copies them per page around the same values dict, so
# their JSON is found by identity before it is looked up by content (the entry keeps the
# dict alive, so its id is not reused while remembered; values are never mutated)
_SEEN: dict[tuple[int, str], tuple[Mapping[str, Any], tuple[Any, ...], bytes]] = {}


def _contribution(c: Mapping[str, Any], lang: str) -> bytes:
    values = c["values"]
    key = (id(values), lang)
    seen = _SEEN.get(key)
    numbers = (c["code"], c["value"], c["weight"], c["points"], c.get("count"))
    if seen is not None and seen[0] is values and seen[1] == numbers:
        return seen[2]
    try:
        found = _contribution_bytes(
            c["factor"],
            c["code"],
            tuple(values.items()),
            c["value"],
            c["weight"],
            c["points"],
            c.get("count"),
            lang,
        )
    except TypeError:  # a value that cannot be a cache key (not written by ranking)
        return _json(contribution_json(c, lang, MARKETPLACE_CURRENCY))
    if c["factor"] != "text":  # the text factor's values are made per query
        if len(_SEEN) >= _SEEN_LIMIT:
            _SEEN.clear()
        _SEEN[key] = (values, numbers, found)
    return found


def _explanation_bytes(explanation: Mapping[str, Any], lang: str) -> bytes:
    parts = [_contribution(c, lang) for c in explanation["contributions"]]
    total = _json(explanation["total"])
    return b'{"total":' + total + b',"contributions":[' + b",".join(parts) + b"]}"


def _hit_bytes(hit: ProductHit, lang: str) -> bytes:
    head = _json(
        {
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
            "fastest_delivery_days": hit.fastest_delivery_days,
            "flags": hit.flags,
        }
    )
    return head[:-1] + b',"explanation":' + _explanation_bytes(hit.explanation, lang) + b"}"


def search_response_json(result: SearchResponse, page: int, size: int, lang: str = "en") -> bytes:
    """The :class:`SearchResponsePublic` JSON of a search, without a validation pass.

    The hot path of the API: the service's hits are already well-typed, so they are laid out
    in the public schema's shape (prices as numbers) and serialized by pydantic-core directly,
    at about half the cost of validating a model and dumping it; each explanation contribution
    (with its text in ``lang``) is serialized once per content and reused. A test holds the
    output byte-identical to ``SearchResponsePublic.model_validate(...).model_dump_json()``.
    """
    rest = _json(
        {
            "count": result.total,
            "facets": result.facets,
            "took_ms": float(result.took_ms),
            "relaxed": result.relaxed,
            "page": page,
            "size": size,
        }
    )
    hits = b",".join([_hit_bytes(h, lang) for h in result.hits])
    return b'{"data":[' + hits + b"]," + rest[1:]
