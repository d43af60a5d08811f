"""Retailer feed uploads: validation preview, asynchronous runs, status, errors as CSV,
cancellation.

A retailer user sees and uploads only its own retailer's feeds; merchandisers and admins
see every retailer's. Uploads stream to disk under the size limit, are archived by
``indexer.pipeline.submit_feed`` and run in the background (a Celery worker when a broker is
configured, else this server's ``FeedRunner``; either way in a child process with memory and
time limits, ``indexer.runner``), so the 202 returns at once and can be polled. A second
upload while a run of the same retailer runs is accepted and queued after it. A broker that
is down does not fail the upload: the run falls back to this server's runner.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Role
from api.deps import FactoryDep, RateLimitDep, RequireRetailerUser, SessionDep, SettingsDep
from api.errors_csv import errors_csv
from api.idempotency import Idempotent, claim_marker
from api.key_scopes import allow_keys
from api.language import LangDep
from api.paging import PageDep
from api.problems import ApiProblem, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.feeds import (
    FeedPreviewPublic,
    FeedRunAccepted,
    FeedRunPublic,
    FeedRunSummaryPublic,
    RowErrorPublic,
)
from catalog.enums import KeyScope
from catalog.models import FeedRun, Retailer, User
from catalog.private_files import open_private, private_dir
from catalog.reads import feed_run_count, recent_feed_runs
from catalog.settings import Settings
from indexer import jobs, run_lease, run_progress
from indexer.feed_runner import OUTBOX_WAIT_SECONDS, Reindex, run_feed_run
from indexer.messages import API_CHANNEL, render, render_stored
from indexer.pipeline import FeedOptions, dry_run, get_retailer, submit_feed

logger = logging.getLogger("valbar.api.feeds")
router = APIRouter(
    tags=["feeds"],
    dependencies=[RateLimitDep, allow_keys(KeyScope.FEEDS)],
    responses=API_PROBLEMS,
)

PREVIEW_ROWS = 20
PREVIEW_ERRORS = 200
CHUNK = 1 << 20
Slug = Annotated[str, Path(min_length=1, max_length=80)]
RunId = Annotated[int, Path(ge=1, le=MAX_INT)]


class FeedRunner:
    """Runs submitted feed runs: queued to Celery with a broker, else (or when the broker is
    down) in a local thread, each through ``indexer.feed_runner`` (a child process, then the
    search index, then the run's events).

    ``shutdown`` (the server stopping) does not wait for a run: each local run's process is
    stopped and the run goes back to the queue, where the next start's sweep finds it."""

    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session],
        reindex: Reindex,
        max_workers: int = 2,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self._reindex = reindex  # applies the search index outbox (in a niced child)
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix="valbar-feed")
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def submit(self, run_id: int) -> None:
        if self._stop.is_set():
            return  # shutting down: the run stays queued for the next start's sweep
        if self.settings.broker_url:
            try:
                jobs.submit_feed_run(run_id, self.settings)  # queued for a worker
                return
            except jobs.BrokerUnavailable as exc:
                logger.warning("feed run %s: %s; running it in this server", run_id, exc)
        run_lease.mark_sent(self.factory, run_id)
        with self._lock:
            if self._stop.is_set():
                return
            future = self._executor.submit(self._run_local, run_id)
        future.add_done_callback(self._log_failure)

    def _run_local(self, run_id: int) -> None:
        # shutting down (``_stop``): the next start applies the outbox
        run_feed_run(
            self.settings,
            self.factory,
            run_id,
            reindex=self._reindex,
            stop=self._stop,
            dispatch=self.submit,
        )

    def after_run(self) -> int:
        """The index update that follows a run (``indexer.feed_runner``): the search index
        outbox is applied, so the products the run changed get their documents rewritten."""
        return self._reindex(OUTBOX_WAIT_SECONDS)

    def sweep(self) -> run_lease.SweepReport:
        """End or re-queue runs whose lease expired and send queued runs nobody claimed."""
        report = run_lease.sweep(
            self.factory,
            max_attempts=self.settings.feed_max_attempts,
            requeue_after_seconds=self.settings.feed_requeue_after_seconds,
        )
        for run_id in report.dispatch:
            self.submit(run_id)
        return report

    @staticmethod
    def _log_failure(future: Future[None]) -> None:
        exc = future.exception()
        if exc is not None:
            logger.error("feed run failed", exc_info=exc)

    def shutdown(self) -> None:
        """Stop every local run's process (the runs are queued again) and the threads."""
        with self._lock:
            self._stop.set()
        self._executor.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------- access


def _can_see(user: User, retailer_id: int) -> bool:
    if user.role in (Role.MERCHANDISER, Role.ADMIN):
        return True
    return user.role == Role.RETAILER and user.retailer_id == retailer_id


