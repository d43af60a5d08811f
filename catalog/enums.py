"""Small closed vocabularies shared by every layer."""

from __future__ import annotations

from enum import StrEnum


class StockStatus(StrEnum):
    IN_STOCK = "in_stock"
    LIMITED = "limited"
    BACKORDER = "backorder"
    OUT_OF_STOCK = "out_of_stock"
    UNKNOWN = "unknown"


class FeedRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    REJECTED = "rejected"  # refused as a whole (mass withdrawal, missing column, bad file)
    FAILED = "failed"  # crashed, hit a limit or lost its process; nothing was changed
    CANCELLED = "cancelled"  # stopped on request before it committed; nothing was changed


class MatchMethod(StrEnum):
    GTIN = "gtin"
    BRAND_MPN = "brand_mpn"
    MPN = "mpn"
    TITLE = "title"
    MANUAL = "manual"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
