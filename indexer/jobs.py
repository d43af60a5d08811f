"""Background jobs. Tasks take ids, never objects; JSON serializer only.

With ``VALBAR_BROKER_URL`` empty, Celery runs tasks eagerly in-process (the embedded default);
with a Redis URL, a real worker (``valbar worker``) picks them up.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import worker_ready
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import make_engine, migrate, needs_migration, session_factory
from catalog.settings import Settings, get_settings
from indexer.faults import fault_point

OUTBOX_WAIT_SECONDS = 5.0  # after a run: wait this long for the index lock, then leave it


def make_celery(settings: Settings) -> Celery:
    broker = settings.broker_url or "memory://"
    app = Celery(
        "valbar",
        broker=broker,
        backend=settings.redis_url or None,
        include=["marketplace.tasks"],  # registered by name: indexer never imports it
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
    )
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
    """Run one uploaded feed by its FeedRun id, then update the search index incrementally."""
    from indexer.pipeline import run_feed

    settings = get_settings()
    outcome = run_feed(factory_for(settings), settings, feed_run_id)
    fault_point("after_commit")
    # the run wrote its products to the index outbox in its own transaction; when another
    # process holds the index lock, that process applies them (and the periodic pass would)
    indexed = apply_index_outbox(settings, wait=OUTBOX_WAIT_SECONDS)
    data = outcome.as_json()
    data["counts"] = {**data["counts"], "indexed_products": indexed}
    return data


def configure(settings: Settings) -> None:
    """Point the Celery app at the settings' broker (or eager mode) at run time."""
    celery_app.conf.update(
        broker_url=settings.broker_url or "memory://",
        result_backend=settings.redis_url or None,
        task_always_eager=not settings.broker_url,
    )


def submit_feed_run(feed_run_id: int) -> dict[str, Any] | None:
    """Run in-process when no broker is configured; otherwise queue and return None."""
    configure(get_settings())
    if celery_app.conf.task_always_eager:
        result = ingest_feed_run.apply(args=(feed_run_id,))
        value: dict[str, Any] = result.get()
        return value
    ingest_feed_run.delay(feed_run_id)
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


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "valbar.apply_index_outbox": {
        "task": "valbar.apply_index_outbox",
        "schedule": get_settings().outbox_interval_seconds,
    },
}
