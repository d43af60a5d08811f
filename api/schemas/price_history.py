"""A product's price history (``GET /api/v1/products/{id}/price-history``) and clinic users'
price watches (``/api/v1/products/{id}/watch``, ``/api/v1/watches``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import UtcDatetime


class PricePoint(BaseModel):
    date: date
    price: Decimal | None = Field(description="None: no price that day.")


class RetailerPriceSeries(BaseModel):
    retailer: str
    retailer_name: str
    currency: str
    points: list[PricePoint] = Field(
        description="The retailer's cheapest listed offer of the product, per day (the "
        "lowest it was at any moment of the day); None while it did not list it."
    )


class PricePosition(BaseModel):
    current: Decimal | None = Field(description="The lowest buyable price now.")
    low: Decimal | None = Field(description="The window's lowest daily lowest price.")
    high: Decimal | None = Field(description="The window's highest daily lowest price.")
    lowest_in_window: bool = Field(
        description="The current price is the lowest of the window ('lägsta på 90 dagar')."
    )
    above_low_percent: float | None = Field(
        description="How far the current price is above the window's lowest, in percent."
    )


class PriceHistoryPublic(BaseModel):
    """Per Swedish calendar day of the window (ending today): the lowest buyable price (in
    stock, or on backorder with a delivery time; SEK offers compared) and each retailer's."""

    product_id: int
    days: int
    retailer: str | None = Field(description="The retailer the series are limited to.")
    currency: str
    lowest: list[PricePoint]
    retailers: list[RetailerPriceSeries]
    position: PricePosition


class WatchRequest(BaseModel):
    """What to be told of (at least one): the lowest buyable price below ``target_price``,
    the product back in stock, ``retailer`` listing it."""

    model_config = ConfigDict(extra="forbid")

    target_price: Decimal | None = Field(
        default=None, gt=0, le=Decimal("9999999999.99"), decimal_places=2
    )
    back_in_stock: bool = False
    retailer: str | None = Field(
        default=None, min_length=1, max_length=80, description="A retailer's slug."
    )


class WatchPublic(BaseModel):
    id: int
    product_id: int
    product_name: str
    target_price: Decimal | None
    back_in_stock: bool
    retailer: str | None
    retailer_name: str | None
    lowest_price: Decimal | None = Field(description="The lowest buyable price now.")
    below_target: bool = Field(description="The lowest buyable price is below the target now.")
    created_at: UtcDatetime
