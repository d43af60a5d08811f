"""Closed vocabularies of loyalty (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum

MEMBER_TERMS_VERSION = "2026-12"
"""The member terms a representative accepts now (a new version is accepted again)."""
PARTICIPANT_TERMS_VERSION = "2026-12"
"""The participant terms an invited seller accepts now."""


class AccountKind(StrEnum):
    SPONSOR = "sponsor"  # the programme's budget: issues points (the only one below zero)
    MEMBER = "member"  # the retailer organisation's own points
    SELLER = "seller"  # a participant's sub-account (owned by the member organisation)
    SHOP = "shop"  # points spent in the points shop
    EXPIRY = "expiry"  # points that expired


class EntryKind(StrEnum):
    SALE = "sale"  # points for a delivered order line
    CLAWBACK = "clawback"  # a sale reversed (order cancelled after delivery, refund RMA)
    REDEMPTION = "redemption"  # points spent (the shop)
    ADJUSTMENT = "adjustment"  # a sponsor's manual movement with a reason


class RedeemerPolicy(StrEnum):
    """Who of a member organisation redeems in the shop (its representative decides)."""

    ENTITY = "entity"  # only the representative, from the organisation's points
    SELLERS = "sellers"  # each seller from their own sub-account (the representative: own)


class RedemptionStatus(StrEnum):
    PLACED = "placed"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


EXPIRY_ENTRY = "expiry"
"""The entry kind of points moved to the expiry account (``loyalty.expiry``)."""
REFUND_ENTRY = "refund"
"""The entry kind of a cancelled redemption's points given back."""
SELLER_LEFT_ENTRY = "seller_left"
"""The entry kind of a departed seller's sub-account points moved to their member's account."""
