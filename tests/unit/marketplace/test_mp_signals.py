"""Measured signals from marketplace events, and how ranking explains and shrinks them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from catalog.models import Retailer, RetailerSignals
from marketplace import cart, orders, reviews, rma, signals
from marketplace.reviews import ReviewDraft
from marketplace.signals import Measured, OrderFacts, RmaFacts
from marketplace.tasks import signals_changed
from ranking.config import RankingConfig
from ranking.scoring import OfferInput, rank_offers
from ranking.signals import RetailerQuality
from tests.unit.marketplace.mp_support import NOW, Market

TODAY = date(2026, 3, 2)


def _delivered(on_time: bool | None) -> OrderFacts:
    return OrderFacts("delivered", TODAY, on_time, None, True, False)


def test_delivery_precision_counts_late_overdue_and_skips_unknown() -> None:
    facts = [_delivered(True)] * 136 + [_delivered(False)] * 12
    facts += [_delivered(None)]  # auto-delivered: punctuality unknown
    facts += [OrderFacts("shipped", TODAY + timedelta(days=1), None, None, True, False)]
    assert signals.delivery_precision(facts, TODAY) == Measured(136 / 148, 148)
    overdue = OrderFacts("shipped", TODAY - timedelta(days=1), None, None, True, False)
    assert signals.delivery_precision([*facts, overdue], TODAY) == Measured(136 / 149, 149)
    assert signals.delivery_precision([], TODAY) == Measured(None, 0)


def test_stock_accuracy_counts_backorders_and_stock_cancellations() -> None:
    ok = OrderFacts("confirmed", TODAY, None, None, True, False)
    backordered = OrderFacts("confirmed", TODAY, None, None, True, True)
    no_stock = OrderFacts("cancelled", None, None, "out_of_stock", True, False)
    clinic_cancel = OrderFacts("cancelled", None, None, "clinic_request", True, False)
    undecided = OrderFacts("placed", None, None, None, True, False)
    not_shown = OrderFacts("confirmed", TODAY, None, None, False, True)
    measured = signals.stock_accuracy(
        [ok, ok, backordered, no_stock, clinic_cancel, undecided, not_shown]
    )
    assert measured == Measured(3 / 5, 5)


def test_rma_score_from_time_to_answer_and_outcome() -> None:
    def case(status: str, days: float | None) -> RmaFacts:
        answered = None if days is None else NOW + timedelta(days=days)
        return RmaFacts(status, NOW, answered)

    later = NOW + timedelta(days=40)
    assert signals.rma_case_score(case("resolved", 3), later) == 1.0
    assert signals.rma_case_score(case("rejected", 3), later) == 0.75
    assert signals.rma_case_score(case("resolved", 30), later) == 0.5
    assert signals.rma_case_score(case("requested", None), NOW + timedelta(days=5)) is None
    assert signals.rma_case_score(case("accepted", None), later) == 0.0
    measured = signals.rma_handling([case("resolved", 3), case("rejected", 3)], later)
    assert measured == Measured(0.875, 2)


def _order(s: Session, m: Market, who: str, *, late: bool = False, backorder: bool = False) -> int:
    cart.add_item(s, m.user(s, who), m.offers["glove_tand"], 1, now=NOW)
    (order,) = orders.checkout(s, m.user(s, who), now=NOW)
    staff = m.user(s, "tand_staff")
    lines = [order.lines[0].id] if backorder else []
    orders.confirm(s, staff, order.id, TODAY, backordered_line_ids=lines, now=NOW)
    orders.ship(s, staff, order.id, now=NOW)
    when = NOW + timedelta(days=2 if late else 0)
    orders.deliver(s, m.user(s, who), order.id, now=when)
    return order.id


def test_recompute_writes_measured_signals_with_counts(session: Session, market: Market) -> None:
    delivered = _order(session, market, "clinic")
    _order(session, market, "clinic2")
    late = _order(session, market, "clinic3", late=True, backorder=True)
    line = orders.get_order(session, market.user(session, "clinic3"), late).lines[0].id
    case = rma.request_rma(session, market.user(session, "clinic3"), line, "Sen", now=NOW)
    staff = market.user(session, "tand_staff")
    rma.decide(session, staff, case.id, accept=True, now=NOW)
    rma.resolve(session, staff, case.id, "credit", now=NOW + timedelta(days=1))
    tand = market.retailers["tand"]
    tied = {"clinic": delivered}  # a verified purchase: tied to its author's delivered order
    for who, stars, treatment in (("clinic", 5, 5), ("clinic2", 4, None), ("clinic3", 3, 2)):
        draft = ReviewDraft(
            "retailer", tand, stars, order_id=tied.get(who), dimensions={"treatment": treatment}
        )
        reviews.submit_review(session, market.user(session, who), draft, now=NOW, response_days=7)
    held = ReviewDraft("service", tand, 1)  # held: not counted until published
    reviews.submit_review(session, market.user(session, "clinic"), held, now=NOW, response_days=7)

    row = signals.recompute(session, tand, NOW + timedelta(days=3))
    assert row.source == "measured"
    assert row.delivery_precision == pytest.approx(2 / 3) and row.delivery_count == 3
    assert row.stock_accuracy == pytest.approx(2 / 3) and row.stock_count == 3
    assert (row.rma, row.rma_count) == (1.0, 1)
    assert row.review_overall == pytest.approx(4.0) and row.review_count == 3
    assert (row.review_verified, row.review_verified_count) == (5.0, 1)
    retailer = session.get(Retailer, tand)
    assert retailer is not None
    quality = RetailerQuality.from_row(row, retailer)
    assert (quality.verified_reviews.value, quality.verified_reviews.count) == (1.0, 1)
    assert row.treatment == pytest.approx(3.5) and row.treatment_count == 2
    assert (row.feedback, row.feedback_count) == (None, 0)


def _quality(value: float, count: int) -> RetailerQuality:
    row = RetailerSignals(
        retailer_id=1, delivery_precision=value, delivery_count=count, source="measured"
    )
    return RetailerQuality.from_row(row, Retailer(id=1, slug="r", name="R AB"))


def test_ranking_explains_measured_precision_with_its_count_and_shrinks_few_orders() -> None:
    measured = signals.delivery_precision(
        [_delivered(True)] * 136 + [_delivered(False)] * 12, TODAY
    )
    assert measured.value is not None
    many = _quality(measured.value, measured.count)
    few = RetailerQuality.from_row(
        RetailerSignals(retailer_id=2, delivery_precision=1.0, delivery_count=1),
        Retailer(id=2, slug="f", name="F AB"),
    )
    config = RankingConfig()
    inputs = [
        OfferInput(
            offer_id=i,
            retailer=q,
            price=None,
            vat_included=True,
            stock_status="in_stock",
            delivery_days=2,
        )
        for i, q in enumerate((few, many), start=1)
    ]
    ranked = rank_offers(inputs, config)
    details = {r.offer.offer_id: r.explanation.by_factor()["delivery_precision"] for r in ranked}
    assert details[2].detail.startswith("on time 92% over 148 orders")
    assert details[2].count == 148
    assert "few data: weighted toward prior" in details[1].detail
    assert ranked[0].offer.offer_id == 2  # one perfect order does not beat 148 at 92%


def test_signals_changed_recomputes_in_process_without_a_broker(
    session: Session, market: Market
) -> None:
    from catalog.settings import Settings

    _order(session, market, "clinic")
    session.commit()
    signals_changed(
        Settings(broker_url="", environment="test"), market.factory, [market.retailers["tand"]]
    )
    with market.factory() as fresh:
        row = fresh.get(RetailerSignals, market.retailers["tand"])
        assert row is not None and row.source == "measured" and row.delivery_count == 1
