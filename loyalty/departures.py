"""A seller who leaves the member organisation (``MemberRemoved``) stops taking part.

The member organisation (the retailer entity) owns the points: the participation is marked
ended (kept, with its entries, for the statements) and the balance of the seller's
sub-account moves to the member's account in one ledger transfer whose idempotency key
names the participation, so a replayed event moves nothing more. An ended participant is
no longer listed, ranked, paid or able to redeem (:func:`loyalty.programmes.active_participant`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.db import rows_matched
from loyalty.enums import SELLER_LEFT_ENTRY, AccountKind
from loyalty.ledger import ensure_account, transfer
from loyalty.models import Account, Membership, Participant


def end_participations(
    session: Session, organisation_id: int, user_id: int, *, now: datetime
) -> list[int]:
    """End the user's participations in the organisation's memberships and move their
    sub-accounts' points to the member accounts: the ids of the participations ended (or
    whose points moved) now. The caller commits."""
    found = session.execute(
        select(Participant, Membership.programme_id)
        .join(Membership, Membership.id == Participant.membership_id)
        .where(Membership.organisation_id == organisation_id, Participant.user_id == user_id)
        .order_by(Participant.id)
    ).all()
    ended: list[int] = []
    for participant, programme_id in found:
        result = session.execute(
            update(Participant)
            .where(Participant.id == participant.id, Participant.ended_at.is_(None))
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )
        moved = _move_points(session, programme_id, participant, now=now)
        if rows_matched(result) == 1 or moved:
            ended.append(participant.id)
    return ended


def _move_points(
    session: Session, programme_id: int, participant: Participant, *, now: datetime
) -> bool:
    seller = session.scalar(
        select(Account)
        .where(Account.participant_id == participant.id, Account.kind == AccountKind.SELLER.value)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if seller is None:
        return False
    if seller.balance <= 0:
        return False
    member = ensure_account(
        session, programme_id, AccountKind.MEMBER, membership_id=participant.membership_id
    )
    _, created = transfer(
        session,
        programme_id=programme_id,
        source_id=seller.id,
        destination_id=member.id,
        points=seller.balance,
        kind=SELLER_LEFT_ENTRY,
        reason=f"seller left the organisation: participant {participant.id}'s points",
        idempotency_key=f"p{programme_id}:seller-left:{participant.id}",
        now=now,
    )
    return created
