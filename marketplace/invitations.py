"""Invitations (issue 14 item 3): a representative (retailer) or a manager (clinic) invites
a colleague by e-mail with an org role; the link (template ``invitation``) works once and
until it expires (``invitation_days``); the invitee sets a name and a password and joins.

Only the sha256 of the link's token is stored. Inviting never tells the inviter whether an
address has an account (finding 1 of the issue 14 review): an address with an active account
or of a member of another organisation gets an invitation like any other (listed as open),
but its e-mail (template ``invitation_taken``) explains that it cannot join with that
account and carries no link, and accepting it is refused (``invitation_account_exists``).
A former member (removed: inactive, in no organisation) may be invited again and rejoins
with the same account (its old sessions and keys stay revoked). One address has at most one open
invitation per organisation (a unique constraint on ``open_email``): inviting it again
sends that invitation again with a new link, and identical invitations sent at once make
one invitation and one e-mail. An organisation has at most ``invitation_max_open`` open
invitations.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from catalog import audit
from catalog.db import rows_matched
from catalog.enums import OrgStatus
from catalog.events import MemberInvited, MemberJoined, publish
from catalog.models import AuditEntry, Organisation, User
from catalog.paging import Page, page_scalars
from marketplace.dates import as_utc, utc_now
from marketplace.errors import InvalidInput, NotAllowed, NotFound
from marketplace.mail import queue_email
from marketplace.models import Invitation
from marketplace.org_details import MAX_NAME, text_problem
from marketplace.organisations import (
    EmailTaken,
    OrgInvalid,
    add_member,
    email_problem,
    lock_organisation,
    managers,
    new_member,
    normalise_email,
    org_role_for,
)

TOKEN_BYTES = 32
# an open invitation sent again within this long is a double submit: nothing is re-sent
RESEND_AFTER = timedelta(seconds=60)


class InvitationInvalid(InvalidInput):
    """A link that is unknown, used, revoked or expired (``code``: ``invitation_unknown``,
    ``invitation_used``, ``invitation_revoked``, ``invitation_expired``)."""


class AlreadyInvited(InvalidInput):
    """Another invitation of this address was sent at the same moment."""

    def __init__(self) -> None:
        super().__init__("this address was just invited", code="already_invited")


class AccountExists(InvitationInvalid):
    """The invited address has an account that cannot join (active, another organisation's
    member, or platform staff): accepting is refused."""

    def __init__(self) -> None:
        super().__init__(
            "an account with this e-mail address exists and cannot join this organisation "
            "(a person belongs to one organisation: sign in with that account, or ask to be "
            "invited with another address)",
            code="invitation_account_exists",
        )


class AlreadyMember(InvalidInput):
    """The address belongs to a member of this organisation already."""

    def __init__(self) -> None:
        super().__init__("the address belongs to a member already", code="already_member")


class TooManyInvitations(InvalidInput):
    """The organisation has as many open invitations as it may (``limit``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"at most {limit} open invitations per organisation: withdraw some or wait for "
            "them to be used or to expire",
            code="invitation_cap",
            limit=limit,
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def _require_manager(user: User, org: Organisation) -> None:
    if not managers(user, org):
        raise NotAllowed(
            "only the organisation's representative or manager manages its members",
            code="not_manager",
        )


def invite(
    session: Session,
    org: Organisation,
    inviter: User,
    email: str,
    org_role: str,
    *,
    days: int,
    lang: str,
    link_base: str,
    max_open: int = 50,
    channel: str = "web",
    now: datetime | None = None,
) -> tuple[Invitation, str | None]:
    """Invite ``email`` to ``org`` with ``org_role`` (committed); returns the invitation
    and its link's token (never stored; None when nothing was sent: the same invitation
    was sent within :data:`RESEND_AFTER`, a double submit).

    One open invitation per address and organisation: inviting an address again sends its
    open invitation again (a new link with a new expiry and the role given; the old link
    stops working). Invitations of one organisation are serialised on its row, so identical
    invitations sent at once make one invitation and one e-mail. A former member (an
    account removed from an organisation: inactive, in none) may be invited again.

    An address whose account cannot join (active, another organisation's member, platform
    staff) is answered the same way, so the inviter learns nothing about accounts; only the
    e-mail to that address (``invitation_taken``, without a link) tells it why it cannot
    join.

    Raises NotAllowed (not a manager of an active ``org``), OrgInvalid (the address or the
    role), AlreadyMember (a member of ``org``: the inviter sees its members anyway),
    TooManyInvitations (``max_open`` open ones)."""
    moment = now or utc_now()
    _require_manager(inviter, org)
    if org.status != OrgStatus.ACTIVE.value:
        raise NotAllowed("the organisation is not active", code="org_not_active")
    if (problem := email_problem(email)) is not None:
        raise OrgInvalid({"email": problem})
    role = org_role_for(org, org_role)
    address = normalise_email(email)
    lock_organisation(session, org)  # one invitation of an address at a time
    account = session.scalar(select(User).where(func.lower(User.email) == address))
    if account is not None and account.organisation_id == org.id:
        raise AlreadyMember()
    taken = account is not None and not rejoinable(account)
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.organisation_id == org.id, Invitation.open_email == address
        )
    )
    if invitation is not None:
        sent = as_utc(invitation.sent_at or invitation.created_at)
        if moment - sent < RESEND_AFTER and invitation.org_role == role.value:
            session.rollback()  # the same invitation was just sent (a double submit)
            return invitation, None
        action = "member.invitation_resend"
    else:
        open_now = session.scalar(
            select(func.count(Invitation.id)).where(
                Invitation.organisation_id == org.id,
                Invitation.open_email.is_not(None),
                Invitation.expires_at > moment,
            )
        )
        if int(open_now or 0) >= max_open:
            raise TooManyInvitations(max_open)
        invitation = Invitation(
            organisation_id=org.id,
            email=address,
            open_email=address,
            created_at=moment,
        )
        session.add(invitation)
        action = "member.invite"
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation.org_role = role.value
    invitation.token_hash = token_hash(token)
    invitation.invited_by = inviter.id
    invitation.lang = lang
    invitation.sent_at = moment
    invitation.expires_at = moment + timedelta(days=days)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise AlreadyInvited() from None
    queue_email(
        session,
        to=address,
        template="invitation_taken" if taken else "invitation",
        lang=lang,
        context={
            "organisation": org.name,
            "inviter": inviter.name,
            "role": role.value,
            "link": "" if taken else f"{link_base}/inbjudan/{token}",
            "days": days,
        },
        dedupe_key=f"invitation:{invitation.id}:{invitation.token_hash[:16]}",
    )
    audit.record(
        session,
        actor=inviter,
        channel=channel,
        action=action,
        target_kind="organisation",
        target_id=org.id,
        detail={"invitation_id": invitation.id, "email": address, "org_role": role.value},
    )
    if action == "member.invite":
        publish(session, MemberInvited(organisation_id=org.id, invitation_id=invitation.id))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AlreadyInvited() from None
    return invitation, token


