"""What loyalty does when the marketplace's events commit (``catalog.events``).

* ``OrderConfirmed`` / ``OrderShipped``: remember who of the retailer handled the order.
* ``OrderDelivered``: pay the order lines' points. The orders one commit delivered
  (the clinic's confirmation: one; the nightly auto-delivery: hundreds) are credited
  together, :data:`loyalty.earning.BATCH_ORDERS` a transaction
  (:func:`loyalty.earning.credit_delivered_many`); a batch that fails is retried order by
  order, so one bad order never costs the others their points.
* ``OrderCancelled``: claw back whatever the order earned.
* ``RmaResolved`` with a refund: claw back the points of that line.

The three order events are handled once per commit in the order they were published (a
cancellation after a delivery in one commit sees its credit).
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

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.events import (
    DomainEvent,
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
log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def register(bus: EventBus, factory: sessionmaker[Session], clock: Clock = _utc_now) -> None:
    """Subscribe loyalty's handlers on ``bus`` (use :func:`wire` for once-per-bus)."""

    def handled(event: OrderConfirmed | OrderShipped) -> None:
        with transaction(factory) as session:
            earning.record_handler(session, event.order_id, event.by_user_id, now=clock())

    def orders_of_commit(events: list[DomainEvent]) -> None:
        """Deliveries, cancellations and refunds of one commit, in order (deliveries in a row
        credited together)."""
        delivered: list[int] = []
        for event in events:
            if isinstance(event, OrderDelivered):
                delivered.append(event.order_id)
                continue
            if isinstance(event, OrderCancelled | RmaResolved):
                credit_orders(factory, delivered, clock())
                delivered = []
            if isinstance(event, OrderCancelled):
                with transaction(factory) as session:
                    earning.reverse_lines(
                        session, event.order_id, None, "order cancelled", now=clock()
                    )
            elif isinstance(event, RmaResolved) and event.outcome == REFUND:
                with transaction(factory) as session:
                    line_id = rma_line(session, event.rma_id)
                    if line_id is not None:
                        why = f"RMA {event.rma_id} refunded"
                        earning.reverse_lines(session, event.order_id, [line_id], why, now=clock())
        credit_orders(factory, delivered, clock())

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
    bus.subscribe_commit(orders_of_commit)
    bus.subscribe(MemberRemoved, removed)
    bus.subscribe(OrganisationApproved, approved)
    bus.subscribe(FeedRunFinished, feed_live)


def credit_orders(factory: sessionmaker[Session], order_ids: list[int], now: datetime) -> int:
    """Credit delivered orders, :data:`~loyalty.earning.BATCH_ORDERS` a transaction: the
    lines credited. A batch that raises is rolled back and its orders credited one
    transaction each (each idempotent; one that fails again is logged and skipped, the
    bus's failure count noting it)."""
    credited = 0
    failed = False
    for start in range(0, len(order_ids), earning.BATCH_ORDERS):
        batch = order_ids[start : start + earning.BATCH_ORDERS]
        try:
            with transaction(factory) as session:
                credited += earning.credit_delivered_many(session, batch, now=now).credited
            continue
        except Exception:
            if len(batch) == 1:
                raise
            log.exception("loyalty: crediting %s delivered orders at once failed", len(batch))
        for order_id in batch:
            try:
                with transaction(factory) as session:
                    credited += earning.credit_delivered(session, order_id, now=now).credited
            except Exception:
                failed = True
                log.exception("loyalty: crediting delivered order %s failed", order_id)
    if failed:
        raise RuntimeError("loyalty: some delivered orders were not credited (logged above)")
    return credited


def wire(factory: sessionmaker[Session], clock: Clock = _utc_now) -> EventBus:
    """Subscribe loyalty to ``factory``'s bus, once per bus."""
    bus = bus_for(factory)
    bus.subscribe_once("loyalty", lambda b: register(b, factory, clock))
    return bus
