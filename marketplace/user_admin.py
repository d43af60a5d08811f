"""The admins' side of users (issue 14 item 5): find them, change their platform role or
their role in their organisation, suspend and reactivate them, and reset their sign-in.

Every action is an admin's and is written to the audit trail in its transaction. Roles stay
consistent with the organisation: a member of a retailer organisation is a ``retailer``
with the organisation's retailer (``User.retailer_id``) and a retailer org role; a member of
a clinic organisation a ``clinic`` with its name (``User.clinic``) and a clinic org role;
platform staff (``merchandiser``, ``admin``) belong to no organisation. An admin never
changes their own role or suspends themselves (no locking the last door from inside), and
an organisation keeps at least one active managing member (representative / manager).

"Reset sign-in" ends every session of the user and queues an e-mail (template
``password_reset``) with a link to set a new password; the HTTP layer makes the signed,
expiring link and lifts the sign-in throttle's lock after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.enums import ORG_ROLES, OrgKind, OrgRole
from catalog.models import Organisation, User, UserSession
from catalog.paging import Page
from marketplace.access import require_admin
from marketplace.admin_common import (
    choice,
    like_pattern,
    page_bounds,
    reason_text,
    search_text,
)
from marketplace.dates import as_utc
from marketplace.errors import AlreadyDecided, InvalidInput, NotAllowed, NotFound
from marketplace.mail import queue_email

TARGET = "user"
PLATFORM_ROLES = ("clinic", "retailer", "merchandiser", "admin", "sponsor")
STAFF_ROLES = ("merchandiser", "admin")
ROLE_OF_KIND = {
    OrgKind.RETAILER.value: "retailer",
    OrgKind.CLINIC.value: "clinic",
    OrgKind.SPONSOR.value: "sponsor",
}
RESET_TEMPLATE = "password_reset"


@dataclass(frozen=True, slots=True)
class ListedUser:
    """A user with the name of their organisation (None for platform staff)."""

    user: User
    organisation: Organisation | None


def list_users(
    session: Session,
    user: User | None,
    *,
    q: str | None = None,
    role: str | None = None,
    organisation_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Users matching ``q`` (e-mail, name or their organisation's name), by e-mail; items
    are :class:`ListedUser`."""
    require_admin(user)
    limit, offset = page_bounds(limit, offset)
    text = search_text(q)
    role = choice("role", role, PLATFORM_ROLES)
    query = select(User, Organisation).outerjoin(
        Organisation, Organisation.id == User.organisation_id
    )
    if text is not None:
        pattern = like_pattern(text)
        query = query.where(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(Organisation.name).like(pattern, escape="\\"),
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(func.lower(User.email), User.id).limit(limit).offset(offset)
    ).all()
    return Page([ListedUser(u, o) for u, o in rows], total, limit, offset)


def get_user(session: Session, user: User | None, user_id: int) -> ListedUser:
    require_admin(user)
    found = session.get(User, user_id)
    if found is None:
        raise NotFound(f"no user {user_id}")
    org = session.get(Organisation, found.organisation_id) if found.organisation_id else None
    return ListedUser(found, org)


def _not_self(admin: User, target: User, what: str) -> None:
    if admin.id == target.id:
        raise NotAllowed(f"an admin cannot {what} themselves", code="self_action")


def _managers_left(session: Session, org_id: int, without: int) -> int:
    managing = [r.value for r in OrgRole if r.manages]
    found = session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.organisation_id == org_id,
            User.id != without,
            User.active.is_(True),
            User.org_role.in_(managing),
        )
    )
    return int(found or 0)


def _keep_a_manager(session: Session, target: User, org: Organisation | None) -> None:
    """Refuse to take away an organisation's last active managing member."""
    if org is None or target.org_role is None or not OrgRole(target.org_role).manages:
        return
    # the organisation's row lock (PostgreSQL; SQLite has one writer) makes two admins
    # demoting its last two managers at once wait for each other, and the second sees one
    session.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())
    if _managers_left(session, org.id, target.id) == 0:
        raise InvalidInput(
            f"{target.email} is the last active {target.org_role} of {org.name}",
            code="last_manager",
            field="org_role",
            organisation=org.name,
        )


