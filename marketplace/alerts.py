"""Who is told what: the domain events a person acts on become in-app notifications and,
where the person's preferences allow, e-mail in their language.

* a review held for the retailer's answer (with the deadline), a new order, a cancelled
  order, an RMA opened, a feed run failed or refused, a feed URL that could not be fetched
  (once per streak of failures): the retailer's members;
* an order confirmed or shipped: the clinic user who ordered;
* a sign-up approved or refused: the organisation's members;
* "månadens säljare" (loyalty): the seller; "månadens butik": the store's members (in-app
  only; loyalty publishes ``LoyaltyAwarded`` and knows nothing of notifications).

Each person gets a notification once per thing (``notify``'s ref) and an e-mail once per
thing (the outbox's ``dedupe_key``), in one transaction per person: an event delivered
twice adds nothing, one person's failure is not another's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from catalog.events import (
    EventBus,
    FeedFetchFailed,
    FeedRunFailed,
    FeedRunRefused,
    LoyaltyAwarded,
    OrderCancelled,
    OrderConfirmed,
    OrderEvent,
    OrderPlaced,
    OrderShipped,
    OrganisationApproved,
    OrganisationRefused,
    ReviewHeld,
    RmaOpened,
)
from catalog.models import FeedRun, Organisation, Retailer, User
from marketplace import preferences as prefs
from marketplace.dates import as_utc, local_date, utc_now
from marketplace.mail import queue_email
from marketplace.models import Notification, Order, Review, Rma
from marketplace.notifications import target_name

log = logging.getLogger(__name__)
Values = dict[str, str | int | float | None]


def tell(
    session: Session, user: User, kind: str, ref: str, values: Values, *, now: datetime
) -> bool:
    """The notification, and the e-mail when the user wants this kind by e-mail; commits.
    False when the user already has it."""
    found = session.scalar(
        select(Notification.id).where(
            Notification.user_id == user.id, Notification.kind == kind, Notification.ref == ref
        )
    )
    if found is not None:
        return False
    session.add(
        Notification(user_id=user.id, kind=kind, ref=ref, values=dict(values), created_at=now)
    )
    chosen = prefs.preferences_of(session, user.id)
    if chosen.wants_email(kind):
        queue_email(
            session,
            to=user.email,
            template=f"notify_{kind}",
            lang=chosen.lang,
            context={**values, "name": user.name},
            user_id=user.id,
            dedupe_key=f"{kind}:{ref}:user:{user.id}",
        )
    try:
        session.commit()
    except IntegrityError:  # the same event delivered twice at once: one of each
        session.rollback()
        return False
    return True


def _active(session: Session, *conditions: Any) -> list[User]:
    return list(
        session.scalars(select(User).where(User.active.is_(True), *conditions).order_by(User.id))
    )


def retailer_members(session: Session, retailer_id: int) -> list[User]:
    return _active(session, User.role == "retailer", User.retailer_id == retailer_id)


def organisation_members(session: Session, organisation_id: int) -> list[User]:
    return _active(session, User.organisation_id == organisation_id)


def _tell_all(
    session: Session, users: list[User], kind: str, ref: str, values: Values, now: datetime
) -> int:
    told = 0
    for user in users:
        try:
            told += tell(session, user, kind, ref, values, now=now)
        except Exception:  # one member's failure is not the others'
            session.rollback()
            log.exception("notifying user %s of %s %s failed", user.id, kind, ref)
    return told


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _order_values(session: Session, order: Order) -> Values:
    retailer = session.get(Retailer, order.retailer_id)
    return {
        "order_id": order.id,
        "retailer": retailer.name if retailer is not None else "",
        "clinic": order.clinic_name,
        "total": _money(order.total),
        "currency": order.currency,
        "promised": order.promised_delivery_date.isoformat()
        if order.promised_delivery_date
        else "",
    }


ORDER_KINDS: dict[type[OrderEvent], str] = {
    OrderPlaced: prefs.ORDER_PLACED,
    OrderCancelled: prefs.ORDER_CANCELLED,
    OrderConfirmed: prefs.ORDER_CONFIRMED,
    OrderShipped: prefs.ORDER_SHIPPED,
}


def order_changed(session: Session, event: OrderEvent, *, now: datetime) -> int:
    order = session.get(Order, event.order_id)
    if order is None:
        return 0
    kind = ORDER_KINDS[type(event)]
    values = _order_values(session, order)
    ref = f"order:{order.id}"
    if kind in (prefs.ORDER_PLACED, prefs.ORDER_CANCELLED):
        values["link"] = f"/portal/ordrar/{order.id}"
        values["reason"] = order.cancel_reason or ""
        return _tell_all(
            session, retailer_members(session, order.retailer_id), kind, ref, values, now
        )
    values["link"] = f"/ordrar/{order.id}"
    buyer = session.get(User, order.clinic_user_id) if order.clinic_user_id else None
    users = [buyer] if buyer is not None and buyer.active else []
    return _tell_all(session, users, kind, ref, values, now)


def review_held(session: Session, review_id: int, *, now: datetime) -> int:
    review = session.get(Review, review_id)
    if review is None or review.retailer_id is None:  # held for the admins, not a retailer
        return 0
    due = review.response_due_at
    values: Values = {
        "review_id": review.id,
        "rating": review.rating,
        "target": target_name(session, review),
        "deadline": local_date(due).isoformat() if due is not None else "",
        "link": "/portal/omdomen",
    }
    users = retailer_members(session, review.retailer_id)
    return _tell_all(session, users, prefs.REVIEW_HELD, f"review:{review.id}", values, now)


def rma_opened(session: Session, rma_id: int, *, now: datetime) -> int:
    rma = session.get(Rma, rma_id)
    if rma is None:
        return 0
    values: Values = {"rma_id": rma.id, "reason": rma.reason[:300], "link": "/portal/reklamationer"}
    users = retailer_members(session, rma.retailer_id)
    return _tell_all(session, users, prefs.RMA_OPENED, f"rma:{rma.id}", values, now)


def feed_failed(session: Session, event: FeedRunFailed | FeedRunRefused, *, now: datetime) -> int:
    run = session.get(FeedRun, event.run_id)
    values: Values = {
        "run_id": event.run_id,
        "status": event.status,
        "file": run.file_name if run is not None else "",
        "message": (event.message or "")[:500],
        "link": f"/portal/korningar/{event.run_id}",
    }
    users = retailer_members(session, event.retailer_id)
    return _tell_all(session, users, prefs.FEED_FAILED, f"run:{event.run_id}", values, now)


def feed_fetch_failed(session: Session, event: FeedFetchFailed, *, now: datetime) -> int:
    """The retailer's members, once per streak of failures of one feed URL."""
    values: Values = {
        "source_id": event.source_id,
        "url": event.url[:300],
        "error": event.error[:500],
        "failures": event.failures,
        "next_fetch_at": event.next_fetch_at[:16].replace("T", " ") + " UTC",
        "link": f"/portal/hamtning/{event.source_id}",
    }
    users = retailer_members(session, event.retailer_id)
    ref = f"feed_source:{event.source_id}:{event.failing_since}"
    return _tell_all(session, users, prefs.FEED_FETCH_FAILED, ref, values, now)


