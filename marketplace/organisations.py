"""Organisations and their members (issue 14 item 1): create one with validated details,
add members with an org role, change a role, remove a member; approve or refuse a sign-up.

Every action is audited (``catalog.audit``) in the caller's transaction and publishes its
domain event; the caller commits. ``User.role``, ``User.retailer_id`` and ``User.clinic``
mirror the organisation for the code that reads them, and are kept in step here.

Removing a member revokes their sessions and API keys in the database; the API layer also
drops the member's keys from its in-process cache after the commit
(``api.auth.ApiKeyCache.forget_user``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, case, func, or_, select, update
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.enums import ORG_ROLES, OrgKind, OrgRole, OrgStatus
from catalog.events import (
    MemberRemoved,
    OrganisationApproved,
    OrganisationRefused,
    publish,
)
from catalog.models import ApiKey, Organisation, Retailer, User, UserSession
from catalog.orgnr import OrgNumberError, parse_org_number
from catalog.paging import Page, page_scalars
from marketplace.dates import utc_now
from marketplace.errors import (
    AlreadyDecided,
    InvalidInput,
    NotAllowed,
    NotFound,
    SignupUnconfirmed,
)
from marketplace.listing import requeue_seller
from marketplace.org_details import (
    MAX_NAME,
    MAX_REASON,
    SLUG_FORMAT,
    OrgDetails,
    OrgInvalid,
    check_details,
    email_problem,
    normalise_email,
    slugify,
    text_problem,
)

__all__ = [
    "EmailTaken",
    "LastManager",
    "OrgDetails",
    "OrgInvalid",
    "add_member",
    "approve",
    "change_role",
    "check_details",
    "create_organisation",
    "email_problem",
    "ensure_not_last_manager",
    "find_organisation",
    "lock_organisation",
    "managers",
    "members",
    "new_member",
    "normalise_email",
    "org_number_taken",
    "org_role_for",
    "refuse",
    "remove_member",
    "sign_in_refusal",
    "slugify",
    "unique_slug",
]

# platform roles an organisation member has, by the organisation's kind
PLATFORM_ROLE = {
    OrgKind.RETAILER: "retailer",
    OrgKind.CLINIC: "clinic",
    OrgKind.SPONSOR: "sponsor",
}


class LastManager(InvalidInput):
    """The change would leave the organisation without a representative / manager.
    ``code``: ``last_manager``, or ``last_manager_account`` when the account itself would go
    (its owner gives the role to a colleague first)."""

    def __init__(self, code: str = "last_manager") -> None:
        super().__init__(
            "an organisation keeps at least one representative or manager"
            + (
                ": give the role to another member before deleting your account"
                if code == "last_manager_account"
                else ""
            ),
            code=code,
        )


class EmailTaken(InvalidInput):
    """An account with this e-mail address exists already."""

    def __init__(self) -> None:
        super().__init__("an account with this e-mail address exists", code="email_taken")


def unique_slug(session: Session, name: str) -> str:
    """A retailer slug from ``name`` no retailer has (``-2``, ``-3`` … appended)."""
    base = slugify(name)
    taken = set(
        session.scalars(
            select(Retailer.slug).where((Retailer.slug == base) | Retailer.slug.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def org_number_taken(session: Session, kind: OrgKind, org_number: str) -> bool:
    found = session.scalar(
        select(Organisation.id).where(
            Organisation.kind == kind.value, Organisation.org_number == org_number
        )
    )
    return found is not None


def _give_retailer(session: Session, org: Organisation, slug: str | None = None) -> None:
    """The retailer an active retailer organisation owns (its offers, feeds, page); its
    members' ``retailer_id`` follows."""
    retailer = Retailer(slug=slug or unique_slug(session, org.name), name=org.name)
    session.add(retailer)
    session.flush()
    org.retailer_id = retailer.id
    if org.id is not None:
        session.execute(
            update(User)
            .where(User.organisation_id == org.id)
            .values(retailer_id=retailer.id)
            .execution_options(synchronize_session="fetch")
        )