def rejoinable(account: User) -> bool:
    """A former member whose account an invitation takes back (see :func:`invite`): in no
    organisation, inactive, not platform staff, and not suspended by an admin (its last
    suspend / reactivate decision; a manager's invitation never lifts an admin's
    suspension)."""
    if account.organisation_id is not None or account.active:
        return False
    if account.role in ("merchandiser", "admin"):
        return False
    session = object_session(account)
    if session is None:
        return False
    last = session.scalar(
        select(AuditEntry.action)
        .where(
            AuditEntry.target_kind == "user",
            AuditEntry.target_id == str(account.id),
            AuditEntry.action.in_(("user.suspend", "user.reactivate")),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    )
    return last != "user.suspend"


def _open_query(org: Organisation) -> Select[Invitation]:
    return (
        select(Invitation)
        .where(Invitation.organisation_id == org.id, Invitation.open_email.is_not(None))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )


def open_invitations(session: Session, org: Organisation) -> list[Invitation]:
    """The organisation's open invitations (expired ones too, marked by ``expires_at``),
    newest first."""
    return list(session.scalars(_open_query(org)))


def open_invitations_page(session: Session, org: Organisation, *, limit: int, offset: int) -> Page:
    """One page of :func:`open_invitations` and their count."""
    return page_scalars(session, _open_query(org), limit=limit, offset=offset)


def revoke(
    session: Session,
    org: Organisation,
    invitation_id: int,
    actor: User,
    *,
    channel: str = "web",
    now: datetime | None = None,
) -> None:
    """Revoke an open invitation of ``org`` (committed): its link stops working."""
    _require_manager(actor, org)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != org.id:
        raise NotFound("no such invitation of this organisation")
    ended = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.open_email.is_not(None))
        .values(open_email=None, revoked_at=now or utc_now())
    )
    if rows_matched(ended) == 0:
        session.rollback()
        return  # accepted or revoked already: nothing to undo
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="member.invitation_revoke",
        target_kind="organisation",
        target_id=org.id,
        detail={"invitation_id": invitation.id, "email": invitation.email},
    )
    session.commit()


