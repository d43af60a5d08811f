"""Periodic jobs of ``valbar serve``: marketplace chores without a broker, the index outbox.

Held reviews whose response window passed are published and long-shipped orders are
delivered (the affected retailers' signals follow from their domain events); once a month
is over, each loyalty programme's "månadens säljare" and "månadens butik" are awarded
(``loyalty.awards``, idempotent per month: later passes add nothing);
``Idempotency-Key`` records older than ``idempotency_ttl_hours`` are deleted, and so are
ended sessions and idle sign-in counters older than a day; loyalty points past their
programme's expiry move to its expiry account and members are reminded before
(``loyalty.expiry``); offer price and stock history older than
``price_history_retention_days`` is pruned (``indexer.price_history``); staged uploads a
killed run left behind are swept
(``indexer.uploads``), and so are loyalty photo files no photo names a day after they were
written (``loyalty.photos.sweep_unreferenced``). With a broker, the same jobs run from the
beat schedule (``celery -A indexer.jobs:celery_app worker -B``).
The search index outbox is replayed at start-up and every ``outbox_interval_seconds`` in
every case (``indexer.outbox``).

``feed_fetch_loop`` (without a broker) fetches retailers' feed URLs that are due every
``feed_fetch_interval_seconds`` (``marketplace.feed_fetch``; with a broker the beat's
``valbar.fetch_feeds`` does).

``sweep_loop`` (every server, broker or not) looks after feed runs: at start-up and every
``feed_sweep_seconds`` it ends or re-queues runs whose lease expired and sends queued runs
that nobody claimed (``FeedRunner.sweep``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from api.sessions import purge_sessions
from api.throttle import purge_throttle
from catalog.db import transaction
from catalog.settings import Settings
from indexer import price_history
from indexer.uploads import sweep_stale_uploads
from loyalty import awards as loyalty_awards
from loyalty import contests as loyalty_contests
from loyalty import expiry as loyalty_expiry
from loyalty import photos as loyalty_photos
from loyalty import subscribers as loyalty_subscribers
from marketplace import orders, reviews
from marketplace.dates import utc_now
from marketplace.idempotency import expire_records
from marketplace.tasks import wire

log = logging.getLogger(__name__)


class Sweeper(Protocol):
    def sweep(self) -> object: ...


FIRST_RUN_SECONDS = 30.0
INTERVAL_SECONDS = 3600.0


def run_once(settings: Settings, factory: sessionmaker[Session]) -> dict[str, int]:
    """One pass; returns how many reviews were published, orders delivered and idempotency
    records expired."""
    wire(settings, factory)  # the signals follow the events (once per factory)
    loyalty_subscribers.wire(factory)  # an auto-delivered order earns its points
    now = utc_now()
    with transaction(factory) as session:
        published = reviews.publish_due_reviews(session, now)
        delivered = orders.auto_deliver(session, now)
        ttl = timedelta(hours=settings.idempotency_ttl_hours)
        counts = {
            "reviews_published": len(published),
            "orders_delivered": len(delivered),
            "idempotency_expired": expire_records(session, now, ttl),
            "sessions_purged": purge_sessions(session, now),
            "throttle_purged": purge_throttle(session, now),
        }
    with transaction(factory) as session:  # its own transaction: a failure spares the rest
        counts["loyalty_expired"] = len(loyalty_expiry.expire(session, now))
        counts["loyalty_reminders"] = loyalty_expiry.remind(session, now)
    with transaction(factory) as session:
        counts["loyalty_awards"] = loyalty_awards.award_finished_months(session, now=now)
    with transaction(factory) as session:  # contests that ended: closed, prizes paid once
        counts["loyalty_contests"] = loyalty_contests.close_finished(session, now=now)
    counts["uploads_swept"] = sweep_stale_uploads(
        settings.data_dir, settings.feed_upload_max_age_hours * 3600
    )
    with factory() as session:  # commits per batch of rows
        counts["price_history_pruned"] = price_history.prune(
            session, now, settings.price_history_retention_days
        )
    with transaction(factory) as session:
        counts["loyalty_photos_swept"] = loyalty_photos.sweep_unreferenced(
            session, settings.loyalty_photo_dir, now=time.time()
        )
    return counts


async def loop(settings: Settings, factory: sessionmaker[Session]) -> None:
    """Run forever (cancelled at shutdown): shortly after start-up, then hourly."""
    await asyncio.sleep(FIRST_RUN_SECONDS)
    while True:
        try:
            counts = await asyncio.to_thread(run_once, settings, factory)
            log.info("housekeeping: %s", counts)
        except Exception:  # logged; the next pass tries again
            log.exception("housekeeping pass failed")
        await asyncio.sleep(INTERVAL_SECONDS)


async def outbox_loop(apply: Callable[[], object], interval: float) -> None:
    """Apply the search index outbox at start-up (what a crash left), then every
    ``interval`` seconds (what another process's run left while this one held the lock)."""
    while True:
        try:
            await asyncio.to_thread(apply)
        except Exception:  # logged; the next pass tries again
            log.exception("search index outbox pass failed")
        await asyncio.sleep(interval)


async def sweep_loop(runner: Sweeper, interval_seconds: float) -> None:
    """The feed-run sweep, at once and then every ``interval_seconds`` (cancelled at shutdown)."""
    while True:
        try:
            report = await asyncio.to_thread(runner.sweep)
            log.debug("feed run sweep: %s", report)
        except Exception:  # logged; the next pass tries again
            log.exception("feed run sweep failed")
        await asyncio.sleep(interval_seconds)


async def dispatch_loop(drain: Callable[[], object], interval: float) -> None:
    """Without a broker: send due e-mail and webhook deliveries (retries, and what a
    restart left queued) at start-up and every ``interval`` seconds."""
    while True:
        try:
            await asyncio.to_thread(drain)
        except Exception:  # logged; the next pass tries again
            log.exception("e-mail and webhook dispatch pass failed")
        await asyncio.sleep(interval)


async def feed_fetch_loop(fetch: Callable[[], object], interval: float) -> None:
    """Without a broker: fetch the feed URLs due (a retailer's schedule or "fetch now") at
    start-up and every ``interval`` seconds."""
    while True:
        try:
            await asyncio.to_thread(fetch)
        except Exception:  # logged; the next pass tries again
            log.exception("feed URL fetch pass failed")
        await asyncio.sleep(interval)