def create_organisation(
    session: Session,
    kind: OrgKind,
    details: OrgDetails,
    *,
    actor: User | None,
    channel: str,
    status: OrgStatus = OrgStatus.ACTIVE,
    slug: str | None = None,
    require_address: bool = False,
    terms_version: str | None = None,
    terms_accepted_at: datetime | None = None,
) -> Organisation:
    """A new organisation (flushed). An active retailer organisation gets its ``Retailer``
    with a unique slug from the name (or ``slug``); a pending one gets it when approved
    (:func:`approve`), so nothing of an unapproved sign-up is public (the retailer list,
    its page). Raises :class:`OrgInvalid` naming the fields.
    Two creations of one org number at once: the loser's commit fails on the unique
    constraint (the caller reports it as ``org_number: taken``)."""
    canonical, problems = check_details(details, require_address=require_address)
    if slug is not None and (kind is not OrgKind.RETAILER or not SLUG_FORMAT.fullmatch(slug)):
        problems["slug"] = "format"
    elif slug is not None and status is not OrgStatus.ACTIVE:
        problems["slug"] = "not_active"  # a pending organisation's retailer comes at approval
    if "org_number" not in problems and org_number_taken(session, kind, canonical.org_number):
        problems["org_number"] = "taken"
    if (
        slug is not None
        and "slug" not in problems
        and session.scalar(select(Retailer.id).where(Retailer.slug == slug)) is not None
    ):
        problems["slug"] = "taken"
    if problems:
        raise OrgInvalid(problems)
    org = Organisation(
        kind=kind.value,
        name=canonical.name,
        org_number=canonical.org_number,
        vat_number=canonical.vat_number or None,
        street=canonical.street or None,
        postal_code=canonical.postal_code or None,
        city=canonical.city or None,
        status=status.value,
        terms_version=terms_version,
        terms_accepted_at=terms_accepted_at,
    )
    session.add(org)
    if kind is OrgKind.RETAILER and status is OrgStatus.ACTIVE:
        _give_retailer(session, org, slug)
    session.flush()
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="organisation.create",
        target_kind="organisation",
        target_id=org.id,
        detail={
            "kind": kind.value,
            "name": org.name,
            "org_number": org.org_number,
            "status": org.status,
        },
    )
    return org


# ---------------------------------------------------------------- members


def org_role_for(org: Organisation, value: str) -> OrgRole:
    """``value`` as a role of ``org``'s kind, or :class:`OrgInvalid` (``org_role``)."""
    try:
        role = OrgRole(value.strip().lower())
    except ValueError:
        raise OrgInvalid({"org_role": "invalid"}) from None
    if role not in ORG_ROLES[OrgKind(org.kind)]:
        raise OrgInvalid({"org_role": "invalid"})
    return role


def _members_query(org: Organisation) -> Select[User]:
    manages = [role.value for role in OrgRole if role.manages]
    return (
        select(User)
        .where(User.organisation_id == org.id)
        .order_by(case((User.org_role.in_(manages), 0), else_=1), User.name, User.id)
    )


def members(session: Session, org: Organisation) -> list[User]:
    """The organisation's members, managers first, then by name."""
    return list(session.scalars(_members_query(org)))


def members_page(session: Session, org: Organisation, *, limit: int, offset: int) -> Page:
    """One page of :func:`members` and the count of all members."""
    return page_scalars(session, _members_query(org), limit=limit, offset=offset)


def managers(user: User, org: Organisation) -> bool:
    """Whether ``user`` manages ``org``'s members (its representative / manager)."""
    return (
        user.organisation_id == org.id
        and user.active
        and user.org_role is not None
        and OrgRole(user.org_role).manages
    )


def _mirror(user: User, org: Organisation, role: OrgRole) -> None:
    kind = OrgKind(org.kind)
    user.organisation_id = org.id
    user.org_role = role.value
    user.role = PLATFORM_ROLE[kind]
    user.retailer_id = org.retailer_id if kind is OrgKind.RETAILER else None
    user.clinic = org.name if kind is OrgKind.CLINIC else None


def add_member(
    session: Session,
    org: Organisation,
    user: User,
    org_role: str,
    *,
    actor: User | None,
    channel: str,
) -> None:
    """Make ``user`` a member of ``org`` with ``org_role`` (flushed). A merchandiser or an
    admin is staff of the platform, never a member; a member of another organisation is
    refused (remove them there first)."""
    role = org_role_for(org, org_role)
    if user.role in ("merchandiser", "admin"):
        raise NotAllowed("platform staff do not belong to an organisation", code="platform_staff")
    if user.organisation_id is not None and user.organisation_id != org.id:
        raise NotAllowed("the user belongs to another organisation", code="other_organisation")
    _mirror(user, org, role)
    session.flush()
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="member.add",
        target_kind="organisation",
        target_id=org.id,
        detail={"user_id": user.id, "email": user.email, "org_role": role.value},
    )


def new_member(
    session: Session,
    org: Organisation,
    *,
    email: str,
    name: str,
    password_hash: str,
    org_role: str,
    active: bool,
    actor: User | None,
    channel: str,
) -> User:
    """A new account that is a member of ``org`` (flushed). Raises :class:`EmailTaken` when
    the address has an account (the unique constraint settles two at once: the loser's
    flush fails)."""
    address = normalise_email(email)
    problems: dict[str, str] = {}
    if (p := email_problem(address)) is not None:
        problems["email"] = p
    if (p := text_problem(name, MAX_NAME, required=True)) is not None:
        problems["person_name"] = p
    if problems:
        raise OrgInvalid(problems)
    if session.scalar(select(User.id).where(func.lower(User.email) == address)) is not None:
        raise EmailTaken()
    user = User(
        email=address,
        name=name.strip(),
        role=PLATFORM_ROLE[OrgKind(org.kind)],
        password_hash=password_hash,
        active=active,
    )
    session.add(user)
    session.flush()
    add_member(session, org, user, org_role, actor=actor, channel=channel)
    return user


