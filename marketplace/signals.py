"""Measured retailer signals, computed from marketplace events (PRODUCT.md point 4).

Each signal comes with the count it was measured over (ranking shrinks small counts toward
its priors, so one order at 100% does not beat 148 orders at 92%):

* **delivery precision** = share of orders delivered by the promised date, over the orders
  the clinic confirmed delivered with a promise, plus the orders already past their promised
  date and still undelivered (late for sure). Auto-delivered orders have no known date.
* **stock accuracy** = share of decided orders (confirmed, shipped, delivered or cancelled)
  containing lines shown *in stock* or *limited* at checkout that were neither back-ordered
  nor cancelled for stock.
* **RMA handling** (0..1) per case closed (resolved, rejected, or open past
  ``RMA_LATE_DAYS``): half speed (1 within ``RMA_FAST_DAYS`` of the request, falling linearly
  to 0 at ``RMA_LATE_DAYS``) and half outcome (1 resolved with a remedy, 0.5 a rejection,
  0 still open).
* **reviews** = mean rating of published reviews of the retailer and its services, and
  **verified reviews** = the same over those tied to a delivered order of their author
  (ranking may weigh those more); **treatment**, **feedback**, **competence** = means of
  those dimension ratings.

:func:`recompute` writes them to ``RetailerSignals`` with ``source="measured"``;
``marketplace.tasks.recompute_signals`` runs it after each event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import RetailerSignals
from marketplace.dates import as_utc, local_date
from marketplace.enums import CancelReason, OrderStatus, ReviewState, ReviewTarget, RmaStatus
from marketplace.models import Order, OrderLine, Review, Rma

RMA_FAST_DAYS = 7.0
RMA_LATE_DAYS = 30.0
SHOWN_AVAILABLE = frozenset({"in_stock", "limited"})
DECIDED = frozenset(
    {OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED}
)


@dataclass(frozen=True, slots=True)
class Measured:
    """A measured value (share 0..1 or mean 1..5) over ``count`` cases; None without data."""

    value: float | None
    count: int


def _mean(values: list[float]) -> Measured:
    return Measured(sum(values) / len(values), len(values)) if values else Measured(None, 0)


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the signals need to know about one order."""

    status: str
    promised: date | None
    delivered_on_time: bool | None
    cancel_reason: str | None
    shown_available: bool  # any line shown in stock / limited at checkout
    backordered: bool  # any of those lines back-ordered


@dataclass(frozen=True, slots=True)
class RmaFacts:
    status: str
    requested_at: datetime
    answered_at: datetime | None  # resolved_at, or decided_at of a rejection


def delivery_precision(orders: Iterable[OrderFacts], today: date) -> Measured:
    """Pure: share of orders delivered by the promised date (overdue ones count as late)."""
    outcomes: list[float] = []
    for o in orders:
        if o.status == OrderStatus.DELIVERED and o.delivered_on_time is not None:
            outcomes.append(1.0 if o.delivered_on_time else 0.0)
        elif (
            o.status in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED)
            and o.promised is not None
            and o.promised < today
        ):
            outcomes.append(0.0)
    return _mean(outcomes)


def stock_accuracy(orders: Iterable[OrderFacts]) -> Measured:
    """Pure: share of decided orders shown available that were not back-ordered/cancelled
    for stock."""
    outcomes = [
        0.0 if o.backordered or o.cancel_reason == CancelReason.OUT_OF_STOCK else 1.0
        for o in orders
        if o.shown_available and o.status in DECIDED
    ]
    return _mean(outcomes)


def rma_case_score(case: RmaFacts, now: datetime) -> float | None:
    """Pure: 0..1 for a closed or overdue case; None while it is open and not yet late."""
    closed = case.status in (RmaStatus.RESOLVED, RmaStatus.REJECTED)
    end = (case.answered_at or now) if closed else now
    days = (as_utc(end) - as_utc(case.requested_at)).total_seconds() / 86400
    if case.status == RmaStatus.RESOLVED:
        outcome = 1.0
    elif case.status == RmaStatus.REJECTED:
        outcome = 0.5
    elif days >= RMA_LATE_DAYS:
        outcome = 0.0
    else:
        return None
    span = RMA_LATE_DAYS - RMA_FAST_DAYS
    speed = min(1.0, max(0.0, (RMA_LATE_DAYS - days) / span))
    return 0.5 * speed + 0.5 * outcome


def rma_handling(cases: Iterable[RmaFacts], now: datetime) -> Measured:
    scores = [s for s in (rma_case_score(c, now) for c in cases) if s is not None]
    return _mean(scores)


