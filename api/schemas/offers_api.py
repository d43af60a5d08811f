"""The offers API (``/offers``): a retailer's system updates its offers by SKU."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class OfferChange(BaseModel):
    price: str | float | None = Field(
        default=None, examples=["199,00 kr", 199.0], description="As a feed's price cell."
    )
    stock: str | None = Field(
        default=None,
        max_length=200,
        examples=["I lager", "Slut", "in_stock"],
        description="As a feed's stock cell (a phrase, a status or a quantity).",
    )
    stock_quantity: int | None = Field(default=None, ge=0, le=10_000_000)
    delivery_days: int | None = Field(default=None, ge=0, le=365)


class OfferBatchItem(OfferChange):
    sku: str = Field(min_length=1, max_length=200)


class OfferBatch(BaseModel):
    items: list[OfferBatchItem] = Field(min_length=1, max_length=1000)


class OfferItemResult(BaseModel):
    sku: str
    status: Literal["updated", "unchanged", "not_found", "invalid"]
    field: str | None = None
    error: str | None = None


class OfferBatchResult(BaseModel):
    data: list[OfferItemResult]
    counts: dict[str, int] = Field(examples=[{"updated": 998, "unchanged": 2}])
