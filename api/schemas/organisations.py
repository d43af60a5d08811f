"""Sign-up, e-mail confirmation, invitations and an organisation's members."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime


class OrganisationIn(BaseModel):
    name: str = Field(max_length=300, examples=["Tandlagret AB"])
    org_number: str = Field(max_length=40, examples=["556677-8899"])
    vat_number: str = Field(default="", max_length=40, examples=["SE556677889901"])
    street: str = Field(max_length=300, examples=["Hamngatan 2"])
    postal_code: str = Field(max_length=20, examples=["411 06"])
    city: str = Field(max_length=300, examples=["Göteborg"])


class PersonIn(BaseModel):
    name: str = Field(max_length=300, examples=["Vera Lund"])
    email: str = Field(max_length=254, examples=["vera@tandlagret.se"])
    password: str = Field(max_length=1024)


class SignupCreate(BaseModel):
    """A retailer's or a clinic's sign-up: the organisation, its representative (retailer)
    or manager (clinic), and the terms accepted."""

    kind: Literal["retailer", "clinic"]
    organisation: OrganisationIn
    person: PersonIn
    terms_accepted: bool
    lang: Literal["sv", "en"] = "sv"
    referral_code: str | None = Field(
        default=None,
        max_length=40,
        description="A retailer's sign-up through a loyalty referral link (its ?ref= code).",
    )


class SignupAccepted(BaseModel):
    """The same answer whether or not the address has an account (no enumeration)."""

    status: Literal["confirmation_sent"] = "confirmation_sent"
    email: str


class SignupConfirm(BaseModel):
    token: str = Field(min_length=1, max_length=500)


class SignupConfirmed(BaseModel):
    organisation_id: int
    status: str  # the organisation's: pending until an admin approves
    confirmed_now: bool  # False: it was confirmed before (the link works once)


class MemberPublic(BaseModel):
    id: int
    name: str
    email: str
    org_role: str


class MemberRoleChange(BaseModel):
    org_role: str = Field(max_length=40, examples=["staff"])


class InvitationCreate(BaseModel):
    email: str = Field(max_length=254, examples=["kalle@tandlagret.se"])
    org_role: str = Field(max_length=40, examples=["staff"])
    lang: Literal["sv", "en"] = "sv"


class InvitationPublic(BaseModel):
    id: int
    email: str
    org_role: str
    created_at: UtcDatetime
    expires_at: UtcDatetime


class InvitationAccept(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    name: str = Field(max_length=300)
    password: str = Field(max_length=1024)
