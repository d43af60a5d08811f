"""Retailers: list entries and presentation pages."""

from __future__ import annotations

from pydantic import BaseModel


class RetailerSummaryPublic(BaseModel):
    slug: str
    name: str
    website: str | None
    offer_count: int


class SignalPublic(BaseModel):
    value: float | None
    count: int


class RetailerPublic(BaseModel):
    """A retailer's presentation page (PRODUCT.md point 6): text, optional video, signals."""

    slug: str
    name: str
    presentation: str | None
    video_url: str | None
    website: str | None
    offer_count: int
    signals: dict[str, SignalPublic]
