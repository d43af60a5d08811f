"""How long the admins' queues are: what waits for a person (the admin dashboard; a few
indexed counts, cheap enough for every page view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from catalog.enums import FeedRunStatus, OrgStatus
from catalog.models import FeedRun, Organisation
from marketplace.enums import ReviewState
from marketplace.match_review import pending_offer_count
from marketplace.models import OutgoingEmail, Review, ReviewReport
from marketplace.organisations import AWAITING_DECISION

FAILED_RUN_DAYS = 7
FAILED_RUNS = (FeedRunStatus.FAILED.value, FeedRunStatus.REJECTED.value)


@dataclass(frozen=True, slots=True)
class QueueLengths:
    match_offers: int  # offers with a pending match candidate
    held_reviews: int  # low reviews held (waiting for the retailer or an admin)
    held_for_admins: int  # of those, the ones no retailer answers (the admins' to decide)
    open_reports: int  # review abuse reports not resolved
    pending_signups: int  # organisations waiting for approval
    failed_runs: int  # feed runs failed or refused in the last FAILED_RUN_DAYS days
    emails_queued: int
    emails_failed: int


def _count(session: Session, stmt: Select[int]) -> int:
    return int(session.scalar(stmt) or 0)


def queue_lengths(session: Session, now: datetime) -> QueueLengths:
    """The lengths of every queue a person works, as of ``now``."""
    count = func.count()
    held = select(count).select_from(Review).where(Review.status == ReviewState.HELD.value)
    emails: dict[str, int] = {
        status: int(n)
        for status, n in session.execute(
            select(OutgoingEmail.status, count)
            .where(OutgoingEmail.status.in_(("queued", "failed")))
            .group_by(OutgoingEmail.status)
        )
    }
    return QueueLengths(
        match_offers=pending_offer_count(session),
        held_reviews=_count(session, held),
        held_for_admins=_count(session, held.where(Review.retailer_id.is_(None))),
        open_reports=_count(
            session,
            select(count).select_from(ReviewReport).where(ReviewReport.resolved_at.is_(None)),
        ),
        pending_signups=_count(
            session,
            select(count)
            .select_from(Organisation)
            .where(Organisation.status == OrgStatus.PENDING.value, AWAITING_DECISION),
        ),
        failed_runs=_count(
            session,
            select(count)
            .select_from(FeedRun)
            .where(
                FeedRun.status.in_(FAILED_RUNS),
                FeedRun.created_at >= now - timedelta(days=FAILED_RUN_DAYS),
            ),
        ),
        emails_queued=int(emails.get("queued", 0)),
        emails_failed=int(emails.get("failed", 0)),
    )
