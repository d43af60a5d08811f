"""Loyalty photo activities as the API shows them: activities, sellers' photos with their
status, the sponsor's decisions and image bank."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime


class ActivityCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200, examples=["Visa vår monter"])
    description: str = Field(
        default="",
        max_length=4000,
        examples=["Ta en bild av Dentsply-montern i din butik."],
    )
    points: int = Field(ge=1, le=100_000, description="Points an approved photo pays (once).")
    starts_at: UtcDatetime
    ends_at: UtcDatetime = Field(description="Exclusive; after starts_at.")


class MyPhotoStatus(BaseModel):
    id: int
    status: Literal["pending", "approved", "rejected"]
    decision_reason: str | None


class ActivityPublic(BaseModel):
    id: int
    programme_id: int
    title: str
    description: str
    points: int
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    open: bool = Field(description="Photos may be uploaded now.")
    created_at: UtcDatetime
    my_photos: list[MyPhotoStatus] | None = Field(
        default=None, description="My photos for it, newest first (a participating seller)."
    )


class PhotoPublic(BaseModel):
    id: int
    activity_id: int
    activity_title: str
    programme_id: int
    status: Literal["pending", "approved", "rejected"]
    decision_reason: str | None = Field(description="Why it was rejected (or a note).")
    decided_at: UtcDatetime | None
    seller: str | None = Field(
        description="The seller's name (admins; None once their account was erased)."
    )
    membership_id: int = Field(description="The store (member organisation) it came from.")
    content_type: Literal["image/jpeg", "image/png"]
    original_kind: Literal["jpeg", "png", "heic"]
    size_bytes: int
    width: int
    height: int
    duplicate_of_id: int | None = Field(
        description="An earlier photo of the programme it nearly duplicates (flagged for "
        "the sponsor to judge; never refused for it)."
    )
    duplicate_distance: int | None = Field(description="Bits of the 64-bit hash apart.")
    credit_outcome: Literal["paid", "held", "capped", "replayed"] | None = Field(
        description="What approval paid: paid, held for approval above the threshold, "
        "capped (no room left this day/month) or replayed."
    )
    image_url: str = Field(description="The stored image (metadata stripped).")
    created_at: UtcDatetime


class PhotoDecision(BaseModel):
    reason: str = Field(
        default="", max_length=1000, description="Required to reject; the seller sees it."
    )
