"""The marketplace publishes what happened (`catalog.events`); signals follow from events."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from catalog.events import (
    DomainEvent,
    EventBus,
    OrderConfirmed,
    OrderDelivered,
    OrderPlaced,
    OrderShipped,
    ReviewHeld,
    ReviewPublished,
    ReviewRemoved,
    ReviewSubmitted,
    RmaDecided,
    RmaOpened,
    RmaResolved,
    attach,
)
from catalog.models import RetailerSignals
from catalog.settings import Settings
from marketplace import cart, moderation, orders, reviews, rma
from marketplace.models import Order
from marketplace.reviews import ReviewDraft
from marketplace.subscribers import retailers_with_new_signals
from marketplace.tasks import wire
from tests.unit.marketplace.mp_support import NOW, Market

TODAY = date(2026, 3, 2)


def _listen(market: Market) -> list[DomainEvent]:
    bus = EventBus()
    seen: list[DomainEvent] = []
    bus.subscribe(DomainEvent, seen.append)
    attach(market.factory, bus)
    return seen


def test_an_order_s_life_publishes_each_step_once_after_its_commit(market: Market) -> None:
    seen = _listen(market)
    tand = market.retailers["tand"]
    with market.factory() as s:
        clinic, staff = market.user(s, "clinic"), market.user(s, "tand_staff")
        cart.add_item(s, clinic, market.offers["glove_tand"], 1, now=NOW)
        (order,) = orders.checkout(s, clinic, now=NOW)
        assert seen == []  # nothing before the commit
        s.commit()
        placed = OrderPlaced(order_id=order.id, retailer_id=tand, clinic_id=clinic.id)
        assert seen == [placed]
        orders.confirm(s, staff, order.id, TODAY, now=NOW)
        orders.ship(s, staff, order.id, now=NOW)
        s.commit()
        orders.deliver(s, clinic, order.id, now=NOW)
        s.commit()
        ids = {"order_id": order.id, "retailer_id": tand, "clinic_id": clinic.id}
        handled = {**ids, "by_user_id": staff.id}
    assert seen == [
        placed,
        OrderConfirmed(**handled),
        OrderShipped(**handled),
        OrderDelivered(**ids),
    ]


def test_a_rolled_back_change_publishes_nothing(market: Market) -> None:
    seen = _listen(market)
    with market.factory() as s:
        clinic = market.user(s, "clinic")
        cart.add_item(s, clinic, market.offers["glove_tand"], 1, now=NOW)
        orders.checkout(s, clinic, now=NOW)
        s.rollback()
        s.commit()
    assert seen == []


def _delivered_order(s: Session, market: Market) -> Order:
    """A clinic's order of one glove from Tand AB, confirmed, shipped and delivered."""
    clinic, staff = market.user(s, "clinic"), market.user(s, "tand_staff")
    cart.add_item(s, clinic, market.offers["glove_tand"], 1, now=NOW)
    (order,) = orders.checkout(s, clinic, now=NOW)
    orders.confirm(s, staff, order.id, TODAY, now=NOW)
    orders.ship(s, staff, order.id, now=NOW)
    orders.deliver(s, clinic, order.id, now=NOW)
    return order


def test_rmas_and_reviews_publish_their_steps(market: Market) -> None:
    with market.factory() as s:  # a delivered order first, unobserved
        order = _delivered_order(s, market)
        s.commit()
        order_id, line_id = order.id, order.lines[0].id
    seen = _listen(market)
    tand = market.retailers["tand"]
    with market.factory() as s:
        clinic, staff = market.user(s, "clinic"), market.user(s, "tand_staff")
        case = rma.request_rma(s, clinic, line_id, "trasig", now=NOW)
        rma.decide(s, staff, case.id, accept=True, now=NOW)
        rma.resolve(s, staff, case.id, "refund", now=NOW)
        draft = ReviewDraft("retailer", tand, 1, "sen leverans", order_id)
        low = reviews.submit_review(s, clinic, draft, now=NOW, response_days=7)
        reviews.respond(s, staff, low.id, "Förlåt!", now=NOW)
        s.commit()
        ids = {"rma_id": case.id, "order_id": order_id, "retailer_id": tand}
        report = moderation.report_review(s, staff, low.id, "osant", now=NOW)
        admin = market.user(s, "admin")
        moderation.resolve_report(s, admin, report.id, remove=True, reason="osant", now=NOW)
        s.commit()
    rid = {"review_id": low.id, "retailer_id": tand}
    assert seen == [
        RmaOpened(**ids),
        RmaDecided(**ids, accepted=True),
        RmaResolved(**ids, outcome="refund"),
        ReviewSubmitted(**rid),
        ReviewHeld(**rid),
        ReviewPublished(**rid),
        ReviewRemoved(**rid),
    ]


def test_which_events_change_a_retailer_s_signals() -> None:
    placed = OrderPlaced(order_id=1, retailer_id=3, clinic_id=None)
    held = ReviewHeld(review_id=1, retailer_id=4)
    assert retailers_with_new_signals([placed, held]) == set()
    delivered = OrderDelivered(order_id=1, retailer_id=3, clinic_id=None)
    published = ReviewPublished(review_id=2, retailer_id=5)
    unconcerned = ReviewPublished(review_id=3, retailer_id=None)
    assert retailers_with_new_signals([delivered, published, unconcerned]) == {3, 5}


@pytest.mark.parametrize("commit", [True, False])
def test_signals_are_recomputed_by_the_subscriber_after_a_delivery_commits(
    market: Market, commit: bool
) -> None:
    wire(Settings(environment="test", broker_url=""), market.factory)
    tand = market.retailers["tand"]
    with market.factory() as s:
        _delivered_order(s, market)
        s.commit() if commit else s.rollback()
    with market.factory() as s:
        row = s.get(RetailerSignals, tand)
        if commit:
            assert row is not None and row.source == "measured" and row.delivery_count == 1
        else:
            assert row is None or row.delivery_count == 0
