"""Background jobs. Tasks take ids, never objects; JSON serializer only.

With ``VALBAR_BROKER_URL`` empty, Celery runs tasks eagerly in-process (the embedded default);
with a Redis URL, a real worker (``celery -A indexer.jobs:celery_app worker``) picks them up.
A feed run task runs it through ``indexer.feed_runner`` (a child process); the broker's
visibility timeout is longer than the longest run, so a run is not delivered twice while it
runs (a second delivery would find it claimed anyway). ``valbar.sweep_feed_runs`` (beat, every
``feed_sweep_seconds``, and once when a worker starts) ends or re-queues runs whose lease
expired and sends queued runs again whose message was lost.

A worker's warm shutdown (SIGTERM, or ``celery control shutdown``) does not wait for a feed
run: ``worker_shutting_down`` sets :data:`WORKER_STOP`, which the run's supervisor polls (in
the pool process running the task too: the event is made when this module is imported, in
the worker's main process, before the pool forks). The run's process is stopped (SIGTERM,
SIGKILL after a grace) and the run goes back to the queue ("queued again: the server was
restarted during the run"); the task returns at once (its message is acknowledged) and the
sweep of the next worker to start, or the periodic sweep of another one, sends the run again.
"""

from __future__ import annotations

import logging
import multiprocessing
from typing import Any

from celery import Celery
from celery.signals import (
    setup_logging,
    task_postrun,
    task_prerun,
    worker_ready,
    worker_shutting_down,
)
from kombu.exceptions import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import make_engine, migrate, needs_migration, session_factory
from catalog.logs import configure_logging, request_id_var
from catalog.settings import Settings, get_settings

log = logging.getLogger("valbar.jobs")


@setup_logging.connect  # type: ignore[untyped-decorator]
def _configure_logging(loglevel: int | str | None = None, **_kwargs: Any) -> None:
    """The worker's and beat's logging is Valbar's (level and JSON lines from settings, the
    level of ``--loglevel`` when given), not Celery's own (connecting this signal keeps
    Celery from configuring the root logger)."""
    settings = get_settings()
    name = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
    if isinstance(name, str) and name.lower() in ("debug", "info", "warning", "error", "critical"):
        settings = settings.model_copy(update={"log_level": name.lower()})
    configure_logging(settings)


@task_prerun.connect  # type: ignore[untyped-decorator]
def _task_request_id(task_id: str = "", **_kwargs: Any) -> None:
    """A task's log lines carry its task id where a request's carry the request id."""
    request_id_var.set(f"task-{task_id}")


@task_postrun.connect  # type: ignore[untyped-decorator]
def _task_request_id_done(**_kwargs: Any) -> None:
    request_id_var.set(None)


# Set when this Celery worker begins a warm shutdown: running feed runs stop and are queued
# again. A multiprocessing event, made before the prefork pool forks, so the pool process
# running the task sees what the main process's signal handler set.
WORKER_STOP = multiprocessing.get_context("fork").Event()


@worker_shutting_down.connect  # type: ignore[untyped-decorator]
def _stop_feed_runs(sig: str = "", how: str = "", **_kwargs: Any) -> None:
    """A warm (or cold) shutdown began: stop the feed runs this worker supervises."""
    log.warning(
        "worker %s shutdown (%s): stopping running feed runs; they are queued again", how, sig
    )
    WORKER_STOP.set()


class BrokerUnavailable(RuntimeError):
    """The broker could not take the message (it is down or unreachable)."""


def visibility_timeout(settings: Settings) -> int:
    """Seconds a delivered, unacknowledged message stays invisible: longer than any run."""
    return int(settings.feed_time_limit_seconds + 4 * settings.feed_lease_seconds + 600)


def _broker_options(settings: Settings) -> dict[str, Any]:
    return {
        "broker_transport_options": {"visibility_timeout": visibility_timeout(settings)},
        "result_backend_transport_options": {"visibility_timeout": visibility_timeout(settings)},
    }


def make_celery(settings: Settings) -> Celery:
    broker = settings.broker_url or "memory://"
    app = Celery(
        "valbar",
        broker=broker,
        backend=settings.redis_url or None,
        # registered by name: indexer never imports them (valbar.worker_wiring subscribes
        # loyalty, marketplace's sibling, in each worker process)
        include=["marketplace.tasks", "valbar.worker_wiring"],
    )
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_always_eager=not settings.broker_url,
        task_eager_propagates=True,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_default_queue="valbar",
        # a broker that is down fails the publish within about a second (the upload then
        # runs in the web server's own runner) instead of retrying for minutes
        broker_connection_timeout=2,
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0.2,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        **_broker_options(settings),
    )
    app.conf.beat_schedule = {
        **(app.conf.beat_schedule or {}),
        "valbar.sweep_feed_runs": {
            "task": "valbar.sweep_feed_runs",
            "schedule": settings.feed_sweep_seconds,
        },
        "valbar.apply_index_outbox": {
            "task": "valbar.apply_index_outbox",
            "schedule": settings.outbox_interval_seconds,
        },
    }
    return app