def lock_organisation(session: Session, org: Organisation) -> None:
    """Serialise changes of ``org``'s members and invitations (see :func:`_lock`)."""
    _lock(session, org)


def _lock(session: Session, org: Organisation) -> None:
    """Serialise membership changes of one organisation before they read who manages it,
    so two managers demoting each other at once leave one: a write to its row (a no-op)
    takes PostgreSQL's row lock and SQLite's write lock (SQLite's reads take no lock)."""
    session.execute(
        update(Organisation)
        .where(Organisation.id == org.id)
        .values(id=Organisation.id)
        .execution_options(synchronize_session=False)
    )


def _other_managers(session: Session, org: Organisation, user: User) -> int:
    roles = [r.value for r in ORG_ROLES[OrgKind(org.kind)] if r.manages]
    count = session.scalar(
        select(func.count(User.id)).where(
            User.organisation_id == org.id,
            User.org_role.in_(roles),
            User.active.is_(True),
            User.id != user.id,
        )
    )
    return int(count or 0)


def _member(session: Session, org: Organisation, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.organisation_id != org.id:
        raise NotFound("no such member of this organisation")
    return user


def change_role(
    session: Session,
    org: Organisation,
    user_id: int,
    org_role: str,
    *,
    actor: User | None,
    channel: str,
) -> User:
    """Give a member another org role (flushed); at least one representative / manager
    remains (:class:`LastManager`)."""
    _lock(session, org)
    member = _member(session, org, user_id)  # another organisation's member: not found
    role = org_role_for(org, org_role)
    before = member.org_role
    if before == role.value:
        return member
    if not role.manages and _other_managers(session, org, member) == 0:
        raise LastManager()
    _mirror(member, org, role)
    session.flush()
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="member.role",
        target_kind="organisation",
        target_id=org.id,
        detail={"user_id": member.id, "email": member.email, "from": before, "to": role.value},
    )
    return member


def remove_member(
    session: Session,
    org: Organisation,
    user_id: int,
    *,
    actor: User | None,
    channel: str,
    now: datetime | None = None,
) -> User:
    """Remove a member (flushed): the account is deactivated and leaves the organisation,
    every session and API key of it is revoked, and MemberRemoved is published. The last
    representative / manager cannot be removed (:class:`LastManager`). The API layer drops
    the member's keys from its cache after the commit."""
    moment = now or utc_now()
    _lock(session, org)
    member = _member(session, org, user_id)
    if _other_managers(session, org, member) == 0 and OrgRole(member.org_role or "staff").manages:
        raise LastManager()
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == member.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=moment)
    )
    session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == member.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=moment)
    )
    before = member.org_role
    member.active = False
    member.organisation_id = None
    member.org_role = None
    member.retailer_id = None
    member.clinic = None
    session.flush()
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="member.remove",
        target_kind="organisation",
        target_id=org.id,
        detail={"user_id": member.id, "email": member.email, "org_role": before},
    )
    publish(session, MemberRemoved(organisation_id=org.id, user_id=member.id))
    return member


def ensure_not_last_manager(session: Session, user: User) -> None:
    """Before ``user``'s account is deleted: :class:`LastManager` (``last_manager_account``)
    when they are the last active representative / manager of their organisation. Takes
    the organisation's lock first (in the caller's transaction), so two managers deleting
    their accounts at once leave one."""
    if user.organisation_id is None or not OrgRole(user.org_role or "staff").manages:
        return
    org = session.get(Organisation, user.organisation_id)
    if org is None:
        return
    _lock(session, org)
    if _other_managers(session, org, user) == 0:
        raise LastManager("last_manager_account")


# ---------------------------------------------------------------- status


def find_organisation(session: Session, ref: str) -> Organisation:
    """An organisation by id (``12``) or org number (``556677-8899`` in any accepted form)."""
    text = ref.strip()
    if text.isascii() and text.isdigit() and len(text) < 10:
        org = session.get(Organisation, int(text))
    else:
        try:
            number = parse_org_number(text[:40])
        except OrgNumberError:
            raise NotFound(f"no organisation {ref[:40]!r}") from None
        found = session.scalars(
            select(Organisation).where(Organisation.org_number == number).order_by(Organisation.id)
        ).all()
        if len(found) > 1:
            raise InvalidInput(
                f"{number} is both a retailer and a clinic: give the id", code="ambiguous"
            )
        org = found[0] if found else None
    if org is None:
        raise NotFound(f"no organisation {ref[:40]!r}")
    return org


