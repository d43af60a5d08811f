"""Domain events (`catalog.events`): delivered once after commit, never after a rollback."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.events import (
    DomainEvent,
    EventBus,
    FeedRunEnded,
    FeedRunFailed,
    OrderDelivered,
    OrderEvent,
    attach,
    bus_for,
    deliver_committed,
    event_from_json,
    event_to_json,
    pending,
    publish,
)
from catalog.models import Retailer
from tests.factories import migrated_factory


@pytest.fixture()
def wired(tmp_path: Path) -> tuple[sessionmaker[Session], EventBus, list[DomainEvent]]:
    factory = migrated_factory(f"sqlite:///{tmp_path / 'events.db'}")
    bus = EventBus()
    seen: list[DomainEvent] = []
    bus.subscribe(DomainEvent, seen.append)
    attach(factory, bus)
    return factory, bus, seen


def _delivered(order_id: int) -> OrderDelivered:
    return OrderDelivered(order_id=order_id, retailer_id=1, clinic_id=2)


def test_an_event_is_delivered_once_after_its_commit(wired) -> None:  # type: ignore[no-untyped-def]
    factory, _bus, seen = wired
    with transaction(factory) as session:
        session.add(Retailer(slug="a", name="A"))
        publish(session, _delivered(1))
        assert seen == []  # not before the commit
    assert seen == [_delivered(1)]
    with transaction(factory) as session:  # a later transaction does not repeat it
        session.add(Retailer(slug="b", name="B"))
    assert seen == [_delivered(1)]


def test_a_rolled_back_transaction_delivers_nothing(wired) -> None:  # type: ignore[no-untyped-def]
    factory, _bus, seen = wired
    with pytest.raises(RuntimeError), transaction(factory) as session:
        publish(session, _delivered(1))
        raise RuntimeError("boom")
    with transaction(factory) as session:
        publish(session, _delivered(2))
    assert seen == [_delivered(2)]


def test_a_rolled_back_savepoint_drops_only_its_own_events(wired) -> None:  # type: ignore[no-untyped-def]
    factory, _bus, seen = wired
    with transaction(factory) as session:
        publish(session, _delivered(1))
        savepoint = session.begin_nested()
        publish(session, _delivered(2))
        savepoint.rollback()
        with session.begin_nested():
            publish(session, _delivered(3))  # released, not rolled back: kept
        assert pending(session) == [_delivered(1), _delivered(3)]
    assert seen == [_delivered(1), _delivered(3)]


def test_a_session_reused_after_commit_starts_empty(wired) -> None:  # type: ignore[no-untyped-def]
    factory, _bus, seen = wired
    with factory() as session:
        publish(session, _delivered(1))
        session.commit()
        publish(session, _delivered(2))
        session.rollback()
        session.scalars(select(Retailer)).all()
        session.commit()
    assert seen == [_delivered(1)]


def test_subscribers_get_their_class_and_subclasses_and_one_failure_spares_the_rest(
    wired,  # type: ignore[no-untyped-def]
) -> None:
    factory, bus, seen = wired
    orders: list[OrderEvent] = []
    runs: list[FeedRunEnded] = []

    def broken(_e: OrderEvent) -> None:
        raise ValueError("subscriber bug")

    bus.subscribe(OrderEvent, broken)
    bus.subscribe(OrderEvent, orders.append)
    bus.subscribe(FeedRunEnded, runs.append)
    failed = FeedRunFailed(run_id=5, retailer_id=1, status="failed", message="x")
    with transaction(factory) as session:
        publish(session, _delivered(1))
        publish(session, failed)
    assert orders == [_delivered(1)] and runs == [failed]
    assert seen == [_delivered(1), failed] and bus.failures == 1


def test_a_factory_without_a_bus_drops_its_events(tmp_path: Path) -> None:
    factory = migrated_factory(f"sqlite:///{tmp_path / 'plain.db'}")
    with transaction(factory) as session:
        publish(session, _delivered(1))
    with factory() as session:
        assert pending(session) == []


def _leaf_event_classes(base: type[DomainEvent]) -> list[type[DomainEvent]]:
    """The event classes ``catalog.events`` defines that have no subclasses there."""
    import catalog.events

    defined = [c for c in vars(catalog.events).values() if isinstance(c, type)]
    classes = [c for c in defined if issubclass(c, base) and c is not DomainEvent]
    return [c for c in classes if not any(o is not c and issubclass(o, c) for o in classes)]


def test_every_event_survives_json_and_reaches_the_bus_of_another_factory(
    tmp_path: Path,
) -> None:
    """A feed run's child hands its committed events to its supervisor as JSON
    (``event_to_json``); the supervisor's process delivers them to its own bus."""
    samples = {
        "int": 7,
        "int | None": None,
        "str": "failed",
        "str | None": "why",
        "bool": True,
        "dict[str, Any] | None": {"file": "lager.csv", "row": 3},
    }
    events = [
        cls(**{f.name: samples[str(f.type)] for f in dataclasses.fields(cls)})
        for cls in _leaf_event_classes(DomainEvent)
    ]
    assert len(events) >= 17  # orders 5, RMAs 3, reviews 4, feed runs 4, repriced offers
    wire = json.loads(json.dumps([event_to_json(e) for e in events]))
    assert [event_from_json(data) for data in wire] == events

    factory = migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    deliver_committed(factory, events)  # no bus attached: nobody to tell, nothing fails
    seen: list[DomainEvent] = []
    bus_for(factory).subscribe(DomainEvent, seen.append)
    deliver_committed(factory, events)
    assert seen == events
