"""Background jobs. Tasks take ids, never objects; JSON serializer only.

With ``VALBAR_BROKER_URL`` empty, Celery runs tasks eagerly in-process (the embedded default);
with a Redis URL, a real worker (``valbar worker``) picks them up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import make_engine, migrate, needs_migration, session_factory
from catalog.settings import Settings, get_settings


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


def reindex_products(settings: Settings, product_ids: Iterable[int]) -> int:
    """Send the given products' current state to the search backend (incremental update)."""
    from search.documents import build_documents
    from search.indexing import write_documents
    from search.registry import get_backend

    ids = sorted(set(product_ids))
    if not ids:
        return 0
    backend = get_backend(settings)
    try:
        with factory_for(settings)() as session:
            return write_documents(settings, backend, build_documents(session, ids), full=False)
    finally:
        backend.close()


@celery_app.task(name="valbar.ingest_feed_run")  # type: ignore[untyped-decorator]
def ingest_feed_run(feed_run_id: int) -> dict[str, Any]:
    """Run one uploaded feed by its FeedRun id, then update the search index incrementally."""
    from indexer.pipeline import run_feed

    settings = get_settings()
    outcome = run_feed(factory_for(settings), settings, feed_run_id)
    indexed = reindex_products(settings, outcome.changed_product_ids)
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
