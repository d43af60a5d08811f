"""Points expire ``expiry_months`` after they were earned, oldest first, with a reminder.

Oldest first (FIFO): whatever left an account (a redemption, a clawback, an earlier expiry)
used its oldest points first. So on a day ``now`` with the cutoff ``now - expiry_months``,
the points of an account that have expired are::

    credited up to the cutoff  -  everything ever debited      (when above 0)

:func:`expire` moves that many to the programme's expiry account with the ledger's
conditional transfer, keyed ``expire:<account>:<cutoff date>``. Running it twice expires
nothing more: the first run's debit is counted the second time (and two runs at once share
the key). A cancelled redemption's refund is credited when refunded, so refunded points
count as new.

:func:`remind` publishes :class:`~catalog.events.LoyaltyPointsExpiring` for the points that
will have expired ``days_before`` days from now (beyond those expired already): to the
seller for a sub-account, to the representatives for the organisation's own account, at
most once per account and month (the event's ``ref``). The marketplace's notification
subscriber turns it into an in-app notification; loyalty never imports marketplace.
``valbar loyalty expire`` and the housekeeping schedule run both.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from catalog.enums import OrgRole
from catalog.events import LoyaltyPointsExpiring, publish
from catalog.models import User
from loyalty.enums import EXPIRY_ENTRY, AccountKind
from loyalty.ledger import Movement, ensure_account, transfer_many
from loyalty.models import Account, Entry, Membership, Participant, Programme

REMIND_DAYS = 30
"""How many days before expiry members are reminded (``valbar loyalty expire --remind-days``)."""


def add_months(when: datetime, months: int) -> datetime:
    """``when`` moved by ``months`` (negative: back), the day clamped to the month's end
    (31 March - 1 month = 28/29 February). Pure."""
    index = when.year * 12 + (when.month - 1) + months
    year, month = divmod(index, 12)
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


def expirable(credited_before_cutoff: int, debited_ever: int) -> int:
    """Points expired under oldest-first (see the module docstring). Pure."""
    return max(0, credited_before_cutoff - debited_ever)


def _holding(programme_id: int) -> list[ColumnElement[bool]]:
    """The programme's members' and sellers' accounts holding points."""
    return [
        Account.programme_id == programme_id,
        Account.kind.in_([AccountKind.MEMBER.value, AccountKind.SELLER.value]),
        Account.balance > 0,
    ]


def _holders(session: Session, programme_id: int) -> list[Account]:
    return list(
        session.scalars(select(Account).where(*_holding(programme_id)).order_by(Account.id))
    )


def _due(session: Session, accounts: list[Account], cutoff: datetime) -> dict[int, int]:
    """Per account id: the points expired by ``cutoff`` (two grouped queries; the accounts
    named by a subquery, not a list of ids, which SQLite bounds)."""
    ids = [a.id for a in accounts]
    if not ids:
        return {}
    programmes = {a.programme_id for a in accounts}
    if len(programmes) == 1:
        holders: Any = select(Account.id).where(*_holding(programmes.pop()))
    else:
        holders = ids
    credited = {
        account_id: points
        for account_id, points in session.execute(
            select(Entry.destination_account_id, func.sum(Entry.points))
            .where(Entry.destination_account_id.in_(holders), Entry.created_at <= cutoff)
            .group_by(Entry.destination_account_id)
        )
    }
    debited = {
        account_id: points
        for account_id, points in session.execute(
            select(Entry.source_account_id, func.sum(Entry.points))
            .where(Entry.source_account_id.in_(holders))
            .group_by(Entry.source_account_id)
        )
    }
    return {i: expirable(int(credited.get(i) or 0), int(debited.get(i) or 0)) for i in ids}


@dataclass(frozen=True, slots=True)
class Expired:
    account_key: str
    points: int


def expire(session: Session, now: datetime) -> list[Expired]:
    """Move every active programme's expired points to its expiry account. The caller
    commits."""
    out: list[Expired] = []
    for programme in session.scalars(
        select(Programme).where(Programme.active.is_(True)).order_by(Programme.id)
    ):
        out += expire_programme(session, programme, now)
    return out


def expire_programme(session: Session, programme: Programme, now: datetime) -> list[Expired]:
    """Move the programme's expired points (older than its expiry months at ``now``, oldest
    first) to its expiry account: what moved now (a second run moves nothing: the keys are
    ``expire:<account>:<cutoff day>``). The caller commits."""
    out: list[Expired] = []
    cutoff = add_months(now, -programme.expiry_months)
    accounts = _holders(session, programme.id)
    due = _due(session, accounts, cutoff)
    if not any(due.values()):
        return out
    sink = ensure_account(session, programme.id, AccountKind.EXPIRY)
    day = cutoff.date().isoformat()
    due_accounts = [account for account in accounts if due[account.id] > 0]
    moved = transfer_many(
        session,
        programme_id=programme.id,
        moves=[
            (
                account.id,
                sink.id,
                Movement(
                    points=due[account.id],
                    kind=EXPIRY_ENTRY,
                    reason=f"points earned by {day} expired",
                    idempotency_key=f"expire:{account.id}:{day}",
                ),
            )
            for account in due_accounts
        ],
        now=now,
    )
    for account, (_, created) in zip(due_accounts, moved, strict=True):
        if created:
            out.append(Expired(account.key, due[account.id]))
    return out


def _recipients(session: Session, account: Account) -> list[int]:
    if account.kind == AccountKind.SELLER.value:
        user_id = session.scalar(
            select(Participant.user_id).where(Participant.id == account.participant_id)
        )
        return [user_id] if user_id is not None else []
    org_id = session.scalar(
        select(Membership.organisation_id).where(Membership.id == account.membership_id)
    )
    return list(
        session.scalars(
            select(User.id)
            .where(
                User.organisation_id == org_id,
                User.org_role == OrgRole.REPRESENTATIVE.value,
                User.active.is_(True),
            )
            .order_by(User.id)
        )
    )


def remind(session: Session, now: datetime, *, days_before: int = REMIND_DAYS) -> int:
    """Publish a reminder for each account whose points expire within ``days_before`` days;
    how many reminders were published. The caller commits (events go out then)."""
    if days_before < 1:
        raise ValueError("days_before must be at least 1")
    later = now + timedelta(days=days_before)
    sent = 0
    for programme in session.scalars(
        select(Programme).where(Programme.active.is_(True)).order_by(Programme.id)
    ):
        accounts = _holders(session, programme.id)
        due_now = _due(session, accounts, add_months(now, -programme.expiry_months))
        due_later = _due(session, accounts, add_months(later, -programme.expiry_months))
        for account in accounts:
            soon = due_later[account.id] - due_now[account.id]
            if soon <= 0:
                continue
            for user_id in _recipients(session, account):
                publish(
                    session,
                    LoyaltyPointsExpiring(
                        user_id=user_id,
                        programme_name=programme.name,
                        points=soon,
                        expires_by=later.date().isoformat(),
                        ref=f"loyalty-expiry:{account.id}:{later.strftime('%Y-%m')}",
                    ),
                )
                sent += 1
    return sent