celery_app = make_celery(get_settings())

_factories: dict[str, sessionmaker[Session]] = {}


def factory_for(settings: Settings) -> sessionmaker[Session]:
    url = settings.sqlalchemy_url
    if url not in _factories:
        engine = make_engine(url)
        if needs_migration(engine):
            migrate(engine)
        _factories[url] = session_factory(engine)
    return _factories[url]


def apply_index_outbox(settings: Settings, wait: float = 0.0) -> int:
    """Apply the search index outbox (``indexer.outbox``); returns the documents written."""
    from indexer.outbox import apply_outbox

    return apply_outbox(settings, factory=factory_for(settings), wait=wait).products


@celery_app.task(name="valbar.ingest_feed_run")  # type: ignore[untyped-decorator]
def ingest_feed_run(feed_run_id: int) -> dict[str, Any]:
    """Run one uploaded feed by its FeedRun id (``indexer.feed_runner``: in a child process,
    then the search index, then the run's events). A run that another worker holds, or that
    waits for its retailer's running run, is left as it is (it is sent again when that one
    ends). A worker shutting down leaves the index update to the next start's pass."""
    from indexer.feed_runner import run_feed_run

    settings = get_settings()
    factory = factory_for(settings)
    done = run_feed_run(settings, factory, feed_run_id, stop=WORKER_STOP, dispatch=dispatch)
    return done.as_dict()


def dispatch(feed_run_id: int) -> None:
    """Queue a run for a worker; a broker that is down is logged (the sweep sends it later)."""
    try:
        submit_feed_run(feed_run_id)
    except BrokerUnavailable:
        log.warning("feed run %s: broker unavailable; the sweep sends it", feed_run_id)


def sweep_feed_runs_once(settings: Settings) -> dict[str, list[int]]:
    """End or re-queue runs whose lease expired; send queued runs nobody claimed."""
    from indexer import run_lease

    report = run_lease.sweep(
        factory_for(settings),
        max_attempts=settings.feed_max_attempts,
        requeue_after_seconds=settings.feed_requeue_after_seconds,
    )
    for run_id in report.dispatch:
        dispatch(run_id)
    return report.as_dict()


@celery_app.task(name="valbar.sweep_feed_runs")  # type: ignore[untyped-decorator]
def sweep_feed_runs() -> dict[str, list[int]]:
    return sweep_feed_runs_once(get_settings())


@worker_ready.connect  # type: ignore[untyped-decorator]
def _sweep_at_worker_start(**_kwargs: Any) -> None:
    try:
        sweep_feed_runs_once(get_settings())
    except Exception:  # logged; beat runs it again
        log.exception("feed run sweep at worker start failed")


def configure(settings: Settings) -> None:
    """Point the Celery app at the settings' broker (or eager mode) at run time."""
    broker = settings.broker_url or "memory://"
    if celery_app.conf.broker_url != broker:
        _drop_connections()
    celery_app.conf.update(
        broker_url=settings.broker_url or "memory://",
        result_backend=settings.redis_url or None,
        task_always_eager=not settings.broker_url,
        **_broker_options(settings),
    )


def _drop_connections() -> None:
    """Forget the pooled connections to the previous broker: Celery builds its connection and
    producer pools once, for the broker URL it saw first, and would keep publishing there."""
    import contextlib

    pool = celery_app._pool
    if pool is not None:
        with contextlib.suppress(Exception):
            pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu's process-wide producer pools are keyed by the broker URL: one made for this
    # broker before would be found again, its connection pool closed above
    from kombu import pools

    with contextlib.suppress(Exception):
        pools.reset()  # type: ignore[no-untyped-call]


def submit_feed_run(feed_run_id: int, settings: Settings | None = None) -> dict[str, Any] | None:
    """Run in-process when no broker is configured; otherwise queue and return None.
    :class:`BrokerUnavailable` when the broker cannot take the message."""
    from indexer import run_lease

    settings = settings or get_settings()
    configure(settings)
    if celery_app.conf.task_always_eager:
        result = ingest_feed_run.apply(args=(feed_run_id,))
        value: dict[str, Any] = result.get()
        return value
    try:
        ingest_feed_run.delay(feed_run_id)
    except OperationalError as exc:
        raise BrokerUnavailable(f"the broker is unavailable: {exc}") from exc
    run_lease.mark_sent(factory_for(settings), feed_run_id)
    return None


@celery_app.task(name="valbar.apply_index_outbox")  # type: ignore[untyped-decorator]
def apply_index_outbox_task() -> int:
    """Periodic (beat) and start-up pass: apply what runs and crashes left in the outbox."""
    return apply_index_outbox(get_settings())


@worker_ready.connect  # type: ignore[untyped-decorator]
def _replay_outbox_at_start(**_kwargs: Any) -> None:
    """A worker starting after a crash replays the outbox before taking jobs' word for it."""
    try:
        apply_index_outbox(get_settings())
    except Exception:  # logged; the beat pass retries
        logging.getLogger(__name__).exception("outbox replay at worker start failed")
