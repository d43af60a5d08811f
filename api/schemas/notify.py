"""Notifications, e-mail preferences and webhooks as the API shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime


class NotificationPublic(BaseModel):
    id: int
    kind: str = Field(examples=["order_placed"])
    ref: str = Field(examples=["order:12"], description="What it is about; once per kind.")
    values: dict[str, Any] = Field(examples=[{"order_id": 12, "clinic": "Folktand"}])
    created_at: UtcDatetime
    read_at: UtcDatetime | None


class NotificationPage(BaseModel):
    data: list[NotificationPublic]
    count: int = Field(description="All of the user's notifications (or unread ones).")
    limit: int
    offset: int
    unread: int = Field(description="How many are unread.")


class ReadResult(BaseModel):
    marked: int = Field(description="How many notifications were marked read now.")
    unread: int


class PreferencesPublic(BaseModel):
    lang: Literal["sv", "en"] = Field(description="The language of the user's e-mail.")
    email: dict[str, bool] = Field(
        description="Per notification kind: also sent by e-mail (in-app always).",
        examples=[{"order_placed": True, "feed_failed": True}],
    )
    kinds: list[str] = Field(description="The kinds this user can receive.")


class PreferencesUpdate(BaseModel):
    lang: Literal["sv", "en"] | None = None
    email: dict[str, bool] = Field(default_factory=dict, max_length=50)


class WebhookCreate(BaseModel):
    url: str = Field(min_length=1, max_length=500, examples=["https://erp.example.se/valbar"])
    kinds: list[str] = Field(min_length=1, max_length=30, examples=[["order.placed"]])


class WebhookPublic(BaseModel):
    id: int
    url: str
    kinds: list[str]
    active: bool
    created_at: UtcDatetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="Signs every delivery; shown only now.")


class WebhookList(BaseModel):
    data: list[WebhookPublic]
    count: int
    limit: int
    offset: int
    kinds: list[str] = Field(description="Every event kind an endpoint can receive.")


class DeliveryPublic(BaseModel):
    id: int
    kind: str
    status: Literal["queued", "sent", "failed"]
    attempts: int
    response_code: int | None
    response_excerpt: str | None
    last_error: str | None
    created_at: UtcDatetime
    next_attempt_at: UtcDatetime
    delivered_at: UtcDatetime | None


class DeliveryList(BaseModel):
    data: list[DeliveryPublic]
    count: int
    limit: int
    offset: int
