"""Cart split per retailer, price-change acceptance, order and RMA state machines."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Offer
from marketplace import cart, orders, rma
from marketplace.errors import (
    EmptyCart,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
    NotFound,
    OfferUnavailable,
    PriceChanged,
)
from marketplace.models import DemandEvent, Order
from tests.unit.marketplace.mp_support import NOW, Market

PROMISED = date(2026, 3, 4)


def _fill(s: Session, m: Market, who: str = "clinic") -> None:
    user = m.user(s, who)
    cart.add_item(s, user, m.offers["glove_tand"], 2, now=NOW)
    cart.add_item(s, user, m.offers["glove_nord"], 1, now=NOW)
    cart.add_item(s, user, m.offers["comp_tand"], 1, now=NOW)


def _offer(s: Session, m: Market, key: str) -> Offer:
    found = s.get(Offer, m.offers[key])
    assert found is not None
    return found


def test_checkout_splits_the_cart_into_one_order_per_retailer(
    session: Session, market: Market
) -> None:
    _fill(session, market)
    placed = orders.checkout(session, market.user(session, "clinic"), now=NOW)
    by_retailer = {o.retailer_id: o for o in placed}
    assert set(by_retailer) == {market.retailers["tand"], market.retailers["nord"]}
    tand = by_retailer[market.retailers["tand"]]
    assert [(line.sku, line.quantity, line.unit_price) for line in tand.lines] == [
        ("T1", 2, Decimal("99.00")),
        ("T2", 1, Decimal("450.00")),
    ]
    assert tand.total == Decimal("648.00") and tand.status == "placed"
    assert tand.clinic_name == "Folktand" and tand.buyer_name == "Cilla"
    assert [line.stock_status_at_checkout for line in tand.lines] == ["in_stock", "limited"]
    assert len({o.checkout_ref for o in placed}) == 1
    assert cart.get_cart(session, market.user(session, "clinic")).items == []
    kinds = session.scalars(select(DemandEvent.kind)).all()
    assert sorted(kinds) == ["cart_add"] * 3 + ["order"] * 3


def test_a_price_or_stock_change_must_be_accepted(session: Session, market: Market) -> None:
    _fill(session, market)
    _offer(session, market, "glove_nord").price = Decimal("89.00")
    _offer(session, market, "comp_tand").stock_status = "backorder"
    clinic = market.user(session, "clinic")
    assert len(cart.pending_changes(session, clinic)) == 2
    with pytest.raises(PriceChanged) as refused:
        orders.checkout(session, clinic, now=NOW)
    changes = {c.offer_id: c for c in refused.value.changes}
    assert changes[market.offers["glove_nord"]].old_price == Decimal("79.00")
    assert changes[market.offers["glove_nord"]].new_price == Decimal("89.00")
    assert changes[market.offers["comp_tand"]].new_stock == "backorder"
    assert "79.00 -> 89.00" in str(refused.value)
    placed = orders.checkout(session, clinic, accept_changes=True, now=NOW)
    nord = next(o for o in placed if o.retailer_id == market.retailers["nord"])
    assert nord.lines[0].unit_price == Decimal("89.00")  # priced at checkout


def test_cart_refuses_withdrawn_offers_bad_quantities_and_others_items(
    session: Session, market: Market
) -> None:
    clinic = market.user(session, "clinic")
    with pytest.raises(EmptyCart):
        orders.checkout(session, clinic, now=NOW)
    with pytest.raises(InvalidInput):
        cart.add_item(session, clinic, market.offers["glove_tand"], 0, now=NOW)
    item = cart.add_item(session, clinic, market.offers["glove_tand"], 1, now=NOW)
    again = cart.add_item(session, clinic, market.offers["glove_tand"], 2, now=NOW)
    assert again.id == item.id and again.quantity == 3
    with pytest.raises(NotFound):
        cart.remove_item(session, market.user(session, "clinic2"), item.id, now=NOW)
    _offer(session, market, "glove_tand").withdrawn_at = NOW
    with pytest.raises(OfferUnavailable):
        orders.checkout(session, clinic, accept_changes=True, now=NOW)
    cart.remove_item(session, clinic, item.id, now=NOW)
    assert cart.get_cart(session, clinic).items == []
    with pytest.raises(NotAllowed):
        orders.checkout(session, market.user(session, "tand_staff"), now=NOW)


def _one_order(s: Session, m: Market) -> Order:
    cart.add_item(s, m.user(s, "clinic"), m.offers["glove_tand"], 1, now=NOW)
    (order,) = orders.checkout(s, m.user(s, "clinic"), now=NOW)
    return order


def test_placed_confirmed_shipped_delivered_on_time(session: Session, market: Market) -> None:
    order = _one_order(session, market)
    staff, clinic = market.user(session, "tand_staff"), market.user(session, "clinic")
    with pytest.raises(NotFound):  # another retailer does not even see it
        orders.confirm(session, market.user(session, "nord_staff"), order.id, PROMISED, now=NOW)
    with pytest.raises(NotAllowed):  # the clinic cannot confirm its own order
        orders.confirm(session, clinic, order.id, PROMISED, now=NOW)
    with pytest.raises(NotFound):  # another clinic does not even see it
        orders.deliver(session, market.user(session, "clinic2"), order.id, now=NOW)
    with pytest.raises(IllegalTransition):
        orders.ship(session, staff, order.id, now=NOW)
    orders.confirm(session, staff, order.id, PROMISED, now=NOW)
    assert order.status == "confirmed" and order.promised_delivery_date == PROMISED
    with pytest.raises(IllegalTransition):
        orders.confirm(session, staff, order.id, PROMISED, now=NOW)
    with pytest.raises(IllegalTransition):
        orders.deliver(session, clinic, order.id, now=NOW)
    orders.ship(session, staff, order.id, now=NOW + timedelta(hours=2))
    with pytest.raises(NotAllowed):
        orders.deliver(session, staff, order.id, now=NOW)
    # 23:30 in Stockholm on the promised date is still on time
    orders.deliver(session, clinic, order.id, now=datetime.fromisoformat("2026-03-04T22:30Z"))
    assert order.status == "delivered" and order.delivered_on_time is True
    assert order.delivered_by == "clinic"
    with pytest.raises(IllegalTransition):
        orders.cancel(session, staff, order.id, "other", now=NOW)


def test_late_delivery_is_not_on_time() -> None:
    assert orders.on_time(PROMISED, datetime.fromisoformat("2026-03-04T23:30Z")) is False
    assert orders.on_time(None, NOW) is None


def test_cancellation_rules(session: Session, market: Market) -> None:
    order = _one_order(session, market)
    clinic, staff = market.user(session, "clinic"), market.user(session, "tand_staff")
    with pytest.raises(InvalidInput):
        orders.cancel(session, clinic, order.id, "whim", now=NOW)
    orders.confirm(session, staff, order.id, PROMISED, now=NOW)
    with pytest.raises(IllegalTransition):  # confirmed: only the retailer may cancel
        orders.cancel(session, clinic, order.id, "clinic_request", now=NOW)
    orders.cancel(session, staff, order.id, "out_of_stock", note="Slut hos leverantör", now=NOW)
    assert (order.status, order.cancelled_by, order.cancel_reason) == (
        "cancelled",
        "retailer",
        "out_of_stock",
    )
    second = _one_order(session, market)
    orders.cancel(session, clinic, second.id, "clinic_request", now=NOW)
    assert second.cancelled_by == "clinic"


def test_next_status_is_a_pure_state_machine() -> None:
    assert orders.next_status("placed", "confirm") == "confirmed"
    assert orders.next_status("confirmed", "cancel") == "cancelled"
    for current, action in [("placed", "deliver"), ("delivered", "cancel"), ("shipped", "x")]:
        with pytest.raises(IllegalTransition):
            orders.next_status(current, action)


def test_auto_deliver_after_n_days_without_judging_punctuality(
    session: Session, market: Market
) -> None:
    order = _one_order(session, market)
    staff = market.user(session, "tand_staff")
    orders.confirm(session, staff, order.id, PROMISED, now=NOW)
    orders.ship(session, staff, order.id, now=NOW)
    assert orders.auto_deliver(session, NOW + timedelta(days=13)) == []
    delivered = orders.auto_deliver(session, NOW + timedelta(days=14))
    assert [o.id for o in delivered] == [order.id]
    assert order.delivered_by == "auto" and order.delivered_on_time is None


def _delivered(s: Session, m: Market) -> Order:
    order = _one_order(s, m)
    staff = m.user(s, "tand_staff")
    orders.confirm(s, staff, order.id, PROMISED, now=NOW)
    orders.ship(s, staff, order.id, now=NOW)
    return orders.deliver(s, m.user(s, "clinic"), order.id, now=NOW)


def test_rma_requested_accepted_resolved_and_rejected(session: Session, market: Market) -> None:
    clinic, staff = market.user(session, "clinic"), market.user(session, "tand_staff")
    undelivered = _one_order(session, market)
    with pytest.raises(IllegalTransition):
        rma.request_rma(session, clinic, undelivered.lines[0].id, "Trasig", now=NOW)
    order = _delivered(session, market)
    line = order.lines[0].id
    with pytest.raises(NotFound):  # another clinic is not told the order exists
        rma.request_rma(session, market.user(session, "clinic2"), line, "Trasig", now=NOW)
    with pytest.raises(NotAllowed):  # the seller sees the order but does not complain
        rma.request_rma(session, staff, line, "Trasig", now=NOW)
    case = rma.request_rma(session, clinic, line, "Trasig förpackning", now=NOW)
    assert case.status == "requested" and case.retailer_id == market.retailers["tand"]
    with pytest.raises(InvalidInput):
        rma.request_rma(session, clinic, line, "igen", now=NOW)
    with pytest.raises(IllegalTransition):
        rma.resolve(session, staff, case.id, "refund", now=NOW)
    with pytest.raises(NotFound):  # another retailer is not told it exists, as for orders
        rma.decide(session, market.user(session, "nord_staff"), case.id, accept=True, now=NOW)
    with pytest.raises(NotFound):
        rma.decide(session, market.user(session, "clinic2"), case.id, accept=True, now=NOW)
    with pytest.raises(NotAllowed):  # the clinic that opened it sees it, but does not decide
        rma.decide(session, clinic, case.id, accept=True, now=NOW)
    rma.decide(session, staff, case.id, accept=True, now=NOW + timedelta(days=1))
    with pytest.raises(InvalidInput):
        rma.resolve(session, staff, case.id, "shrug", now=NOW)
    rma.resolve(session, staff, case.id, "replacement", now=NOW + timedelta(days=3))
    assert (case.status, case.outcome) == ("resolved", "replacement")
    with pytest.raises(IllegalTransition):
        rma.decide(session, staff, case.id, accept=False, now=NOW)
    second = rma.request_rma(session, clinic, line, "Fel storlek", now=NOW)
    rma.decide(session, staff, second.id, accept=False, note="Öppnad förpackning", now=NOW)
    assert second.status == "rejected"
    with pytest.raises(IllegalTransition):
        rma.resolve(session, staff, second.id, "refund", now=NOW)
    assert {r.id for r in rma.list_rmas(session, clinic)} == {case.id, second.id}
    assert rma.list_rmas(session, market.user(session, "nord_staff")) == []


def test_reorder_puts_a_past_order_back_in_the_cart_at_todays_prices(
    session: Session, market: Market
) -> None:
    _fill(session, market)
    placed = orders.checkout(session, market.user(session, "clinic"), now=NOW)
    tand = next(o for o in placed if o.retailer_id == market.retailers["tand"])
    _offer(session, market, "glove_tand").price = Decimal("105.00")
    _offer(session, market, "comp_tand").withdrawn_at = NOW
    added, skipped = orders.reorder(session, market.user(session, "clinic"), tand.id, now=NOW)
    assert [(i.offer_id, i.quantity, i.price_at_add) for i in added] == [
        (market.offers["glove_tand"], 2, Decimal("105.00"))
    ]
    assert [line.sku for line in skipped] == ["T2"]
    with pytest.raises(NotFound):
        orders.reorder(session, market.user(session, "clinic2"), tand.id, now=NOW)


def test_order_lists_by_role(session: Session, market: Market) -> None:
    _fill(session, market)
    orders.checkout(session, market.user(session, "clinic"), now=NOW)
    assert len(orders.list_orders(session, market.user(session, "clinic"))) == 2
    assert len(orders.list_orders(session, market.user(session, "nord_staff"))) == 1
    assert orders.list_orders(session, market.user(session, "clinic2")) == []
    assert len(orders.list_orders(session, market.user(session, "admin"))) == 2


def test_a_suspended_retailers_offers_cannot_be_bought(session: Session, market: Market) -> None:
    """Suspending a retailer's organisation stops its sales: its members cannot sign in to
    confirm or ship, so its offers are refused in the cart and at checkout."""
    from catalog.models import Organisation

    clinic = market.user(session, "clinic")
    offer = _offer(session, market, "glove_tand")
    org = Organisation(kind="retailer", name="Tand AB", status="active")
    org.retailer_id = offer.retailer_id
    session.add(org)
    session.flush()
    cart.add_item(session, clinic, offer.id, 1, now=NOW)
    org.status = "suspended"
    session.flush()
    with pytest.raises(OfferUnavailable, match="its retailer is suspended"):
        cart.add_item(session, clinic, offer.id, 1, now=NOW)
    # the cart says so before checkout, as checkout decides
    (change,) = cart.pending_changes(session, clinic)
    assert change.unavailable == "retailer_suspended"
    assert change.describe().endswith("retailer suspended")
    suspended = cart.suspended_sellers(session, [(None, offer)])  # type: ignore[list-item]
    assert cart.unavailable_reason(offer, suspended) == "retailer_suspended"
    with pytest.raises(OfferUnavailable):
        orders.checkout(session, clinic, accept_changes=True, now=NOW)
    org.status = "active"
    session.flush()
    assert cart.pending_changes(session, clinic) == []
    (order,) = orders.checkout(session, clinic, now=NOW)
    assert order.retailer_id == offer.retailer_id
