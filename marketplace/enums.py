"""Closed vocabularies of the marketplace (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class ReviewTarget(StrEnum):
    RETAILER = "retailer"
    PRODUCT = "product"
    SERVICE = "service"  # a retailer's service (repair, training, installation): id = retailer


class ReviewState(StrEnum):
    HELD = "held"  # rating <= 2: waiting for the retailer (or an admin) or the window to pass
    PUBLISHED = "published"
    REMOVED = "removed"  # removed by an admin after an abuse report


class ReportOutcome(StrEnum):
    DISMISSED = "dismissed"  # the review stays
    REMOVED = "removed"  # the review was removed


class ModerationDecision(StrEnum):
    """An admin's decision on a held review that no retailer answers (a product review
    without an order), or on any review through a report."""

    PUBLISH = "publish"
    REMOVE = "remove"


class OrderStatus(StrEnum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class CancelReason(StrEnum):
    OUT_OF_STOCK = "out_of_stock"  # counts against the retailer's stock accuracy
    CLINIC_REQUEST = "clinic_request"
    PRICE_ERROR = "price_error"
    OTHER = "other"


class RmaStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RESOLVED = "resolved"


class RmaOutcome(StrEnum):
    REFUND = "refund"
    REPLACEMENT = "replacement"
    REPAIR = "repair"
    CREDIT = "credit"


class DemandKind(StrEnum):
    SEARCH = "search"
    VIEW = "view"
    CART_ADD = "cart_add"
    ORDER = "order"


REVIEW_DIMENSIONS: tuple[str, ...] = (
    "delivery_precision",
    "availability",
    "treatment",
    "feedback",
    "rma",
    "competence",
    "price",
)
"""Per-dimension ratings (1..5) a clinic may give a retailer, in the ranking's factor order."""
