"""What the admin dashboard watches, as API (issue 14 item 7): every retailer's feed runs
(paged, by retailer and status) and the lengths of the queues a person works
(``marketplace.queue_lengths``, the numbers ``/admin`` shows). Admins only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import RateLimitDep, RequireAdmin, SessionDep
from api.language import LangDep
from api.paging import PageDep
from api.problems import NotFound
from api.routers.feeds import run_summary
from api.schemas.admin import QueueLengthsPublic
from api.schemas.common import API_PROBLEMS, ListResponse, problems
from api.schemas.feeds import FeedRunSummaryPublic
from catalog.enums import FeedRunStatus
from catalog.reads import all_feed_runs, retailer_by_slug, retailers_by_id
from marketplace.dates import utc_now
from marketplace.queue_lengths import FAILED_RUN_DAYS, queue_lengths

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)


@router.get(
    "/feed-runs",
    response_model=ListResponse[FeedRunSummaryPublic],
    responses=problems(401, 403, 404, 422),
)
def admin_feed_runs(
    admin: RequireAdmin,
    session: SessionDep,
    lang: LangDep,
    page: PageDep,
    retailer: Annotated[str | None, Query(max_length=100, description="A retailer's slug.")] = None,
    status: Annotated[FeedRunStatus | None, Query()] = None,
) -> ListResponse[FeedRunSummaryPublic]:
    """Every retailer's feed runs, newest first, one page; ``?retailer=<slug>`` and
    ``?status=`` narrow them (an unknown retailer is 404). Example:
    ``GET /api/v1/admin/feed-runs?status=failed&limit=20``"""
    retailer_id = None
    if retailer is not None:
        found = retailer_by_slug(session, retailer)
        if found is None:
            raise NotFound(f"no retailer {retailer!r}")
        retailer_id = found.id
    runs, total = all_feed_runs(
        session,
        retailer_id=retailer_id,
        status=None if status is None else status.value,
        limit=page.limit,
        offset=page.offset,
    )
    found_by_id = retailers_by_id(session, {run.retailer_id for run in runs})
    slugs = {rid: r.slug for rid, r in found_by_id.items()}
    data = [
        FeedRunSummaryPublic.model_validate(run_summary(run, slugs.get(run.retailer_id, ""), lang))
        for run in runs
    ]
    return page.response(data, total)


@router.get("/queues", response_model=QueueLengthsPublic, responses=problems(401, 403))
def admin_queues(admin: RequireAdmin, session: SessionDep) -> QueueLengthsPublic:
    """The lengths of the queues a person works, as the ``/admin`` dashboard shows them:
    offers waiting in the match review, held reviews (and those only an admin decides), open
    abuse reports, sign-ups awaiting a decision, feed runs failed or refused lately, e-mails
    queued and failed."""
    lengths = queue_lengths(session, utc_now())
    return QueueLengthsPublic(**asdict(lengths), failed_run_days=FAILED_RUN_DAYS)
