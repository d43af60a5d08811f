"""Per-user notifications, shown in the notification centre (``/notiser``) with an unread
count in the navigation, and the newest on the user's "Mina uppgifter" page.

A notification is a ``kind`` (the UI words it in Swedish and English) with ``values`` that
fill it in, once per ``ref``: a subscriber delivered twice adds it once (a unique
constraint). The first kind: the author of a review an admin removed is told which review
and why (:func:`on_review_removed`, subscribed to ``ReviewRemoved`` by
``marketplace.tasks.wire``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.events import EventBus, LoyaltyPointsExpiring, ReviewRemoved
from catalog.models import Product, Retailer, User
from marketplace.access import logged_in
from marketplace.dates import as_utc, utc_now
from marketplace.enums import ReviewTarget
from marketplace.errors import NotFound
from marketplace.models import Notification, Review

log = logging.getLogger(__name__)
REVIEW_REMOVED = "review_removed"
LOYALTY_POINTS_EXPIRING = "loyalty_points_expiring"
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


def target_name(session: Session, review: Review) -> str:
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
        "target": target_name(session, review),
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


def on_points_expiring(
    factory: sessionmaker[Session], now: Callable[[], datetime] = utc_now
) -> Callable[[LoyaltyPointsExpiring], None]:
    """The subscriber: loyalty's expiry reminder as a notification (once per ``ref``)."""

    def handle(event: LoyaltyPointsExpiring) -> None:
        values = {
            "programme": event.programme_name,
            "points": event.points,
            "expires_by": event.expires_by,
        }
        with transaction(factory) as session:
            if session.get(User, event.user_id) is not None:  # not erased meanwhile
                notify(
                    session, event.user_id, LOYALTY_POINTS_EXPIRING, event.ref, values, now=now()
                )

    return handle


def _register(bus: EventBus, factory: sessionmaker[Session]) -> None:
    bus.subscribe(ReviewRemoved, on_review_removed(factory))
    bus.subscribe(LoyaltyPointsExpiring, on_points_expiring(factory))


def subscribe(bus: EventBus, factory: sessionmaker[Session]) -> None:
    """Notify authors of removed reviews and members whose points expire soon (once per
    bus)."""
    bus.subscribe_once("marketplace.notifications", lambda b: _register(b, factory))


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


def page_for(
    session: Session, user: User | None, *, limit: int, offset: int, unread_only: bool = False
) -> tuple[list[Notification], int]:
    """A page of the user's notifications, newest first, and how many there are."""
    me = logged_in(user)
    where = [Notification.user_id == me.id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
    rows = session.scalars(
        select(Notification)
        .where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


def unread_count(session: Session, user_id: int) -> int:
    """How many of the user's notifications are unread (the navigation's badge)."""
    found = session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(found or 0)


def unread_badge(factory: sessionmaker[Session], user_id: int) -> int:
    """:func:`unread_count` in a session of its own, 0 when the database fails (the
    navigation of an error page about the database still renders)."""
    try:
        with factory() as session:
            return unread_count(session, user_id)
    except SQLAlchemyError:
        log.warning("unread notifications not counted", exc_info=True)
        return 0


def mark_one_read(
    session: Session, user: User | None, notification_id: int, *, now: datetime
) -> Notification:
    """Mark one of the user's notifications read (another user's is not found)."""
    me = logged_in(user)
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != me.id:
        raise NotFound(f"no notification {notification_id}")
    if note.read_at is None:
        note.read_at = as_utc(now)
    session.flush()
    return note