def change_roles(
    session: Session,
    user: User | None,
    user_id: int,
    *,
    role: str | None = None,
    org_role: str | None = None,
    channel: str = "web",
) -> User:
    """Set the platform ``role`` and/or the ``org_role`` (None: unchanged), keeping the user
    consistent with their organisation (see the module text)."""
    admin = require_admin(user)
    target, org = get_user(session, admin, user_id).user, None
    if target.organisation_id is not None:
        org = session.get(Organisation, target.organisation_id)
    role = choice("role", role, PLATFORM_ROLES)
    new_role = role or target.role
    if org is None:
        if new_role not in STAFF_ROLES:
            raise InvalidInput(
                f"role {new_role} needs an organisation; {target.email} belongs to none",
                code="role_needs_org",
                field="role",
            )
        if org_role:
            raise InvalidInput(
                "org_role is only for members of an organisation",
                code="org_role_without_org",
                field="org_role",
            )
        new_org_role = None
    else:
        if new_role != ROLE_OF_KIND[org.kind]:
            raise InvalidInput(
                f"a member of {org.name} ({org.kind}) has the role {ROLE_OF_KIND[org.kind]}",
                code="role_of_org",
                field="role",
                role=ROLE_OF_KIND[org.kind],
            )
        allowed = [r.value for r in ORG_ROLES[OrgKind(org.kind)]]
        new_org_role = choice("org_role", org_role, allowed) or target.org_role
        if new_org_role not in allowed:
            raise InvalidInput(
                f"org_role must be one of {', '.join(allowed)}",
                code="field_choice",
                field="org_role",
                choices=", ".join(allowed),
            )
        if new_org_role != target.org_role and not OrgRole(new_org_role).manages:
            _keep_a_manager(session, target, org)
    before = {"role": target.role, "org_role": target.org_role}
    after = {"role": new_role, "org_role": new_org_role}
    if before != after:
        _not_self(admin, target, "change the role of")
    target.role, target.org_role = new_role, new_org_role
    # the mirrors older code reads: the organisation's retailer, the clinic's name
    target.retailer_id = org.retailer_id if org is not None and org.kind == "retailer" else None
    target.clinic = org.name if org is not None and org.kind == "clinic" else None
    if before != after:
        audit.record(
            session,
            actor=admin,
            channel=channel,
            action="user.roles",
            target_kind=TARGET,
            target_id=target.id,
            detail={"before": before, "after": after},
        )
    session.flush()
    return target


def _end_sessions(session: Session, user_id: int, now: datetime) -> int:
    return rows_matched(
        session.execute(
            update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=as_utc(now))
            .execution_options(synchronize_session=False)
        )
    )


def _set_active(
    session: Session,
    admin: User,
    target: User,
    *,
    active: bool,
    reason: str | None,
    now: datetime,
    channel: str,
) -> int:
    """The conditional UPDATE of ``active``: two admins at once, one changes it (409 for
    the other). Returns the number of sessions ended."""
    changed = rows_matched(
        session.execute(
            update(User)
            .where(User.id == target.id, User.active.is_(not active))
            .values(active=active)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(target)
    if changed != 1:
        state = "active" if target.active else "suspended"
        raise AlreadyDecided(
            f"user {target.id} is already {state}", code="user_state", status=state
        )
    ended = 0 if active else _end_sessions(session, target.id, now)
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="user.reactivate" if active else "user.suspend",
        target_kind=TARGET,
        target_id=target.id,
        detail={"reason": reason, "sessions_ended": ended},
    )
    session.flush()
    return ended


def suspend_user(
    session: Session,
    user: User | None,
    user_id: int,
    reason: str,
    *,
    now: datetime,
    channel: str = "web",
) -> User:
    """Suspend a user with a reason: they cannot sign in, their sessions end now and their
    API keys are refused (``User.active``; the caller forgets cached key grants)."""
    admin = require_admin(user)
    target = get_user(session, admin, user_id).user
    _not_self(admin, target, "suspend")
    text = reason_text(reason)
    if target.active and target.organisation_id is not None:
        org = session.get(Organisation, target.organisation_id)
        _keep_a_manager(session, target, org)
    _set_active(session, admin, target, active=False, reason=text, now=now, channel=channel)
    return target


def reactivate_user(
    session: Session,
    user: User | None,
    user_id: int,
    *,
    now: datetime,
    reason: str | None = None,
    channel: str = "web",
) -> User:
    admin = require_admin(user)
    target = get_user(session, admin, user_id).user
    text = reason_text(reason, required=False)
    _set_active(session, admin, target, active=True, reason=text, now=now, channel=channel)
    return target


def reset_sign_in(
    session: Session,
    user: User | None,
    user_id: int,
    *,
    link_for: Callable[[User], str],
    lang: str,
    valid_hours: int,
    now: datetime,
    channel: str = "web",
) -> tuple[User, int]:
    """End every session of the user and queue the ``password_reset`` e-mail with the link
    ``link_for(user)`` makes (valid ``valid_hours``). Returns the user and the number of
    sessions ended; the caller lifts the sign-in lock of their account after the commit."""
    admin = require_admin(user)
    target = get_user(session, admin, user_id).user
    if not target.active:
        raise InvalidInput(
            f"{target.email} is suspended; reactivate them first",
            code="user_suspended",
            field="user",
        )
    ended = _end_sessions(session, target.id, now)
    queue_email(
        session,
        to=target.email,
        template=RESET_TEMPLATE,
        lang=lang if lang in ("sv", "en") else "sv",
        context={"name": target.name, "link": link_for(target), "hours": valid_hours},
        user_id=target.id,
    )
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="user.reset_sign_in",
        target_kind=TARGET,
        target_id=target.id,
        detail={"sessions_ended": ended},
    )
    session.flush()
    return target, ended