def _retailer_for(session: Session, user: User, slug: str) -> Retailer:
    retailer = get_retailer(session, slug)  # UnknownRetailer -> 404
    if not _can_see(user, retailer.id):
        raise Forbidden(f"you may only access your own retailer's feeds, not {slug!r}")
    return retailer


def _run_for(session: Session, user: User, run_id: int) -> FeedRun:
    run = session.get(FeedRun, run_id)
    if run is None:
        raise NotFound(f"no feed run {run_id}")
    if not _can_see(user, run.retailer_id):
        raise NotFound(f"no feed run {run_id}")  # another retailer's: not revealed
    return run


def _links(run_id: int) -> dict[str, str]:
    return {
        "self": f"/api/v1/feeds/{run_id}",
        "errors_csv": f"/api/v1/feeds/{run_id}/errors.csv",
        "cancel": f"/api/v1/feeds/runs/{run_id}/cancel",
    }


def run_summary(
    run: FeedRun, slug: str, lang: str, now: run_progress.RunProgress | None = None
) -> dict[str, Any]:
    """A run for the API; ``now``: where it is while it runs (`indexer.run_progress.current`),
    else as its row says."""
    if now is None:
        now = run_progress.RunProgress(
            run.phase, run.rows_done or 0, run.rows_total, run.progress or 0.0
        )
    return {
        "id": run.id,
        "retailer": slug,
        "file_name": run.file_name,
        # running until its offers are searchable (its index phase), then succeeded
        "status": run_progress.public_status(run),
        "progress": now.fraction,
        "phase": now.phase,
        "rows_done": now.done,
        "rows_total": now.total,
        "mode": run.mode,
        "format": run.format,
        "counts": run.counts or {},
        "message": run.message,
        "message_code": run.message_code,
        "message_values": run.message_values,
        "message_text": render_stored(
            run.message, run.message_code, run.message_values, lang, channel=API_CHANNEL
        ),
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "links": _links(run.id),
    }


# ---------------------------------------------------------------- upload


def _safe_name(raw: str | None) -> str:
    name = FsPath((raw or "upload").replace("\\", "/")).name.strip() or "upload"
    return name[-200:]


def _store_upload(upload: UploadFile, settings: Settings, name: str) -> FsPath:
    """Stream the upload to ``data_dir/uploads``; 413 as soon as it exceeds the limit."""
    folder = private_dir(settings.data_dir / "uploads")
    target = folder / f"{uuid.uuid4().hex}{FsPath(name).suffix[:20]}"
    written = 0
    try:
        with open_private(target) as out:
            while chunk := upload.file.read(CHUNK):
                written += len(chunk)
                if written > settings.max_upload_bytes:
                    raise PayloadTooLarge(
                        f"{name}: the upload exceeds the limit of {settings.max_upload_bytes} bytes"
                    )
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _parse_mapping(raw: str | None) -> dict[str, str] | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"mapping is not valid JSON: {exc.msg}",
            errors=[{"loc": ["body", "mapping"], "msg": "invalid JSON"}],
        ) from exc
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidInput(
            'mapping must be a JSON object of field -> header, e.g. {"sku": "Art.nr"}',
            errors=[{"loc": ["body", "mapping"], "msg": "not an object of strings"}],
        )
    return value


