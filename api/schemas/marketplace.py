"""Marketplace shapes: reviews, cart, orders, RMA, campaigns, retailer statistics, GDPR."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import examples
from api.schemas.common import MAX_INT, UtcDatetime

Id = Field(ge=1, le=MAX_INT)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ReviewCreate(BaseModel):
    """A 1..5 review; ``dimensions`` rate a retailer or service per factor (1..5)."""

    target_type: Literal["retailer", "product", "service"]
    target_id: int = Id
    rating: int = Field(ge=1, le=5)
    text: str = Field(default="", max_length=5000)
    order_id: int | None = Field(default=None, ge=1, le=MAX_INT)
    dimensions: dict[str, int] = Field(
        default_factory=dict,
        examples=[{"delivery_precision": 5, "treatment": 4}],
        description="delivery_precision, availability, treatment, feedback, rma, "
        "competence, price: each 1..5",
    )


class ReviewPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.REVIEW]})

    id: int
    target_type: str
    target_id: int
    retailer_id: int | None
    order_id: int | None
    rating: int
    dimensions: dict[str, int]
    text: str
    status: str
    verified_purchase: bool
    author_name: str
    author_clinic: str | None
    created_at: UtcDatetime
    published_at: UtcDatetime | None
    response_due_at: UtcDatetime | None
    response: str | None
    responded_at: UtcDatetime | None


class ResponseCreate(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class ReportCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=5000)


class ReportPublic(_Out):
    id: int
    review_id: int
    created_at: UtcDatetime


class ReportResolve(BaseModel):
    """An admin's decision on an abuse report, with the reason (kept in the audit trail)."""

    outcome: Literal["dismissed", "removed"] = Field(
        description="dismissed: the review stays; removed: the review is removed"
    )
    reason: str = Field(min_length=1, max_length=5000)


class ReviewModerate(BaseModel):
    """An admin's decision on a held review no retailer answers, or removal of any review."""

    decision: Literal["publish", "remove"]
    reason: str = Field(min_length=1, max_length=5000)


class ModerationPublic(BaseModel):
    """Who decided, when, what and why (resolved reports and moderated reviews)."""

    by: str | None
    at: UtcDatetime | None
    outcome: str | None
    reason: str | None


class QueuedReportPublic(BaseModel):
    id: int
    reason: str
    reporter_name: str
    created_at: UtcDatetime
    review: ReviewPublic
    decision: ModerationPublic | None = Field(description="null while the report is open")


class CartItemCreate(BaseModel):
    offer_id: int = Id
    quantity: int = Field(default=1, ge=1, le=100_000)


class CartItemPublic(BaseModel):
    id: int
    offer_id: int
    retailer: str
    name: str
    quantity: int
    price_at_add: Decimal | None
    price_now: Decimal | None
    stock_status_at_add: str
    stock_status_now: str
    available: bool
    unavailable_reason: str | None = Field(
        default=None,
        description="Why it cannot be bought now: withdrawn, no_price or retailer_suspended "
        "(checkout refuses it with 409).",
    )
    changed: bool


class CartPublic(BaseModel):
    """The cart; ``changes`` lists what changed since items were added (accept at checkout)."""

    items: list[CartItemPublic]
    retailers: int
    changes: list[str]
    digest: str = Field(
        description="Fingerprint of the cart as returned (items, quantities, prices, stock): "
        "send it as the checkout's cart_digest to place exactly this cart."
    )


class CheckoutRequest(BaseModel):
    accept_changes: bool = False
    cart_digest: str | None = Field(
        default=None,
        max_length=64,
        description="The cart's digest as you saw it (GET /cart): when the cart changed since "
        "(another client, a new price), 409 cart-changed instead of placing it.",
    )


class OrderLinePublic(_Out):
    id: int
    offer_id: int
    product_id: int | None
    sku: str
    name: str
    unit_price: Decimal
    quantity: int
    stock_status_at_checkout: str
    backordered: bool


class OrderPublic(_Out):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ORDER]})

    id: int
    checkout_ref: str
    retailer_id: int
    clinic_name: str
    buyer_name: str
    status: str
    currency: str
    total: Decimal
    placed_at: UtcDatetime
    confirmed_at: UtcDatetime | None
    promised_delivery_date: date | None
    shipped_at: UtcDatetime | None
    delivered_at: UtcDatetime | None
    delivered_by: str | None
    delivered_on_time: bool | None
    cancelled_at: UtcDatetime | None
    cancel_reason: str | None
    cancel_note: str | None
    cancelled_by: str | None
    lines: list[OrderLinePublic]


class ConfirmRequest(BaseModel):
    promised_delivery_date: date
    backordered_line_ids: list[int] = Field(default_factory=list, max_length=10_000)


class CancelRequest(BaseModel):
    reason: Literal["out_of_stock", "clinic_request", "price_error", "other"]
    note: str | None = Field(default=None, max_length=5000)


class ReorderPublic(BaseModel):
    added: int
    skipped_lines: list[int]


class RmaCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=5000)


class RmaDecision(BaseModel):
    accept: bool
    note: str | None = Field(default=None, max_length=5000)


class RmaResolve(BaseModel):
    outcome: Literal["refund", "replacement", "repair", "credit"]
    note: str | None = Field(default=None, max_length=5000)


class RmaPublic(_Out):
    id: int
    order_line_id: int
    retailer_id: int
    reason: str
    status: str
    requested_at: UtcDatetime
    decided_at: UtcDatetime | None
    resolved_at: UtcDatetime | None
    outcome: str | None
    note: str | None


class CampaignCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=5000)
    product_ids: list[int] = Field(default_factory=list, max_length=500)
    valid_from: UtcDatetime
    valid_to: UtcDatetime


class CampaignPublic(_Out):
    id: int
    retailer_id: int
    title: str
    text: str
    product_ids: list[Any]
    valid_from: UtcDatetime
    valid_to: UtcDatetime


class DemandPublic(BaseModel):
    key: int | str
    name: str
    counts: dict[str, int]
    score: int


class ComparisonPublic(_Out):
    product_id: int
    product_name: str
    offers: int
    rank: int
    leader: str | None
    lost_on: str | None
    gap: float
    shown: int
    top_shown: int


class RetailerStatsPublic(BaseModel):
    """PRODUCT.md point 7: demand right now and the comparisons the retailer is part of."""

    since: UtcDatetime
    until: UtcDatetime
    products: list[DemandPublic]
    groups: list[DemandPublic]
    comparisons: list[ComparisonPublic]
