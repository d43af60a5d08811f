"""Search and suggest responses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


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
    explanation: dict[str, Any]


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
