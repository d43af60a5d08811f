"""Retailer portal: upload a feed, preview and correct its columns, submit, follow the run."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api import idempotency
from api.auth import verify_csrf
from api.deps import CurrentUser, FactoryDep, SessionDep, SettingsDep
from catalog.db import SessionFactory
from catalog.enums import FeedRunStatus
from catalog.models import FeedRun, Retailer, User
from catalog.reads import recent_feed_runs
from catalog.settings import Settings
from indexer import run_lease, run_progress
from indexer.pipeline import FeedOptions, submit_feed
from ui.error_pages import page_router
from ui.feed_report import (
    change_counts,
    field_label,
    match_counts,
    message_text,
    more_errors,
    raised_message,
    row_message,
    severity_label,
)
from ui.feed_uploads import (
    Staged,
    UploadGone,
    mapping_from_form,
    preview,
    stage_upload,
    staged,
)
from ui.i18n import pick_lang
from ui.market_views import role_gate
from ui.rendering import error_page, render

router = page_router(prefix="/portal")
log = logging.getLogger(__name__)

FINISHED = {
    FeedRunStatus.SUCCEEDED.value,
    FeedRunStatus.REJECTED.value,
    FeedRunStatus.FAILED.value,
    FeedRunStatus.CANCELLED.value,
}
HISTORY_LIMIT = 50
# stored values (`indexer.partial.cleared`) whose field has another name
CLEARED_FIELDS = {"delivery_days": "delivery", "vat_rate": "vat"}
SHOWN_RUN_ERRORS = 20


def _gate(request: Request, user: User | None) -> Response | None:
    """Only retailer users linked to a retailer; others are sent to log in or refused."""
    return role_gate(request, user, "retailer")


def _retailer(session: SessionDep, user: User) -> Retailer:
    retailer = session.get(Retailer, user.retailer_id)
    assert retailer is not None  # the foreign key guarantees it
    return retailer


@router.get("", response_class=HTMLResponse, name="ui_portal")
def portal_home(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    retailer = _retailer(session, user)
    runs = recent_feed_runs(session, retailer.id, limit=HISTORY_LIMIT)
    return render(
        request, "portal.html", {"retailer": retailer, "runs": runs, "error_key": None}, user=user
    )


def _preview_page(
    request: Request,
    user: User,
    session: Session,
    settings: Settings,
    retailer: Retailer,
    upload_: Staged,
    override: dict[str, str] | None,
    delta: bool,
    allow_withdrawal: bool,
) -> Response:
    """Read the staged upload against the retailer's stored offers and show the preview."""
    result = preview(
        settings,
        upload_,
        dict(retailer.column_mapping or {}),
        override,
        session,
        retailer.id,
        delta=delta,
        allow_mass_withdrawal=allow_withdrawal,
    )
    return render(
        request,
        "portal_preview.html",
        {
            "retailer": retailer,
            "token": upload_.token,
            "preview": result,
            "delta": delta,
            "allow_withdrawal": allow_withdrawal,
            "labels": Labels(pick_lang(request)),
        },
        user=user,
    )