@dataclass(frozen=True, slots=True)
class MeasuredSignals:
    delivery_precision: Measured
    stock_accuracy: Measured
    reviews: Measured
    verified_reviews: Measured
    treatment: Measured
    feedback: Measured
    rma: Measured
    competence: Measured


def _order_facts(session: Session, retailer_id: int) -> list[OrderFacts]:
    orders = session.scalars(select(Order).where(Order.retailer_id == retailer_id)).all()
    lines: dict[int, list[OrderLine]] = {}
    for line in session.scalars(
        select(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.retailer_id == retailer_id)
    ):
        lines.setdefault(line.order_id, []).append(line)
    facts = []
    for order in orders:
        shown = [
            line
            for line in lines.get(order.id, [])
            if line.stock_status_at_checkout in SHOWN_AVAILABLE
        ]
        facts.append(
            OrderFacts(
                status=order.status,
                promised=order.promised_delivery_date,
                delivered_on_time=order.delivered_on_time,
                cancel_reason=order.cancel_reason,
                shown_available=bool(shown),
                backordered=any(line.backordered for line in shown),
            )
        )
    return facts


def _review_means(session: Session, retailer_id: int) -> dict[str, Measured]:
    columns = {
        "reviews": Review.rating,
        "treatment": Review.treatment,
        "feedback": Review.feedback,
        "competence": Review.competence,
    }
    row = session.execute(
        select(*(x for col in columns.values() for x in (func.avg(col), func.count(col)))).where(
            Review.retailer_id == retailer_id,
            Review.status == ReviewState.PUBLISHED.value,
            Review.target_type.in_([ReviewTarget.RETAILER.value, ReviewTarget.SERVICE.value]),
        )
    ).one()
    out = {}
    for i, name in enumerate(columns):
        avg, count = row[2 * i], int(row[2 * i + 1] or 0)
        out[name] = Measured(None if avg is None or count == 0 else float(avg), count)
    avg, count = session.execute(
        select(func.avg(Review.rating), func.count(Review.rating)).where(
            Review.retailer_id == retailer_id,
            Review.status == ReviewState.PUBLISHED.value,
            Review.target_type.in_([ReviewTarget.RETAILER.value, ReviewTarget.SERVICE.value]),
            Review.verified_purchase.is_(True),
        )
    ).one()
    out["verified_reviews"] = Measured(None if avg is None or not count else float(avg), count)
    return out


def measure(session: Session, retailer_id: int, now: datetime) -> MeasuredSignals:
    """Every measured signal of a retailer from its orders, RMAs and reviews."""
    now = as_utc(now)
    orders = _order_facts(session, retailer_id)
    cases = [
        RmaFacts(
            rma.status,
            rma.requested_at,
            rma.resolved_at if rma.status == RmaStatus.RESOLVED else rma.decided_at,
        )
        for rma in session.scalars(select(Rma).where(Rma.retailer_id == retailer_id))
    ]
    reviews = _review_means(session, retailer_id)
    return MeasuredSignals(
        delivery_precision=delivery_precision(orders, local_date(now)),
        stock_accuracy=stock_accuracy(orders),
        reviews=reviews["reviews"],
        verified_reviews=reviews["verified_reviews"],
        treatment=reviews["treatment"],
        feedback=reviews["feedback"],
        rma=rma_handling(cases, now),
        competence=reviews["competence"],
    )


def recompute(session: Session, retailer_id: int, now: datetime) -> RetailerSignals:
    """Measure and store the retailer's signals (``source="measured"``)."""
    measured = measure(session, retailer_id, now)
    row = session.get(RetailerSignals, retailer_id)
    if row is None:
        row = RetailerSignals(retailer_id=retailer_id)
        session.add(row)
    pairs = (
        ("delivery_precision", "delivery_count", measured.delivery_precision),
        ("stock_accuracy", "stock_count", measured.stock_accuracy),
        ("review_overall", "review_count", measured.reviews),
        ("review_verified", "review_verified_count", measured.verified_reviews),
        ("treatment", "treatment_count", measured.treatment),
        ("feedback", "feedback_count", measured.feedback),
        ("rma", "rma_count", measured.rma),
        ("competence", "competence_count", measured.competence),
    )
    for value_column, count_column, m in pairs:
        setattr(row, value_column, m.value)
        setattr(row, count_column, m.count)
    row.source = "measured"
    row.updated_at = as_utc(now)
    session.flush()
    return row
