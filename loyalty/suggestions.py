"""Improvement suggestions: a seller taking part submits one, the sponsor accepts it with a
grade (points paid once) or declines it with a reason.

A suggestion has a title (1-:data:`MAX_TITLE` characters, one line) and a text
(1-:data:`MAX_BODY`). Its ``fingerprint`` (SHA-256 of the normalised title and text) is
unique per participant: the same suggestion sent twice, or twice at once, is stored once
(:class:`DuplicateSuggestion`). At most :data:`MAX_OPEN` of a seller's suggestions wait for a
decision at a time.

Deciding is a conditional ``UPDATE ... WHERE status = 'submitted'``: of two admins deciding
at once one wins, the other gets :class:`~loyalty.limits.AlreadyDecided`. Acceptance pays
the grade's points (``loyalty.engagement_settings``) through ``loyalty.limits.credit`` to the
seller's sub-account under the key ``suggestion:<id>``: once, however often it is replayed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.models import Organisation, User
from catalog.single_line import has_control
from loyalty import limits
from loyalty.access import require_management_role, require_manager, require_manager_of
from loyalty.engagement_models import Suggestion
from loyalty.engagement_settings import GRADES, engagement_settings, grade_points
from loyalty.enums import AccountKind
from loyalty.errors import InvalidInput, LoyaltyError, NotFound
from loyalty.ledger import ensure_account
from loyalty.limits import AlreadyDecided
from loyalty.models import Membership, Participant
from loyalty.quizzes import my_participant

SUGGESTION_ENTRY_KIND = "suggestion"
MAX_TITLE = 200
MAX_BODY = 4000
MAX_REASON = 1000
MAX_OPEN = 20
STATUSES = ("submitted", "accepted", "declined")

__all__ = ["AlreadyDecided", "DuplicateSuggestion", "TooManyOpen", "decide", "submit"]


class DuplicateSuggestion(LoyaltyError):
    """The seller submitted this suggestion already (or twice at once)."""


class TooManyOpen(LoyaltyError):
    """The seller has :data:`MAX_OPEN` suggestions waiting for a decision."""


def _clean(title: str, body: str) -> tuple[str, str]:
    title = " ".join(title.split())
    body = body.replace("\r\n", "\n").strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"title: 1-{MAX_TITLE} characters", field="title")
    if has_control(title):
        raise InvalidInput("title: one line", field="title")
    if not body or len(body) > MAX_BODY:
        raise InvalidInput(f"text: 1-{MAX_BODY} characters", field="text")
    return title, body


def fingerprint(title: str, body: str) -> str:
    """What makes two suggestions the same (case and spacing aside). Pure."""
    normal = " ".join(title.lower().split()) + "\n" + " ".join(body.lower().split())
    return hashlib.sha256(normal.encode()).hexdigest()


def submit(
    session: Session, user: User | None, programme_id: int, *, title: str, text: str, now: datetime
) -> Suggestion:
    """A participating seller submits a suggestion. The caller commits."""
    participant = my_participant(session, user, programme_id)
    title, body = _clean(title, text)
    waiting = session.scalar(
        select(func.count())
        .select_from(Suggestion)
        .where(Suggestion.participant_id == participant.id, Suggestion.status == "submitted")
    )
    if (waiting or 0) >= MAX_OPEN:
        raise TooManyOpen(f"you have {MAX_OPEN} suggestions waiting for a decision")
    row = Suggestion(
        programme_id=programme_id,
        membership_id=participant.membership_id,
        participant_id=participant.id,
        title=title,
        body=body,
        fingerprint=fingerprint(title, body),
        status="submitted",
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise DuplicateSuggestion("you submitted this suggestion already") from exc
    return row


def mine(
    session: Session, user: User | None, programme_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[list[Suggestion], int]:
    """The user's own suggestions, newest first: (page, total)."""
    participant = my_participant(session, user, programme_id)
    where = Suggestion.participant_id == participant.id
    total = session.scalar(select(func.count()).select_from(Suggestion).where(where)) or 0
    rows = session.scalars(
        select(Suggestion).where(where).order_by(Suggestion.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), int(total)


@dataclass(frozen=True, slots=True)
class QueueItem:
    suggestion: Suggestion
    seller: str  # the seller's name ("" once erased)
    store: str


def queue(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    status: str,
    limit: int,
    offset: int,
) -> tuple[list[QueueItem], int]:
    """The programme's manager's view of its suggestions of ``status`` (oldest first)."""
    require_manager(session, user, programme_id)
    if status not in STATUSES:
        raise InvalidInput(f"status: one of {', '.join(STATUSES)}", field="status")
    where = (Suggestion.programme_id == programme_id, Suggestion.status == status)
    total = session.scalar(select(func.count()).select_from(Suggestion).where(*where)) or 0
    order = Suggestion.id if status == "submitted" else Suggestion.decided_at.desc()
    rows = session.execute(
        select(Suggestion, User.name, Organisation.name)
        .join(Participant, Participant.id == Suggestion.participant_id)
        .outerjoin(User, User.id == Participant.user_id)
        .join(Membership, Membership.id == Suggestion.membership_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(*where)
        .order_by(order, Suggestion.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [QueueItem(s, seller or "", str(store)) for s, seller, store in rows], int(total)


def get_suggestion(session: Session, suggestion_id: int) -> Suggestion:
    found = session.get(Suggestion, suggestion_id)
    if found is None:
        raise NotFound(f"no suggestion {suggestion_id}")
    return found


@dataclass(frozen=True, slots=True)
class Decided:
    suggestion: Suggestion
    credit: limits.Credit | None


def decide(
    session: Session,
    user: User | None,
    suggestion_id: int,
    *,
    accept: bool,
    grade: str | None,
    reason: str,
    now: datetime,
) -> Decided:
    """Accept (with a grade: the points are paid once) or decline (with a reason) a
    submitted suggestion, once. The caller commits."""
    admin = require_management_role(user)
    found = get_suggestion(session, suggestion_id)
    require_manager_of(session, admin, found.programme_id, f"no suggestion {suggestion_id}")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason: {MAX_REASON} characters at most", field="reason")
    points: int | None = None
    if accept:
        if grade not in GRADES:
            raise InvalidInput(f"grade: one of {', '.join(GRADES)}", field="grade")
        points = grade_points(engagement_settings(session, found.programme_id), grade)
    elif not reason:
        raise InvalidInput("reason: say why the suggestion is declined", field="reason")
    status = "accepted" if accept else "declined"
    result = session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion_id, Suggestion.status == "submitted")
        .values(
            status=status,
            grade=grade if accept else None,
            points=points,
            decided_by=admin.id,
            decided_at=now,
            decision_reason=reason or None,
        )
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        raise AlreadyDecided(f"suggestion {suggestion_id} was decided already")
    session.refresh(found)
    credit = None
    if accept and points:
        seller = ensure_account(
            session,
            found.programme_id,
            AccountKind.SELLER,
            membership_id=found.membership_id,
            participant_id=found.participant_id,
        )
        credit = limits.credit(
            session,
            programme_id=found.programme_id,
            destination=seller,
            points=points,
            kind=SUGGESTION_ENTRY_KIND,
            reason=f"suggestion {found.id} {found.title} accepted ({grade})",
            idempotency_key=f"suggestion:{found.id}",
            now=now,
        )
    audit.record(
        session,
        actor=admin,
        channel="web",
        action=f"loyalty.suggestion_{status}",
        target_kind="loyalty_suggestion",
        target_id=found.id,
        detail={"grade": grade, "points": points, "reason": reason},
    )
    session.flush()
    return Decided(found, credit)
