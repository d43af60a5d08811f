"""Loyalty programmes, memberships, participants and points as the API shows them."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime


class ProgrammeCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Tandklubben 2027"])
    sponsor_name: str = Field(
        default="",
        max_length=200,
        examples=["Dentsply Sirona"],
        description="Required unless sponsor_organisation_id names the sponsor.",
    )
    sponsor_organisation_id: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="The sponsor organisation (kind sponsor, active) whose representatives "
        "manage the programme; none: Valbar runs it (platform admins manage it).",
    )
    points_per_krona: Decimal = Field(
        gt=0, le=1000, decimal_places=4, examples=["1"], description="Points per krona sold."
    )
    point_value_ore: int = Field(ge=1, le=100_000, examples=[5], description="Öre per point.")
    expiry_months: int = Field(ge=1, le=120, examples=[24])


class ProgrammePublic(BaseModel):
    id: int
    name: str
    sponsor_name: str
    sponsor_organisation_id: int | None
    points_per_krona: Decimal
    point_value_ore: int
    expiry_months: int
    active: bool
    created_at: UtcDatetime


class TermsAcceptance(BaseModel):
    terms_version: str = Field(
        min_length=1, max_length=20, examples=["2026-12"], description="The version accepted."
    )


class MembershipPublic(BaseModel):
    programme_id: int
    organisation_id: int
    terms_version: str
    terms_accepted_at: UtcDatetime


class ParticipantInvite(BaseModel):
    user_id: int = Field(ge=1, le=2**31 - 1, description="A user of your own organisation.")


class ParticipantPublic(BaseModel):
    id: int
    user_id: int | None = Field(description="None once the seller's account was erased.")
    name: str | None
    invited_at: UtcDatetime
    terms_version: str | None
    terms_accepted_at: UtcDatetime | None = Field(description="None until they accept.")


class MyProgrammePoints(BaseModel):
    programme: ProgrammePublic
    member_points: int = Field(description="Your organisation's points (its own and sellers').")
    member_own_points: int = Field(description="Points not attributed to a seller.")
    my_points: int | None = Field(description="Your seller sub-account; None unless you take part.")
    invited: bool
    participating: bool = Field(description="You accepted the participant terms.")
    points_value_sek: Decimal = Field(description="What the organisation's points are worth.")


class MyPoints(BaseModel):
    data: list[MyProgrammePoints]
    member_terms_version: str = Field(description="The member terms to accept now.")
    participant_terms_version: str = Field(description="The participant terms to accept now.")


class EntryPublic(BaseModel):
    id: int
    programme_id: int
    kind: str = Field(examples=["sale"])
    reason: str
    points: int = Field(description="Points moved (always > 0).")
    change: int = Field(description="What it did to the accounts you see: + in, - out.")
    order_id: int | None
    created_at: UtcDatetime


class MonthClosed(BaseModel):
    """What a programme's month-end close did (``loyalty.closing.close_month``)."""

    programme_id: int
    month: str = Field(examples=["2026-11"], description="The month awarded (YYYY-MM).")
    awards_made: int = Field(description="Månadens säljare and butik made now (0-2).")
    expired_accounts: int
    expired_points: int
    already_closed: bool = Field(description="Nothing was left to do: closed before.")
