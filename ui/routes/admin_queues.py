"""Admin pages over every retailer: the feed runs (``/admin/flodeskorningar``, filtered by
retailer and status, paged, each run with its errors as the retailer's portal shows them)
and the queue-length dashboard (``/admin/oversikt``; its partial
``partials/admin_queues.html`` is meant for the admin home page too)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.enums import FeedRunStatus
from catalog.models import FeedRun
from catalog.reads import all_feed_runs, retailer_by_slug, retailers_by_name
from marketplace.dates import utc_now
from marketplace.mail.render import Rendered, TemplateError, render_email
from marketplace.outgoing_mail import MAIL_STATUSES, mask_tokens, outgoing_emails, shown_context
from marketplace.queue_lengths import FAILED_RUN_DAYS, FAILED_RUNS, QueueLengths, queue_lengths
from ui.error_pages import page_router
from ui.market_views import role_gate
from ui.rendering import error_page, render
from ui.routes.match_queue import MAX_START
from ui.routes.portal import run_context

router = page_router(prefix="/admin")
RUNS_PAGE = "/admin/flodeskorningar"
OVERVIEW_PAGE = "/admin/oversikt"
MAIL_PAGE = "/admin/e-post"
RUNS_PAGE_SIZE = 50
STATUSES = tuple(s.value for s in FeedRunStatus)
FAILED_STATUSES = ",".join(FAILED_RUNS)
FAILED_RUNS_PAGE = f"{RUNS_PAGE}?status={FAILED_STATUSES}&dagar={FAILED_RUN_DAYS}"
"""The runs the dashboard's failed-runs count counts (``queue_lengths.failed_runs``)."""


def queues_context(session: Session) -> dict[str, Any]:
    """What ``partials/admin_queues.html`` shows: the queue lengths now."""
    lengths: QueueLengths = queue_lengths(session, utc_now())
    return {"queues": lengths, "failed_runs_page": FAILED_RUNS_PAGE}


@router.get(OVERVIEW_PAGE.removeprefix("/admin"), name="ui_admin_overview")
def overview(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The queues that wait for a person, with links to work them (admins)."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    return render(request, "admin_overview.html", queues_context(session), user=user)


def _days(raw: str | None) -> int | None:
    """``?dagar=N``: runs started in the last N days (1..366); None when absent or not that."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 3:
        return None
    return int(raw) if 1 <= int(raw) <= 366 else None


def _offset(raw: str | None) -> int:
    return (
        min(int(raw), MAX_START) if raw and raw.isascii() and raw.isdigit() and len(raw) < 10 else 0
    )


@router.get(MAIL_PAGE.removeprefix("/admin"), name="ui_admin_mail")
def outgoing_mail(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Every outgoing e-mail, newest first, with its recipient, subject, text and status
    (``?status=queued|sent|failed``, ``?start=``): where no SMTP server is set (the demo),
    the messages are read here (admins). No link token that signs a person in is ever shown
    (a password reset's); an invitation's or a sign-up confirmation's only in development
    without an SMTP server, where this page is how the demo reads them."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    status = request.query_params.get("status") or None
    if status is not None and status not in MAIL_STATUSES:
        return error_page(request, "error.not_found", user=user, status_code=404)
    start = _offset(request.query_params.get("start"))
    page = outgoing_emails(session, user, status=status, limit=RUNS_PAGE_SIZE, offset=start)
    reveal = settings.environment == "development" and not settings.smtp_host
    mails = []
    for mail in page.items:
        values = shown_context(mail.template, mail.context or {}, reveal)
        try:
            shown: Rendered | None = render_email(mail.template, mail.lang, values)
        except TemplateError:
            shown = None
        if shown is not None:
            shown = Rendered(
                subject=mask_tokens(shown.subject, reveal), body=mask_tokens(shown.body, reveal)
            )
        mails.append({"mail": mail, "shown": shown})
    context = {
        "mails": mails,
        "total": page.count,
        "start": start,
        "page_size": RUNS_PAGE_SIZE,
        "status": status,
        "statuses": MAIL_STATUSES,
    }
    return render(request, "admin_mail.html", context, user=user)


@router.get(RUNS_PAGE.removeprefix("/admin"), name="ui_admin_feed_runs")
def feed_runs(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Every retailer's feed runs, newest first: ``?handlare=<slug>``, ``?status=``,
    ``?start=`` (admins)."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    params = request.query_params
    slug = params.get("handlare") or None
    status = params.get("status") or None
    wanted = tuple(status.split(",")) if status is not None else None
    days = _days(params.get("dagar"))
    retailer = retailer_by_slug(session, slug[:100]) if slug else None
    if (
        (slug and retailer is None)
        or (wanted is not None and not set(wanted) <= set(STATUSES))
        or (params.get("dagar") and days is None)
    ):
        return error_page(request, "error.not_found", user=user, status_code=404)
    start = _offset(params.get("start"))
    runs, total = all_feed_runs(
        session,
        retailer_id=retailer.id if retailer else None,
        status=wanted,
        since=utc_now() - timedelta(days=days) if days is not None else None,
        limit=RUNS_PAGE_SIZE,
        offset=start,
    )
    context = {
        "runs": runs,
        "total": total,
        "start": start,
        "page_size": RUNS_PAGE_SIZE,
        "retailers": retailers_by_name(session),
        "retailer": retailer,
        "status": status,
        "statuses": STATUSES,
        "failed_statuses": FAILED_STATUSES,
        "days": days,
    }
    return render(request, "admin_feed_runs.html", context, user=user)


def _run(session: SessionDep, run_id: int) -> FeedRun | None:
    return session.get(FeedRun, run_id)


@router.get(RUNS_PAGE.removeprefix("/admin") + "/{run_id}", response_class=HTMLResponse)
def feed_run(
    request: Request, run_id: int, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """One run of any retailer, with its errors (the portal's run view)."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    run = _run(session, run_id)
    if run is None:
        return error_page(request, "error.not_found", user=user, status_code=404)
    context = {
        **run_context(request, settings, run),
        "run_base": f"{RUNS_PAGE}/{run.id}",
        "can_cancel": False,
    }
    return render(request, "admin_feed_run.html", context, user=user)


@router.get(RUNS_PAGE.removeprefix("/admin") + "/{run_id}/status", response_class=HTMLResponse)
def feed_run_status(
    request: Request, run_id: int, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """The run's status fragment (polled while it runs)."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    run = _run(session, run_id)
    if run is None:
        return error_page(request, "error.not_found", user=user, status_code=404)
    context = {
        **run_context(request, settings, run),
        "run_base": f"{RUNS_PAGE}/{run.id}",
        "can_cancel": False,
    }
    return render(request, "partials/run_status.html", context, user=user)