@router.post(
    "/retailers/{slug}/feeds",
    status_code=202,
    response_model=FeedRunAccepted,
    responses={
        200: {"model": FeedPreviewPublic, "description": "Validation preview (dry_run=true)"},
        **problems(401, 403, 404, 409, 413, 422, 429),
    },
    dependencies=[Idempotent],
)
def upload_feed(
    request: Request,
    slug: Slug,
    user: RequireRetailerUser,
    session: SessionDep,
    settings: SettingsDep,
    factory: FactoryDep,
    lang: LangDep,
    file: Annotated[UploadFile, File(description="The feed: CSV/TSV, Excel, JSON, XML, ...")],
    format: Annotated[str, Form(max_length=40)] = "auto",
    delta: Annotated[bool, Form()] = False,
    allow_mass_withdrawal: Annotated[bool, Form()] = False,
    mapping: Annotated[
        str | None, Form(max_length=20_000, description="JSON field->header")
    ] = None,
    dry_run_: Annotated[bool, Query(alias="dry_run")] = False,
) -> Any:
    """Upload a feed. ``?dry_run=true`` returns the validation preview (200) and writes
    nothing; otherwise the run is queued (202, ``Location`` = the run to poll).

    Example: ``curl -F file=@lager.csv -H 'X-API-Key: vb_...' /api/v1/retailers/tandab/feeds``
    """
    _retailer_for(session, user, slug)
    session.close()  # release the connection before the long part
    options = FeedOptions(
        format=format or "auto",
        mapping=_parse_mapping(mapping),
        delta=delta,
        allow_mass_withdrawal=allow_mass_withdrawal,
    )
    name = _safe_name(file.filename)
    path = _store_upload(file, settings, name)
    try:
        if dry_run_:
            preview = dry_run(factory, settings, path, slug, options, file_name=name)
            errors = preview["errors"]
            body = FeedPreviewPublic.model_validate(
                {
                    "file_name": name,
                    "format": preview["format"],
                    "encoding": preview["encoding"],
                    "mapping": preview["mapping"],
                    "counts": preview["counts"],
                    "price_vat": preview["price_vat"],
                    "would_clear": preview["would_clear"],
                    "message": preview.get("message"),
                    "message_code": preview.get("message_code"),
                    "message_values": preview.get("message_values"),
                    "message_text": render_stored(
                        preview.get("message"),
                        preview.get("message_code"),
                        preview.get("message_values"),
                        lang,
                        channel=API_CHANNEL,
                    ),
                    "rows": preview["offers"][:PREVIEW_ROWS],
                    "errors": [_row_error(e, lang) for e in errors[:PREVIEW_ERRORS]],
                    "errors_count": len(errors) + int(preview.get("errors_truncated", 0)),
                }
            )
            return JSONResponse(body.model_dump(mode="json"), status_code=200)
        run_id = submit_feed(
            factory,
            settings,
            path,
            slug,
            options,
            file_name=name,
            in_transaction=claim_marker(request),  # the run and its Idempotency-Key, at once
        )
    finally:
        path.unlink(missing_ok=True)
    runner: FeedRunner = request.app.state.feed_runner
    runner.submit(run_id)
    with factory() as fresh:
        run = fresh.get(FeedRun, run_id)
        status = run_progress.public_status(run) if run is not None else "queued"
    accepted = FeedRunAccepted.model_validate(
        {"id": run_id, "status": status, "links": _links(run_id)}
    )
    return JSONResponse(
        accepted.model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"/api/v1/feeds/{run_id}"},
    )


# ---------------------------------------------------------------- reads


@router.get("/feeds/{run_id}", response_model=FeedRunPublic, responses=problems(401, 403, 404, 422))
def get_feed_run(
    run_id: RunId,
    user: RequireRetailerUser,
    session: SessionDep,
    settings: SettingsDep,
    lang: LangDep,
    errors_page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    errors_size: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int | None, Query(ge=0, le=MAX_INT, description="Errors to skip.")] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Errors to return.")] = None,
) -> FeedRunPublic:
    """A feed run: status, progress 0..1 with its phase and rows done of total while it runs,
    counts, row errors (paged), message, timings.

    Errors page with ``errors_page``/``errors_size`` or ``offset``/``limit``. A run keeps its
    first ``feed_max_row_errors`` errors in full; ``errors_truncated`` says how many more there
    were, and ``counts.error_groups`` counts them by field and reason.
    Example: ``GET /api/v1/feeds/17?offset=100&limit=100``"""
    run = _run_for(session, user, run_id)
    retailer = session.get(Retailer, run.retailer_id)
    slug = retailer.slug if retailer is not None else ""
    all_errors = list(run.row_errors or [])
    size = limit if limit is not None else errors_size
    start = offset if offset is not None else (errors_page - 1) * errors_size
    page = [
        RowErrorPublic.model_validate(_row_error(e, lang)) for e in all_errors[start : start + size]
    ]
    return FeedRunPublic.model_validate(
        {
            **run_summary(run, slug, lang, run_progress.current(settings, run)),
            "encoding": run.encoding,
            "size_bytes": run.size_bytes,
            "sha256": run.sha256,
            "mapping": run.mapping or {},
            "options": run.options or {},
            "timings": run.timings or {},
            "started_at": run.started_at,
            "cancel_requested_at": run.cancel_requested_at,
            "attempts": run.attempts or 0,
            "errors": {"data": page, "count": len(all_errors), "limit": size, "offset": start},
            "errors_truncated": int((run.counts or {}).get("errors_truncated", 0) or 0),
        }
    )


class RunNotCancellable(ApiProblem):
    status, slug, title = 409, "run-finished", "The run has ended"


def _may_cancel(user: User, retailer_id: int) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.RETAILER and user.retailer_id == retailer_id