def _decide(
    session: Session,
    org: Organisation,
    status: OrgStatus,
    *,
    actor: User | None,
    channel: str,
    reason: str | None,
    action: str,
    now: datetime | None,
) -> None:
    """One conditional UPDATE from pending: of two deciders at once (two admins, an admin and
    the CLI), one decides; the other gets :class:`AlreadyDecided` (409) and changes nothing."""
    changed = rows_matched(
        session.execute(
            update(Organisation)
            .where(Organisation.id == org.id, Organisation.status == OrgStatus.PENDING.value)
            .values(
                status=status.value,
                status_reason=reason,
                status_changed_at=now or utc_now(),
                status_changed_by=actor.id if actor is not None else None,
            )
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(org)
    if changed != 1:
        raise AlreadyDecided(
            f"organisation {org.id} is {org.status}, not pending",
            code="org_status",
            status=org.status,
        )
    requeue_seller(session, org.id)  # its offers are listed from the commit, or stay out
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action=f"organisation.{action}",
        target_kind="organisation",
        target_id=org.id,
        detail={"status": org.status, **({"reason": reason} if reason else {})},
    )


def awaits_decision(org: Organisation) -> bool:
    """Not a sign-up still waiting for its e-mail confirmation (a sign-up accepted terms;
    confirming sets ``submitted_at``). An organisation an admin or the CLI added has
    neither."""
    return org.terms_accepted_at is None or org.submitted_at is not None


AWAITING_EMAIL = "email_confirmation"
AWAITING_ADMIN = "decision"
AWAITING = (AWAITING_EMAIL, AWAITING_ADMIN)
"""What a pending organisation waits for: its applicant's e-mail confirmation or an admin."""


def awaiting(org: Organisation) -> str | None:
    """What a pending organisation waits for (:data:`AWAITING`); None when not pending."""
    if org.status != OrgStatus.PENDING.value:
        return None
    return AWAITING_ADMIN if awaits_decision(org) else AWAITING_EMAIL


AWAITING_DECISION = or_(
    Organisation.terms_accepted_at.is_(None), Organisation.submitted_at.is_not(None)
)
"""The SQL of :func:`awaits_decision` (with ``status = 'pending'``: the admins' queue)."""


def approve(
    session: Session,
    org: Organisation,
    actor: User | None,
    *,
    channel: str = "web",
    now: datetime | None = None,
) -> None:
    """Approve a pending organisation (a sign-up): its members may sign in from the commit;
    a retailer organisation gets its retailer (slug from the name). Audited; publishes
    OrganisationApproved. Not pending (decided already, perhaps by another admin at the
    same moment): :class:`AlreadyDecided`, nothing changed. A sign-up whose e-mail is not
    confirmed yet cannot be approved (:class:`SignupUnconfirmed`): its address is unproven."""
    if not awaits_decision(org):
        raise SignupUnconfirmed(org.id, "approve")
    _decide(
        session,
        org,
        OrgStatus.ACTIVE,
        actor=actor,
        channel=channel,
        reason=None,
        action="approve",
        now=now,
    )
    if org.kind == OrgKind.RETAILER.value and org.retailer_id is None:
        _give_retailer(session, org)  # after the decision: only its winner makes one
    # members waiting inactive (a sign-up confirmed before approval is active already)
    for member in members(session, org):
        member.active = True
    session.flush()
    publish(session, OrganisationApproved(organisation_id=org.id))


def refuse(
    session: Session,
    org: Organisation,
    actor: User | None,
    reason: str,
    *,
    channel: str = "web",
    now: datetime | None = None,
) -> None:
    """Refuse a pending organisation with a reason (required, shown to the applicant).
    Audited; publishes OrganisationRefused."""
    text = reason.strip()
    if not text or "\x00" in text:
        raise OrgInvalid({"reason": "required"})
    if len(text) > MAX_REASON:
        raise OrgInvalid({"reason": "too_long"})
    _decide(
        session,
        org,
        OrgStatus.REFUSED,
        actor=actor,
        channel=channel,
        reason=text,
        action="refuse",
        now=now,
    )
    publish(session, OrganisationRefused(organisation_id=org.id))


def sign_in_refusal(session: Session, user: User) -> OrgStatus | None:
    """Why a member may not sign in: their organisation's status when it is not active
    (pending, suspended, refused); None for an active one or a user of no organisation."""
    if user.organisation_id is None:
        return None
    status = session.scalar(
        select(Organisation.status).where(Organisation.id == user.organisation_id)
    )
    if status is None or status == OrgStatus.ACTIVE.value:
        return None
    return OrgStatus(status)
