"""Retailers: list entries and presentation pages."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field


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
    video_embed_url: str | None = Field(
        default=None,
        description="The video's privacy-minded player (youtube-nocookie.com, "
        "player.vimeo.com); null when there is none or the link is not YouTube or Vimeo.",
    )
    website: str | None
    logo_url: str | None = Field(default=None, description="The logo (PNG, JPEG or WebP).")
    contact_email: str | None = None
    contact_phone: str | None = None
    free_shipping_from: Decimal | None = Field(
        default=None, description="Free shipping from this order value, SEK excl. VAT."
    )
    delivery_fee: Decimal | None = Field(
        default=None, description="Delivery fee below the free-shipping value, SEK excl. VAT."
    )
    delivery_days: int | None = Field(default=None, description="Usual working days.")
    return_terms: str | None = None
    offer_count: int
    signals: dict[str, SignalPublic]
