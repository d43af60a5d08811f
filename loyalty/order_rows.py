"""The few columns of the marketplace's orders, lines and RMAs loyalty reads.

Loyalty is the marketplace's sibling, not its client: it does not import
``marketplace.models``. It reads the rows an event names through these lightweight table
descriptions (SQLAlchemy Core; the schema is the migrations'), and only reads them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Integer, Numeric, String, column, select, table
from sqlalchemy.orm import Session

ORDER = table(
    "customer_order",
    column("id", Integer),
    column("retailer_id", Integer),
    column("status", String),
    column("currency", String),
)
ORDER_LINE = table(
    "order_line",
    column("id", Integer),
    column("order_id", Integer),
    column("unit_price", Numeric(14, 2)),
    column("quantity", Integer),
    column("product_id", Integer),
)
RMA = table("rma", column("id", Integer), column("order_line_id", Integer))


@dataclass(frozen=True, slots=True)
class SoldLine:
    line_id: int
    unit_price: Decimal
    quantity: int
    product_id: int | None = None


@dataclass(frozen=True, slots=True)
class SoldOrder:
    order_id: int
    retailer_id: int
    status: str
    currency: str
    lines: tuple[SoldLine, ...]


CHUNK = 1_000  # ids per IN list (SQLite's bound parameters are limited)


def sold_order(session: Session, order_id: int) -> SoldOrder | None:
    """The order and its lines as stored now (None when it does not exist)."""
    return sold_orders(session, [order_id]).get(order_id)


def sold_orders(session: Session, order_ids: Iterable[int]) -> dict[int, SoldOrder]:
    """The orders that exist of ``order_ids``, with their lines in id order, by id (two
    queries per thousand orders)."""
    ids = sorted(set(order_ids))
    heads: dict[int, tuple[int, str, str]] = {}
    lines: dict[int, list[SoldLine]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for head in session.execute(
            select(ORDER.c.id, ORDER.c.retailer_id, ORDER.c.status, ORDER.c.currency).where(
                ORDER.c.id.in_(chunk)
            )
        ):
            heads[int(head.id)] = (int(head.retailer_id), str(head.status), str(head.currency))
        for r in session.execute(
            select(
                ORDER_LINE.c.order_id,
                ORDER_LINE.c.id,
                ORDER_LINE.c.unit_price,
                ORDER_LINE.c.quantity,
                ORDER_LINE.c.product_id,
            )
            .where(ORDER_LINE.c.order_id.in_(chunk))
            .order_by(ORDER_LINE.c.order_id, ORDER_LINE.c.id)
        ):
            lines[int(r.order_id)].append(
                SoldLine(
                    int(r.id),
                    Decimal(r.unit_price),
                    int(r.quantity),
                    int(r.product_id) if r.product_id is not None else None,
                )
            )
    return {
        order_id: SoldOrder(
            order_id=order_id,
            retailer_id=retailer_id,
            status=status,
            currency=currency,
            lines=tuple(lines.get(order_id, ())),
        )
        for order_id, (retailer_id, status, currency) in heads.items()
    }


def rma_line(session: Session, rma_id: int) -> int | None:
    """The order line an RMA is about."""
    found = session.scalar(select(RMA.c.order_line_id).where(RMA.c.id == rma_id))
    return int(found) if found is not None else None
