"""Marketplace background jobs on ``indexer.jobs.celery_app`` (ids in, JSON out).

* ``valbar.recompute_signals(retailer_id)``: measured signals after an order, RMA or review
  event (``marketplace.signals.recompute``).
* ``valbar.publish_due_reviews``: publish held reviews whose response window passed.
* ``valbar.auto_deliver``: deliver orders shipped ``AUTO_DELIVER_DAYS`` ago.
* ``valbar.expire_idempotency_keys``: delete ``Idempotency-Key`` records past their TTL.
* ``valbar.fetch_feeds``: fetch retailers' feed URLs that are due
  (``marketplace.feed_fetch``), every ``feed_fetch_interval_seconds`` on the beat schedule;
  each run it makes is queued as ``valbar.ingest_feed_run``.
* ``valbar.dispatch``: send due e-mail (SMTP) and webhook deliveries (:func:`drain`);
  queued right after a commit that queued something to send, and on the beat schedule
  every ``dispatch_interval_seconds`` for retries.

The last three are on the beat schedule (hourly). Signals follow the marketplace's domain
events (:func:`wire`): with no broker configured, :func:`signals_changed` recomputes
in-process right after the commit; with one, it queues ``valbar.recompute_signals``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from celery.signals import worker_process_init, worker_ready
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.events import EventBus, bus_for
from catalog.settings import Settings, get_settings
from indexer import jobs
from indexer.jobs import apply_index_outbox, apply_index_outbox_task, celery_app, factory_for
from marketplace import (
    alerts,
    feed_fetch,
    listing,
    notifications,
    orders,
    price_alerts,
    reviews,
    signals,
    verification,
    webhook_delivery,
    webhooks,
)
from marketplace.dates import utc_now
from marketplace.dispatch import Drainer, install, installed
from marketplace.idempotency import expire_records
from marketplace.mail.sender import send_due
from marketplace.subscribers import on_signals_changed

HOURLY = 3600.0
DRAINER_KEY = "valbar.dispatch.drainer"
LISTING_DRAINER_KEY = "valbar.listing.drainer"
SETTINGS_KEY = "valbar.dispatch.settings"  # () -> the settings as they are now


def settings_now(factory: sessionmaker[Session], fallback: Settings) -> Settings:
    """The settings object as it is now (what ``wire`` was told to read, e.g. the app's
    ``app.state.settings``): e-mail is built from it at send time, never from a copy."""
    source = (factory.kw.get("info") or {}).get(SETTINGS_KEY)
    return source() if callable(source) else fallback


log = logging.getLogger(__name__)


@celery_app.task(name="valbar.recompute_signals")  # type: ignore[untyped-decorator]
def recompute_signals(retailer_id: int) -> dict[str, Any]:
    """Recompute one retailer's measured signals; returns the stored values and counts."""
    with transaction(factory_for(get_settings())) as session:
        row = signals.recompute(session, retailer_id, utc_now())
        return {
            "retailer_id": retailer_id,
            "delivery_precision": row.delivery_precision,
            "delivery_count": row.delivery_count,
            "stock_accuracy": row.stock_accuracy,
            "stock_count": row.stock_count,
            "review_overall": row.review_overall,
            "review_count": row.review_count,
            "rma": row.rma,
            "rma_count": row.rma_count,
        }


def wire(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    reindex: Callable[[], object] | None = None,
    current: Callable[[], Settings] | None = None,
) -> EventBus:
    """Subscribe the marketplace's reactions to its events on ``factory``'s bus, once: the
    retailers' measured signals after their orders, RMAs and reviews change, the
    notification of a removed review's author, the verified purchase of a review whose
    order is delivered after it was written, and a retailer's offers leaving or re-entering
    search with its organisation's status (``marketplace.listing``). ``reindex`` applies the
    search index outbox (the web app's applier; default :func:`apply_outbox_later`); it runs
    in a background thread, never in the request that changed the status.

    ``current`` returns the settings as they are at send time (the app passes its
    ``app.state.settings``): the sender reads ``site_url``, the SMTP and mail settings from
    it for each pass, so a change made after start-up is what the next e-mail uses. Given
    again (a new app on the same database), it replaces the one before."""
    info = factory.kw.setdefault("info", {})
    if current is not None or SETTINGS_KEY not in info:
        info[SETTINGS_KEY] = current or (lambda: settings)
    bus = bus_for(factory)

    def wire_listing(b: EventBus) -> None:
        drainer = Drainer(reindex or apply_outbox_later(settings), name="valbar-listing")
        factory.kw.setdefault("info", {})[LISTING_DRAINER_KEY] = drainer
        listing.subscribe(b, factory, drainer.kick)

    bus.subscribe_once("marketplace.listing.pass", wire_listing)
    bus.subscribe_once(
        "marketplace.signals",
        lambda b: on_signals_changed(b, lambda ids: signals_changed(settings, factory, ids)),
    )
    notifications.subscribe(bus, factory)
    verification.subscribe(bus, factory)
    alerts.subscribe(bus, factory)
    price_alerts.subscribe(bus, factory)
    webhooks.subscribe(bus, factory)
    if not installed(factory):
        install(factory, dispatch_kick(settings, factory))
    return bus


def drain(settings: Settings, factory: sessionmaker[Session]) -> dict[str, int]:
    """Send the e-mail and webhook deliveries due now; counts by outcome."""
    mail = send_due(settings, factory)
    hooks = webhook_delivery.deliver_due(settings, factory)
    return {
        "emails_sent": len(mail.sent),
        "emails_retried": len(mail.retried),
        "emails_failed": len(mail.failed),
        "webhooks_sent": len(hooks.sent),
        "webhooks_retried": len(hooks.retried),
        "webhooks_failed": len(hooks.failed),
    }


