"""Feed runs end to end: archive the upload, prepare it, diff, match, write, report.

``submit_feed`` records a FeedRun for an uploaded file (archived content-addressed);
``run_feed`` executes one run by id (what the Celery task calls); ``dry_run`` shows what a
file would do and changes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.enums import FeedRunStatus
from catalog.models import FeedRun, Retailer
from catalog.private_files import open_private
from catalog.settings import Settings
from indexer import faults, run_lease, run_messages, run_progress
from indexer.changes import drain, summarize, survey, write_changes
from indexer.columns import remembered_mapping
from indexer.errors import (
    FeedChanged,
    FeedFormatError,
    IndexerError,
    MissingColumnsError,
    UnknownRetailer,
)
from indexer.messages import Message, stored
from indexer.records import RowError
from indexer.run_events import publish_history, publish_repriced, publish_run_end
from indexer.scan import FeedScan, ReadLimits, scan_feed

ProgressFn = Callable[[str, float], None]


@dataclass(slots=True)
class FeedOptions:
    format: str = "auto"
    mapping: dict[str, str] | None = None
    delta: bool = False
    allow_mass_withdrawal: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "mapping": self.mapping,
            "delta": self.delta,
            "allow_mass_withdrawal": self.allow_mass_withdrawal,
        }


@dataclass(slots=True)
class RunOutcome:
    feed_run_id: int
    status: str
    message: str | None
    format: str | None
    encoding: str | None
    mapping: dict[str, Any]
    counts: dict[str, Any]
    errors: list[dict[str, Any]]
    changed_product_ids: set[int] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        return {
            "feed_run_id": self.feed_run_id,
            "status": self.status,
            "message": self.message,
            "format": self.format,
            "encoding": self.encoding,
            "mapping": self.mapping,
            "counts": self.counts,
            "errors": self.errors,
        }


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def archive_upload(path: Path, archive_dir: Path, digest: str) -> Path:
    """Keep the original upload, content-addressed: the same bytes are stored once."""
    target = archive_dir / digest[:2] / digest
    if not target.exists():
        tmp = target.with_name(f"{digest}.{secrets.token_hex(8)}.part")  # one per writer
        with path.open("rb") as src, open_private(tmp) as dst:  # 0600 in 0700 folders
            shutil.copyfileobj(src, dst, 1 << 20)
        tmp.replace(target)
    return target


def get_retailer(session: Session, slug: str) -> Retailer:
    retailer = session.scalar(select(Retailer).where(Retailer.slug == slug))
    if retailer is None:
        raise UnknownRetailer(slug)
    return retailer


def submit_feed(
    factory: sessionmaker[Session],
    settings: Settings,
    path: Path,
    retailer_slug: str,
    options: FeedOptions,
    file_name: str | None = None,
    in_transaction: Callable[[Session], None] | None = None,
    with_run: Callable[[Session, int], None] | None = None,
) -> int:
    """Archive ``path`` and record a queued FeedRun; returns its id (the job's argument).

    ``in_transaction`` is called with the session that records the run, before its commit
    (the API marks the request's ``Idempotency-Key`` committed in the same transaction);
    ``with_run`` likewise, with the run's id (a scheduled fetch logs the run it made)."""
    size = path.stat().st_size
    digest = sha256_file(path)
    archived = archive_upload(path, settings.archive_dir, digest)
    with transaction(factory) as session:
        retailer = get_retailer(session, retailer_slug)
        run = FeedRun(
            retailer_id=retailer.id,
            file_name=file_name or path.name,
            sha256=digest,
            size_bytes=size,
            archive_path=str(archived),
            mode="delta" if options.delta else "full",
            options=options.as_dict(),
            status=FeedRunStatus.QUEUED.value,
            # counted as sent now: the caller sends it next, and the sweep sends it again only
            # when nobody claimed it within feed_requeue_after_seconds (the caller died)
            heartbeat_at=datetime.now(UTC),
        )
        session.add(run)
        session.flush()
        if in_transaction is not None:
            in_transaction(session)
        if with_run is not None:
            with_run(session, run.id)
        return run.id


def dry_run(
    factory: sessionmaker[Session],
    settings: Settings,
    path: Path,
    retailer_slug: str | None,
    options: FeedOptions,
    file_name: str | None = None,
) -> dict[str, Any]:
    """Everything a real run would report, plus the normalized offers; writes nothing.
    ``price_vat`` names the price header and what it says of VAT ("exkl. moms": False).

    With a retailer, the feed is also diffed against its stored offers under the real run's
    rules: ``counts`` gains ``would_insert`` / ``would_update`` / ``would_reactivate`` /
    ``unchanged`` / ``would_withdraw`` / ``kept``. When the real run would be refused (an empty
    feed, a mass withdrawal), ``message`` says why; otherwise the report has no ``message``.

    The report is bounded whatever the file holds: the first ``feed_dry_run_offers`` offers
    (when there are more, ``offers_truncated`` counts the rest) and the first
    ``feed_max_row_errors`` row errors (when there are more, ``errors_truncated`` counts the
    rest and ``error_groups`` counts them by severity, field and reason)."""
    remembered: dict[str, Any] | None = None
    retailer_id: int | None = None
    if retailer_slug:
        with factory() as session:
            retailer = get_retailer(session, retailer_slug)
            remembered = dict(retailer.column_mapping or {})
            retailer_id = retailer.id
    scan = scan_for(settings, path, options, remembered=remembered, file_name=file_name)
    shown = settings.feed_dry_run_offers
    with factory() as session:
        summary = summarize(
            session if retailer_id is not None else None,
            retailer_id,
            scan,
            settings,
            delta=options.delta,
            allow_mass_withdrawal=options.allow_mass_withdrawal,
            sample=shown,
        )
    counts: dict[str, Any] = {**scan.counts(), **summary.counts}
    message = _empty_feed_refusal(scan) or summary.refusal
    report: dict[str, Any] = {
        "format": scan.format,
        "encoding": scan.encoding,
        "mapping": dict(scan.mapping.fields),
        "price_vat": {
            "header": scan.mapping.fields.get("price"),
            "vat_included": scan.mapping.price_vat_included,
            # the column excluding VAT that a row with an empty price cell is priced from
            "excl_fallback": (
                scan.mapping.fields.get("price_excl_vat")
                if "price" in scan.mapping.fields
                else None
            ),
        },
        "counts": counts,
        "would_clear": summary.clears,
        "offers": [o.as_dict() for o in summary.sample],
        "errors": [_error_dict(e) for e in scan.errors],
    }
    if scan.valid > shown:
        report["offers_truncated"] = scan.valid - shown
    report.update(error_counts(scan))
    if message is not None:
        report.update(stored(message))  # the text, and its code and values
    return report


def read_limits(settings: Settings) -> ReadLimits:
    """How every caller opens a feed for a run or a preview: the settings' upload size, line
    length and workbook unpacking limits."""
    return ReadLimits(
        max_bytes=settings.max_upload_bytes,
        max_line_bytes=settings.max_line_bytes,
        max_unzipped_bytes=settings.feed_max_unzipped_bytes,
        max_zip_ratio=settings.feed_max_zip_ratio,
    )


def scan_for(
    settings: Settings,
    path: Path,
    options: FeedOptions,
    *,
    remembered: dict[str, Any] | None,
    file_name: str | None,
    progress: Callable[[int], None] | None = None,
) -> FeedScan:
    """`scan_feed` under the settings' limits (`read_limits`, row errors kept)."""
    return scan_feed(
        path,
        file_name=file_name,
        format=options.format,
        override=options.mapping,
        remembered=remembered,
        limits=read_limits(settings),
        max_errors=settings.feed_max_row_errors,
        keep_offers=settings.feed_offers_in_memory,
        partial=options.delta,
        progress=progress,
    )


def error_counts(scan: FeedScan) -> dict[str, Any]:
    """What a run records about the row errors it did not keep in full (none: nothing)."""
    if not scan.errors_truncated:
        return {}
    return {
        "errors_truncated": scan.errors_truncated,
        "error_groups": list(scan.error_overflow),
    }


def _empty_feed_refusal(scan: FeedScan) -> Message | None:
    if scan.valid:
        return None
    return run_messages.empty_feed(scan.file_name, scan.rows_read)


def _error_dict(e: RowError) -> dict[str, Any]:
    return e.as_dict()


def _set_progress(factory: sessionmaker[Session], run_id: int, **values: Any) -> None:
    with transaction(factory) as session:
        run = session.get(FeedRun, run_id)
        if run is not None:
            for k, v in values.items():
                setattr(run, k, v)


def claim_for_run(factory: sessionmaker[Session], settings: Settings, run_id: int) -> str:
    """Claim a queued run for this process (``run_feed`` without a supervisor's token: the
    demo, the benchmarks, tests). Nobody renews its lease, so it lasts the time limit."""
    token = run_lease.new_token()
    claimed = run_lease.claim(factory, run_id, token, settings.feed_time_limit_seconds)
    if claimed is run_lease.Claim.BUSY:
        raise run_lease.RunBusy(
            f"feed run {run_id}: another run of this retailer is running; it stays queued"
        )
    if claimed is not run_lease.Claim.CLAIMED:
        raise IndexerError(f"feed run {run_id} is not queued ({claimed.value})")
    return token


def run_feed(
    factory: sessionmaker[Session],
    settings: Settings,
    run_id: int,
    progress: ProgressFn | None = None,
    *,
    token: str | None = None,
) -> RunOutcome:
    """Execute one FeedRun. The offer changes commit in one transaction or not at all.

    ``token``: the claim a supervisor made (``indexer.runner``); without one the run is claimed
    here. The result commits only while the token still holds the run and no cancellation was
    requested (``run_lease.fence``)."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    with factory() as session:
        run = session.get(FeedRun, run_id)
        if run is None:
            raise IndexerError(f"unknown feed run {run_id}")
        retailer = session.get(Retailer, run.retailer_id)
        assert retailer is not None
        retailer_id, remembered = retailer.id, dict(retailer.column_mapping or {})
        options = FeedOptions(**run.options) if run.options else FeedOptions()
        archive_path, file_name = Path(run.archive_path or ""), run.file_name
    if token is None:
        token = claim_for_run(factory, settings, run_id)

    def stage(name: str, frac: float) -> None:
        if progress is not None:
            progress(name, frac)

    # the phases and rows done, for the run's page (indexer.run_progress)
    reporter = run_progress.reporter_for(settings, factory, run_id)
    try:
        return _run_scanned(
            factory,
            settings,
            run_id,
            token,
            options,
            retailer_id,
            remembered,
            archive_path,
            file_name,
            reporter,
            stage,
            timings,
            t0,
        )
    finally:
        run_progress.clear(settings, run_id)


def _run_scanned(
    factory: sessionmaker[Session],
    settings: Settings,
    run_id: int,
    token: str,
    options: FeedOptions,
    retailer_id: int,
    remembered: dict[str, Any],
    archive_path: Path,
    file_name: str,
    reporter: run_progress.ProgressReporter,
    stage: ProgressFn,
    timings: dict[str, float],
    t0: float,
) -> RunOutcome:
    """`run_feed` once the run is claimed: read, check, match, write, record."""
    try:
        scan = scan_for(
            settings,
            archive_path,
            options,
            remembered=remembered,
            file_name=file_name,
            progress=reporter.read,
        )
    except (FeedFormatError, MissingColumnsError) as exc:
        assert exc.message is not None  # both always carry their message
        return _finish(
            factory, run_id, FeedRunStatus.REJECTED, exc.message, None, {}, timings, t0, token
        )
    timings["prepare_s"] = round(time.perf_counter() - t0, 3)
    stage("prepared", 0.3)
    _set_progress(
        factory,
        run_id,
        progress=0.3,
        format=scan.format,
        encoding=scan.encoding,
        mapping=dict(scan.mapping.fields),
    )

    empty = _empty_feed_refusal(scan)
    if empty is not None:
        return _finish(factory, run_id, FeedRunStatus.REJECTED, empty, scan, {}, timings, t0, token)

    def written(done: int) -> None:
        stage("matched", 0.3 + 0.6 * done / max(1, scan.valid))
        reporter.store(done, scan.valid)

    def matched(done: int) -> None:
        reporter.match(done, scan.valid)

    now = datetime.now(UTC)
    try:
        with transaction(factory) as session:
            side = survey(session, retailer_id, scan, delta=options.delta)
            refusal = side.refusal(
                settings, allow=options.allow_mass_withdrawal, delta=options.delta
            )
            if refusal is not None:
                session.rollback()
                drain(scan)
                return _finish(
                    factory,
                    run_id,
                    FeedRunStatus.REJECTED,
                    refusal,
                    scan,
                    {"would_withdraw": side.withdraw, "active_before": side.active_before},
                    timings,
                    t0,
                    token,
                )
            faults.fault_point("before_write")
            result = write_changes(
                session,
                settings,
                scan,
                side,
                retailer_id=retailer_id,
                run_id=run_id,
                delta=options.delta,
                now=now,
                timings=timings,
                progress=written,
                matched=matched,
            )
            retailer = session.get(Retailer, retailer_id)
            assert retailer is not None
            if not scan.mapping.missing_required:  # a partial delta's columns are not the feed's
                retailer.column_mapping = remembered_mapping(scan.mapping)
            counts = {**scan.counts(), **error_counts(scan), **result.counts(), "kept": side.kept}
            run = run_lease.fence(session, run_id, token)  # still ours, not cancelled
            _fill_run(run, FeedRunStatus.SUCCEEDED, None, scan, counts, timings, t0)
            # its status shows running until its products are searchable (indexer.feed_runner)
            run_progress.start_indexing(run, len(result.changed_product_ids))
            publish_run_end(session, run_id)
            publish_repriced(session, retailer_id, run_id, result.repriced)
            publish_history(session, retailer_id, run_id, result.history)
            faults.fault_point("before_commit")
    except run_lease.RunLost:
        raise
    except run_lease.RunCancelled:
        cancelled = run_messages.cancelled()
        return _finish(
            factory, run_id, FeedRunStatus.CANCELLED, cancelled, scan, {}, timings, t0, token
        )
    except FeedChanged as exc:  # pass two found another file: rolled back, nothing written
        return _finish(
            factory, run_id, FeedRunStatus.REJECTED, exc.message, scan, {}, timings, t0, token
        )
    except Exception as exc:
        _finish(
            factory,
            run_id,
            FeedRunStatus.FAILED,
            failure_message(exc, settings),
            scan,
            {},
            timings,
            t0,
            token,
        )
        raise
    faults.fault_point("after_commit")
    stage("written", 1.0)
    return RunOutcome(
        run_id,
        FeedRunStatus.SUCCEEDED.value,
        None,
        scan.format,
        scan.encoding,
        dict(scan.mapping.fields),
        counts,
        [_error_dict(e) for e in scan.errors],
        result.changed_product_ids,
    )


def failure_message(exc: BaseException, settings: Settings) -> Message:
    """What a failed run's message says about ``exc``."""
    if isinstance(exc, MemoryError):
        return run_messages.memory_limit(settings.feed_memory_limit_bytes)
    return run_messages.failed(exc)


def _fill_run(
    run: FeedRun,
    status: FeedRunStatus,
    message: Message | None,
    scan: FeedScan | None,
    counts: dict[str, Any],
    timings: dict[str, float],
    t0: float,
) -> None:
    run.status = status.value
    for column, value in stored(message).items():
        setattr(run, column, value)
    run.progress = 1.0
    run.finished_at = datetime.now(UTC)
    run.lease_expires_at = None
    timings["total_s"] = round(time.perf_counter() - t0, 3)
    run.timings = dict(timings)
    if scan is not None:
        run.format = scan.format
        run.encoding = scan.encoding
        run.mapping = dict(scan.mapping.fields)
        run.counts = {**scan.counts(), **counts, **error_counts(scan)}
        run.row_errors = [_error_dict(e) for e in scan.errors]
    else:
        run.counts = dict(counts)


def _finish(
    factory: sessionmaker[Session],
    run_id: int,
    status: FeedRunStatus,
    message: Message,
    scan: FeedScan | None,
    counts: dict[str, Any],
    timings: dict[str, float],
    t0: float,
    token: str,
) -> RunOutcome:
    """Record a run's end while ``token`` still holds it; a run taken or cancelled meanwhile is
    reported as it stands."""
    with transaction(factory) as session:
        try:
            run = run_lease.fence(session, run_id, token)
        except run_lease.RunCancelled:
            cancelled = session.get(FeedRun, run_id)
            assert cancelled is not None
            run = cancelled
            status, message = FeedRunStatus.CANCELLED, run_messages.cancelled()
            scan, counts = None, {}
        except run_lease.RunLost:
            session.rollback()
            taken = session.get(FeedRun, run_id)
            assert taken is not None
            return _outcome_of(taken)
        _fill_run(run, status, message, scan, counts, timings, t0)
        publish_run_end(session, run_id)
        return _outcome_of(run)


def _outcome_of(run: FeedRun) -> RunOutcome:
    return RunOutcome(
        run.id,
        run.status,
        run.message,
        run.format,
        run.encoding,
        dict(run.mapping or {}),
        dict(run.counts or {}),
        list(run.row_errors or []),
    )
