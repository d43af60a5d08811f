"""Verified purchases that arrive after the review: a clinic may tie its review to an order
not yet delivered (it is then not a verified purchase); when the order is delivered, the
reviews its clinic tied to it become verified (:func:`verify_reviews_of`, subscribed to
``OrderDelivered`` by ``marketplace.tasks.wire``). Before, such a review stayed unverified
for good, and the one-review-per-order rule kept the clinic from writing a verified one.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import rows_matched, transaction
from catalog.events import EventBus, OrderDelivered
from marketplace.enums import OrderStatus
from marketplace.models import Order, Review


def verify_reviews_of(session: Session, order_id: int) -> int:
    """Mark the reviews the ordering clinic tied to this delivered order as verified
    purchases; returns how many changed (0 for an order not delivered)."""
    order = session.get(Order, order_id)
    if order is None or order.status != OrderStatus.DELIVERED or order.clinic_user_id is None:
        return 0
    return rows_matched(
        session.execute(
            update(Review)
            .where(
                Review.order_id == order.id,
                Review.author_id == order.clinic_user_id,
                Review.verified_purchase.is_(False),
            )
            .values(verified_purchase=True)
            .execution_options(synchronize_session=False)
        )
    )


def subscribe(bus: EventBus, factory: sessionmaker[Session]) -> None:
    """Verify the reviews of each delivered order, in their own transaction (once per bus).
    Per-event handlers run before the per-commit ones, so the retailer's signals, recomputed
    after the same commit, count them."""

    def handle(event: OrderDelivered) -> None:
        with transaction(factory) as session:
            verify_reviews_of(session, event.order_id)

    bus.subscribe_once("marketplace.verification", lambda b: b.subscribe(OrderDelivered, handle))
