"""The scheduled fetch of retailers' feed URLs (issue 19): one pass over the sources due.

:func:`fetch_due` claims each due source (a lease: two schedulers never fetch one source at
once), fetches it (``marketplace.feed_http``: the URL checked again and the connection
pinned, conditional, gzip, at most 3 redirects, bounded by ``max_upload_bytes`` and
``feed_fetch_timeout_seconds``) and then:

* ``304`` (or a 200 whose bytes equal the last run's: a server without ETags) is
  ``not_modified``: no run;
* ``200`` records a queued feed run exactly as an upload does
  (``indexer.pipeline.submit_feed``: archived, then preview rules, the mass-withdrawal guard
  and row errors apply), in the same transaction as the fetch's log row and the new ETag;
  ``submit`` then sends the run (the server's runner, or the Celery task);
* a failure is logged with its reason, the source is tried again after
  ``feed_fetch_retry_seconds`` doubled per failure in a row (``marketplace.backoff``), and
  ``FeedFetchFailed`` tells the retailer (once per streak: ``marketplace.alerts``).

Without a broker ``valbar serve`` runs a pass every ``feed_fetch_interval_seconds``
(``api.housekeeping.feed_fetch_loop``); with one, the Celery beat runs
``valbar.fetch_feeds`` (``marketplace.tasks``).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import rows_matched, transaction
from catalog.events import FeedFetchFailed, publish
from catalog.models import FeedRun, Retailer
from catalog.private_files import private_dir
from catalog.settings import Settings
from indexer.pipeline import FeedOptions, sha256_file, submit_feed
from marketplace.backoff import next_attempt
from marketplace.dates import as_utc, utc_now
from marketplace.feed_address import Resolver, networks
from marketplace.feed_http import Credentials, Fetched, FetchError, fetch
from marketplace.feed_schedule import ScheduleError, next_due
from marketplace.feed_secrets import SecretUnreadable, master_key, open_secret
from marketplace.models import FeedFetch, FeedSource
from marketplace.webhooks import resolve

log = logging.getLogger(__name__)
BATCH = 20
LEASE_MARGIN_SECONDS = 60.0
Submit = Callable[[int], None]


@dataclass
class FetchReport:
    """What a pass did, by source id."""

    ran: dict[int, int] = field(default_factory=dict)  # source -> feed run
    not_modified: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Job:
    source_id: int
    retailer_id: int
    retailer_slug: str
    url: str
    schedule: str
    mode: str
    etag: str | None
    last_modified: str | None
    auth_kind: str
    auth_username: str
    auth_secret: str | None
    failures: int
    failing_since: datetime | None
    trigger: str


def _due_ids(session: Session, now: datetime, only: int | None) -> list[int]:
    query = (
        select(FeedSource.id)
        .where(
            FeedSource.active.is_(True),
            FeedSource.next_fetch_at <= now,
            or_(FeedSource.claimed_until.is_(None), FeedSource.claimed_until < now),
        )
        .order_by(FeedSource.next_fetch_at, FeedSource.id)
        .limit(BATCH)
    )
    if only is not None:
        query = query.where(FeedSource.id == only)
    return [int(i) for i in session.scalars(query)]


def _claim(factory: sessionmaker[Session], source_id: int, now: datetime, lease: float) -> bool:
    with transaction(factory) as session:
        result = session.execute(
            update(FeedSource)
            .where(
                FeedSource.id == source_id,
                FeedSource.active.is_(True),
                FeedSource.next_fetch_at <= now,
                or_(FeedSource.claimed_until.is_(None), FeedSource.claimed_until < now),
            )
            .values(claimed_until=now + timedelta(seconds=lease))
            .execution_options(synchronize_session=False)
        )
        return rows_matched(result) == 1


def _job(session: Session, source_id: int) -> _Job | None:
    row = session.execute(
        select(FeedSource, Retailer.slug)
        .join(Retailer, Retailer.id == FeedSource.retailer_id)
        .where(FeedSource.id == source_id)
    ).first()
    if row is None:
        return None
    source, slug = row
    return _Job(
        source.id,
        source.retailer_id,
        str(slug),
        source.url,
        source.schedule,
        source.mode,
        source.etag,
        source.last_modified,
        source.auth_kind,
        source.auth_username,
        source.auth_secret,
        source.failures,
        source.failing_since,
        "manual" if source.fetch_requested_at is not None else "schedule",
    )


def _credentials(settings: Settings, job: _Job) -> Credentials | None:
    if job.auth_kind == "none" or job.auth_secret is None:
        return None
    try:
        secret = open_secret(master_key(settings), job.auth_secret)
    except SecretUnreadable as exc:
        raise FetchError(
            "the stored login cannot be read (the key changed): enter it again"
        ) from exc
    return Credentials(job.auth_kind, secret, job.auth_username)


def _next_scheduled(job: _Job, now: datetime) -> datetime:
    try:
        return next_due(job.schedule, now)
    except ScheduleError:  # stored schedules were validated; a day later at worst
        return now + timedelta(days=1)


def _file_name(url: str, source_id: int) -> str:
    name = Path(urlsplit(url).path).name.strip()
    return (name or f"feed-url-{source_id}")[-200:]


def _last_run_digest(session: Session, source_id: int) -> str | None:
    return session.scalar(
        select(FeedRun.sha256)
        .join(FeedFetch, FeedFetch.feed_run_id == FeedRun.id)
        .where(FeedFetch.source_id == source_id, FeedFetch.status == "ok")
        .order_by(FeedFetch.started_at.desc(), FeedFetch.id.desc())
        .limit(1)
    )


def _log(
    session: Session,
    job: _Job,
    status: str,
    started: datetime,
    elapsed: float,
    *,
    http_status: int | None = None,
    size: int = 0,
    run_id: int | None = None,
    error: str | None = None,
) -> None:
    session.add(
        FeedFetch(
            source_id=job.source_id,
            trigger=job.trigger,
            status=status,
            http_status=http_status,
            size_bytes=size,
            duration_ms=int(elapsed * 1000),
            feed_run_id=run_id,
            error=error,
            started_at=started,
            finished_at=as_utc(utc_now()),
        )
    )


def _succeeded(session: Session, job: _Job, now: datetime, **values: object) -> None:
    session.execute(
        update(FeedSource)
        .where(FeedSource.id == job.source_id)
        .values(
            claimed_until=None,
            fetch_requested_at=None,
            failures=0,
            failing_since=None,
            next_fetch_at=_next_scheduled(job, now),
            **values,
        )
        .execution_options(synchronize_session=False)
    )


def _failed(
    settings: Settings, factory: sessionmaker[Session], job: _Job, error: str, **log_values: object
) -> None:
    now = as_utc(utc_now())
    failures = job.failures + 1
    since = as_utc(job.failing_since) if job.failing_since is not None else now
    retry = next_attempt(now, failures, settings.feed_fetch_retry_seconds)
    with transaction(factory) as session:
        if session.get(FeedSource, job.source_id) is None:
            return  # removed meanwhile
        _log(session, job, "failed", **log_values, error=error[:2000])  # type: ignore[arg-type]
        session.execute(
            update(FeedSource)
            .where(FeedSource.id == job.source_id)
            .values(
                claimed_until=None,
                fetch_requested_at=None,
                failures=failures,
                failing_since=since,
                next_fetch_at=retry,
            )
            .execution_options(synchronize_session=False)
        )
        publish(
            session,
            FeedFetchFailed(
                source_id=job.source_id,
                retailer_id=job.retailer_id,
                url=job.url,
                error=error[:500],
                failures=failures,
                failing_since=since.isoformat(),
                next_fetch_at=retry.isoformat(),
            ),
        )


def fetch_source(
    settings: Settings,
    factory: sessionmaker[Session],
    job: _Job,
    *,
    submit: Submit,
    resolver: Resolver = resolve,
) -> tuple[str, int | None]:
    """Fetch one claimed source; returns its status and the run it made, if any."""
    started = as_utc(utc_now())
    clock = time.monotonic()
    folder = private_dir(settings.data_dir / "uploads")
    dest = folder / f"feed-url-{job.source_id}-{secrets.token_hex(8)}"
    try:
        got = fetch(
            job.url,
            dest,
            allow=networks(settings.feed_fetch_allow_networks),
            etag=job.etag,
            last_modified=job.last_modified,
            auth=_credentials(settings, job),
            max_bytes=settings.max_upload_bytes,
            timeout=settings.feed_fetch_timeout_seconds,
            resolver=resolver,
        )
    except FetchError as exc:
        elapsed = time.monotonic() - clock
        _failed(
            settings,
            factory,
            job,
            str(exc),
            started=started,
            elapsed=elapsed,
            http_status=exc.status,
        )
        return "failed", None
    try:
        return _record(settings, factory, job, got, started, clock, submit)
    finally:
        dest.unlink(missing_ok=True)


def _record(
    settings: Settings,
    factory: sessionmaker[Session],
    job: _Job,
    got: Fetched,
    started: datetime,
    clock: float,
    submit: Submit,
) -> tuple[str, int | None]:
    now = as_utc(utc_now())
    unchanged = False
    if got.path is not None:
        with factory() as session:
            unchanged = _last_run_digest(session, job.source_id) == sha256_file(got.path)
    if got.not_modified or unchanged:
        with transaction(factory) as session:
            if session.get(FeedSource, job.source_id) is not None:
                _log(
                    session,
                    job,
                    "not_modified",
                    started,
                    time.monotonic() - clock,
                    http_status=got.status,
                    size=got.size,
                )
                _succeeded(session, job, now, etag=got.etag, last_modified=got.last_modified)
        return "not_modified", None
    assert got.path is not None

    def with_run(session: Session, run_id: int) -> None:
        _log(
            session,
            job,
            "ok",
            started,
            time.monotonic() - clock,
            http_status=got.status,
            size=got.size,
            run_id=run_id,
        )
        _succeeded(session, job, now, etag=got.etag, last_modified=got.last_modified)

    run_id = submit_feed(
        factory,
        settings,
        got.path,
        job.retailer_slug,
        FeedOptions(delta=job.mode == "delta"),
        file_name=_file_name(got.url, job.source_id),
        with_run=with_run,
    )
    submit(run_id)
    return "ok", run_id


def fetch_due(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    submit: Submit,
    resolver: Resolver = resolve,
    only: int | None = None,
) -> FetchReport:
    """Fetch every source due now (``only``: just that one, when due); see the module
    docstring."""
    report = FetchReport()
    lease = settings.feed_fetch_timeout_seconds + LEASE_MARGIN_SECONDS
    seen: set[int] = set()
    while True:
        now = as_utc(utc_now())
        with factory() as session:
            due = [i for i in _due_ids(session, now, only) if i not in seen]
        if not due:
            return report
        for source_id in due:
            seen.add(source_id)
            if not _claim(factory, source_id, now, lease):
                continue  # another scheduler has it
            with factory() as session:
                job = _job(session, source_id)
            if job is None:
                continue
            try:
                status, run_id = fetch_source(
                    settings, factory, job, submit=submit, resolver=resolver
                )
            except Exception as exc:  # logged; the source is retried with backoff
                log.exception("fetching feed URL %s failed", source_id)
                _failed(
                    settings,
                    factory,
                    job,
                    f"internal error: {type(exc).__name__}",
                    started=now,
                    elapsed=0.0,
                )
                report.failed.append(source_id)
                continue
            if status == "ok" and run_id is not None:
                report.ran[source_id] = run_id
            elif status == "not_modified":
                report.not_modified.append(source_id)
            else:
                report.failed.append(source_id)
