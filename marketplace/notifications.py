"""Per-user notifications, shown on the user's "Mina uppgifter" page.

A notification is a ``kind`` (the UI words it in Swedish and English) with ``values`` that
fill it in, once per ``ref``: a subscriber delivered twice adds it once (a unique
constraint). The first kind: the author of a review an admin removed is told which review
and why (:func:`on_review_removed`, subscribed to ``ReviewRemoved`` by
``marketplace.tasks.wire``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.events import EventBus, ReviewRemoved
from catalog.models import Product, Retailer, User
from marketplace.access import logged_in
from marketplace.dates import as_utc, utc_now
from marketplace.enums import ReviewTarget
from marketplace.models import Notification, Review

REVIEW_REMOVED = "review_removed"
SHOWN = 20
"""How many notifications the "me" page shows (newest first)."""


def notify(
    session: Session, user_id: int, kind: str, ref: str, values: dict[str, Any], *, now: datetime
) -> bool:
    """Add the notification unless the user already has this ``kind`` for ``ref``; commits
    on its own (a subscriber's session). True when added."""
    found = session.scalar(
        select(Notification.id).where(
            Notification.user_id == user_id, Notification.kind == kind, Notification.ref == ref
        )
    )
    if found is not None:
        return False
    session.add(
        Notification(user_id=user_id, kind=kind, ref=ref, values=values, created_at=as_utc(now))
    )
    try:
        session.commit()
    except IntegrityError:  # the same event delivered twice at once: one row
        session.rollback()
        return False
    return True


def _target_name(session: Session, review: Review) -> str:
    if review.target_type == ReviewTarget.PRODUCT:
        product = session.get(Product, review.target_id)
        return product.name if product is not None else f"#{review.target_id}"
    retailer = session.get(Retailer, review.target_id)
    return retailer.name if retailer is not None else f"#{review.target_id}"


def review_removed(session: Session, review_id: int, *, now: datetime) -> bool:
    """Tell the author of a removed review which review it was and the admin's reason."""
    review = session.get(Review, review_id)
    if review is None or review.author_id is None:  # gone, or its author erased (GDPR)
        return False
    values = {
        "review_id": review.id,
        "target_type": review.target_type,
        "target": _target_name(session, review),
        "rating": review.rating,
        "reason": review.moderation_reason or "",
    }
    return notify(session, review.author_id, REVIEW_REMOVED, f"review:{review.id}", values, now=now)


def on_review_removed(
    factory: sessionmaker[Session], now: Callable[[], datetime] = utc_now
) -> Callable[[ReviewRemoved], None]:
    """The subscriber: a notification for the author, in its own session."""

    def handle(event: ReviewRemoved) -> None:
        with transaction(factory) as session:
            review_removed(session, event.review_id, now=now())

    return handle


def subscribe(bus: EventBus, factory: sessionmaker[Session]) -> None:
    """Notify authors of removed reviews (once per bus)."""
    bus.subscribe_once(
        "marketplace.notifications",
        lambda b: b.subscribe(ReviewRemoved, on_review_removed(factory)),
    )


def notifications_for(
    session: Session, user: User | None, *, limit: int = SHOWN
) -> list[Notification]:
    """The user's newest notifications."""
    me = logged_in(user)
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == me.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, user: User | None, *, now: datetime) -> int:
    """Mark the user's unread notifications read (they were shown); returns how many."""
    me = logged_in(user)
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == me.id, Notification.read_at.is_(None))
        .values(read_at=as_utc(now))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
