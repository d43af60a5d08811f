"""Periodic marketplace jobs for the embedded default (no broker, so no celery beat).

Held reviews whose response window passed are published and long-shipped orders are
delivered, then the affected retailers' signals are recomputed; staged uploads a killed run
left behind are swept (`indexer.uploads`). With a broker, the same
jobs run from the beat schedule (``celery -A indexer.jobs:celery_app worker -B``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from catalog.db import transaction
from catalog.settings import Settings
from indexer.uploads import sweep_stale_uploads
from marketplace import orders, reviews
from marketplace.dates import utc_now
from marketplace.tasks import signals_changed

log = logging.getLogger(__name__)
FIRST_RUN_SECONDS = 30.0
INTERVAL_SECONDS = 3600.0


def commit_events(request: Request, session: Session, retailer_ids: Iterable[int | None]) -> None:
    """Commit a request's marketplace events, then recompute the retailers' measured signals
    and refresh search's cache (the API and the UI both call this)."""
    session.commit()
    ids = {rid for rid in retailer_ids if rid is not None}
    if not ids:
        return
    signals_changed(request.app.state.settings, request.app.state.session_factory, ids)
    service = request.app.state.search.built
    if service is not None:
        service.refresh_signals()


def run_once(settings: Settings, factory: sessionmaker[Session]) -> dict[str, int]:
    """One pass; returns how many reviews were published and orders delivered."""
    now = utc_now()
    with transaction(factory) as session:
        published = reviews.publish_due_reviews(session, now)
        delivered = orders.auto_deliver(session, now)
        retailers = {r.retailer_id for r in published if r.retailer_id is not None}
        retailers |= {o.retailer_id for o in delivered}
        counts = {"reviews_published": len(published), "orders_delivered": len(delivered)}
    signals_changed(settings, factory, retailers)
    counts["uploads_swept"] = sweep_stale_uploads(
        settings.data_dir, settings.feed_upload_max_age_hours * 3600
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