def signup_decided(session: Session, organisation_id: int, approved: bool, *, now: datetime) -> int:
    org = session.get(Organisation, organisation_id)
    if org is None:
        return 0
    kind = prefs.SIGNUP_APPROVED if approved else prefs.SIGNUP_REFUSED
    values: Values = {
        "organisation": org.name,
        "reason": (org.status_reason or "")[:500],
        "link": "/portal" if org.kind == "retailer" else "/",
    }
    users = organisation_members(session, organisation_id)
    return _tell_all(session, users, kind, f"organisation:{org.id}", values, now)


LOYALTY_AWARDS = {"seller": "loyalty_seller_award", "store": "loyalty_store_award"}


def loyalty_awarded(session: Session, event: LoyaltyAwarded, *, now: datetime) -> int:
    kind = LOYALTY_AWARDS.get(event.kind)
    if kind is None:
        return 0
    org = session.get(Organisation, event.organisation_id)
    seller = session.get(User, event.user_id) if event.user_id is not None else None
    values: Values = {
        "programme": event.programme_name,
        "period": event.period,
        "organisation": org.name if org is not None else "",
        "seller": seller.name if seller is not None else "",
        "points": event.points_earned,
        "bonus": event.bonus_points,
        "link": "/portal/poang",
    }
    if event.kind == "seller":
        users = [seller] if seller is not None and seller.active else []
    else:
        users = organisation_members(session, event.organisation_id)
    return _tell_all(session, users, kind, f"award:{event.award_id}", values, now)


def _handler(
    factory: sessionmaker[Session], act: Callable[[Session, Any, datetime], int]
) -> Callable[[Any], None]:
    def handle(event: Any) -> None:
        with factory() as session:
            act(session, event, as_utc(utc_now()))

    return handle


def subscribe(bus: EventBus, factory: sessionmaker[Session]) -> None:
    """Tell people of the events above (once per bus)."""

    def register(b: EventBus) -> None:
        for cls in ORDER_KINDS:
            b.subscribe(cls, _handler(factory, lambda s, e, now: order_changed(s, e, now=now)))
        b.subscribe(
            ReviewHeld, _handler(factory, lambda s, e, now: review_held(s, e.review_id, now=now))
        )
        b.subscribe(
            RmaOpened, _handler(factory, lambda s, e, now: rma_opened(s, e.rma_id, now=now))
        )
        for failed in (FeedRunFailed, FeedRunRefused):
            b.subscribe(failed, _handler(factory, lambda s, e, now: feed_failed(s, e, now=now)))
        b.subscribe(
            FeedFetchFailed, _handler(factory, lambda s, e, now: feed_fetch_failed(s, e, now=now))
        )
        b.subscribe(
            OrganisationApproved,
            _handler(
                factory, lambda s, e, now: signup_decided(s, e.organisation_id, True, now=now)
            ),
        )
        b.subscribe(
            OrganisationRefused,
            _handler(
                factory, lambda s, e, now: signup_decided(s, e.organisation_id, False, now=now)
            ),
        )
        b.subscribe(
            LoyaltyAwarded,
            _handler(factory, lambda s, e, now: loyalty_awarded(s, e, now=now)),
        )

    bus.subscribe_once("marketplace.alerts", register)
