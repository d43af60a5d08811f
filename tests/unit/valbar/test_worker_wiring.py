"""A Celery worker process subscribes loyalty (the marketplace's sibling) to the bus of the
factory the marketplace's tasks publish through: the Celery app includes the module."""

from __future__ import annotations

from pathlib import Path

from catalog.events import OrderShipped, bus_for
from catalog.settings import get_settings
from indexer.jobs import celery_app, factory_for
from valbar import worker_wiring


def test_the_worker_start_up_wires_loyalty_once(settings_env: Path) -> None:
    assert "valbar.worker_wiring" in celery_app.conf.include
    bus = bus_for(factory_for(get_settings()))
    before = (len(bus.handlers_for(OrderShipped)), len(bus.commit_handlers()))
    worker_wiring.wire_loyalty()
    assert "loyalty" in bus.names
    # delivered orders are credited per commit (loyalty.subscribers), shipped ones per event
    wired = (len(bus.handlers_for(OrderShipped)), len(bus.commit_handlers()))
    assert wired == (before[0] + 1, before[1] + 1)
    worker_wiring.wire_loyalty()  # worker_process_init and worker_ready both fire: once
    assert (len(bus.handlers_for(OrderShipped)), len(bus.commit_handlers())) == wired


def test_the_monthly_awards_run_hourly_on_the_beat_schedule(settings_env: Path) -> None:
    """The beat task is registered and scheduled; run (as a worker would) on an empty
    database it awards nothing, and the marketplace's alerts are wired for its events."""
    from catalog.events import LoyaltyAwarded

    entry = celery_app.conf.beat_schedule["valbar.loyalty_monthly_awards"]
    assert entry["task"] == "valbar.loyalty_monthly_awards" and entry["schedule"] == 3600.0
    assert "valbar.loyalty_monthly_awards" in celery_app.tasks
    assert worker_wiring.loyalty_monthly_awards() == 0
    bus = bus_for(factory_for(get_settings()))
    assert bus.handlers_for(LoyaltyAwarded)


def test_sales_contests_close_hourly_on_the_beat_schedule(settings_env: Path) -> None:
    """Beside the monthly awards: registered, scheduled hourly, closing nothing when no
    contest has ended."""
    entry = celery_app.conf.beat_schedule["valbar.loyalty_contests_close"]
    assert entry["task"] == "valbar.loyalty_contests_close" and entry["schedule"] == 3600.0
    assert "valbar.loyalty_contests_close" in celery_app.tasks
    assert worker_wiring.loyalty_contests_close() == 0


def test_feed_urls_are_fetched_on_the_beat_schedule(settings_env: Path) -> None:
    """Issue 19: with a broker the beat runs ``valbar.fetch_feeds`` every
    ``feed_fetch_interval_seconds``; on a database without feed URLs it fetches nothing."""
    from marketplace import tasks

    entry = celery_app.conf.beat_schedule["valbar.fetch_feeds"]
    assert entry["task"] == "valbar.fetch_feeds"
    assert entry["schedule"] == get_settings().feed_fetch_interval_seconds
    assert "valbar.fetch_feeds" in celery_app.tasks
    assert tasks.fetch_feeds() == {"ran": {}, "not_modified": [], "failed": []}
