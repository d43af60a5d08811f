"""The sponsor's loyalty report as the API shows it (``loyalty.reports``): money in kronor."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime


class MonthFlowPublic(BaseModel):
    month: str = Field(examples=["2026-11"], description="A Swedish calendar month.")
    issued: int = Field(description="Points the sponsor's budget paid out.")
    clawed_back: int = Field(description="Points that went back to the sponsor's budget.")
    redeemed: int = Field(description="Points spent in the shop, less refunds.")
    expired: int
    outstanding: int = Field(description="Points members and sellers held at the month's end.")
    outstanding_value_sek: Decimal = Field(description="The liability: outstanding x value.")


class ActivityCostPublic(BaseModel):
    activity: str = Field(
        examples=["sale"],
        description="The entry kind paid for (sale, quiz, bonus, adjustment, ...) or "
        "campaign_bonus: a campaign's points above a sale's own.",
    )
    points: int = Field(description="Net of clawbacks.")
    value_sek: Decimal


class CampaignSalesPublic(BaseModel):
    campaign_id: int
    name: str
    multiplier: Decimal
    target_kind: str
    target_value: str
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    before_from: UtcDatetime = Field(description="Start of the same-length window before.")
    during_until: UtcDatetime = Field(description="The campaign's end, or now while it runs.")
    before_sek: Decimal
    before_lines: int
    before_quantity: int
    during_sek: Decimal
    during_lines: int
    during_quantity: int
    change: Decimal | None = Field(
        description="During over before as a fraction (0.25: 25 % more); null without sales before."
    )


class SponsorReportPublic(BaseModel):
    programme_id: int
    programme_name: str
    point_value_ore: int
    months: list[MonthFlowPublic]
    activities: list[ActivityCostPublic] = Field(description="Over the report's months.")
    campaigns: list[CampaignSalesPublic]
    generated_at: UtcDatetime
