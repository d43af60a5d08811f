"""What loyalty does when the marketplace's events commit (``catalog.events``).

* ``OrderConfirmed`` / ``OrderShipped``: remember who of the retailer handled the order.
* ``OrderDelivered``: pay the order lines' points (:func:`loyalty.earning.credit_delivered`).
* ``OrderCancelled``: claw back whatever the order earned.
* ``RmaResolved`` with a refund: claw back the points of that line.
* ``MemberRemoved``: the seller's participations end; their points go to the member's
  account (:func:`loyalty.departures.end_participations`).
* ``OrganisationApproved`` / ``FeedRunFinished``: a recruited retailer approved, its first
  feed live: the referrer's points, once both happened (:mod:`loyalty.referrals`).

Each runs after the publisher's commit in its own transaction and is idempotent (a replayed
event pays or claws back nothing more). The marketplace knows nothing of this:
:func:`wire` is called at start-up beside ``marketplace.tasks.wire`` (the API app, its
housekeeping, the CLI and a Celery worker's start-up).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.events import (
    EventBus,
    FeedRunFinished,
    MemberRemoved,
    OrderCancelled,
    OrderConfirmed,
    OrderDelivered,
    OrderShipped,
    OrganisationApproved,
    RmaResolved,
    bus_for,
)
from loyalty import departures, earning, referrals
from loyalty.order_rows import rma_line

REFUND = "refund"
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def register(bus: EventBus, factory: sessionmaker[Session], clock: Clock = _utc_now) -> None:
    """Subscribe loyalty's handlers on ``bus`` (use :func:`wire` for once-per-bus)."""

    def handled(event: OrderConfirmed | OrderShipped) -> None:
        with transaction(factory) as session:
            earning.record_handler(session, event.order_id, event.by_user_id, now=clock())

    def delivered(event: OrderDelivered) -> None:
        with transaction(factory) as session:
            earning.credit_delivered(session, event.order_id, now=clock())

    def cancelled(event: OrderCancelled) -> None:
        with transaction(factory) as session:
            earning.reverse_lines(session, event.order_id, None, "order cancelled", now=clock())

    def resolved(event: RmaResolved) -> None:
        if event.outcome != REFUND:
            return
        with transaction(factory) as session:
            line_id = rma_line(session, event.rma_id)
            if line_id is not None:
                why = f"RMA {event.rma_id} refunded"
                earning.reverse_lines(session, event.order_id, [line_id], why, now=clock())

    def removed(event: MemberRemoved) -> None:
        with transaction(factory) as session:
            departures.end_participations(
                session, event.organisation_id, event.user_id, now=clock()
            )

    def approved(event: OrganisationApproved) -> None:
        with transaction(factory) as session:
            referrals.on_approved(session, event.organisation_id, now=clock())

    def feed_live(event: FeedRunFinished) -> None:
        with transaction(factory) as session:
            referrals.on_feed_finished(session, event.retailer_id, now=clock())

    bus.subscribe(OrderConfirmed, handled)
    bus.subscribe(OrderShipped, handled)
    bus.subscribe(OrderDelivered, delivered)
    bus.subscribe(OrderCancelled, cancelled)
    bus.subscribe(RmaResolved, resolved)
    bus.subscribe(MemberRemoved, removed)
    bus.subscribe(OrganisationApproved, approved)
    bus.subscribe(FeedRunFinished, feed_live)


def wire(factory: sessionmaker[Session], clock: Clock = _utc_now) -> EventBus:
    """Subscribe loyalty to ``factory``'s bus, once per bus."""
    bus = bus_for(factory)
    bus.subscribe_once("loyalty", lambda b: register(b, factory, clock))
    return bus
