"""Shapes of the admin console's API: organisations, users and the audit log."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import UtcDatetime

T = TypeVar("T")
OrgKindName = Literal["retailer", "clinic", "sponsor"]
OrgStatusName = Literal["pending", "active", "suspended", "refused"]
AwaitingName = Literal["email_confirmation", "decision"]
PlatformRole = Literal["clinic", "retailer", "merchandiser", "admin", "sponsor"]
OrgRoleName = Literal["representative", "staff", "manager", "buyer"]


class Paged(BaseModel, Generic[T]):
    """A page of a list: ``count`` is the total, ``limit``/``offset`` the page asked for."""

    data: list[T]
    count: int
    limit: int
    offset: int


class RetailerLink(BaseModel):
    id: int
    slug: str
    name: str
    href: str = Field(description="The retailer's public page.")


class OrganisationPublic(BaseModel):
    id: int
    kind: OrgKindName
    name: str
    org_number: str | None = Field(description="NNNNNN-NNNN; null for a migrated one")
    vat_number: str | None
    street: str | None
    postal_code: str | None
    city: str | None
    status: OrgStatusName
    awaiting: AwaitingName | None = Field(
        description="What a pending organisation waits for: its applicant's e-mail "
        "confirmation (it cannot be approved yet) or an admin's decision; null when not pending."
    )
    status_reason: str | None
    status_changed_at: UtcDatetime | None
    retailer_id: int | None
    terms_version: str | None
    terms_accepted_at: UtcDatetime | None
    created_at: UtcDatetime
    href: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "kind": "retailer",
                    "name": "Tand AB",
                    "org_number": "556677-8899",
                    "vat_number": "SE556677889901",
                    "street": "Storgatan 1",
                    "postal_code": "111 22",
                    "city": "Stockholm",
                    "status": "pending",
                    "awaiting": "decision",
                    "status_reason": None,
                    "status_changed_at": None,
                    "retailer_id": 3,
                    "terms_version": "2026-01",
                    "terms_accepted_at": "2026-12-07T09:12:00+00:00",
                    "created_at": "2026-12-07T09:12:00+00:00",
                    "href": "/api/v1/admin/organisations/12",
                }
            ]
        }
    )


class MemberPublic(BaseModel):
    id: int
    email: str
    name: str
    role: PlatformRole
    org_role: OrgRoleName | None
    active: bool


class AuditEntryPublic(BaseModel):
    id: int
    at: UtcDatetime
    actor: str = Field(description='"admin a@b.se (web)", "cli" or "system"')
    action: str = Field(examples=["organisation.approve"])
    target_kind: str
    target_id: str
    detail: dict[str, Any]


class OrganisationDetailPublic(OrganisationPublic):
    members: list[MemberPublic]
    retailer: RetailerLink | None
    history: list[AuditEntryPublic] = Field(description="Its audit entries, newest first.")


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    role: PlatformRole
    org_role: OrgRoleName | None
    active: bool
    organisation_id: int | None
    organisation_name: str | None
    organisation_status: OrgStatusName | None
    retailer_id: int | None
    clinic: str | None
    created_at: UtcDatetime
    href: str


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, examples=["Uppgifterna stämmer inte"])


class OptionalReason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(None, max_length=2000)


class OrganisationEdit(BaseModel):
    """The fields to correct (leave the others out); an empty string clears an optional
    one. The org number is checked with its check digit, the VAT number against it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"org_number": "5566778899", "city": "Göteborg"}]},
    )
    name: str | None = Field(None, min_length=1, max_length=200)
    org_number: str | None = Field(None, max_length=20)
    vat_number: str | None = Field(None, max_length=20)
    street: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=10)
    city: str | None = Field(None, max_length=100)


class RolesBody(BaseModel):
    """The new platform role and/or role in the organisation (leave one out to keep it)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"org_role": "representative"}]}
    )
    role: PlatformRole | None = None
    org_role: OrgRoleName | None = None


class ResetResult(BaseModel):
    user: UserPublic
    sessions_ended: int
    lock_lifted: bool = Field(description="true: the account was locked by the sign-in throttle")
    email_queued: bool = Field(description="the e-mail with the link to set a new password")


class QueueLengthsPublic(BaseModel):
    """What waits for a person (the ``/admin`` dashboard's numbers)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "match_offers": 12,
                    "held_reviews": 3,
                    "held_for_admins": 1,
                    "open_reports": 2,
                    "pending_signups": 4,
                    "failed_runs": 1,
                    "failed_run_days": 7,
                    "emails_queued": 0,
                    "emails_failed": 0,
                }
            ]
        }
    )

    match_offers: int = Field(description="Offers with a pending match candidate.")
    held_reviews: int = Field(description="Low reviews held, waiting for a response.")
    held_for_admins: int = Field(description="Of those, the ones only an admin decides.")
    open_reports: int = Field(description="Review abuse reports not resolved.")
    pending_signups: int = Field(description="Organisations waiting for approval.")
    failed_runs: int = Field(description="Feed runs failed or refused in the last days.")
    failed_run_days: int = Field(description="How many days `failed_runs` looks back.")
    emails_queued: int
    emails_failed: int
