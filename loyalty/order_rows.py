"""The few columns of the marketplace's orders, lines and RMAs loyalty reads.

Loyalty is the marketplace's sibling, not its client: it does not import
``marketplace.models``. It reads the rows an event names through these lightweight table
descriptions (SQLAlchemy Core; the schema is the migrations'), and only reads them.
"""

from __future__ import annotations

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


def sold_order(session: Session, order_id: int) -> SoldOrder | None:
    """The order and its lines as stored now (None when it does not exist)."""
    head = session.execute(
        select(ORDER.c.id, ORDER.c.retailer_id, ORDER.c.status, ORDER.c.currency).where(
            ORDER.c.id == order_id
        )
    ).first()
    if head is None:
        return None
    lines = session.execute(
        select(
            ORDER_LINE.c.id,
            ORDER_LINE.c.unit_price,
            ORDER_LINE.c.quantity,
            ORDER_LINE.c.product_id,
        )
        .where(ORDER_LINE.c.order_id == order_id)
        .order_by(ORDER_LINE.c.id)
    ).all()
    return SoldOrder(
        order_id=int(head.id),
        retailer_id=int(head.retailer_id),
        status=str(head.status),
        currency=str(head.currency),
        lines=tuple(
            SoldLine(
                int(r.id),
                Decimal(r.unit_price),
                int(r.quantity),
                int(r.product_id) if r.product_id is not None else None,
            )
            for r in lines
        ),
    )


def rma_line(session: Session, rma_id: int) -> int | None:
    """The order line an RMA is about."""
    found = session.scalar(select(RMA.c.order_line_id).where(RMA.c.id == rma_id))
    return int(found) if found is not None else None
