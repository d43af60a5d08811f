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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Organisation
from loyalty import campaigns, limits
from loyalty.enums import AccountKind, EntryKind
from loyalty.errors import InsufficientPoints
from loyalty.ledger import AccountSpec, Movement, ensure_accounts
from loyalty.models import (
    Account,
    Campaign,
    Entry,
    Membership,
    OrderHandler,
    Participant,
    Programme,
)
from loyalty.order_rows import CHUNK, SoldLine, SoldOrder, sold_orders

log = logging.getLogger(__name__)
EARNING_CURRENCY = "SEK"
BATCH_ORDERS = 250
"""Delivered orders credited in one transaction when many are delivered at once."""


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


def _memberships(
    session: Session, retailer_ids: Iterable[int]
) -> dict[int, list[tuple[Membership, Programme]]]:
    """Each retailer's memberships of active programmes, in programme order (one query)."""
    out: dict[int, list[tuple[Membership, Programme]]] = defaultdict(list)
    ids = sorted(set(retailer_ids))
    if not ids:
        return out
    rows = session.execute(
        select(Organisation.retailer_id, Membership, Programme)
        .join(Programme, Programme.id == Membership.programme_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.retailer_id.in_(ids), Programme.active.is_(True))
        .order_by(Programme.id, Membership.id)
    ).all()
    for retailer_id, membership, programme in rows:
        if retailer_id is not None:
            out[int(retailer_id)].append((membership, programme))
    return out


def _handlers(session: Session, order_ids: Sequence[int]) -> dict[int, int]:
    """Who handled each order (``OrderHandler``), where known (one query a thousand)."""
    out: dict[int, int] = {}
    for start in range(0, len(order_ids), CHUNK):
        chunk = order_ids[start : start + CHUNK]
        for order_id, user_id in session.execute(
            select(OrderHandler.order_id, OrderHandler.user_id).where(
                OrderHandler.order_id.in_(chunk), OrderHandler.user_id.is_not(None)
            )
        ):
            if user_id is not None:
                out[int(order_id)] = int(user_id)
    return out


def _active_participants(
    session: Session, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], int]:
    """``(membership, user) -> participant id`` of the pairs whose user takes part (accepted
    the terms, not ended): :func:`loyalty.programmes.active_participant` of each, at once."""
    wanted = set(pairs)
    if not wanted:
        return {}
    memberships = sorted({m for m, _ in wanted})
    users = sorted({u for _, u in wanted})
    out: dict[tuple[int, int], int] = {}
    for start in range(0, len(users), CHUNK):
        rows = session.execute(
            select(Participant.id, Participant.membership_id, Participant.user_id).where(
                Participant.membership_id.in_(memberships),
                Participant.user_id.in_(users[start : start + CHUNK]),
                Participant.terms_accepted_at.is_not(None),
                Participant.ended_at.is_(None),
            )
        )
        for participant_id, membership_id, user_id in rows:
            if user_id is not None and (membership_id, user_id) in wanted:
                out[(int(membership_id), int(user_id))] = int(participant_id)
    return out


def credit_delivered(session: Session, order_id: int, *, now: datetime) -> Outcome:
    """Pay the points of a delivered order (idempotent). The caller commits."""
    return credit_delivered_many(session, [order_id], now=now)


def credit_delivered_many(session: Session, order_ids: Iterable[int], *, now: datetime) -> Outcome:
    """Pay the points of delivered orders (idempotent; orders not delivered, or in another
    currency, are skipped), in a few statements whatever their number: the orders, their
    handlers, products, memberships, participants, campaigns and accounts read once, then
    per programme one :func:`loyalty.limits.credit_batch` (the ledger's entries inserted
    together, each account's balance changed once). The caller commits; a few hundred
    orders a transaction (:data:`BATCH_ORDERS`) keep it short."""
    ids = sorted(set(order_ids))
    orders = [
        o
        for o in sold_orders(session, ids).values()
        if o.status == "delivered" and o.currency == EARNING_CURRENCY and o.lines
    ]
    if not orders:
        return Outcome()
    orders.sort(key=lambda o: o.order_id)
    handlers = _handlers(session, [o.order_id for o in orders])
    memberships = _memberships(session, (o.retailer_id for o in orders))
    orders = [o for o in orders if memberships.get(o.retailer_id)]
    if not orders:
        return Outcome()
    facts = campaigns.product_facts(
        session,
        (line.product_id for o in orders for line in o.lines if line.product_id is not None),
    )
    programmes = {p.id: p for found in memberships.values() for _, p in found}
    offers = campaigns.running_many(session, programmes, now)
    participants = _active_participants(
        session,
        (
            (membership.id, handlers[o.order_id])
            for o in orders
            if o.order_id in handlers
            for membership, _ in memberships[o.retailer_id]
        ),
    )
    targets: dict[tuple[int, int], AccountSpec] = {}  # (order, membership) -> its account
    for o in orders:
        for membership, programme in memberships[o.retailer_id]:
            seller = participants.get((membership.id, handlers.get(o.order_id, 0)))
            targets[(o.order_id, membership.id)] = (
                AccountSpec(programme.id, AccountKind.SELLER, membership.id, seller)
                if seller is not None
                else AccountSpec(programme.id, AccountKind.MEMBER, membership.id)
            )
    accounts = ensure_accounts(session, targets.values())
    credits: dict[int, list[tuple[Account, Movement]]] = defaultdict(list)
    for o in orders:
        for membership, programme in memberships[o.retailer_id]:
            target = accounts[targets[(o.order_id, membership.id)].key]
            for line in o.lines:
                sale = _sale(o, line, programme, offers.get(programme.id, []), facts, now)
                if sale is not None:
                    credits[programme.id].append((target, sale))
    counts: dict[str, int] = defaultdict(int)
    for programme_id in sorted(credits):
        for paid in limits.credit_batch(
            session, programme_id=programme_id, credits=credits[programme_id], now=now
        ):
            counts[paid.outcome] += 1
    return Outcome(
        credited=counts["paid"],
        replayed=counts["replayed"],
        held=counts["held"],
        capped=counts["capped"],
    )


def _sale(
    order: SoldOrder,
    line: SoldLine,
    programme: Programme,
    offers: list[Campaign],
    facts: dict[int, campaigns.ProductFacts],
    now: datetime,
) -> Movement | None:
    """The sale credit of one delivered line in one programme (None: it earns nothing)."""
    product = facts.get(line.product_id) if line.product_id is not None else None
    factor, campaign = campaigns.best_multiplier(offers, product, now)
    points = line_points(line.unit_price, line.quantity, programme.points_per_krona, factor)
    if points <= 0:
        return None
    reason = f"order {order.order_id} line {line.line_id} delivered"
    if campaign is not None:
        reason += f" (campaign {campaign.id} {campaign.name}: x{factor.normalize():f})"
    return Movement(
        points=points,
        kind=EntryKind.SALE.value,
        reason=reason,
        idempotency_key=f"sale:{programme.id}:{order.order_id}:{line.line_id}:delivered",
        order_id=order.order_id,
        order_line_id=line.line_id,
    )


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
