"""Loyalty's subscribers in a Celery worker process.

``indexer.jobs`` names this module in the Celery app's ``include`` (by name: indexer never
imports it), so each worker process wires loyalty (the marketplace's sibling, which the
marketplace never imports) to the same session factory the marketplace's tasks publish
through: an order the ``valbar.auto_deliver`` task delivers earns its points there too.
It also holds loyalty's periodic task, ``valbar.loyalty_expire`` (hourly in the beat
schedule, as ``api.housekeeping`` runs it without a broker): expired points move to the
expiry account and members are reminded before (``loyalty.expiry``).

It also holds loyalty's scheduled task: ``valbar.loyalty_monthly_awards`` (hourly on the
beat schedule) awards the finished month's "månadens säljare" and "månadens butik"
(``loyalty.awards``; idempotent per month, so the hourly runs after the first add nothing).
``valbar.loyalty_photo_sweep`` (hourly) removes photo files no photo row names a day after
they were written (``loyalty.photos.sweep_unreferenced``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery.signals import worker_process_init, worker_ready

from catalog.db import transaction
from catalog.settings import get_settings
from indexer.jobs import celery_app, factory_for
from loyalty import awards, contests, expiry, photos, subscribers
from marketplace.dates import utc_now
from marketplace.tasks import wire as wire_marketplace

log = logging.getLogger(__name__)
HOURLY = 3600.0


@worker_process_init.connect  # type: ignore[untyped-decorator]
@worker_ready.connect  # type: ignore[untyped-decorator]
def wire_loyalty(**_kwargs: Any) -> None:
    """Subscribe loyalty on the worker's factory (once per bus)."""
    try:
        subscribers.wire(factory_for(get_settings()))
    except Exception:  # logged: the marketplace's own tasks still run
        log.exception("wiring loyalty's subscribers in the worker failed")


@celery_app.task(name="valbar.loyalty_expire")  # type: ignore[untyped-decorator]
def loyalty_expire() -> dict[str, int]:
    """Expire points past their programme's expiry and publish the reminders (whose
    notifications the marketplace's subscriber writes): idempotent."""
    settings = get_settings()
    factory = factory_for(settings)
    wire_marketplace(settings, factory)
    now = utc_now()
    with transaction(factory) as session:
        expired = expiry.expire(session, now)
        reminders = expiry.remind(session, now)
    return {"expired_accounts": len(expired), "reminders": reminders}


@celery_app.task(name="valbar.loyalty_monthly_awards")  # type: ignore[untyped-decorator]
def loyalty_monthly_awards() -> int:
    """Award last month's seller and store of every active programme; new awards made."""
    settings = get_settings()
    factory = factory_for(settings)
    wire_marketplace(settings, factory)  # the notifications of the awards
    subscribers.wire(factory)
    with transaction(factory) as session:
        return awards.award_finished_months(session, now=utc_now())


@celery_app.task(name="valbar.loyalty_photo_sweep")  # type: ignore[untyped-decorator]
def loyalty_photo_sweep() -> int:
    """Remove photo files no photo names, a day after they were written; how many."""
    settings = get_settings()
    with transaction(factory_for(settings)) as session:
        return photos.sweep_unreferenced(session, settings.loyalty_photo_dir, now=time.time())


@celery_app.task(name="valbar.loyalty_contests_close")  # type: ignore[untyped-decorator]
def loyalty_contests_close() -> int:
    """Close the sales contests that ended and pay their prizes (once); contests closed.
    Beside the monthly awards, on the same hourly beat."""
    settings = get_settings()
    factory = factory_for(settings)
    subscribers.wire(factory)
    with transaction(factory) as session:
        return contests.close_finished(session, now=utc_now())


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "valbar.loyalty_photo_sweep": {"task": "valbar.loyalty_photo_sweep", "schedule": HOURLY},
    "valbar.loyalty_expire": {"task": "valbar.loyalty_expire", "schedule": 3600.0},
    "valbar.loyalty_monthly_awards": {
        "task": "valbar.loyalty_monthly_awards",
        "schedule": HOURLY,
    },
    "valbar.loyalty_contests_close": {
        "task": "valbar.loyalty_contests_close",
        "schedule": HOURLY,
    },
}