@router.post("/uppladdning", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    file: UploadFile | None = File(None),
    delta: str = Form(""),
    allow_mass_withdrawal: str = Form(""),
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    retailer = _retailer(session, user)
    if file is None or not file.filename:
        return render(
            request,
            "portal.html",
            {"retailer": retailer, "runs": [], "error_key": "portal.no_file"},
            user=user,
            status_code=400,
        )
    upload_ = stage_upload(settings, retailer.id, file.file, file.filename)
    return _preview_page(
        request,
        user,
        session,
        settings,
        retailer,
        upload_,
        None,
        delta == "1",
        allow_mass_withdrawal == "1",
    )


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _staged_or_expired(
    request: Request, user: User, retailer: Retailer, settings: Settings, token: str
) -> Staged | Response:
    """The staged upload behind ``token``, or the portal page saying it has expired."""
    try:
        return staged(settings, retailer.id, token)
    except UploadGone:
        return render(
            request,
            "portal.html",
            {"retailer": retailer, "runs": [], "error_key": "portal.expired"},
            user=user,
            status_code=404,
        )


@router.post(
    "/uppladdning/{token}/granska", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)]
)
def repreview(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    form: dict[str, str] = Depends(_form),
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    retailer = _retailer(session, user)
    upload_ = _staged_or_expired(request, user, retailer, settings, token)
    if isinstance(upload_, Response):
        return upload_
    return _preview_page(
        request,
        user,
        session,
        settings,
        retailer,
        upload_,
        mapping_from_form(form),
        form.get("delta") == "1",
        form.get("allow_mass_withdrawal") == "1",
    )


@router.post("/uppladdning/{token}/skicka", dependencies=[Depends(verify_csrf)])
def submit(
    request: Request,
    token: str,
    session: SessionDep,
    factory: FactoryDep,
    settings: SettingsDep,
    user: CurrentUser,
    form: dict[str, str] = Depends(_form),
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    retailer = _retailer(session, user)
    # one run per preview: the first of two identical submits claims the preview's token
    # (committed at once, a unique key), the other is sent to the run the first started
    claim = _claim_preview(factory, settings, retailer.id, token, request.url.path)
    if isinstance(claim, Response):
        return claim
    upload_ = _staged_or_expired(request, user, retailer, settings, token)
    if isinstance(upload_, Response):
        idempotency.release(factory, claim)
        return upload_
    override = mapping_from_form(form)
    options = FeedOptions(
        mapping=override or None,
        delta=form.get("delta") == "1",
        allow_mass_withdrawal=form.get("allow_mass_withdrawal") == "1",
    )
    try:
        run_id = submit_feed(
            factory,
            settings,
            upload_.path,
            retailer.slug,
            options,
            file_name=upload_.file_name,
            in_transaction=lambda db: idempotency.mark_committed_with(db, claim),
        )
    except BaseException:
        idempotency.release(factory, claim)  # nothing was recorded: the preview may try again
        raise
    run_url = f"/portal/korningar/{run_id}"
    idempotency.finish(factory, claim, 303, None, "", run_url)
    upload_.path.unlink(missing_ok=True)
    upload_.path.with_name(f"{token}.name").unlink(missing_ok=True)
    # The app's runner: a worker thread (no broker) or Celery, then incremental reindexing.
    request.app.state.feed_runner.submit(run_id)
    return RedirectResponse(run_url, status_code=303)


PREVIEW_WAIT = 10.0  # seconds a second submit waits for the first one's run


def _claim_preview(
    factory: SessionFactory, settings: Settings, retailer_id: int, token: str, path: str
) -> idempotency.Claim | Response:
    """Claim the preview ``token``'s submit (an ``idempotency_record`` of the retailer), or
    the redirect a repeated submit gets: to the run the first one started, or to the portal
    (its run list) when that one is still recording it after :data:`PREVIEW_WAIT` or never
    stored where it went."""
    owner, key = f"portal:{retailer_id}", f"feed-preview:{token}"[:200]
    digest = hashlib.sha256(key.encode()).hexdigest()
    deadline = time.monotonic() + PREVIEW_WAIT
    while True:
        try:
            return idempotency.claim_key(
                factory,
                owner=owner,
                key=key,
                method="POST",
                path=path[:500],
                digest=digest,
                stale_after=timedelta(seconds=settings.idempotency_stale_seconds),
            )
        except idempotency.Replay as done:
            return RedirectResponse(done.location or "/portal", status_code=303)
        except idempotency.ResponseLost:
            return RedirectResponse("/portal", status_code=303)
        except idempotency.RequestInProgress:
            if time.monotonic() >= deadline:
                return RedirectResponse("/portal", status_code=303)
            time.sleep(0.05)


def _run(session: SessionDep, user: User, run_id: int) -> FeedRun | None:
    run = session.get(FeedRun, run_id)
    if run is None or run.retailer_id != user.retailer_id:
        return None
    return run


class Labels:
    """Row errors' field names, messages and severities in the reader's language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def field(self, name: str) -> str:
        return field_label(name, self.lang)

    def cleared(self, key: str) -> str:
        """A stored value the preview counts as cleared (`indexer.partial.cleared` keys:
        offer values and retailer metadata) by the field it is read from."""
        return field_label(CLEARED_FIELDS.get(key, key), self.lang)

    def severity(self, name: str) -> str:
        return severity_label(name, self.lang)

    def message(self, error: Mapping[str, Any]) -> str:
        """A row error (a stored or previewed dict: message, code, values)."""
        return row_message(error, self.lang)

    def file_message(self, message: str | None) -> str:
        """Why an uploaded file cannot be read (the preview's ``unreadable``)."""
        return raised_message(message, self.lang) or ""


def _progress(settings: Settings, run: FeedRun) -> dict[str, Any]:
    """Where a run is: its phase's line ("Matchar 12 000 av 60 000 rader"), the bar's percent
    (None while the total is unknown: an indeterminate bar), whether the page keeps asking."""
    now = run_progress.current(settings, run)
    if run.status in FINISHED and not run_progress.indexing(run):
        return {"phase": None, "percent": 100, "polling": False}
    known = now.phase != "read" or now.done == 0
    return {
        "phase": now if now.phase in run_progress.PHASES else None,
        "percent": round(100 * now.fraction) if known else None,
        "polling": True,
    }


def run_context(request: Request, settings: Settings, run: FeedRun) -> dict[str, Any]:
    lang = pick_lang(request)
    counts = dict(run.counts or {})
    return {
        **_progress(settings, run),
        "run": run,
        # running until its offers are searchable (the API's status: run_progress)
        "status": run_progress.public_status(run),
        "message": message_text(run.message, run.message_code, run.message_values, lang),
        "changes": change_counts(counts),
        "matching": match_counts(counts),
        "labels": Labels(lang),
        "finished": run.status in FINISHED,
        "cancelling": run.cancel_requested_at is not None and run.status not in FINISHED,
        "errors": list(run.row_errors or [])[:SHOWN_RUN_ERRORS],
        "error_total": len(run.row_errors or []),
        "more_errors": more_errors(counts, lang),
    }


@router.get("/korningar/{run_id}", response_class=HTMLResponse, name="ui_run")
def run_page(
    request: Request, run_id: int, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    run = _run(session, user, run_id)
    if run is None:
        return error_page(request, "error.not_found", user=user, status_code=404)
    return render(request, "portal_run.html", run_context(request, settings, run), user=user)


@router.get("/korningar/{run_id}/status", response_class=HTMLResponse, name="ui_run_status")
def run_status(
    request: Request, run_id: int, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    run = _run(session, user, run_id)
    if run is None:
        return error_page(request, "error.not_found", user=user, status_code=404)
    return render(
        request, "partials/run_status.html", run_context(request, settings, run), user=user
    )


@router.post(
    "/korningar/{run_id}/avbryt", dependencies=[Depends(verify_csrf)], name="ui_run_cancel"
)
def cancel_run(
    request: Request, run_id: int, session: SessionDep, factory: FactoryDep, user: CurrentUser
) -> Response:
    """Cancel a queued or running run of the retailer (its process stops within seconds)."""
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    run = _run(session, user, run_id)
    if run is None:
        return error_page(request, "error.not_found", user=user, status_code=404)
    session.close()
    with contextlib.suppress(run_lease.RunFinished):  # ended meanwhile: the page shows how
        run_lease.request_cancel(factory, run_id)
    return RedirectResponse(f"/portal/korningar/{run_id}", status_code=303)
