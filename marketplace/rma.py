"""Complaints and returns (RMA), handled by the retailer as usual (PRODUCT.md point 8)::

    requested --accept--> accepted --resolve(outcome)--> resolved
    requested --reject--> rejected

The clinic requests an RMA for a line of a delivered order; the retailer decides and, when
accepted, resolves it with an outcome (refund, replacement, repair, credit). Time to a final
answer and the outcome feed the retailer's measured RMA signal (``marketplace.signals``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from catalog.events import RmaDecided, RmaOpened, RmaResolved, publish
from catalog.models import User
from catalog.paging import Page, page_scalars
from marketplace.access import (
    acts_for_clinic,
    is_admin,
    logged_in,
    party_to_order,
    require_retailer_staff,
)
from marketplace.dates import as_utc
from marketplace.enums import OrderStatus, RmaOutcome, RmaStatus
from marketplace.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound
from marketplace.models import Order, OrderLine, Rma
from marketplace.orders import clinic_side

RMA_TRANSITIONS: dict[str, tuple[frozenset[str], RmaStatus]] = {
    "accept": (frozenset({RmaStatus.REQUESTED}), RmaStatus.ACCEPTED),
    "reject": (frozenset({RmaStatus.REQUESTED}), RmaStatus.REJECTED),
    "resolve": (frozenset({RmaStatus.ACCEPTED}), RmaStatus.RESOLVED),
}
OPEN = (RmaStatus.REQUESTED.value, RmaStatus.ACCEPTED.value)


def next_rma_status(current: str, action: str) -> str:
    """Pure: the status ``action`` leads to, else :class:`IllegalTransition`."""
    entry = RMA_TRANSITIONS.get(action)
    if entry is None or current not in entry[0]:
        raise IllegalTransition("RMA", current, action)
    return entry[1].value


def request_rma(
    session: Session, user: User | None, order_line_id: int, reason: str, *, now: datetime
) -> Rma:
    """The ordering clinic complains about / returns a line of a delivered order."""
    clinic = logged_in(user)
    line = session.get(OrderLine, order_line_id)
    if line is None or not party_to_order(
        clinic, line.order.clinic_user_id, line.order.retailer_id, line.order.clinic_organisation_id
    ):
        raise NotFound(f"no order line {order_line_id} of yours")
    if not acts_for_clinic(clinic, line.order.clinic_user_id, line.order.clinic_organisation_id):
        raise NotAllowed("only the ordering clinic opens an RMA")
    if line.order.status != OrderStatus.DELIVERED:
        raise IllegalTransition("order", line.order.status, "request an RMA for")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say what is wrong", code="rma_reason_missing")
    open_case = session.scalar(
        select(Rma.id).where(Rma.order_line_id == line.id, Rma.status.in_(OPEN))
    )
    if open_case is not None:
        raise InvalidInput(f"RMA {open_case} for this line is still open", code="rma_open")
    rma = Rma(
        order_line_id=line.id,
        retailer_id=line.order.retailer_id,
        requested_by=clinic.id,
        reason=reason,
        status=RmaStatus.REQUESTED.value,
        requested_at=as_utc(now),
    )
    session.add(rma)
    session.flush()
    publish(session, RmaOpened(rma_id=rma.id, order_id=line.order_id, retailer_id=rma.retailer_id))
    return rma


def _retailer_rma(session: Session, user: User | None, rma_id: int) -> Rma:
    """An RMA its retailer's staff (or an admin) acts on. Whoever may not see its order (another
    clinic, another retailer) is told it does not exist, as for orders; the clinic that
    opened it may see it but not decide it."""
    viewer = logged_in(user)
    rma = session.get(Rma, rma_id)
    line = None if rma is None else session.get(OrderLine, rma.order_line_id)
    if (
        rma is None
        or line is None
        or not party_to_order(
            viewer, line.order.clinic_user_id, rma.retailer_id, line.order.clinic_organisation_id
        )
    ):
        raise NotFound(f"no RMA {rma_id}")
    require_retailer_staff(viewer, rma.retailer_id)
    return rma


def decide(
    session: Session,
    user: User | None,
    rma_id: int,
    *,
    accept: bool,
    note: str | None = None,
    now: datetime,
) -> Rma:
    """The retailer accepts or rejects the request (a rejection is a final answer)."""
    rma = _retailer_rma(session, user, rma_id)
    rma.status = next_rma_status(rma.status, "accept" if accept else "reject")
    rma.decided_at = as_utc(now)
    rma.note = (note or "").strip() or rma.note
    session.flush()
    publish(session, RmaDecided(**_ids(session, rma), accepted=accept))
    return rma


def _ids(session: Session, rma: Rma) -> dict[str, int]:
    line = session.get(OrderLine, rma.order_line_id)
    assert line is not None  # a foreign key
    return {"rma_id": rma.id, "order_id": line.order_id, "retailer_id": rma.retailer_id}


def resolve(
    session: Session,
    user: User | None,
    rma_id: int,
    outcome: str,
    *,
    note: str | None = None,
    now: datetime,
) -> Rma:
    """The retailer closes an accepted RMA with what the clinic got."""
    rma = _retailer_rma(session, user, rma_id)
    if outcome not in {o.value for o in RmaOutcome}:
        raise InvalidInput(f"outcome must be one of {', '.join(o.value for o in RmaOutcome)}")
    rma.status = next_rma_status(rma.status, "resolve")
    rma.resolved_at = as_utc(now)
    rma.outcome = outcome
    rma.note = (note or "").strip() or rma.note
    session.flush()
    publish(session, RmaResolved(**_ids(session, rma), outcome=outcome))
    return rma


def visible_rmas(viewer: User) -> Select[Rma]:
    """The RMAs ``viewer`` sees, newest first: a retailer's incoming ones, those of the
    clinic organisation's orders for its managers, a buyer's own orders', or all (admins)."""
    query = select(Rma).order_by(Rma.id.desc())
    if viewer.role == "retailer":
        return query.where(Rma.retailer_id == viewer.retailer_id)
    if is_admin(viewer):
        return query
    query = query.join(OrderLine, OrderLine.id == Rma.order_line_id).join(
        Order, Order.id == OrderLine.order_id
    )
    return query.where(clinic_side(viewer))


def list_rmas(session: Session, user: User | None) -> list[Rma]:
    """Every RMA the user sees (:func:`visible_rmas`)."""
    return list(session.scalars(visible_rmas(logged_in(user))))


def rmas_page(session: Session, user: User | None, *, limit: int, offset: int) -> Page:
    """One page of the RMAs the user sees (:func:`visible_rmas`) and their count."""
    return page_scalars(session, visible_rmas(logged_in(user)), limit=limit, offset=offset)


def rmas_by_line(session: Session, line_ids: Collection[int]) -> dict[int, list[Rma]]:
    """Order line id -> its RMAs, oldest first (lines without one are absent)."""
    by_line: dict[int, list[Rma]] = defaultdict(list)
    if not line_ids:
        return by_line
    for case in session.scalars(
        select(Rma).where(Rma.order_line_id.in_(line_ids)).order_by(Rma.id)
    ):
        by_line[case.order_line_id].append(case)
    return by_line
