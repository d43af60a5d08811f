"""One cart per user with offers from any number of retailers (PRODUCT.md point 8).

Each item remembers the price and stock status shown when it was added, so checkout can
report what changed since (:func:`item_changes`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from catalog.db import rows_matched
from catalog.enums import OrgStatus
from catalog.models import Offer, Organisation, User
from marketplace.access import require_clinic
from marketplace.dates import as_utc, utc_now
from marketplace.demand import add_event
from marketplace.enums import DemandKind
from marketplace.errors import (
    RETAILER_SUSPENDED,
    InvalidInput,
    ItemChange,
    NotFound,
    OfferUnavailable,
)
from marketplace.models import Cart, CartItem

MAX_QUANTITY = 100_000


def lock_cart_row(session: Session, user_id: int) -> None:
    """Take the user's cart row for this transaction, before reading anything of it.

    An ``UPDATE`` that changes nothing: on PostgreSQL it takes the row lock, on SQLite the
    database write lock (pysqlite begins the transaction at the first write, so nothing
    read before it can be stale). Every change of a cart starts with it, so checkout and
    cart edits of one cart run one after the other and always lock in the same order (the
    cart, then its items): no deadlock between them.

    A user without a cart gets one first (``INSERT ... ON CONFLICT DO NOTHING``): an
    ``UPDATE`` of no row locks nothing on PostgreSQL, so two first edits at once (a double
    click on "Lägg i varukorg") would both insert a cart and one would fail on the unique
    ``user_id``. The insert waits for a concurrent one and then does nothing; the
    ``UPDATE`` after it locks the row either way.
    """
    lock = (
        update(Cart)
        .where(Cart.user_id == user_id)
        .values(last_checkout_ref=Cart.last_checkout_ref)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(session.execute(lock)) == 0:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        now = utc_now()
        session.execute(
            insert(Cart)
            .values(user_id=user_id, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=[Cart.user_id])
        )
        session.execute(lock)


def get_cart(session: Session, user: User | None, *, create: bool = True) -> Cart:
    """The clinic user's cart (created empty on first use); other roles have none
    (:class:`~marketplace.errors.NotAllowed`, as the cart page refuses them)."""
    owner = require_clinic(user)
    cart = session.scalar(select(Cart).where(Cart.user_id == owner.id))
    if cart is None:
        cart = Cart(user_id=owner.id)
        if create:
            session.add(cart)
            session.flush()
    return cart


def buyable_offer(session: Session, offer_id: int) -> Offer:
    """An active offer with a price, else :class:`NotFound` / :class:`OfferUnavailable`."""
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(f"no offer {offer_id}")
    if offer.withdrawn_at is not None or offer.price is None:
        raise OfferUnavailable(f"offer {offer_id} ({offer.raw_name}) can no longer be bought")
    seller = session.scalar(
        select(Organisation.status).where(Organisation.retailer_id == offer.retailer_id)
    )
    if seller is not None and seller != OrgStatus.ACTIVE.value:
        # a suspended retailer sells nothing: its members cannot sign in to confirm or ship
        raise OfferUnavailable(
            f"offer {offer_id} ({offer.raw_name}) cannot be bought: its retailer is {seller}"
        )
    return offer


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(
            f"quantity must be within 1..{MAX_QUANTITY}", code="quantity", high=MAX_QUANTITY
        )


def add_item(
    session: Session, user: User | None, offer_id: int, quantity: int, *, now: datetime
) -> CartItem:
    """Add an offer (or more of it); the snapshot is refreshed to what the clinic sees now."""
    _check_quantity(quantity)
    lock_cart_row(session, require_clinic(user).id)
    cart = get_cart(session, user)
    offer = buyable_offer(session, offer_id)
    now = as_utc(now)
    item = next((i for i in cart.items if i.offer_id == offer_id), None)
    if item is None:
        item = CartItem(offer_id=offer.id, quantity=0, added_at=now)
        cart.items.append(item)
    _check_quantity(item.quantity + quantity)
    item.quantity += quantity
    item.price_at_add = offer.price
    item.stock_status_at_add = offer.stock_status
    cart.updated_at = now
    add_event(session, DemandKind.CART_ADD, product_id=offer.product_id, at=now)
    session.flush()
    return item


def _own_item(cart: Cart, item_id: int) -> CartItem:
    item = next((i for i in cart.items if i.id == item_id), None)
    if item is None:
        raise NotFound(f"no item {item_id} in your cart")
    return item


def set_quantity(
    session: Session, user: User | None, item_id: int, quantity: int, *, now: datetime
) -> CartItem:
    _check_quantity(quantity)
    lock_cart_row(session, require_clinic(user).id)
    cart = get_cart(session, user)
    item = _own_item(cart, item_id)
    item.quantity = quantity
    cart.updated_at = as_utc(now)
    session.flush()
    return item


def remove_item(session: Session, user: User | None, item_id: int, *, now: datetime) -> None:
    lock_cart_row(session, require_clinic(user).id)
    cart = get_cart(session, user)
    cart.items.remove(_own_item(cart, item_id))
    cart.updated_at = as_utc(now)
    session.flush()


def suspended_sellers(session: Session, pairs: Iterable[tuple[CartItem, Offer]]) -> frozenset[int]:
    """The retailer ids of ``pairs``' offers whose organisation is not active (suspended,
    say): their offers cannot be bought (:func:`buyable_offer`), and the cart says so."""
    ids = {offer.retailer_id for _item, offer in pairs}
    if not ids:
        return frozenset()
    found = session.scalars(
        select(Organisation.retailer_id).where(
            Organisation.retailer_id.in_(ids), Organisation.status != OrgStatus.ACTIVE.value
        )
    )
    return frozenset(rid for rid in found if rid is not None)


def unavailable_reason(offer: Offer, suspended: frozenset[int] = frozenset()) -> str | None:
    """Pure: why ``offer`` cannot be bought now (``withdrawn``, ``no_price``,
    ``retailer_suspended``), None when it can (as :func:`buyable_offer` decides)."""
    if offer.withdrawn_at is not None:
        return "withdrawn"
    if offer.price is None:
        return "no_price"
    if offer.retailer_id in suspended:
        return RETAILER_SUSPENDED
    return None


def item_changes(
    pairs: Iterable[tuple[CartItem, Offer]], suspended: frozenset[int] = frozenset()
) -> list[ItemChange]:
    """Pure: the items whose offer's price or stock status differs from the snapshot, or
    whose retailer is in ``suspended`` (:func:`suspended_sellers`)."""
    changes = []
    for item, offer in pairs:
        off = offer.retailer_id in suspended
        if (
            off
            or item.price_at_add != offer.price
            or item.stock_status_at_add != offer.stock_status
        ):
            changes.append(
                ItemChange(
                    item_id=item.id,
                    offer_id=offer.id,
                    name=offer.raw_name,
                    old_price=item.price_at_add,
                    new_price=offer.price,
                    old_stock=item.stock_status_at_add,
                    new_stock=offer.stock_status,
                    unavailable=RETAILER_SUSPENDED if off else None,
                )
            )
    return changes


def cart_digest(
    pairs: Iterable[tuple[CartItem, Offer]], suspended: frozenset[int] = frozenset()
) -> str:
    """Pure: a fingerprint of the cart as the clinic sees it: each item's offer and quantity
    with the offer's current price, stock status and availability (order independent)."""
    digest = hashlib.sha256()
    for item, offer in sorted(pairs, key=lambda pair: (pair[0].offer_id, pair[0].quantity)):
        available = unavailable_reason(offer, suspended) is None
        digest.update(
            f"{offer.id}:{item.quantity}:{offer.price}:{offer.stock_status}:{available};".encode()
        )
    return digest.hexdigest()[:32]


def cart_offers(session: Session, cart: Cart) -> list[tuple[CartItem, Offer]]:
    """Each item with its offer as it is now."""
    ids = [item.offer_id for item in cart.items]
    offers = {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_(ids)))}
    return [(item, offers[item.offer_id]) for item in cart.items]


def pending_changes(session: Session, user: User | None) -> list[ItemChange]:
    """What changed since the items were added (shown in the cart before checkout)."""
    cart = get_cart(session, user, create=False)
    if cart.id is None:
        return []
    pairs = cart_offers(session, cart)
    return item_changes(pairs, suspended_sellers(session, pairs))
