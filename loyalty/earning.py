"""Points for sales through the platform, and their reversal.

On ``OrderDelivered`` each line of the order earns ``floor(unit_price × quantity ×
points_per_krona)`` points (the line total as ordered, in kronor; orders in another currency
earn nothing) in every active programme the retailer's organisation is a member of: the
sponsor's budget pays them to the seller who handled the order (the member who shipped it,
else confirmed it, when that member takes part) or else to the member's own account. The
idempotency key is ``sale:<programme>:<order>:<line>:delivered``: a replayed event pays
nothing more.

When a delivered order is cancelled, or an RMA of one of its lines is resolved with a refund,
each of those lines' sale entries is reversed by a clawback entry back to the sponsor (key
``clawback:<sale entry>``; never a deletion, never twice; only what a sponsor's partial
clawback left, ``loyalty.limits.reverse_credit``). A clawback the account can no
longer cover (the seller spent the points) is refused like any overdraft and logged; the sale
stays, and :class:`Outcome` counts it as refused.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Organisation
from loyalty import campaigns, limits
from loyalty.enums import AccountKind, EntryKind
from loyalty.errors import InsufficientPoints
from loyalty.ledger import Movement, ensure_account
from loyalty.models import Entry, Membership, OrderHandler, Programme
from loyalty.order_rows import sold_order
from loyalty.programmes import active_participant

log = logging.getLogger(__name__)
EARNING_CURRENCY = "SEK"


def line_points(
    unit_price: Decimal,
    quantity: int,
    points_per_krona: Decimal,
    multiplier: Decimal = Decimal(1),
) -> int:
    """Points a line earns: its total in kronor times the rate (times a campaign's
    multiplier), rounded down. Pure."""
    if quantity <= 0 or unit_price <= 0:
        return 0
    value = (unit_price * quantity * points_per_krona * multiplier).to_integral_value(
        rounding=ROUND_FLOOR
    )
    return max(0, math.floor(value))


@dataclass(frozen=True, slots=True)
class Outcome:
    credited: int = 0  # entries made
    replayed: int = 0  # entries that existed (a replayed event)
    refused: int = 0  # clawbacks the account could not cover
    held: int = 0  # credits held for an admin's approval (``loyalty.limits``)
    capped: int = 0  # credits a cap left no room for


def record_handler(session: Session, order_id: int, user_id: int | None, *, now: datetime) -> None:
    """Remember who confirmed or shipped the order (the latest step wins)."""
    if user_id is None:
        return
    row = session.get(OrderHandler, order_id)
    if row is None:
        session.add(OrderHandler(order_id=order_id, user_id=user_id, recorded_at=now))
    else:
        row.user_id, row.recorded_at = user_id, now
    session.flush()


def _memberships(session: Session, retailer_id: int) -> list[tuple[Membership, Programme]]:
    rows = session.execute(
        select(Membership, Programme)
        .join(Programme, Programme.id == Membership.programme_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.retailer_id == retailer_id, Programme.active.is_(True))
        .order_by(Programme.id)
    ).all()
    return [(m, p) for m, p in rows]


def credit_delivered(session: Session, order_id: int, *, now: datetime) -> Outcome:
    """Pay the points of a delivered order (idempotent). The caller commits."""
    order = sold_order(session, order_id)
    if order is None or order.status != "delivered" or order.currency != EARNING_CURRENCY:
        return Outcome()
    handler = session.get(OrderHandler, order_id)
    facts = campaigns.product_facts(
        session, (line.product_id for line in order.lines if line.product_id is not None)
    )
    credited = replayed = held = capped = 0
    for membership, programme in _memberships(session, order.retailer_id):
        offers = campaigns.running(session, programme.id, now)
        seller = (
            active_participant(session, membership.id, handler.user_id)
            if handler is not None and handler.user_id is not None
            else None
        )
        if seller is not None:
            target = ensure_account(
                session,
                programme.id,
                AccountKind.SELLER,
                membership_id=membership.id,
                participant_id=seller.id,
            )
        else:
            target = ensure_account(
                session, programme.id, AccountKind.MEMBER, membership_id=membership.id
            )
        sales: list[Movement] = []
        for line in order.lines:
            product = facts.get(line.product_id) if line.product_id is not None else None
            factor, campaign = campaigns.best_multiplier(offers, product, now)
            points = line_points(line.unit_price, line.quantity, programme.points_per_krona, factor)
            if points <= 0:
                continue
            reason = f"order {order.order_id} line {line.line_id} delivered"
            if campaign is not None:
                reason += f" (campaign {campaign.id} {campaign.name}: x{factor.normalize():f})"
            sales.append(
                Movement(
                    points=points,
                    kind=EntryKind.SALE.value,
                    reason=reason,
                    idempotency_key=(
                        f"sale:{programme.id}:{order.order_id}:{line.line_id}:delivered"
                    ),
                    order_id=order.order_id,
                    order_line_id=line.line_id,
                )
            )
        for paid in limits.credit_many(
            session, programme_id=programme.id, destination=target, credits=sales, now=now
        ):
            credited += paid.outcome == "paid"
            replayed += paid.outcome == "replayed"
            held += paid.outcome == "held"
            capped += paid.outcome == "capped"
    return Outcome(credited=credited, replayed=replayed, held=held, capped=capped)


def reverse_lines(
    session: Session, order_id: int, line_ids: Iterable[int] | None, why: str, *, now: datetime
) -> Outcome:
    """Claw back the sale entries of the order's lines (all lines when ``line_ids`` is None)."""
    stmt = select(Entry).where(Entry.order_id == order_id, Entry.kind == EntryKind.SALE.value)
    if line_ids is not None:
        stmt = stmt.where(Entry.order_line_id.in_(list(line_ids)))
    limits.reject_held_for_lines(
        session, order_id, list(line_ids) if line_ids is not None else None, why, now=now
    )
    credited = replayed = refused = 0
    for sale in session.scalars(stmt.order_by(Entry.id)).all():
        try:
            # what is left of the sale (a sponsor may have clawed back a part already)
            _entry, created = limits.reverse_credit(
                session, sale, reason=f"order {order_id} line {sale.order_line_id}: {why}", now=now
            )
        except InsufficientPoints as exc:
            refused += 1
            log.warning("loyalty clawback of entry %s refused: %s", sale.id, exc)
            continue
        credited, replayed = credited + created, replayed + (not created)
    return Outcome(credited=credited, replayed=replayed, refused=refused)
