"""The admins' side of organisations (issue 14 item 5): find them, look at one, decide on a
sign-up, suspend and reactivate, correct its fields (the audit log itself is read through
``marketplace.admin_common.audit_log``).

Every action is an admin's (:func:`marketplace.access.require_admin`) and is written to the
audit trail (``catalog.audit.record``) in the same transaction; a status change publishes
its domain event (OrganisationApproved / OrganisationRefused / OrganisationSuspended /
OrganisationReactivated), and enqueues its retailer's products for the search index: only
an active organisation's offers are listed (``marketplace.listing``).

Status changes are safe under concurrency: each is one conditional UPDATE (``... WHERE
status = 'pending'`` for approve and refuse, ``'active'`` for suspend, ``'suspended'`` for
reactivate), so of two admins deciding the same sign-up at once one decides and the other
gets :class:`AlreadyDecided` (409), as :mod:`marketplace.moderation` does for reports.

A suspended organisation's members cannot act: their browser sessions are revoked here, and
sign-in, sessions and API keys check the organisation's status (``api.auth``), so nothing
needs to be revoked for good and reactivation gives the keys back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.enums import OrgKind, OrgStatus
from catalog.events import (
    OrganisationEvent,
    OrganisationReactivated,
    OrganisationSuspended,
    publish,
)
from catalog.models import AuditEntry, Organisation, Retailer, User, UserSession
from catalog.orgnr import OrgNumberError, parse_org_number, parse_vat_number
from catalog.paging import Page
from catalog.single_line import has_control
from marketplace import organisations
from marketplace.access import require_admin
from marketplace.admin_common import (
    choice,
    like_pattern,
    page_bounds,
    reason_text,
    search_text,
)
from marketplace.dates import as_utc
from marketplace.errors import AlreadyDecided, InvalidInput, NotFound
from marketplace.listing import requeue_seller

TARGET = "organisation"
FIELD_LIMITS: dict[str, int] = {"name": 200, "street": 200, "postal_code": 10, "city": 100}
"""The free-text fields an admin may correct, with their column lengths."""


# ---------------------------------------------------------------- finding organisations


def list_organisations(
    session: Session,
    user: User | None,
    *,
    q: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    awaiting: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Organisations matching ``q`` (name, org number, or a member's e-mail address) and the
    filters, waiting sign-ups first, then by name. ``awaiting`` keeps the pending ones that
    wait for their e-mail confirmation (``email_confirmation``) or for an admin
    (``decision``, what :func:`pending_signups` counts)."""
    require_admin(user)
    limit, offset = page_bounds(limit, offset)
    text = search_text(q)
    kind = choice("kind", kind, [k.value for k in OrgKind])
    status = choice("status", status, [s.value for s in OrgStatus])
    awaiting = choice("awaiting", awaiting, list(organisations.AWAITING))
    query = select(Organisation)
    if text is not None:
        pattern = like_pattern(text)
        digits = "".join(ch for ch in text if ch.isdigit())
        member = exists().where(
            User.organisation_id == Organisation.id,
            func.lower(User.email).like(pattern, escape="\\"),
        )
        matches = [func.lower(Organisation.name).like(pattern, escape="\\"), member]
        if len(digits) >= 4:
            number = func.replace(func.coalesce(Organisation.org_number, ""), "-", "")
            matches.append(number.like(f"%{digits}%"))
        query = query.where(or_(*matches))
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    if status is not None:
        query = query.where(Organisation.status == status)
    if awaiting is not None:
        decided = organisations.AWAITING_DECISION
        query = query.where(
            Organisation.status == OrgStatus.PENDING.value,
            decided if awaiting == organisations.AWAITING_ADMIN else ~decided,
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pending_first = (Organisation.status == OrgStatus.PENDING.value).desc()
    rows = session.scalars(
        query.order_by(pending_first, func.lower(Organisation.name), Organisation.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(rows, total, limit, offset)


def pending_signups(
    session: Session, user: User | None, awaiting: str = organisations.AWAITING_ADMIN
) -> int:
    """How many sign-ups wait for an admin (the admin home shows it): confirmed ones only;
    with ``awaiting="email_confirmation"``, how many still wait for their applicant. The
    same rows as :func:`list_organisations` with the same ``awaiting``."""
    require_admin(user)
    decided = organisations.AWAITING_DECISION
    found = session.scalar(
        select(func.count())
        .select_from(Organisation)
        .where(
            Organisation.status == OrgStatus.PENDING.value,
            decided if awaiting == organisations.AWAITING_ADMIN else ~decided,
        )
    )
    return int(found or 0)


@dataclass(frozen=True, slots=True)
class OrganisationDetail:
    """An organisation as its admin page shows it: members with their roles, the retailer it
    owns (a retailer organisation) and its status history from the audit trail."""

    organisation: Organisation
    members: Sequence[User]
    retailer: Retailer | None
    history: Sequence[AuditEntry]


def _organisation(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}")
    return org


def organisation_detail(
    session: Session, user: User | None, org_id: int, *, history: int = 100
) -> OrganisationDetail:
    require_admin(user)
    org = _organisation(session, org_id)
    members = session.scalars(
        select(User).where(User.organisation_id == org.id).order_by(User.name, User.id)
    ).all()
    retailer = session.get(Retailer, org.retailer_id) if org.retailer_id is not None else None
    entries = audit.entries_for(session, TARGET, org.id, limit=history)
    return OrganisationDetail(org, members, retailer, entries)


# ---------------------------------------------------------------- status changes


def _change_status(
    session: Session,
    admin: User,
    org_id: int,
    *,
    from_status: OrgStatus,
    to_status: OrgStatus,
    reason: str | None,
    now: datetime,
) -> Organisation:
    """One conditional UPDATE: of two admins at once, one changes it, the other gets
    :class:`AlreadyDecided`; an organisation in another status gets it too (409)."""
    org = _organisation(session, org_id)
    changed = rows_matched(
        session.execute(
            update(Organisation)
            .where(Organisation.id == org_id, Organisation.status == from_status.value)
            .values(
                status=to_status.value,
                status_reason=reason,
                status_changed_at=as_utc(now),
                status_changed_by=admin.id,
            )
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(org)
    if changed != 1:
        raise AlreadyDecided(
            f"organisation {org_id} is {org.status}, not {from_status.value}",
            code="org_status",
            status=org.status,
        )
    requeue_seller(session, org.id)  # its offers leave / re-enter search with the commit
    return org


def _members(session: Session, org_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.organisation_id == org_id)))


def _record(
    session: Session,
    admin: User,
    channel: str,
    action: str,
    org: Organisation,
    event: type[OrganisationEvent] | None,
    **detail: Any,
) -> None:
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action=f"organisation.{action}",
        target_kind=TARGET,
        target_id=org.id,
        detail={"status": org.status, **detail},
    )
    if event is not None:
        publish(session, event(organisation_id=org.id))


def approve(
    session: Session, user: User | None, org_id: int, *, now: datetime, channel: str = "web"
) -> Organisation:
    """Approve a waiting sign-up (``organisations.approve``: one conditional UPDATE, the
    retailer made for a retailer organisation, members may sign in): admins only."""
    admin = require_admin(user)
    org = _organisation(session, org_id)
    organisations.approve(session, org, admin, channel=channel, now=now)
    return org


def refuse(
    session: Session,
    user: User | None,
    org_id: int,
    reason: str,
    *,
    now: datetime,
    channel: str = "web",
) -> Organisation:
    """Refuse a waiting sign-up with a reason (kept on the organisation): admins only."""
    admin = require_admin(user)
    text = reason_text(reason)
    assert text is not None  # required: reason_text refuses an empty one
    org = _organisation(session, org_id)
    organisations.refuse(session, org, admin, text, channel=channel, now=now)
    return org


def suspend(
    session: Session,
    user: User | None,
    org_id: int,
    reason: str,
    *,
    now: datetime,
    channel: str = "web",
) -> tuple[Organisation, list[int]]:
    """Suspend an active organisation with a reason: every member's browser session ends
    now and their API keys are refused while it is suspended. Returns the organisation and
    its members' ids (the caller forgets their cached API-key grants after the commit)."""
    admin = require_admin(user)
    text = reason_text(reason)
    org = _change_status(
        session,
        admin,
        org_id,
        from_status=OrgStatus.ACTIVE,
        to_status=OrgStatus.SUSPENDED,
        reason=text,
        now=now,
    )
    member_ids = [m.id for m in _members(session, org.id)]
    ended = 0
    if member_ids:
        ended = rows_matched(
            session.execute(
                update(UserSession)
                .where(UserSession.user_id.in_(member_ids), UserSession.revoked_at.is_(None))
                .values(revoked_at=as_utc(now))
                .execution_options(synchronize_session=False)
            )
        )
    _record(
        session,
        admin,
        channel,
        "suspend",
        org,
        OrganisationSuspended,
        reason=text,
        sessions_ended=ended,
    )
    session.flush()
    return org, member_ids


def reactivate(
    session: Session,
    user: User | None,
    org_id: int,
    *,
    now: datetime,
    reason: str | None = None,
    channel: str = "web",
) -> Organisation:
    """Lift a suspension: the members may sign in again and their keys work again."""
    admin = require_admin(user)
    text = reason_text(reason, required=False)
    org = _change_status(
        session,
        admin,
        org_id,
        from_status=OrgStatus.SUSPENDED,
        to_status=OrgStatus.ACTIVE,
        reason=None,
        now=now,
    )
    _record(session, admin, channel, "reactivate", org, OrganisationReactivated, reason=text)
    session.flush()
    return org


# ---------------------------------------------------------------- correcting the fields


EDITABLE = ("name", "org_number", "vat_number", "street", "postal_code", "city")


def _field_text(field: str, value: str) -> str | None:
    text = value.strip()
    if field == "name" and not text:
        raise InvalidInput("name is required", code="field_required", field="name")
    if has_control(text):  # names go into e-mail subjects and the CLI's tables
        raise InvalidInput(
            f"{field} must be one line (no line breaks or control characters)",
            code="field_format",
            field=field,
        )
    high = FIELD_LIMITS[field]
    if len(text) > high:
        raise InvalidInput(
            f"{field} is at most {high} characters", code="field_length", field=field, high=high
        )
    return text or None


def _numbers(org: Organisation, changes: dict[str, str | None]) -> tuple[str | None, str | None]:
    number = org.org_number
    if "org_number" in changes:
        typed = (changes["org_number"] or "").strip()
        try:
            number = parse_org_number(typed) if typed else None
        except OrgNumberError as exc:
            raise InvalidInput(
                f"org_number: {exc.code}", code=f"org_number_{exc.code}", field="org_number"
            ) from None
    vat = org.vat_number
    if "vat_number" in changes:
        typed = (changes["vat_number"] or "").strip()
        vat = typed or None
    if vat is not None and ("vat_number" in changes or "org_number" in changes):
        try:
            vat = parse_vat_number(vat, number)
        except OrgNumberError as exc:
            raise InvalidInput(
                f"vat_number: {exc.code}", code=f"org_number_{exc.code}", field="vat_number"
            ) from None
    if number is None and org.org_number is not None:
        raise InvalidInput("org_number is required", code="field_required", field="org_number")
    return number, vat


def update_organisation(
    session: Session,
    user: User | None,
    org_id: int,
    changes: dict[str, str | None],
    *,
    channel: str = "web",
) -> Organisation:
    """Correct an organisation's fields (``EDITABLE``; the ones given): the org number is
    read with its check digit and must be unique per kind, a VAT number must be the
    organisation's own. A clinic's new name is mirrored on its members (``User.clinic``)."""
    admin = require_admin(user)
    org = _organisation(session, org_id)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(f"not an editable field: {unknown[0]}", field=unknown[0])
    new: dict[str, str | None] = {}
    for field in ("name", "street", "postal_code", "city"):
        if field in changes:
            new[field] = _field_text(field, changes[field] or "")
    new["org_number"], new["vat_number"] = _numbers(org, changes)
    if new["org_number"] is not None and new["org_number"] != org.org_number:
        taken = session.scalar(
            select(Organisation.id).where(
                Organisation.kind == org.kind,
                Organisation.org_number == new["org_number"],
                Organisation.id != org.id,
            )
        )
        if taken is not None:
            raise InvalidInput(
                f"org_number {new['org_number']} belongs to organisation {taken}",
                code="org_number_taken",
                field="org_number",
            )
    diff = {f: [getattr(org, f), v] for f, v in new.items() if getattr(org, f) != v}
    if not diff:
        return org
    for field, (_old, value) in diff.items():
        setattr(org, field, value)
    if "name" in diff and org.kind == OrgKind.CLINIC.value:
        for member in _members(session, org.id):
            member.clinic = org.name
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="organisation.edit",
        target_kind=TARGET,
        target_id=org.id,
        detail={"changed": diff},
    )
    try:
        session.flush()
    except IntegrityError:
        # another admin gave the same number to another organisation at the same moment
        session.rollback()
        raise InvalidInput(
            f"org_number {new['org_number']} belongs to another organisation",
            code="org_number_taken",
            field="org_number",
        ) from None
    return org
