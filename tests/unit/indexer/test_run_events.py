"""Feed runs publish how they ended, once, after the commit (`indexer.run_events`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.events import (
    DomainEvent,
    EventBus,
    FeedRunCancelled,
    FeedRunFailed,
    FeedRunFinished,
    FeedRunRefused,
    OfferHistoryRecorded,
    OfferPricesChanged,
    attach,
)
from catalog.settings import Settings
from indexer import run_lease
from indexer.pipeline import FeedOptions, run_feed, submit_feed
from tests.factories import add_retailer, migrated_factory, swedish_feed

Env = tuple[Settings, sessionmaker[Session], int, list[DomainEvent]]


@pytest.fixture()
def env(tmp_path: Path) -> Env:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    retailer = add_retailer(factory)
    bus = EventBus()
    seen: list[DomainEvent] = []
    bus.subscribe(DomainEvent, seen.append)
    attach(factory, bus)
    return settings, factory, retailer, seen


def _run(env: Env, path: Path, **opts: object) -> int:
    settings, factory, _retailer, _seen = env
    run_id = submit_feed(factory, settings, path, "tandab", FeedOptions(**opts))  # type: ignore[arg-type]
    run_feed(factory, settings, run_id)
    return run_id


def test_a_run_that_succeeds_and_one_that_reprices(env: Env, tmp_path: Path) -> None:
    _settings, _factory, retailer, seen = env
    first = _run(env, swedish_feed(tmp_path / "a.csv", 4))
    assert seen == [  # four first sightings recorded in the price history
        FeedRunFinished(first, retailer, "succeeded", None),
        OfferHistoryRecorded(retailer_id=retailer, run_id=first, count=4),
    ]
    seen.clear()
    second = _run(env, swedish_feed(tmp_path / "b.csv", 4, price="249,00 kr"))
    assert seen == [
        FeedRunFinished(second, retailer, "succeeded", None),
        OfferPricesChanged(retailer_id=retailer, run_id=second, count=4),
        OfferHistoryRecorded(retailer_id=retailer, run_id=second, count=4),
    ]
    seen.clear()
    _run(env, swedish_feed(tmp_path / "c.csv", 4, price="249,00 kr"))  # unchanged: no history
    assert [type(e) for e in seen] == [FeedRunFinished]


def test_a_refused_run_publishes_why(env: Env, tmp_path: Path) -> None:
    _settings, _factory, retailer, seen = env
    _run(env, swedish_feed(tmp_path / "a.csv", 10))
    seen.clear()
    refused = _run(env, swedish_feed(tmp_path / "b.csv", 2))  # withdraws 8 of 10
    (event,) = seen
    assert isinstance(event, FeedRunRefused) and event.run_id == refused
    assert event.retailer_id == retailer and "withdraw 8 of 10" in (event.message or "")
    # the reason as data, for a subscriber that words it itself
    assert event.message_code == "refusal.mass_withdrawal"
    assert event.message_values == {"withdraw": 8, "active": 10, "ratio": 0.5}


def test_cancelled_and_lease_expired_runs(env: Env, tmp_path: Path) -> None:
    settings, factory, retailer, seen = env
    feed = swedish_feed(tmp_path / "a.csv", 2)
    queued = submit_feed(factory, settings, feed, "tandab", FeedOptions())
    run_lease.request_cancel(factory, queued)
    with pytest.raises(run_lease.RunFinished):  # the second cancel ends nothing
        run_lease.request_cancel(factory, queued)
    assert [type(e) for e in seen] == [FeedRunCancelled]
    seen.clear()
    stuck = submit_feed(factory, settings, feed, "tandab", FeedOptions())
    past = run_lease.utcnow() - timedelta(minutes=5)
    run_lease.claim(factory, stuck, run_lease.new_token(), 30, now=past)
    run_lease.sweep(factory, max_attempts=1, requeue_after_seconds=60)
    (event,) = seen
    assert isinstance(event, FeedRunFailed) and (event.run_id, event.retailer_id) == (
        stuck,
        retailer,
    )
