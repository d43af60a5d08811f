"""The admin console's API (issue 14 item 5): organisations (search, approve or refuse a
sign-up, suspend, reactivate, correct), users (search, roles, suspend, reactivate, reset
sign-in) and the audit log. Admins only; every action is audited. Thin: each route calls
one ``marketplace.org_admin`` / ``marketplace.user_admin`` service and commits."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from api.deps import RateLimitDep, RequireAdmin, SessionDep, SettingsDep, public_base
from api.params import DbId
from api.password_links import LINK_HOURS, link_for
from api.schemas.admin import (
    AuditEntryPublic,
    AwaitingName,
    MemberPublic,
    OptionalReason,
    OrganisationDetailPublic,
    OrganisationEdit,
    OrganisationPublic,
    Paged,
    ReasonBody,
    ResetResult,
    RetailerLink,
    RolesBody,
    UserPublic,
)
from api.schemas.common import API_PROBLEMS, problems
from api.throttle import lift_lock
from catalog.models import AuditEntry, Organisation, User
from marketplace import admin_common, org_admin, user_admin
from marketplace import organisations as organisations_domain
from marketplace.dates import utc_now
from marketplace.user_admin import ListedUser

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)
ORGS = "/api/v1/admin/organisations"
USERS = "/api/v1/admin/users"
Limit = Annotated[int, Query(ge=1, le=100, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="Rows to skip.")]
SearchText = Annotated[str | None, Query(max_length=200)]
CHANNEL = "api"


def organisation_public(org: Organisation) -> OrganisationPublic:
    return OrganisationPublic.model_validate(
        {
            **{
                c: getattr(org, c)
                for c in OrganisationPublic.model_fields
                if c not in ("href", "awaiting")
            },
            "awaiting": organisations_domain.awaiting(org),
            "href": f"{ORGS}/{org.id}",
        }
    )


def entry_public(entry: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        target_kind=entry.target_kind,
        target_id=entry.target_id,
        detail=dict(entry.detail or {}),
    )


def _detail(session: Session, admin: User, org_id: int) -> OrganisationDetailPublic:
    found = org_admin.organisation_detail(session, admin, org_id)
    retailer = None
    if found.retailer is not None:
        r = found.retailer
        retailer = RetailerLink(id=r.id, slug=r.slug, name=r.name, href=f"/handlare/{r.slug}")
    return OrganisationDetailPublic(
        **organisation_public(found.organisation).model_dump(),
        members=[
            MemberPublic(
                id=m.id,
                email=m.email,
                name=m.name,
                role=m.role,  # type: ignore[arg-type]
                org_role=m.org_role,  # type: ignore[arg-type]
                active=m.active,
            )
            for m in found.members
        ],
        retailer=retailer,
        history=[entry_public(e) for e in found.history],
    )


def user_public(listed: ListedUser) -> UserPublic:
    u, org = listed.user, listed.organisation
    return UserPublic.model_validate(
        {
            "id": u.id,
            "email": u.email,
            "name": u.name,
            "role": u.role,
            "org_role": u.org_role,
            "active": u.active,
            "organisation_id": u.organisation_id,
            "organisation_name": org.name if org is not None else None,
            "organisation_status": org.status if org is not None else None,
            "retailer_id": u.retailer_id,
            "clinic": u.clinic,
            "created_at": u.created_at,
            "href": f"{USERS}/{u.id}",
        }
    )


def _forget_keys(request: Request, user_ids: list[int]) -> None:
    """Cached API-key grants of these users end now in this process (others re-read the
    user, and the organisation, within ``api_key_cache_seconds``)."""
    for uid in user_ids:
        request.app.state.api_keys.forget_user(uid)


# ---------------------------------------------------------------- organisations


@router.get(
    "/organisations",
    response_model=Paged[OrganisationPublic],
    responses=problems(401, 403, 422, 429),
)
def organisations(
    admin: RequireAdmin,
    session: SessionDep,
    q: SearchText = None,
    kind: Annotated[Literal["retailer", "clinic"] | None, Query()] = None,
    status: Annotated[Literal["pending", "active", "suspended", "refused"] | None, Query()] = None,
    awaiting: Annotated[
        AwaitingName | None,
        Query(
            description="Pending ones waiting for their e-mail confirmation, or for an "
            "admin's decision (what the dashboard counts)."
        ),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[OrganisationPublic]:
    """Organisations by name, org number (any form, 4+ digits) or a member's e-mail
    (``q``), filtered by ``kind``, ``status`` and ``awaiting``; waiting sign-ups first.
    Example: ``GET /api/v1/admin/organisations?awaiting=decision``"""
    page = org_admin.list_organisations(
        session,
        admin,
        q=q,
        kind=kind,
        status=status,
        awaiting=awaiting,
        limit=limit,
        offset=offset,
    )
    return Paged[OrganisationPublic](
        data=[organisation_public(o) for o in page.items],
        count=page.count,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/organisations/{org_id}",
    response_model=OrganisationDetailPublic,
    responses=problems(401, 403, 404, 422, 429),
)
def organisation(
    org_id: DbId, admin: RequireAdmin, session: SessionDep
) -> OrganisationDetailPublic:
    """One organisation with its members, its retailer and its status history."""
    return _detail(session, admin, org_id)


@router.patch(
    "/organisations/{org_id}",
    response_model=OrganisationDetailPublic,
    responses=problems(401, 403, 404, 422, 429),
)
def edit_organisation(
    org_id: DbId, body: OrganisationEdit, admin: RequireAdmin, session: SessionDep
) -> OrganisationDetailPublic:
    """Correct the fields given (org number with its check digit, unique per kind; the VAT
    number must be the organisation's own). Audited with the old and new values."""
    changes = body.model_dump(exclude_unset=True)
    org_admin.update_organisation(session, admin, org_id, changes, channel=CHANNEL)
    session.commit()
    return _detail(session, admin, org_id)


@router.post(
    "/organisations/{org_id}/approve",
    response_model=OrganisationDetailPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def approve_organisation(
    org_id: DbId, admin: RequireAdmin, session: SessionDep
) -> OrganisationDetailPublic:
    """Approve a waiting sign-up (its members may sign in). Not waiting, or another admin
    decided first: 409 ``already-decided``; its e-mail not confirmed yet (``awaiting`` is
    ``email_confirmation``): 409 ``signup-unconfirmed``."""
    org_admin.approve(session, admin, org_id, now=utc_now(), channel=CHANNEL)
    session.commit()
    return _detail(session, admin, org_id)


@router.post(
    "/organisations/{org_id}/refuse",
    response_model=OrganisationDetailPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def refuse_organisation(
    org_id: DbId, body: ReasonBody, admin: RequireAdmin, session: SessionDep
) -> OrganisationDetailPublic:
    """Refuse a waiting sign-up with a reason. Another admin decided first: 409."""
    org_admin.refuse(session, admin, org_id, body.reason, now=utc_now(), channel=CHANNEL)
    session.commit()
    return _detail(session, admin, org_id)


@router.post(
    "/organisations/{org_id}/suspend",
    response_model=OrganisationDetailPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def suspend_organisation(
    request: Request, org_id: DbId, body: ReasonBody, admin: RequireAdmin, session: SessionDep
) -> OrganisationDetailPublic:
    """Suspend an active organisation with a reason: its members are signed out and their
    API keys refused until it is reactivated."""
    _, members = org_admin.suspend(
        session, admin, org_id, body.reason, now=utc_now(), channel=CHANNEL
    )
    session.commit()
    _forget_keys(request, members)
    return _detail(session, admin, org_id)


@router.post(
    "/organisations/{org_id}/reactivate",
    response_model=OrganisationDetailPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def reactivate_organisation(
    org_id: DbId, admin: RequireAdmin, session: SessionDep, body: OptionalReason | None = None
) -> OrganisationDetailPublic:
    """Lift a suspension: members may sign in again, their keys work again."""
    reason = body.reason if body is not None else None
    org_admin.reactivate(session, admin, org_id, now=utc_now(), reason=reason, channel=CHANNEL)
    session.commit()
    return _detail(session, admin, org_id)


# ---------------------------------------------------------------- users


@router.get("/users", response_model=Paged[UserPublic], responses=problems(401, 403, 422, 429))
def users(
    admin: RequireAdmin,
    session: SessionDep,
    q: SearchText = None,
    role: Annotated[
        Literal["clinic", "retailer", "merchandiser", "admin", "sponsor"] | None, Query()
    ] = None,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[UserPublic]:
    """Users by e-mail, name or organisation name (``q``), platform ``role`` or
    ``organisation_id``. Example: ``GET /api/v1/admin/users?q=tand&role=retailer``"""
    page = user_admin.list_users(
        session,
        admin,
        q=q,
        role=role,
        organisation_id=organisation_id,
        limit=limit,
        offset=offset,
    )
    return Paged[UserPublic](
        data=[user_public(u) for u in page.items],
        count=page.count,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/users/{user_id}", response_model=UserPublic, responses=problems(401, 403, 404, 429))
def user(user_id: DbId, admin: RequireAdmin, session: SessionDep) -> UserPublic:
    return user_public(user_admin.get_user(session, admin, user_id))


@router.post(
    "/users/{user_id}/roles",
    response_model=UserPublic,
    responses=problems(401, 403, 404, 422, 429),
)
def set_roles(
    user_id: DbId, body: RolesBody, admin: RequireAdmin, session: SessionDep
) -> UserPublic:
    """Change the platform role and/or the role in the organisation, kept consistent with
    the organisation (a retailer organisation's members are ``retailer`` with
    representative/staff, a clinic's ``clinic`` with manager/buyer; platform staff belong to
    none); the last active manager of an organisation stays one. Not your own: 403."""
    user_admin.change_roles(
        session, admin, user_id, role=body.role, org_role=body.org_role, channel=CHANNEL
    )
    session.commit()
    return user_public(user_admin.get_user(session, admin, user_id))


@router.post(
    "/users/{user_id}/suspend",
    response_model=UserPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def suspend_user(
    request: Request, user_id: DbId, body: ReasonBody, admin: RequireAdmin, session: SessionDep
) -> UserPublic:
    """Suspend a user with a reason: signed out everywhere, API keys refused. Already
    suspended: 409."""
    user_admin.suspend_user(session, admin, user_id, body.reason, now=utc_now(), channel=CHANNEL)
    session.commit()
    _forget_keys(request, [user_id])
    return user_public(user_admin.get_user(session, admin, user_id))


@router.post(
    "/users/{user_id}/reactivate",
    response_model=UserPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def reactivate_user(
    user_id: DbId, admin: RequireAdmin, session: SessionDep, body: OptionalReason | None = None
) -> UserPublic:
    """Let a suspended user sign in again. Already active: 409."""
    reason = body.reason if body is not None else None
    user_admin.reactivate_user(
        session, admin, user_id, now=utc_now(), reason=reason, channel=CHANNEL
    )
    session.commit()
    return user_public(user_admin.get_user(session, admin, user_id))


@router.post(
    "/users/{user_id}/reset-sign-in",
    response_model=ResetResult,
    responses=problems(401, 403, 404, 422, 429),
)
def reset_sign_in(
    request: Request,
    user_id: DbId,
    admin: RequireAdmin,
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[Literal["sv", "en"], Query(description="The e-mail's language.")] = "sv",
) -> ResetResult:
    """Sign the user out everywhere, lift their account's sign-in lock and e-mail them a
    link (valid 24 hours, usable once) to set a new password."""
    target, ended = user_admin.reset_sign_in(
        session,
        admin,
        user_id,
        link_for=lambda u: link_for(settings, public_base(request), u),
        lang=lang,
        valid_hours=LINK_HOURS,
        now=utc_now(),
        channel=CHANNEL,
    )
    session.commit()
    lifted = lift_lock(session, email=target.email, actor=f"admin {admin.email} (api)")
    return ResetResult(
        user=user_public(user_admin.get_user(session, admin, user_id)),
        sessions_ended=ended,
        lock_lifted=bool(lifted and lifted.was_locked),
        email_queued=True,
    )


# ---------------------------------------------------------------- audit log


@router.get(
    "/audit-log", response_model=Paged[AuditEntryPublic], responses=problems(401, 403, 422, 429)
)
def audit_log(
    admin: RequireAdmin,
    session: SessionDep,
    target_kind: Annotated[str | None, Query(max_length=30, examples=["organisation"])] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=60, description="Prefix: organisation.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[AuditEntryPublic]:
    """Who did what to whom, newest first; filter by target and action prefix."""
    page = admin_common.audit_log(
        session,
        admin,
        target_kind=target_kind,
        target_id=target_id,
        action=action,
        limit=limit,
        offset=offset,
    )
    return Paged[AuditEntryPublic](
        data=[entry_public(e) for e in page.items],
        count=page.count,
        limit=page.limit,
        offset=page.offset,
    )
