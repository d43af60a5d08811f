"""Abuse reports and the admins' moderation of reviews (PRODUCT.md point 5).

* Any logged-in user may report a published review as abusive, once per review
  (:class:`DuplicateReport` for a second report), never their own (:class:`NotAllowed`). A
  held review is seen only by the retailer concerned, so only its staff may report one; to
  anybody else it does not exist (:class:`NotFound`, as for a removed one).
* An admin resolves an open report by *dismissing* it (the review stays) or *removing* the
  review, always with a reason. The report keeps who resolved it, when, the outcome and the
  reason: the queue's history is that audit trail. Removing a review closes its other open
  reports with the same decision.
* A held review with no retailer concerned (a product review without an order) waits for an
  admin, who may *publish* or *remove* it with a reason (kept on the review: ``moderator_id``,
  ``moderated_at``, ``moderation_reason``); after the response window it is published as any
  held review (``marketplace.reviews.publish_due_reviews``).
* A removed review is never shown or counted; ``ReviewRemoved`` is published, and the author
  is told why (``marketplace.notifications``).

Decisions are safe under concurrency: each is one conditional UPDATE (``... WHERE
resolved_at IS NULL``, ``... WHERE status = 'held'``), so of two admins deciding the same
report or review at once, one decides and the other gets :class:`AlreadyDecided`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from catalog.db import rows_matched
from catalog.events import ReviewPublished, ReviewRemoved, publish
from catalog.models import User
from catalog.paging import Page, page_rows
from marketplace.access import logged_in, require_admin, staff_of
from marketplace.dates import as_utc
from marketplace.enums import ModerationDecision, ReportOutcome, ReviewState
from marketplace.errors import (
    AlreadyDecided,
    DuplicateReport,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from marketplace.models import Review, ReviewReport
from marketplace.reviews import (
    FORMER_USER,
    MAX_TEXT,
    ShownReview,
    review_event,
    shown_review,
)

HISTORY_LIMIT = 50
"""How many past decisions the admin queue shows."""


def _reason(name: str, reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_TEXT:
        raise InvalidInput(
            f"{name} needs 1..{MAX_TEXT} characters", code="text_length", high=MAX_TEXT
        )
    return reason


def report_review(
    session: Session, user: User | None, review_id: int, reason: str, *, now: datetime
) -> ReviewReport:
    """Any logged-in user may report a review they can see as abusive, once, but not their
    own; admins decide."""
    reporter = logged_in(user)
    review = shown_review(session, review_id)
    if review.status != ReviewState.PUBLISHED and not (
        review.retailer_id is not None and staff_of(reporter, review.retailer_id)
    ):
        raise NotFound(f"no review {review_id}")
    if review.author_id == reporter.id:
        raise NotAllowed("you cannot report your own review")
    reason = _reason("reason", reason)
    if _report_of(session, review.id, reporter.id) is not None:
        raise DuplicateReport("you have already reported this review")
    report = ReviewReport(
        review_id=review.id, reporter_id=reporter.id, reason=reason, created_at=as_utc(now)
    )
    session.add(report)
    try:
        session.flush()
    except IntegrityError:
        # a concurrent twin committed first (the unique constraint on review and reporter):
        # this transaction is spoiled, roll it back and say so
        session.rollback()
        raise DuplicateReport("you have already reported this review") from None
    return report


def _report_of(session: Session, review_id: int, reporter_id: int) -> int | None:
    return session.scalar(
        select(ReviewReport.id).where(
            ReviewReport.review_id == review_id, ReviewReport.reporter_id == reporter_id
        )
    )


def resolve_report(
    session: Session,
    user: User | None,
    report_id: int,
    *,
    remove: bool,
    reason: str,
    now: datetime,
) -> ReviewReport:
    """An admin dismisses the report (the review stays) or removes the review, with a
    reason; removed reviews are never shown or counted, and their author is told why."""
    admin = require_admin(user)
    reason = _reason("reason", reason)
    report = session.get(ReviewReport, report_id)
    if report is None:
        raise NotFound(f"no report {report_id}")
    now = as_utc(now)
    outcome = ReportOutcome.REMOVED if remove else ReportOutcome.DISMISSED
    claimed = rows_matched(
        session.execute(
            update(ReviewReport)
            .where(ReviewReport.id == report_id, ReviewReport.resolved_at.is_(None))
            .values(
                resolved_at=now,
                outcome=outcome.value,
                resolver_id=admin.id,
                resolution_reason=reason,
            )
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(report)
    if claimed != 1:
        raise AlreadyDecided(f"report {report_id} was already resolved ({report.outcome})")
    if remove:
        _remove(session, admin, report.review_id, reason, now)
    return report


def moderate_review(
    session: Session,
    user: User | None,
    review_id: int,
    decision: str,
    *,
    reason: str,
    now: datetime,
) -> Review:
    """An admin publishes a held review no retailer answers (a product review without an
    order) or removes any review, with a reason."""
    admin = require_admin(user)
    try:
        chosen = ModerationDecision(decision)
    except ValueError:
        choices = ", ".join(d.value for d in ModerationDecision)
        raise InvalidInput(f"decision must be one of {choices}") from None
    reason = _reason("reason", reason)
    review = shown_review(session, review_id)
    now = as_utc(now)
    if chosen == ModerationDecision.REMOVE:
        _remove(session, admin, review.id, reason, now)
    else:
        if review.retailer_id is not None:
            raise InvalidInput("the retailer concerned answers this review, not an admin")
        published = rows_matched(
            session.execute(
                update(Review)
                .where(Review.id == review.id, Review.status == ReviewState.HELD.value)
                .values(
                    status=ReviewState.PUBLISHED.value,
                    published_at=now,
                    moderator_id=admin.id,
                    moderated_at=now,
                    moderation_reason=reason,
                )
                .execution_options(synchronize_session=False)
            )
        )
        if published != 1:
            raise AlreadyDecided(f"review {review.id} is no longer held")
        publish(session, review_event(ReviewPublished, review))
    session.refresh(review)
    return review


def _remove(session: Session, admin: User, review_id: int, reason: str, now: datetime) -> None:
    removed = rows_matched(
        session.execute(
            update(Review)
            .where(Review.id == review_id, Review.status != ReviewState.REMOVED.value)
            .values(
                status=ReviewState.REMOVED.value,
                moderator_id=admin.id,
                moderated_at=now,
                moderation_reason=reason,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if removed != 1:
        raise AlreadyDecided(f"review {review_id} was already removed")
    # the review's other open reports are closed by the same decision
    session.execute(
        update(ReviewReport)
        .where(ReviewReport.review_id == review_id, ReviewReport.resolved_at.is_(None))
        .values(
            resolved_at=now,
            outcome=ReportOutcome.REMOVED.value,
            resolver_id=admin.id,
            resolution_reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    review = session.get(Review, review_id)
    assert review is not None
    session.refresh(review)
    publish(session, review_event(ReviewRemoved, review))


# ---------------------------------------------------------------- the admins' queue


@dataclass(frozen=True, slots=True)
class QueuedReport:
    """A report as the admins' queue shows it: the review, who wrote and who reported it,
    and for a resolved one who decided, when, the outcome and the reason."""

    report: ReviewReport
    review: ShownReview
    reporter_name: str
    resolver_name: str | None


def _name(user: User | None) -> str:
    return user.name if user is not None else FORMER_USER


def _reports_query(
    *, resolved: bool, report_id: int | None = None
) -> Select[ReviewReport, Review, User, User, User]:
    author, reporter, resolver = aliased(User), aliased(User), aliased(User)
    query = (
        select(ReviewReport, Review, author, reporter, resolver)
        .join(Review, Review.id == ReviewReport.review_id)
        .outerjoin(author, author.id == Review.author_id)
        .outerjoin(reporter, reporter.id == ReviewReport.reporter_id)
        .outerjoin(resolver, resolver.id == ReviewReport.resolver_id)
    )
    if resolved:
        query = query.where(ReviewReport.resolved_at.is_not(None)).order_by(
            ReviewReport.resolved_at.desc(), ReviewReport.id.desc()
        )
    else:
        query = query.where(ReviewReport.resolved_at.is_(None)).order_by(
            ReviewReport.created_at, ReviewReport.id
        )
    if report_id is not None:
        query = query.where(ReviewReport.id == report_id)
    return query


def _queued(rows: Sequence[Row[ReviewReport, Review, User, User, User]]) -> list[QueuedReport]:
    out = []
    for report, review, wrote, reported, decided in rows:
        shown = ShownReview(review, _name(wrote), wrote.clinic if wrote is not None else None)
        out.append(
            QueuedReport(
                report,
                shown,
                _name(reported),
                _name(decided) if report.resolved_at is not None else None,
            )
        )
    return out


def _reports(
    session: Session, *, resolved: bool, limit: int | None, report_id: int | None = None
) -> list[QueuedReport]:
    query = _reports_query(resolved=resolved, report_id=report_id)
    if limit is not None:
        query = query.limit(limit)
    return _queued(session.execute(query).all())


def open_reports(session: Session, user: User | None) -> list[QueuedReport]:
    """Reports waiting for an admin, oldest first (admins only)."""
    require_admin(user)
    return _reports(session, resolved=False, limit=None)


def resolved_reports(
    session: Session, user: User | None, *, limit: int = HISTORY_LIMIT
) -> list[QueuedReport]:
    """The audit trail: resolved reports, newest decision first (admins only)."""
    require_admin(user)
    return _reports(session, resolved=True, limit=limit)


def reports_page(
    session: Session, user: User | None, *, resolved: bool, limit: int, offset: int
) -> Page:
    """One page of the open (oldest first) or resolved (newest decision first) reports, as
    ``QueuedReport`` items, and their count (admins only)."""
    require_admin(user)
    rows, total = page_rows(session, _reports_query(resolved=resolved), limit=limit, offset=offset)
    return Page(_queued(rows), total, limit, offset)


def queued_report(session: Session, user: User | None, report_id: int) -> QueuedReport:
    """One report as the queue shows it (admins only)."""
    require_admin(user)
    for resolved in (False, True):
        if found := _reports(session, resolved=resolved, limit=1, report_id=report_id):
            return found[0]
    raise NotFound(f"no report {report_id}")


def with_author(session: Session, review: Review) -> ShownReview:
    """The review with its author's name and clinic (or the former user's)."""
    author = session.get(User, review.author_id) if review.author_id is not None else None
    return ShownReview(review, _name(author), author.clinic if author is not None else None)


@dataclass(frozen=True, slots=True)
class ModeratedReview:
    """A review an admin decided on directly, or one waiting for that decision."""

    review: ShownReview
    moderator_name: str | None


def _moderated_query(*, held: bool) -> Select[Review, User, User]:
    author, moderator = aliased(User), aliased(User)
    query = (
        select(Review, author, moderator)
        .outerjoin(author, author.id == Review.author_id)
        .outerjoin(moderator, moderator.id == Review.moderator_id)
    )
    if held:
        return query.where(
            Review.status == ReviewState.HELD.value, Review.retailer_id.is_(None)
        ).order_by(Review.response_due_at, Review.id)
    return query.where(Review.moderated_at.is_not(None)).order_by(
        Review.moderated_at.desc(), Review.id.desc()
    )


def _moderated_items(rows: Sequence[Row[Review, User, User]]) -> list[ModeratedReview]:
    return [
        ModeratedReview(
            ShownReview(review, _name(wrote), wrote.clinic if wrote is not None else None),
            _name(decided) if review.moderator_id is not None else None,
        )
        for review, wrote, decided in rows
    ]


def _moderated(session: Session, *, held: bool, limit: int | None) -> list[ModeratedReview]:
    query = _moderated_query(held=held)
    if limit is not None:
        query = query.limit(limit)
    return _moderated_items(session.execute(query).all())


def held_for_admins(session: Session, user: User | None) -> list[ModeratedReview]:
    """Held reviews no retailer answers (product reviews without an order), due first."""
    require_admin(user)
    return _moderated(session, held=True, limit=None)


def moderation_history(
    session: Session, user: User | None, *, limit: int = HISTORY_LIMIT
) -> list[ModeratedReview]:
    """Reviews admins published or removed, newest decision first (admins only)."""
    require_admin(user)
    return _moderated(session, held=False, limit=limit)


def moderated_page(
    session: Session, user: User | None, *, held: bool, limit: int, offset: int
) -> Page:
    """One page of the held reviews no retailer answers (``held``, due first) or of the
    moderation history (newest decision first), as ``ModeratedReview`` items, and their
    count (admins only)."""
    require_admin(user)
    rows, total = page_rows(session, _moderated_query(held=held), limit=limit, offset=offset)
    return Page(_moderated_items(rows), total, limit, offset)
