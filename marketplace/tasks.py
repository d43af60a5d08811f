"""Marketplace background jobs on ``indexer.jobs.celery_app`` (ids in, JSON out).

* ``valbar.recompute_signals(retailer_id)``: measured signals after an order, RMA or review
  event (``marketplace.signals.recompute``).
* ``valbar.publish_due_reviews``: publish held reviews whose response window passed.
* ``valbar.auto_deliver``: deliver orders shipped ``AUTO_DELIVER_DAYS`` ago.
* ``valbar.expire_idempotency_keys``: delete ``Idempotency-Key`` records past their TTL.

The last three are on the beat schedule (hourly). Signals follow the marketplace's domain
events (:func:`wire`): with no broker configured, :func:`signals_changed` recomputes
in-process right after the commit; with one, it queues ``valbar.recompute_signals``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.events import EventBus, bus_for
from catalog.settings import Settings, get_settings
from indexer.jobs import celery_app, factory_for
from marketplace import notifications, orders, reviews, signals, verification
from marketplace.dates import utc_now
from marketplace.idempotency import expire_records
from marketplace.subscribers import on_signals_changed

HOURLY = 3600.0


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


def wire(settings: Settings, factory: sessionmaker[Session]) -> EventBus:
    """Subscribe the marketplace's reactions to its events on ``factory``'s bus, once: the
    retailers' measured signals after their orders, RMAs and reviews change, the
    notification of a removed review's author, and the verified purchase of a review whose
    order is delivered after it was written."""
    bus = bus_for(factory)
    bus.subscribe_once(
        "marketplace.signals",
        lambda b: on_signals_changed(b, lambda ids: signals_changed(settings, factory, ids)),
    )
    notifications.subscribe(bus, factory)
    verification.subscribe(bus, factory)
    return bus


def _wired_factory() -> sessionmaker[Session]:
    settings = get_settings()
    factory = factory_for(settings)
    wire(settings, factory)
    return factory


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
}
