"""Marketplace shapes: reviews, cart, orders, RMA, campaigns, retailer statistics, GDPR."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas import examples
from api.schemas.common import MAX_INT, UtcDatetime
from marketplace.checkout_details import MAX_ADDRESS, MAX_NOTE, MAX_PO
from marketplace.models import Order
from marketplace.order_totals import Amounts, OrderAmounts
from marketplace.orders import amounts_of, order_vat_rate

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


class AmountsPublic(BaseModel):
    """An amount excluding VAT, its VAT and the sum (rounded to the öre per line)."""

    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal

    @classmethod
    def of(cls, amounts: Amounts) -> AmountsPublic:
        return cls(excl_vat=amounts.excl_vat, vat=amounts.vat, incl_vat=amounts.incl_vat)


class OrderAmountsPublic(BaseModel):
    """A retailer order's lines, delivery and total."""

    lines: AmountsPublic
    delivery_excl_vat: Decimal | None = Field(
        description="The retailer's delivery fee excl. VAT (0 from its free-delivery "
        "threshold); null when the retailer states none: not included in the total."
    )
    total: AmountsPublic

    @classmethod
    def of(cls, amounts: OrderAmounts, vat_rate: Decimal) -> OrderAmountsPublic:
        return cls(
            lines=AmountsPublic.of(amounts.lines),
            delivery_excl_vat=amounts.delivery_excl_vat,
            total=AmountsPublic.of(amounts.total(vat_rate)),
        )


class RetailerTotalPublic(OrderAmountsPublic):
    retailer: str
    retailer_id: int
    currency: str


class CurrencyTotalPublic(AmountsPublic):
    currency: str


class CartTotalsPublic(BaseModel):
    """What checking out now would cost: each retailer's order and the grand total per
    currency (at Swedish VAT, 25 %)."""

    retailers: list[RetailerTotalPublic]
    grand_total: list[CurrencyTotalPublic]
    delivery_not_stated: bool = Field(
        description="Some retailer states no delivery fee: the grand total does not include it."
    )


class CartPublic(BaseModel):
    """The cart; ``changes`` lists what changed since items were added (accept at checkout)."""

    items: list[CartItemPublic]
    retailers: int
    changes: list[str]
    totals: CartTotalsPublic
    digest: str = Field(
        description="Fingerprint of the cart as returned (items, quantities, prices, stock): "
        "send it as the checkout's cart_digest to place exactly this cart."
    )


class CheckoutRequest(BaseModel):
    """Place the cart. The addresses default to the clinic organisation's; ``notes`` are
    per retailer (its id as the key) and go on that retailer's order only."""

    accept_changes: bool = False
    po_number: str | None = Field(
        default=None, max_length=MAX_PO, description="Your order reference (PO number)."
    )
    delivery_address: str | None = Field(default=None, max_length=MAX_ADDRESS)
    invoice_address: str | None = Field(default=None, max_length=MAX_ADDRESS)
    notes: dict[int, Annotated[str, Field(max_length=MAX_NOTE)]] = Field(
        default_factory=dict, max_length=100
    )
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
    vat_included: bool | None = Field(
        description="Whether the unit price includes VAT (null: not stated, counted as included)."
    )


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
    po_number: str | None
    delivery_address: str | None
    invoice_address: str | None
    note: str | None = Field(description="The clinic's note to this retailer.")
    vat_rate: Decimal | None = Field(description="null: placed before VAT was kept (25 %).")
    delivery_cost: Decimal | None
    amounts: OrderAmountsPublic
    lines: list[OrderLinePublic]

    @model_validator(mode="before")
    @classmethod
    def _with_amounts(cls, data: Any) -> Any:
        """An order read from the database gets its amounts computed."""
        if isinstance(data, Order):
            return _OrderWithAmounts(data)
        return data


class _OrderWithAmounts:
    """An order and its amounts, read by attribute (``from_attributes``)."""

    def __init__(self, order: Order) -> None:
        self._order = order
        self.amounts = OrderAmountsPublic.of(amounts_of(order), order_vat_rate(order))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._order, name)


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
