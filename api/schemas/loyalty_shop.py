"""The points shop as the API shows it: rewards, baskets, redemption orders, the policy of
who redeems, the sponsor's liability report and the expiry run."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime


class RewardWrite(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Presentkort 500 kr"])
    description: str = Field(default="", max_length=5000)
    picture_url: str | None = Field(
        default=None,
        max_length=500,
        description="A path of a picture on this site (a picture on another site is blocked "
        "by the content security policy: upload it on the sponsor's shop page instead).",
    )
    category: str = Field(min_length=1, max_length=100, examples=["Presentkort"])
    price_points: int = Field(ge=1, le=10_000_000, examples=[10_000])
    stock: int = Field(ge=0, le=1_000_000, examples=[25])
    active: bool = True


class RewardPublic(BaseModel):
    id: int
    programme_id: int
    name: str
    description: str
    picture_url: str | None = Field(
        description="The picture to show: the uploaded one (served by the site), else a path "
        "on this site given before uploads; none otherwise."
    )
    category: str
    price_points: int
    stock: int
    active: bool
    updated_at: UtcDatetime


class BasketWrite(BaseModel):
    reward_id: int = Field(ge=1, le=2**31 - 1)
    quantity: int = Field(ge=0, le=100, description="0 removes the reward from the basket.")


class BasketLine(BaseModel):
    reward: RewardPublic
    quantity: int
    points: int = Field(description="quantity x the reward's points price")


class Basket(BaseModel):
    programme_id: int
    lines: list[BasketLine]
    total_points: int


class RedemptionCreate(BaseModel):
    request_key: str = Field(
        min_length=1,
        max_length=100,
        description="Made once per checkout by the client: a repeated submit with the same "
        "key returns the order it made (200) instead of a second one.",
    )
    delivery_name: str = Field(min_length=1, max_length=200)
    delivery_address: str = Field(min_length=1, max_length=300)
    delivery_postcode: str = Field(min_length=5, max_length=10, examples=["123 45"])
    delivery_city: str = Field(min_length=1, max_length=100)
    delivery_email: str | None = Field(default=None, max_length=320)


class RedemptionLinePublic(BaseModel):
    reward_id: int
    reward_name: str
    quantity: int
    unit_points: int


class RedemptionPublic(BaseModel):
    id: int
    programme_id: int
    membership_id: int
    participant_id: int | None = Field(description="None when the organisation redeemed.")
    status: str = Field(examples=["placed"])
    points: int
    value_sek: Decimal = Field(description="What the points were worth when placed.")
    delivery_name: str
    delivery_address: str
    delivery_postcode: str
    delivery_city: str
    delivery_email: str | None
    placed_at: UtcDatetime
    fulfilled_at: UtcDatetime | None
    cancelled_at: UtcDatetime | None
    cancel_reason: str | None
    lines: list[RedemptionLinePublic]


class CancelRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class PolicyWrite(BaseModel):
    redeemer: Literal["entity", "sellers"] = Field(
        description="entity: only the representative redeems, from the organisation's "
        "points; sellers: each seller from their own sub-account."
    )


class PolicyPublic(BaseModel):
    programme_id: int
    membership_id: int
    redeemer: str


class LiabilityReport(BaseModel):
    programme_id: int
    point_value_ore: int
    outstanding_points: int
    outstanding_value_sek: Decimal
    redeemed_points: int
    redeemed_value_sek: Decimal
    placed: int
    fulfilled: int
    cancelled: int
    expired_points: int


class ExpiryRun(BaseModel):
    expired_accounts: int
    expired_points: int
    reminders: int
