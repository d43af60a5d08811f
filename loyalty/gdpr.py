"""A seller's loyalty data in their GDPR export, and what their account's erasure does to it.

Registered at start-up as the ``loyalty`` part of ``catalog.personal_data`` (:func:`install`),
which ``marketplace.gdpr`` calls; the marketplace never imports loyalty.

**Export** (:func:`export_user`): the user's participations (programme, organisation, terms,
ended), the entries of their seller sub-accounts with their balances, quiz attempts, photos
(metadata: activity, status, reason, size, never the image itself, which the seller can
download), redemptions they placed (with lines and delivery details) and their basket.
Their improvement suggestions, survey answers, referrals and contest prizes are exported
beside this part, as ``loyalty_activities`` (:mod:`loyalty.activity_export`).

**Erasure** (:func:`erase_user`):

* the member organisation (the retailer entity) owns the points: the participations end
  and each sub-account's balance moves to the member's account, exactly as when the seller
  leaves the organisation (:func:`loyalty.departures.end_participations`, idempotent);
  the participation rows, the sub-accounts and every ledger entry stay, pseudonymised (the
  participant's user link is removed: nothing names the person);
* quiz attempts stay with the pseudonymised participation (scores, no name);
* photos pending or rejected are deleted, rows and files (a file after the commit, and
  only when no other photo has the same bytes); **approved photos stay in the sponsor's
  image bank** (the sponsor was given them for its marketing) without the person: their
  participant link is removed, the store (membership) remains;
* redemptions stay for the books and the benefit statements with the person's delivery
  details replaced (name "Tidigare användare", no address or e-mail); the basket goes;
* who handled an order (for the points of a sale) forgets the user.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from catalog import personal_data
from loyalty import departures, photo_images
from loyalty.enums import AccountKind
from loyalty.models import (
    Account,
    BasketItem,
    Entry,
    Membership,
    OrderHandler,
    Participant,
    PhotoActivity,
    PhotoSubmission,
    Programme,
    Quiz,
    QuizAttempt,
    Redemption,
    RedemptionLine,
)

PART = "loyalty"
FORMER_USER = "Tidigare användare"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _row(obj: Any, *skip: str) -> dict[str, Any]:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}


def _participants(session: Session, user_id: int) -> list[Participant]:
    return list(
        session.scalars(
            select(Participant).where(Participant.user_id == user_id).order_by(Participant.id)
        )
    )


def export_user(session: Session, user_id: int) -> dict[str, Any]:
    """Everything loyalty stores about the user, JSON-ready (see the module)."""
    participants = _participants(session, user_id)
    ids = [p.id for p in participants]
    programmes = {
        m.id: (m, p)
        for m, p in session.execute(
            select(Membership, Programme)
            .join(Programme, Programme.id == Membership.programme_id)
            .where(Membership.id.in_([p.membership_id for p in participants]))
        )
    }
    accounts = list(
        session.scalars(
            select(Account)
            .where(Account.participant_id.in_(ids), Account.kind == AccountKind.SELLER.value)
            .order_by(Account.id)
        )
    )
    account_ids = [a.id for a in accounts]
    entries = session.scalars(
        select(Entry)
        .where(
            or_(
                Entry.destination_account_id.in_(account_ids),
                Entry.source_account_id.in_(account_ids),
            )
        )
        .order_by(Entry.id)
    )
    attempts = session.execute(
        select(QuizAttempt, Quiz.title)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.participant_id.in_(ids))
        .order_by(QuizAttempt.id)
    )
    photos = session.execute(
        select(PhotoSubmission, PhotoActivity.title)
        .join(PhotoActivity, PhotoActivity.id == PhotoSubmission.activity_id)
        .where(PhotoSubmission.participant_id.in_(ids))
        .order_by(PhotoSubmission.id)
    )
    redemptions = list(
        session.scalars(
            select(Redemption).where(Redemption.user_id == user_id).order_by(Redemption.id)
        )
    )
    lines: dict[int, list[dict[str, Any]]] = {}
    for line in session.scalars(
        select(RedemptionLine).where(RedemptionLine.redemption_id.in_([r.id for r in redemptions]))
    ):
        lines.setdefault(line.redemption_id, []).append(_row(line))
    return {
        "participations": [
            {
                **_row(p, "user_id", "invited_by"),
                "programme_id": programmes[p.membership_id][1].id,
                "programme": programmes[p.membership_id][1].name,
                "organisation_id": programmes[p.membership_id][0].organisation_id,
            }
            for p in participants
        ],
        "accounts": [
            {"id": a.id, "programme_id": a.programme_id, "balance": a.balance} for a in accounts
        ],
        "points_history": [
            {
                **_row(e, "idempotency_key", "source_account_id", "destination_account_id"),
                "change": e.points if e.destination_account_id in account_ids else -e.points,
            }
            for e in entries
        ],
        "quiz_attempts": [{**_row(a), "quiz": title} for a, title in attempts],
        "photos": [
            {**_row(s, "dhash", "open_participant_id"), "activity": title} for s, title in photos
        ],
        "redemptions": [{**_row(r), "lines": lines.get(r.id, [])} for r in redemptions],
        "basket": [
            _row(item)
            for item in session.scalars(select(BasketItem).where(BasketItem.user_id == user_id))
        ],
        # the seller's suggestions, survey answers, referrals and prizes are exported beside
        # this part, as "loyalty_activities" (loyalty.activity_export)
    }


def erase_user(
    session: Session,
    user_id: int,
    *,
    folder: Path,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Erase or pseudonymise the user's loyalty data (see the module). The caller commits;
    photo files go after the commit."""
    now = clock()
    participants = _participants(session, user_id)
    ids = [p.id for p in participants]
    organisations = sorted(
        set(
            session.scalars(
                select(Membership.organisation_id).where(
                    Membership.id.in_([p.membership_id for p in participants])
                )
            )
        )
    )
    for organisation_id in organisations:  # the points go to the retailer entity
        departures.end_participations(session, organisation_id, user_id, now=now)
    gone = list(
        session.scalars(
            select(PhotoSubmission).where(
                PhotoSubmission.participant_id.in_(ids), PhotoSubmission.status != "approved"
            )
        )
    )
    gone_ids = [s.id for s in gone]
    names = {s.file_name for s in gone}
    if gone_ids:
        session.execute(
            update(PhotoSubmission)
            .where(PhotoSubmission.duplicate_of_id.in_(gone_ids))
            .values(duplicate_of_id=None, duplicate_distance=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(PhotoSubmission)
            .where(PhotoSubmission.id.in_(gone_ids))
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(PhotoSubmission)
        .where(PhotoSubmission.participant_id.in_(ids))
        .values(participant_id=None, open_participant_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Participant)
        .where(Participant.user_id == user_id)
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Participant)
        .where(Participant.invited_by == user_id)
        .values(invited_by=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Redemption)
        .where(Redemption.user_id == user_id)
        .values(
            user_id=None,
            delivery_name=FORMER_USER,
            delivery_address="",
            delivery_postcode="",
            delivery_city="",
            delivery_email=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(BasketItem).where(BasketItem.user_id == user_id))
    session.execute(
        update(OrderHandler)
        .where(OrderHandler.user_id == user_id)
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    unused = [
        name
        for name in sorted(names)
        if not session.scalar(
            select(func.count())
            .select_from(PhotoSubmission)
            .where(PhotoSubmission.file_name == name)
        )
    ]
    if unused:
        personal_data.after_commit(session, partial(_remove_files, folder, unused))


def _remove_files(folder: Path, names: list[str]) -> None:
    for name in names:
        found = photo_images.stored_path(folder, name)
        if found is not None:
            found[0].unlink(missing_ok=True)


def install(folder: Path) -> None:
    """Register loyalty's part of a user's GDPR export and erasure (at start-up)."""
    personal_data.register(
        PART, export=export_user, erase=partial(_erase_with_folder, folder=folder)
    )


def _erase_with_folder(session: Session, user_id: int, *, folder: Path) -> None:
    erase_user(session, user_id, folder=folder)
