"""What a retailer's member reads of loyalty: their points per programme and the history.

A seller sees their own sub-account and their organisation's total; the representative sees
the organisation's accounts (its own and every seller's) and their entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, null, select
from sqlalchemy.orm import Session

from catalog.enums import OrgRole
from catalog.models import User
from loyalty.enums import AccountKind
from loyalty.errors import NotAllowed
from loyalty.ledger import entries_of
from loyalty.models import Account, Entry, Membership, Participant, Programme
from loyalty.programmes import require_representative, retailer_organisation


@dataclass(frozen=True, slots=True)
class ProgrammePoints:
    programme: Programme
    membership: Membership
    member_total: int  # the organisation's points: its own account and every seller's
    member_own: int  # the organisation's own account (points not attributed to a seller)
    participant: Participant | None  # the user's invitation, accepted or not
    my_points: int | None  # the user's sub-account (None unless they take part)


def my_points(session: Session, user: User | None) -> list[ProgrammePoints]:
    """The programmes the user's retailer organisation is a member of, with points."""
    org = retailer_organisation(session, user)
    assert user is not None
    rows = session.execute(
        select(Membership, Programme)
        .join(Programme, Programme.id == Membership.programme_id)
        .where(Membership.organisation_id == org.id)
        .order_by(Programme.id)
    ).all()
    out: list[ProgrammePoints] = []
    for membership, programme in rows:
        participant = session.scalar(
            select(Participant).where(
                Participant.membership_id == membership.id, Participant.user_id == user.id
            )
        )
        # the organisation's total, its own account and the user's sub-account: one read of
        # the membership's accounts
        mine_id = participant.id if participant is not None else None
        total, own, mine = session.execute(
            select(
                func.coalesce(func.sum(Account.balance), 0),
                func.max(case((Account.kind == AccountKind.MEMBER.value, Account.balance))),
                func.max(case((Account.participant_id == mine_id, Account.balance)))
                if mine_id is not None
                else null(),
            ).where(Account.membership_id == membership.id)
        ).one()
        out.append(
            ProgrammePoints(
                programme=programme,
                membership=membership,
                member_total=int(total or 0),
                member_own=int(own or 0),
                participant=participant,
                my_points=int(mine) if mine is not None else None,
            )
        )
    return out


def visible_accounts(session: Session, user: User | None) -> list[int]:
    """The accounts whose entries the user may read (see the module docstring)."""
    org = retailer_organisation(session, user)
    assert user is not None
    memberships = select(Membership.id).where(Membership.organisation_id == org.id)
    if user.org_role == OrgRole.REPRESENTATIVE.value:
        stmt = select(Account.id).where(Account.membership_id.in_(memberships))
    else:
        stmt = (
            select(Account.id)
            .join(Participant, Participant.id == Account.participant_id)
            .where(Participant.user_id == user.id, Participant.membership_id.in_(memberships))
        )
    return list(session.scalars(stmt.order_by(Account.id)))


def my_entries(
    session: Session, user: User | None, *, limit: int, offset: int
) -> tuple[list[tuple[Entry, int]], int]:
    """The history the user may read, newest first: (entry, signed points for the user's
    accounts: + credited to them, - debited), total."""
    accounts = visible_accounts(session, user)
    rows, total = entries_of(session, accounts, limit=limit, offset=offset)
    mine = set(accounts)
    signed = []
    for entry in rows:
        delta = (entry.points if entry.destination_account_id in mine else 0) - (
            entry.points if entry.source_account_id in mine else 0
        )
        signed.append((entry, delta))
    return signed, total


def joinable(session: Session, user: User | None) -> list[Programme]:
    """The active programmes the representative's organisation is not a member of yet (the
    ones whose member terms they may accept)."""
    org = require_representative(session, user)
    members = select(Membership.programme_id).where(Membership.organisation_id == org.id)
    return list(
        session.scalars(
            select(Programme)
            .where(Programme.active.is_(True), Programme.id.not_in(members))
            .order_by(Programme.id)
        )
    )


@dataclass(frozen=True, slots=True)
class TeamMember:
    user: User
    participant: Participant | None  # None: not invited, or their participation ended


def team(session: Session, user: User | None, membership: Membership) -> list[TeamMember]:
    """The representative's organisation's active users with their participation in the
    membership (whom they may invite, who is invited, who takes part)."""
    org = require_representative(session, user)
    if membership.organisation_id != org.id:
        raise NotAllowed("only the organisation's own representative sees its team")
    taking_part = {
        p.user_id: p
        for p in session.scalars(
            select(Participant).where(
                Participant.membership_id == membership.id, Participant.ended_at.is_(None)
            )
        )
    }
    users = session.scalars(
        select(User)
        .where(User.organisation_id == org.id, User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return [TeamMember(u, taking_part.get(u.id)) for u in users]
