"""The admins' review moderation: abuse reports to dismiss or act on (removing the review),
held reviews no retailer answers (publish or remove), and the audit trail of decisions.
Thin: each route calls one ``marketplace.moderation`` service and commits."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import RateLimitDep, RequireAdmin, SessionDep
from api.paging import PageDep
from api.routers.marketplace import review_public
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.marketplace import (
    ModerationPublic,
    QueuedReportPublic,
    ReportResolve,
    ReviewModerate,
    ReviewPublic,
)
from marketplace import moderation
from marketplace.dates import utc_now
from marketplace.moderation import ModeratedReview, QueuedReport

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)

ObjectId = Annotated[int, Path(ge=1, le=MAX_INT)]


def _queued(item: QueuedReport) -> QueuedReportPublic:
    report = item.report
    decision = None
    if report.resolved_at is not None:
        decision = ModerationPublic(
            by=item.resolver_name,
            at=report.resolved_at,
            outcome=report.outcome,
            reason=report.resolution_reason,
        )
    return QueuedReportPublic(
        id=report.id,
        reason=report.reason,
        reporter_name=item.reporter_name,
        created_at=report.created_at,
        review=review_public(item.review),
        decision=decision,
    )


@router.get(
    "/review-reports",
    response_model=ListResponse[QueuedReportPublic],
    responses=problems(401, 403, 422),
)
def review_reports(
    admin: RequireAdmin,
    session: SessionDep,
    page: PageDep,
    state: Annotated[Literal["open", "resolved"], Query()] = "open",
) -> ListResponse[QueuedReportPublic]:
    """The abuse-report queue: ``state=open`` oldest first, or ``state=resolved`` (the audit
    trail: who resolved, when, outcome, reason; newest first). Example:
    ``GET /api/v1/admin/review-reports?state=open``"""
    found = moderation.reports_page(
        session, admin, resolved=state == "resolved", limit=page.limit, offset=page.offset
    )
    return page.response([_queued(item) for item in found.items], found.count)


@router.post(
    "/review-reports/{report_id}/resolve",
    response_model=QueuedReportPublic,
    responses=problems(401, 403, 404, 409, 422),
)
def resolve_review_report(
    report_id: ObjectId, body: ReportResolve, admin: RequireAdmin, session: SessionDep
) -> QueuedReportPublic:
    """Dismiss the report (the review stays) or remove the review, with a reason; the author
    of a removed review is notified. Another admin's decision first: 409."""
    report = moderation.resolve_report(
        session,
        admin,
        report_id,
        remove=body.outcome == "removed",
        reason=body.reason,
        now=utc_now(),
    )
    session.commit()
    return _queued(moderation.queued_report(session, admin, report.id))


def _moderated_public(item: ModeratedReview) -> ReviewPublic:
    return review_public(item.review)


@router.get(
    "/reviews/held", response_model=ListResponse[ReviewPublic], responses=problems(401, 403, 422)
)
def held_reviews(
    admin: RequireAdmin, session: SessionDep, page: PageDep
) -> ListResponse[ReviewPublic]:
    """Held reviews no retailer answers (product reviews of 2 or below without an order),
    due first: publish or remove them before the window passes."""
    held = moderation.moderated_page(
        session, admin, held=True, limit=page.limit, offset=page.offset
    )
    return page.response([_moderated_public(item) for item in held.items], held.count)


@router.post(
    "/reviews/{review_id}/moderate",
    response_model=ReviewPublic,
    responses=problems(401, 403, 404, 409, 422),
)
def moderate_review(
    review_id: ObjectId, body: ReviewModerate, admin: RequireAdmin, session: SessionDep
) -> ReviewPublic:
    """Publish a held review no retailer answers, or remove any review, with a reason."""
    review = moderation.moderate_review(
        session, admin, review_id, body.decision, reason=body.reason, now=utc_now()
    )
    session.commit()
    return review_public(moderation.with_author(session, review))
