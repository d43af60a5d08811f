"""Checkout and orders (PRODUCT.md point 8): one cart, split into one order per retailer.

Checkout prices every line from the offer *at checkout*. When a price or stock status
changed since the item was added, checkout raises :class:`PriceChanged` listing the changes
until the clinic accepts them (``accept_changes=True``).

Order states::

    placed --confirm(promised date)--> confirmed --ship--> shipped --deliver--> delivered
    placed|confirmed --cancel(reason)--> cancelled

The retailer confirms (optionally marking lines back-ordered), ships and may cancel until
shipped; the clinic may cancel while placed and confirms delivery. A shipped order the
clinic has not confirmed is delivered automatically after ``AUTO_DELIVER_DAYS``
(:func:`auto_deliver`); its punctuality is then unknown and it does not count toward
delivery precision. The retailer invoices and delivers; Valbar takes no payment.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.events import (
    OrderCancelled,
    OrderConfirmed,
    OrderDelivered,
    OrderEvent,
    OrderPlaced,
    OrderShipped,
    publish,
)
from catalog.models import Offer, Organisation, Retailer, User
from catalog.paging import Page, page_scalars
from marketplace.access import (
    acts_for_clinic,
    is_admin,
    logged_in,
    manages_clinic_org,
    party_to_order,
    require_clinic,
    require_retailer_staff,
)
from marketplace.cart import (
    add_item,
    buyable_offer,
    cart_digest,
    cart_offers,
    get_cart,
    item_changes,
    lock_cart_row,
    suspended_sellers,
)
from marketplace.checkout_details import CheckoutDetails, check_notes, with_defaults
from marketplace.dates import as_utc, local_date
from marketplace.demand import add_event
from marketplace.enums import CancelReason, DemandKind, OrderStatus
from marketplace.errors import (
    AlreadyCheckedOut,
    CartChanged,
    EmptyCart,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
    NotFound,
    OfferUnavailable,
    PriceChanged,
)
from marketplace.models import Cart, CartItem, Order, OrderLine
from marketplace.order_totals import SWEDISH_VAT, GrandTotal, LinePrice, OrderAmounts
from marketplace.order_totals import grand_total as sum_orders
from marketplace.order_totals import order_amounts as _order_amounts

AUTO_DELIVER_DAYS = 14
REPEAT_WINDOW = timedelta(minutes=10)
"""Default of ``checkout_repeat_window_seconds``: an emptied cart checked out again this soon
is a double submit, answered with the orders already placed."""

# action -> (statuses it may start from, status it leads to)
ORDER_TRANSITIONS: dict[str, tuple[frozenset[str], OrderStatus]] = {
    "confirm": (frozenset({OrderStatus.PLACED}), OrderStatus.CONFIRMED),
    "ship": (frozenset({OrderStatus.CONFIRMED}), OrderStatus.SHIPPED),
    "deliver": (frozenset({OrderStatus.SHIPPED}), OrderStatus.DELIVERED),
    "cancel": (frozenset({OrderStatus.PLACED, OrderStatus.CONFIRMED}), OrderStatus.CANCELLED),
}


def next_status(current: str, action: str) -> str:
    """Pure: the status ``action`` leads to from ``current``, else :class:`IllegalTransition`."""
    entry = ORDER_TRANSITIONS.get(action)
    if entry is None or current not in entry[0]:
        raise IllegalTransition("order", current, action)
    return entry[1].value


def on_time(promised: date | None, delivered_at: datetime) -> bool | None:
    """Pure: delivered on or before the promised (Swedish) date; None without a promise."""
    if promised is None:
        return None
    return local_date(delivered_at) <= promised


def split_by_retailer(
    pairs: Iterable[tuple[CartItem, Offer]],
) -> dict[int, list[tuple[CartItem, Offer]]]:
    """Pure: cart items grouped by the retailer of their offer, in cart order."""
    groups: dict[int, list[tuple[CartItem, Offer]]] = defaultdict(list)
    for item, offer in pairs:
        groups[offer.retailer_id].append((item, offer))
    return dict(groups)


def lock_cart(session: Session, user_id: int) -> Cart | None:
    """Lock the user's cart row (:func:`marketplace.cart.lock_cart_row`), then read it and
    its items fresh, as committed by whoever held the lock before. None without a cart."""
    lock_cart_row(session, user_id)
    cart = session.scalar(
        select(Cart).where(Cart.user_id == user_id).execution_options(populate_existing=True)
    )
    if cart is not None:
        session.refresh(cart, ["items"])
    return cart


def _repeated_checkout(
    session: Session, cart: Cart, now: datetime, window: timedelta
) -> AlreadyCheckedOut | None:
    """The checkout that emptied this cart less than ``window`` ago, as the error to raise.
    A zero window is none: the caller recognises repeats itself (an Idempotency-Key)."""
    if window <= timedelta(0):
        return None
    if cart.last_checkout_ref is None or cart.last_checkout_at is None:
        return None
    if now - as_utc(cart.last_checkout_at) > window:
        return None
    ids = session.scalars(
        select(Order.id)
        .where(Order.checkout_ref == cart.last_checkout_ref, Order.clinic_user_id == cart.user_id)
        .order_by(Order.id)
    ).all()
    return AlreadyCheckedOut(cart.last_checkout_ref, ids) if ids else None


def checkout(
    session: Session,
    user: User | None,
    *,
    accept_changes: bool = False,
    now: datetime,
    repeat_window: timedelta = REPEAT_WINDOW,
    expected_cart: str | None = None,
    details: CheckoutDetails | None = None,
    vat_rate: Decimal = SWEDISH_VAT,
) -> list[Order]:
    """Turn the user's cart into one ``placed`` order per retailer and empty the cart.

    The cart row is locked first (:func:`lock_cart`), so concurrent checkouts of one cart
    run one after the other: the first places the orders and records its ``checkout_ref``
    on the cart; the others find the cart emptied by a checkout less than ``repeat_window``
    ago and raise :class:`AlreadyCheckedOut` with that checkout's orders.

    ``expected_cart`` is the :func:`~marketplace.cart.cart_digest` of the cart the clinic
    was shown (the checkout page): a cart edited since (another tab, the API) or an offer
    whose price or stock changed again after the clinic accepted raises
    :class:`CartChanged` instead of placing what the clinic never saw.

    ``details`` (:mod:`marketplace.checkout_details`) go on every retailer order (addresses
    default to the clinic organisation's), each note on its retailer's order; the VAT rate,
    each line's VAT basis and the delivery cost by the retailer's terms are fixed on the
    orders (:mod:`marketplace.order_totals`).
    """
    buyer = require_clinic(user)
    now = as_utc(now)
    cart = lock_cart(session, buyer.id) or get_cart(session, buyer)
    if not cart.items:
        repeated = _repeated_checkout(session, cart, now, repeat_window)
        if repeated is not None:
            raise repeated
        raise EmptyCart("the cart is empty")
    pairs = cart_offers(session, cart)
    shown_off = suspended_sellers(session, pairs)  # as the cart showed them
    if expected_cart is not None and cart_digest(pairs, shown_off) != expected_cart:
        raise CartChanged("the cart changed since it was shown: look at it again")
    for _item, offer in pairs:
        buyable_offer(session, offer.id)
    changes = item_changes(pairs)
    if changes and not accept_changes:
        raise PriceChanged(changes)
    groups = split_by_retailer(pairs)
    given = details or CheckoutDetails()
    check_notes(given, set(groups))
    organisation = (
        session.get(Organisation, buyer.organisation_id) if buyer.organisation_id else None
    )
    given = with_defaults(given, organisation)
    terms = delivery_terms(session, groups)
    ref = secrets.token_hex(8)
    orders = []
    for retailer_id, group in sorted(groups.items()):
        order = Order(
            checkout_ref=ref,
            retailer_id=retailer_id,
            clinic_user_id=buyer.id,
            clinic_organisation_id=buyer.organisation_id,
            buyer_name=buyer.name,
            clinic_name=buyer.clinic or buyer.name,
            status=OrderStatus.PLACED.value,
            placed_at=now,
            currency=group[0][1].currency,
            total=Decimal("0"),
            po_number=given.po_number,
            delivery_address=given.delivery_address,
            invoice_address=given.invoice_address,
            note=given.notes.get(retailer_id),
            vat_rate=vat_rate,
        )
        for item, offer in group:
            price = offer.price if offer.price is not None else Decimal("0")
            order.lines.append(
                OrderLine(
                    offer_id=offer.id,
                    product_id=offer.product_id,
                    sku=offer.sku,
                    name=offer.raw_name,
                    unit_price=price,
                    quantity=item.quantity,
                    stock_status_at_checkout=offer.stock_status,
                    backordered=False,
                    vat_included=offer.vat_included,
                )
            )
            add_event(session, DemandKind.ORDER, product_id=offer.product_id, at=now)
        fee, free_from = terms_in(order.currency, terms.get(retailer_id))
        amounts = amounts_of(order, fee=fee, free_from=free_from)
        order.delivery_cost = amounts.delivery_excl_vat
        # the goods incl. VAT: a price stated excl. VAT counts with its VAT, never summed raw
        # with VAT-included prices (the order pages' "Summa" and the e-mails show it)
        order.total = amounts.lines.incl_vat
        session.add(order)
        orders.append(order)
    cart.items.clear()
    cart.updated_at = now
    cart.last_checkout_ref = ref
    cart.last_checkout_at = now
    session.flush()
    for order in orders:
        publish(session, _event(OrderPlaced, order))
    return orders


def get_order(session: Session, user: User | None, order_id: int) -> Order:
    """An order its clinic user, its retailer's staff or an admin may see."""
    viewer = logged_in(user)
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(f"no order {order_id}")
    if not party_to_order(
        viewer, order.clinic_user_id, order.retailer_id, order.clinic_organisation_id
    ):
        raise NotFound(f"no order {order_id}")  # do not reveal other clinics' orders
    return order


def clinic_side(viewer: User) -> ColumnElement[bool]:
    """Which orders a clinic user is the clinic side of: their own, and every order of their
    clinic organisation when they are its manager."""
    own = Order.clinic_user_id == viewer.id
    if manages_clinic_org(viewer, viewer.organisation_id):
        return or_(own, Order.clinic_organisation_id == viewer.organisation_id)
    return own


def visible_orders(viewer: User) -> Select[Order]:
    """The orders ``viewer`` sees, newest first: a retailer's incoming orders, every order of
    the clinic organisation for its managers, a buyer's own, or all of them (admins)."""
    query = select(Order).order_by(Order.id.desc())
    if viewer.role == "retailer":
        return query.where(Order.retailer_id == viewer.retailer_id)
    if is_admin(viewer):
        return query
    return query.where(clinic_side(viewer))


def list_orders(session: Session, user: User | None) -> list[Order]:
    """Every order the user sees (:func:`visible_orders`), with their lines."""
    query = visible_orders(logged_in(user)).options(selectinload(Order.lines))
    return list(session.scalars(query))


def orders_page(session: Session, user: User | None, *, limit: int, offset: int) -> Page:
    """One page of the orders the user sees (:func:`visible_orders`) and their count."""
    query = visible_orders(logged_in(user)).options(selectinload(Order.lines))
    return page_scalars(session, query, limit=limit, offset=offset)


def _retailer_order(session: Session, user: User | None, order_id: int) -> Order:
    order = get_order(session, user, order_id)
    require_retailer_staff(user, order.retailer_id)
    return order


def confirm(
    session: Session,
    user: User | None,
    order_id: int,
    promised_delivery_date: date,
    *,
    backordered_line_ids: Sequence[int] = (),
    now: datetime,
) -> Order:
    """The retailer accepts the order, promises a delivery date, marks back-ordered lines."""
    order = _retailer_order(session, user, order_id)
    status = next_status(order.status, "confirm")
    now = as_utc(now)
    if promised_delivery_date < local_date(now):
        raise InvalidInput("the promised delivery date is in the past", code="promised_in_past")
    lines = {line.id: line for line in order.lines}
    unknown = set(backordered_line_ids) - set(lines)
    if unknown:
        raise InvalidInput(f"lines {sorted(unknown)} are not in order {order.id}")
    for line_id in backordered_line_ids:
        lines[line_id].backordered = True
    order.status = status
    order.confirmed_at = now
    order.promised_delivery_date = promised_delivery_date
    session.flush()
    publish(session, _handled(OrderConfirmed, order, user))
    return order


def ship(session: Session, user: User | None, order_id: int, *, now: datetime) -> Order:
    order = _retailer_order(session, user, order_id)
    order.status = next_status(order.status, "ship")
    order.shipped_at = as_utc(now)
    session.flush()
    publish(session, _handled(OrderShipped, order, user))
    return order


def _event(kind: type[OrderEvent], order: Order) -> OrderEvent:
    return kind(order_id=order.id, retailer_id=order.retailer_id, clinic_id=order.clinic_user_id)


def _handled(
    kind: type[OrderConfirmed | OrderShipped], order: Order, user: User | None
) -> OrderEvent:
    """The event of a retailer's step, naming the member who took it."""
    return kind(
        order_id=order.id,
        retailer_id=order.retailer_id,
        clinic_id=order.clinic_user_id,
        by_user_id=user.id if user is not None else None,
    )


def _deliver(session: Session, order: Order, now: datetime, by: str) -> None:
    publish(session, _event(OrderDelivered, order))
    order.status = next_status(order.status, "deliver")
    order.delivered_at = as_utc(now)
    order.delivered_by = by
    order.delivered_on_time = on_time(order.promised_delivery_date, now) if by == "clinic" else None


def deliver(session: Session, user: User | None, order_id: int, *, now: datetime) -> Order:
    """The clinic confirms the delivery; punctuality is judged against the promised date."""
    order = get_order(session, user, order_id)
    if not acts_for_clinic(logged_in(user), order.clinic_user_id, order.clinic_organisation_id):
        raise NotAllowed("only the ordering clinic confirms delivery")
    _deliver(session, order, now, "clinic")
    session.flush()
    return order


def cancel(
    session: Session,
    user: User | None,
    order_id: int,
    reason: str,
    *,
    note: str | None = None,
    now: datetime,
) -> Order:
    """Cancel with a reason: the clinic while placed, the retailer until shipped."""
    order = get_order(session, user, order_id)
    actor = logged_in(user)
    if reason not in {r.value for r in CancelReason}:
        raise InvalidInput(f"reason must be one of {', '.join(r.value for r in CancelReason)}")
    status = next_status(order.status, "cancel")
    if acts_for_clinic(actor, order.clinic_user_id, order.clinic_organisation_id):
        if order.status != OrderStatus.PLACED:
            raise IllegalTransition("order", order.status, "cancel (ask the retailer)")
        by = "clinic"
    else:
        require_retailer_staff(actor, order.retailer_id)
        by = "retailer"
    order.status = status
    order.cancelled_at = as_utc(now)
    order.cancel_reason = reason
    order.cancel_note = (note or "").strip() or None
    order.cancelled_by = by
    session.flush()
    publish(session, _event(OrderCancelled, order))
    return order


def auto_deliver(
    session: Session, now: datetime, *, after_days: int = AUTO_DELIVER_DAYS
) -> list[Order]:
    """Mark orders shipped more than ``after_days`` ago as delivered (punctuality unknown)."""
    now = as_utc(now)
    due = session.scalars(
        select(Order).where(
            Order.status == OrderStatus.SHIPPED.value,
            Order.shipped_at <= now - timedelta(days=after_days),
        )
    ).all()
    for order in due:
        _deliver(session, order, now, "auto")
    session.flush()
    return list(due)


def reorder(
    session: Session, user: User | None, order_id: int, *, now: datetime
) -> tuple[list[CartItem], list[OrderLine]]:
    """Put a past order's lines back in the cart at today's prices.

    Returns the cart items added and the lines whose offer can no longer be bought.
    """
    order = get_order(session, user, order_id)
    buyer = require_clinic(user)
    if not acts_for_clinic(buyer, order.clinic_user_id, order.clinic_organisation_id):
        raise NotAllowed("only the ordering clinic can reorder")
    added, skipped = [], []
    for line in order.lines:
        try:
            added.append(add_item(session, buyer, line.offer_id, line.quantity, now=now))
        except (OfferUnavailable, NotFound):
            skipped.append(line)
    return added, skipped


def lines_by_id(session: Session, ids: Collection[int]) -> dict[int, OrderLine]:
    """Order line id -> line, for the ids that exist."""
    if not ids:
        return {}
    return {x.id: x for x in session.scalars(select(OrderLine).where(OrderLine.id.in_(ids)))}


def delivered_orders(
    session: Session,
    clinic_user_id: int,
    *,
    retailer_id: int | None = None,
    product_id: int | None = None,
    limit: int,
) -> list[Order]:
    """The clinic user's newest ``limit`` delivered orders from the retailer, or with the
    product on a line (what a retailer or product review can be tied to)."""
    query = select(Order).where(
        Order.clinic_user_id == clinic_user_id, Order.status == OrderStatus.DELIVERED.value
    )
    if retailer_id is not None:
        query = query.where(Order.retailer_id == retailer_id)
    if product_id is not None:
        query = query.where(
            Order.id.in_(select(OrderLine.order_id).where(OrderLine.product_id == product_id))
        )
    return list(session.scalars(query.order_by(Order.id.desc()).limit(limit)))


def amounts_of(
    order: Order, *, fee: Decimal | None = None, free_from: Decimal | None = None
) -> OrderAmounts:
    """An order's amounts: its delivery cost as fixed at checkout, or (while it is being
    placed, or for an order from before checkouts fixed it) by ``fee`` and ``free_from``."""
    lines = [LinePrice(line.unit_price, line.quantity, line.vat_included) for line in order.lines]
    fixed = order.id is not None and order.vat_rate is not None
    return _order_amounts(
        order.currency,
        lines,
        order_vat_rate(order),
        fee=fee,
        free_from=free_from,
        delivery=order.delivery_cost,
        fixed_delivery=fixed,
    )


def order_vat_rate(order: Order) -> Decimal:
    """The VAT rate an order was placed with (Swedish VAT for orders from before it was kept)."""
    return order.vat_rate if order.vat_rate is not None else SWEDISH_VAT


def checkout_total(orders: Sequence[Order]) -> GrandTotal:
    """The grand total of a checkout's retailer orders."""
    return sum_orders([(amounts_of(order), order_vat_rate(order)) for order in orders])


def cart_totals(
    session: Session, pairs: Sequence[tuple[CartItem, Offer]], vat_rate: Decimal = SWEDISH_VAT
) -> dict[int, OrderAmounts]:
    """What each retailer's order of the cart would add up to now (its current prices, its
    delivery terms), by retailer id; priced items only (an item without a price cannot be
    checked out)."""
    groups = split_by_retailer(pairs)
    terms = delivery_terms(session, groups)
    totals: dict[int, OrderAmounts] = {}
    for retailer_id, group in groups.items():
        fee, free_from = terms_in(group[0][1].currency, terms.get(retailer_id))
        lines = [
            LinePrice(offer.price, item.quantity, offer.vat_included)
            for item, offer in group
            if offer.price is not None
        ]
        totals[retailer_id] = _order_amounts(
            group[0][1].currency, lines, vat_rate, fee=fee, free_from=free_from
        )
    return totals


Terms = tuple[Decimal | None, Decimal | None]


def delivery_terms(session: Session, retailer_ids: Collection[int]) -> dict[int, Terms]:
    """Each retailer's stated delivery fee and free-shipping value (SEK excl. VAT)."""
    return {
        r.id: (r.delivery_fee, r.free_shipping_from)
        for r in session.scalars(select(Retailer).where(Retailer.id.in_(retailer_ids)))
    }


def terms_in(currency: str, terms: Terms | None) -> Terms:
    """The terms that apply to an order in ``currency``: the retailer states them in SEK, so
    an order in another currency has its delivery cost not stated (never SEK read as EUR)."""
    if terms is None or currency != "SEK":
        return None, None
    return terms