def find_open(session: Session, token: str, now: datetime | None = None) -> Invitation:
    """The open invitation of a link's ``token``; raises :class:`InvitationInvalid`."""
    moment = now or utc_now()
    invitation = (
        None
        if not token or len(token) > 200
        else session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    )
    if invitation is None:
        raise InvitationInvalid("unknown invitation link", code="invitation_unknown")
    if invitation.accepted_at is not None:
        raise InvitationInvalid("the invitation was used already", code="invitation_used")
    if invitation.revoked_at is not None or invitation.open_email is None:
        raise InvitationInvalid("the invitation was withdrawn", code="invitation_revoked")
    if as_utc(invitation.expires_at) <= moment:
        raise InvitationInvalid("the invitation has expired", code="invitation_expired")
    org = session.get(Organisation, invitation.organisation_id)
    if org is None or org.status != OrgStatus.ACTIVE.value:
        raise InvitationInvalid("the organisation is not active", code="invitation_revoked")
    account = session.scalar(select(User).where(func.lower(User.email) == invitation.email))
    if account is not None and not rejoinable(account):
        raise AccountExists()
    return invitation


def accept(
    session: Session,
    token: str,
    *,
    name: str,
    password_hash: str,
    now: datetime | None = None,
) -> User:
    """Join with an invitation (committed): a new active account with the invitation's
    org role, or a former member's account taken back (active again with the name and
    password given; its old sessions and keys stay revoked); MemberJoined is published. The
    link works once: of two acceptances at once, one joins and the other gets
    ``invitation_used``. Raises InvitationInvalid, OrgInvalid (the name), AccountExists (the
    address has an account that cannot join, perhaps got meanwhile)."""
    moment = now or utc_now()
    invitation = find_open(session, token, moment)
    org = session.get(Organisation, invitation.organisation_id)
    assert org is not None  # find_open checked it
    claimed = session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.open_email.is_not(None),
        )
        .values(accepted_at=moment, open_email=None)
    )
    if rows_matched(claimed) == 0:
        session.rollback()
        raise InvitationInvalid("the invitation was used already", code="invitation_used")
    try:
        former = session.scalar(select(User).where(func.lower(User.email) == invitation.email))
        if former is not None and rejoinable(former):
            user = _rejoin(session, org, former, name, password_hash, invitation.org_role)
        else:
            user = new_member(
                session,
                org,
                email=invitation.email,
                name=name,
                password_hash=password_hash,
                org_role=invitation.org_role,
                active=True,
                actor=None,
                channel="web",
            )
    except EmailTaken:
        session.rollback()
        raise AccountExists() from None
    except OrgInvalid:
        session.rollback()
        raise
    except IntegrityError:
        session.rollback()
        raise InvitationInvalid("the invitation was used already", code="invitation_used") from None
    session.execute(
        update(Invitation).where(Invitation.id == invitation.id).values(accepted_user_id=user.id)
    )
    audit.record(
        session,
        actor=user,
        channel="web",
        action="member.join",
        target_kind="organisation",
        target_id=org.id,
        detail={"invitation_id": invitation.id, "user_id": user.id, "org_role": user.org_role},
    )
    publish(session, MemberJoined(organisation_id=org.id, user_id=user.id))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvitationInvalid("the invitation was used already", code="invitation_used") from None
    return user


def _rejoin(
    session: Session,
    org: Organisation,
    former: User,
    name: str,
    password_hash: str,
    org_role: str,
) -> User:
    """A former member's account back in ``org`` (flushed); nothing of its sessions or API
    keys is revived (they were revoked when the member was removed)."""
    if (p := text_problem(name, MAX_NAME, required=True)) is not None:
        raise OrgInvalid({"person_name": p})
    claimed = session.execute(
        update(User)
        .where(User.id == former.id, User.organisation_id.is_(None), User.active.is_(False))
        .values(active=True, name=name.strip(), password_hash=password_hash)
        .execution_options(synchronize_session="fetch")
    )
    if rows_matched(claimed) == 0:
        raise EmailTaken()  # joined elsewhere or reactivated at this moment
    add_member(session, org, former, org_role, actor=None, channel="web")
    return former