def dispatch_kick(settings: Settings, factory: sessionmaker[Session]) -> Callable[[], None]:
    """What runs after a commit queued something to send: the ``valbar.dispatch`` task
    with a broker, else a pass in this process's background thread."""
    if settings.broker_url:

        def queue_task() -> None:
            try:
                dispatch.delay()
            except Exception:  # the broker is down: the beat's next pass sends it
                log.exception("valbar.dispatch not queued; the periodic pass sends it")

        return queue_task
    drainer = Drainer(lambda: drain(settings_now(factory, settings), factory))
    factory.kw.setdefault("info", {})[DRAINER_KEY] = drainer
    return drainer.kick


def apply_outbox_later(settings: Settings) -> Callable[[], object]:
    """Apply the search index outbox: the ``valbar.apply_index_outbox`` task with a broker,
    else in this process (under the index lock; when another process holds it, that one
    applies the rows once it lets go)."""
    if settings.broker_url:

        def queue_task() -> None:
            try:
                apply_index_outbox_task.delay()
            except Exception:  # the broker is down: the periodic outbox pass applies it
                log.exception("valbar.apply_index_outbox not queued; the outbox pass applies it")

        return queue_task
    return lambda: apply_index_outbox(settings)


def listing_drainer_of(factory: sessionmaker[Session]) -> Drainer | None:
    """The background thread that applies the outbox after a status change (tests wait)."""
    drainer = (factory.kw.get("info") or {}).get(LISTING_DRAINER_KEY)
    return drainer if isinstance(drainer, Drainer) else None


def drainer_of(factory: sessionmaker[Session]) -> Drainer | None:
    """The in-process drainer ``wire`` installed (no broker), e.g. to wait for it."""
    found = (factory.kw.get("info") or {}).get(DRAINER_KEY)
    return found if isinstance(found, Drainer) else None


@celery_app.task(name="valbar.dispatch")  # type: ignore[untyped-decorator]
def dispatch() -> dict[str, int]:
    """Send due e-mail and webhook deliveries (after a commit, and periodically)."""
    settings = get_settings()
    return drain(settings, factory_for(settings))


def _wired_factory() -> sessionmaker[Session]:
    settings = get_settings()
    factory = factory_for(settings)
    wire(settings, factory)
    return factory


@worker_process_init.connect  # type: ignore[untyped-decorator]
@worker_ready.connect  # type: ignore[untyped-decorator]
def _wire_worker(**_kwargs: Any) -> None:
    """A Celery worker's events reach the marketplace's subscribers too (a feed run that
    failed in a worker tells the retailer): each pool process wires its factory's bus."""
    try:
        _wired_factory()
    except Exception:  # logged; the tasks that need it wire it themselves
        log.exception("wiring the marketplace's subscribers in the worker failed")


def _send_run(settings: Settings) -> Callable[[int], None]:
    def send(run_id: int) -> None:
        try:
            jobs.submit_feed_run(run_id, settings)
        except jobs.BrokerUnavailable as exc:  # queued: the servers' sweep sends it later
            log.warning("feed run %s from a feed URL stays queued: %s", run_id, exc)

    return send


@celery_app.task(name="valbar.fetch_feeds")  # type: ignore[untyped-decorator]
def fetch_feeds() -> dict[str, Any]:
    """Fetch the feed URLs due; returns the runs made, by source, and the others."""
    settings = get_settings()
    report = feed_fetch.fetch_due(settings, _wired_factory(), submit=_send_run(settings))
    return {
        "ran": {str(k): v for k, v in report.ran.items()},
        "not_modified": report.not_modified,
        "failed": report.failed,
    }


@celery_app.task(name="valbar.publish_due_reviews")  # type: ignore[untyped-decorator]
def publish_due_reviews() -> list[int]:
    """Publish held reviews past their window; returns the ids published (their retailers'
    signals follow from the events)."""
    with transaction(_wired_factory()) as session:
        return [r.id for r in reviews.publish_due_reviews(session, utc_now())]


@celery_app.task(name="valbar.auto_deliver")  # type: ignore[untyped-decorator]
def auto_deliver() -> list[int]:
    """Deliver long-shipped orders; returns the order ids."""
    with transaction(_wired_factory()) as session:
        return [o.id for o in orders.auto_deliver(session, utc_now())]


@celery_app.task(name="valbar.expire_idempotency_keys")  # type: ignore[untyped-decorator]
def expire_idempotency_keys() -> int:
    """Delete idempotency records older than ``idempotency_ttl_hours``; returns how many."""
    settings = get_settings()
    with transaction(factory_for(settings)) as session:
        ttl = timedelta(hours=settings.idempotency_ttl_hours)
        return expire_records(session, utc_now(), ttl)


def signals_changed(
    settings: Settings, factory: sessionmaker[Session], retailer_ids: Iterable[int]
) -> None:
    """Call after committing an event: recompute now without a broker, else queue the task."""
    for retailer_id in sorted(set(retailer_ids)):
        if settings.broker_url:
            recompute_signals.delay(retailer_id)
        else:
            with transaction(factory) as session:
                signals.recompute(session, retailer_id, utc_now())


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "valbar.publish_due_reviews": {"task": "valbar.publish_due_reviews", "schedule": HOURLY},
    "valbar.auto_deliver": {"task": "valbar.auto_deliver", "schedule": HOURLY},
    "valbar.expire_idempotency_keys": {
        "task": "valbar.expire_idempotency_keys",
        "schedule": HOURLY,
    },
    "valbar.dispatch": {
        "task": "valbar.dispatch",
        "schedule": get_settings().dispatch_interval_seconds,
    },
    "valbar.fetch_feeds": {
        "task": "valbar.fetch_feeds",
        "schedule": get_settings().feed_fetch_interval_seconds,
    },
}