@router.post(
    "/feeds/runs/{run_id}/cancel",
    status_code=202,
    response_model=FeedRunSummaryPublic,
    responses=problems(401, 403, 404, 409, 422),
)
def cancel_feed_run(
    run_id: RunId,
    user: RequireRetailerUser,
    session: SessionDep,
    factory: FactoryDep,
    lang: LangDep,
) -> JSONResponse:
    """Cancel a queued or running run (its retailer's users, or an admin). A queued run ends
    ``cancelled`` at once; a running one is stopped within seconds and ends ``cancelled`` with
    nothing changed (a run that has already committed its result stays as it ended: 409).
    Example: ``POST /api/v1/feeds/runs/17/cancel``"""
    run = _run_for(session, user, run_id)
    if not _may_cancel(user, run.retailer_id):
        raise Forbidden(f"only the retailer's users or an admin may cancel feed run {run_id}")
    retailer = session.get(Retailer, run.retailer_id)
    slug = retailer.slug if retailer is not None else ""
    session.close()
    try:
        run_lease.request_cancel(factory, run_id)
    except run_lease.RunFinished as exc:
        raise RunNotCancellable(str(exc)) from exc
    with factory() as fresh:
        current = fresh.get(FeedRun, run_id)
        assert current is not None
        body = FeedRunSummaryPublic.model_validate(run_summary(current, slug, lang))
    return JSONResponse(body.model_dump(mode="json"), status_code=202)


def _row_error(raw: dict[str, Any], lang: str) -> dict[str, Any]:
    """A stored row error for the API: its English, its code and values, and its text in
    ``lang`` (rendered from the code; as stored when it has none)."""
    value = raw.get("value")
    message = str(raw.get("message", ""))
    code = raw.get("code") if isinstance(raw.get("code"), str) else None
    values = raw.get("values") if isinstance(raw.get("values"), dict) else None
    out = {
        "row": raw.get("row"),
        "field": raw.get("field"),
        "value": None if value is None else str(value),
        "message": message,
        "severity": str(raw.get("severity", "error")),
        "code": code,
        "values": values,
        "text": render_stored(message, code, values, lang) or "",
    }
    if "item" in raw:  # an XML or JSON feed's item: index and id
        out["item"] = raw["item"]
    return out


def _group_reason(group: dict[str, Any], lang: str) -> str:
    """A counted group of row errors' reason in ``lang`` (see ``indexer.row_errors``)."""
    code = group.get("code") if isinstance(group.get("code"), str) else None
    values = group.get("values") if isinstance(group.get("values"), dict) else None
    return render_stored(str(group.get("reason", "")), code, values, lang) or ""


@router.get(
    "/feeds/{run_id}/errors.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **problems(401, 403, 404)},
)
def feed_run_errors_csv(
    run_id: RunId,
    user: RequireRetailerUser,
    session: SessionDep,
    lang: LangDep,
    asked: Annotated[
        str | None,
        Query(
            alias="lang",
            pattern="^(sv|en)$",
            description="The messages' language, over `Accept-Language`: the portal's "
            "download link passes the language its page is in (a browser's header may not).",
        ),
    ] = None,
) -> Response:
    """A run's row errors as CSV (row, field, value, message, severity): the ones kept in
    full, then one line per field and reason counting the rest (``N more rows not listed``).
    Messages are in ``?lang=`` (sv, en), else the ``Accept-Language`` language (English by
    default). Swedish is ``;``-separated UTF-8 with a BOM and Swedish headers, so Swedish
    Excel opens it in columns; English is ``,``-separated without a BOM.
    Example: ``GET /api/v1/feeds/17/errors.csv?lang=sv``"""
    lang = asked or lang
    run = _run_for(session, user, run_id)
    kept = (
        [e["row"], e["field"], e["value"], e["text"], e["severity"]]
        for e in (_row_error(raw, lang) for raw in run.row_errors or [])
    )
    # errors beyond the ones kept in full: one line per field and reason, with its count
    groups = (
        [
            "",
            group.get("field", ""),
            "",
            render(
                "errors.not_listed",
                {"count": group.get("count", 0), "reason": _group_reason(group, lang)},
                lang,
            ),
            group.get("severity", "error"),
        ]
        for group in (run.counts or {}).get("error_groups") or []
    )
    rows = itertools.chain(kept, groups)
    return Response(
        errors_csv(rows, lang),  # cells that start like a formula are escaped
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="feed-{run_id}-errors.csv"',
            "Content-Language": lang,
            "Vary": "Accept-Language",
        },
    )


@router.get(
    "/retailers/{slug}/feeds",
    response_model=ListResponse[FeedRunSummaryPublic],
    responses=problems(401, 403, 404, 422),
)
def list_feed_runs(
    slug: Slug,
    user: RequireRetailerUser,
    session: SessionDep,
    lang: LangDep,
    page: PageDep,
) -> ListResponse[FeedRunSummaryPublic]:
    """A retailer's feed run history, newest first, one page.
    Example: ``GET /api/v1/retailers/tandab/feeds?limit=20&offset=20``"""
    retailer = _retailer_for(session, user, slug)
    total = feed_run_count(session, retailer.id)
    runs = recent_feed_runs(session, retailer.id, limit=page.limit, offset=page.offset)
    data = [FeedRunSummaryPublic.model_validate(run_summary(r, retailer.slug, lang)) for r in runs]
    return page.response(data, total)
