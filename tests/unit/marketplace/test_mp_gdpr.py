"""GDPR: export everything about a user; deletion anonymises reviews and keeps orders."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import ApiKey, IdempotencyRecord, User
from marketplace import cart, gdpr, orders, reviews
from marketplace.errors import NotFound
from marketplace.models import Cart, Order, Review
from marketplace.reviews import FORMER_USER, ReviewDraft
from tests.unit.marketplace.mp_support import NOW, Market


def _activity(s: Session, m: Market) -> tuple[int, int]:
    clinic = m.user(s, "clinic")
    review = reviews.submit_review(
        s,
        clinic,
        ReviewDraft("retailer", m.retailers["tand"], 4, "Bra"),
        now=NOW,
        response_days=7,
    )
    cart.add_item(s, clinic, m.offers["glove_tand"], 2, now=NOW)
    (order,) = orders.checkout(s, clinic, now=NOW)
    cart.add_item(s, clinic, m.offers["glove_nord"], 1, now=NOW)
    return review.id, order.id


def test_export_holds_everything_about_the_user_and_no_secrets(
    session: Session, market: Market
) -> None:
    review_id, order_id = _activity(session, market)
    data = gdpr.export_user_data(session, market.users["clinic"])
    text = json.dumps(data)  # JSON-ready
    assert data["user"]["email"] == "c@x.se" and "password_hash" not in data["user"]
    assert [r["id"] for r in data["reviews"]] == [review_id]
    assert [o["id"] for o in data["orders"]] == [order_id]
    assert data["orders"][0]["lines"][0]["unit_price"] == "99.00"
    assert [i["offer_id"] for i in data["cart"]] == [market.offers["glove_nord"]]
    assert "key_hash" not in text
    with pytest.raises(NotFound):
        gdpr.export_user_data(session, 999)


def test_delete_anonymises_reviews_and_keeps_orders_for_the_retailer(
    session: Session, market: Market
) -> None:
    review_id, order_id = _activity(session, market)
    gdpr.delete_account(session, market.users["clinic"])
    session.commit()
    session.expire_all()
    assert session.get(User, market.users["clinic"]) is None
    review = session.get(Review, review_id)
    assert review is not None and review.author_id is None and review.status == "published"
    shown = reviews.published_reviews(session, "retailer", market.retailers["tand"], now=NOW)
    assert [(r.author_name, r.author_clinic) for r in shown] == [(FORMER_USER, None)]
    order = session.get(Order, order_id)
    assert order is not None and order.clinic_user_id is None
    assert (order.clinic_name, order.buyer_name) == ("Folktand", FORMER_USER)
    assert len(order.lines) == 1
    assert session.scalars(select(Cart)).all() == []
    staff = market.user(session, "tand_staff")
    assert [o.id for o in orders.list_orders(session, staff)] == [order_id]


def test_delete_removes_the_idempotency_records_of_the_user_and_its_keys(
    session: Session, market: Market
) -> None:
    """Their stored responses hold the user's orders and name; on SQLite a new user or key
    may get the deleted one's id, i.e. the same owner, and could replay them."""
    clinic = market.user(session, "clinic")
    key = ApiKey(user_id=clinic.id, name="erp", prefix="abc123", key_hash="x")
    session.add(key)
    session.flush()
    other = market.users["tand_staff"]
    for owner in (f"user:{clinic.id}", f"key:{key.id}", f"user:{other}"):
        session.add(
            IdempotencyRecord(
                owner=owner,
                key="order-1",
                method="POST",
                path="/api/v1/checkout",
                request_hash="h",
                status_code=201,
                response_body='{"buyer_name": "Anna"}',
                created_at=NOW,
            )
        )
    session.flush()
    gdpr.delete_account(session, clinic.id)
    session.commit()
    left = session.scalars(select(IdempotencyRecord.owner)).all()
    assert left == [f"user:{other}"]


def test_notifications_are_exported_and_go_with_the_account_and_decisions_stay(
    session: Session, market: Market
) -> None:
    from marketplace import moderation, notifications
    from marketplace.models import Notification, ReviewReport

    review_id, _order_id = _activity(session, market)
    report = moderation.report_review(
        session, market.user(session, "clinic2"), review_id, "osant", now=NOW
    )
    admin = market.user(session, "admin")
    moderation.resolve_report(session, admin, report.id, remove=True, reason="Osant", now=NOW)
    session.commit()
    assert notifications.review_removed(session, review_id, now=NOW)
    data = gdpr.export_user_data(session, market.users["clinic"])
    assert [(n["kind"], n["values"]["reason"]) for n in data["notifications"]] == [
        ("review_removed", "Osant")
    ]
    gdpr.delete_account(session, market.users["clinic"])
    gdpr.delete_account(session, market.users["admin"])
    session.commit()
    session.expire_all()
    assert session.scalars(select(Notification)).all() == []
    kept = session.get(ReviewReport, report.id)
    assert kept is not None and kept.resolver_id is None
    assert (kept.outcome, kept.resolution_reason) == ("removed", "Osant")
