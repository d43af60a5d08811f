"""Price watches: a clinic user watches a product to be told (in-app, and by e-mail as
their preferences say: kind ``price_alert``; ``marketplace.price_alerts`` evaluates them
after each feed run) when

* the lowest buyable price falls below their target (``below``),
* the product is back in stock: a buyable offer again after none (``in_stock``),
* their preferred retailer lists it: an active offer after none (``listed``).

The watch keeps the states it last saw; a new watch starts from the product's state now, so
it fires on the next crossing, not at once.

One watch per user and product (a unique constraint): watching again changes its options;
two identical requests at once leave one watch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import Product, Retailer, User
from catalog.paging import Page, page_rows
from marketplace.access import require_clinic
from marketplace.dates import as_utc
from marketplace.errors import InvalidInput, NotFound
from marketplace.models import PriceWatch
from marketplace.price_history import ProductState, current_states

log = logging.getLogger(__name__)
MAX_TARGET = Decimal("9999999999.99")
MAX_WATCHES = 500
"""Watches one user may keep (a bound on what one account adds to every evaluation)."""
_CHUNK = 900
REASONS = ("below", "in_stock", "listed")


@dataclass(frozen=True, slots=True)
class WatchView:
    """A watch with its product's name and lowest buyable price now."""

    watch: PriceWatch
    product_name: str
    retailer_slug: str | None
    retailer_name: str | None
    lowest: Decimal | None


def parse_target(raw: str | Decimal | None) -> Decimal | None:
    """A target price as typed (``"1 234,50"`` or ``1234.5``); None for empty. Pure."""
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = raw.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(
                f"target_price: {raw!r} is not a price", code="target_price", value=raw
            ) from None
    if not value.is_finite() or not Decimal("0") < value <= MAX_TARGET:
        raise InvalidInput(
            f"target_price must be above 0 and at most {MAX_TARGET}",
            code="target_price",
            value=str(raw),
        )
    return value.quantize(Decimal("0.01"))


def states_for(
    target_price: Decimal | None, retailer_id: int | None, state: ProductState
) -> tuple[bool, bool, bool]:
    """A watch's (below its target, buyable, listed by its retailer) given its product's
    ``state``. Pure."""
    below = target_price is not None and state.lowest is not None and state.lowest < target_price
    listed = retailer_id is not None and retailer_id in state.retailers
    return below, state.buyable, listed


def watch(
    session: Session,
    user: User | None,
    product_id: int,
    *,
    target_price: Decimal | None,
    back_in_stock: bool,
    retailer_slug: str | None,
    now: datetime,
) -> PriceWatch:
    """Watch ``product_id`` (or change the options of the watch the user has); the caller
    commits. Refused: not a clinic user, no such product or retailer, no condition."""
    owner = require_clinic(user)
    if session.get(Product, product_id) is None:
        raise NotFound(f"no product with id {product_id}")
    retailer_id = None
    if retailer_slug:
        retailer_id = session.scalar(select(Retailer.id).where(Retailer.slug == retailer_slug))
        if retailer_id is None:
            raise NotFound(
                f"no retailer {retailer_slug!r}", code="retailer_unknown", slug=retailer_slug
            )
    if target_price is None and not back_in_stock and retailer_id is None:
        raise InvalidInput(
            "choose a target price, back in stock or a retailer to watch for",
            code="watch_empty",
        )
    now = as_utc(now)
    found = session.scalar(
        select(PriceWatch).where(
            PriceWatch.user_id == owner.id, PriceWatch.product_id == product_id
        )
    )
    if found is None:
        full = session.scalar(  # the user's MAX_WATCHES-th watch, if there is one
            select(PriceWatch.id)
            .where(PriceWatch.user_id == owner.id)
            .order_by(PriceWatch.id)
            .limit(1)
            .offset(MAX_WATCHES - 1)
        )
        if full is not None:
            raise InvalidInput(
                f"at most {MAX_WATCHES} watches per user", code="watch_limit", limit=MAX_WATCHES
            )
        created = PriceWatch(user_id=owner.id, product_id=product_id, created_at=now)
        try:
            with session.begin_nested():  # two identical requests at once: one watch
                session.add(created)
        except IntegrityError:
            created = session.scalars(
                select(PriceWatch).where(
                    PriceWatch.user_id == owner.id, PriceWatch.product_id == product_id
                )
            ).one()
        found = created
    found.target_price = target_price
    found.back_in_stock = back_in_stock
    found.retailer_id = retailer_id
    found.updated_at = now
    state = current_states(session, [product_id])[product_id]
    found.below, found.in_stock, found.listed = states_for(
        found.target_price, found.retailer_id, state
    )
    session.flush()
    return found


def unwatch(session: Session, user: User | None, product_id: int) -> bool:
    """Stop watching; False when there was no watch (the caller commits)."""
    owner = require_clinic(user)
    result = session.execute(
        delete(PriceWatch)
        .where(PriceWatch.user_id == owner.id, PriceWatch.product_id == product_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def watch_of(session: Session, user: User | None, product_id: int) -> PriceWatch | None:
    if user is None or user.role != "clinic":
        return None
    return session.scalar(
        select(PriceWatch).where(PriceWatch.user_id == user.id, PriceWatch.product_id == product_id)
    )


def watches_of(
    session: Session, user: User | None, *, limit: int = MAX_WATCHES, offset: int = 0
) -> Page:
    """A page of the user's watches (``WatchView``), newest first, with each product's lowest
    buyable price now; ``count`` is all of them."""
    owner = require_clinic(user)
    query = (
        select(PriceWatch, Product.name, Retailer.slug, Retailer.name)
        .join(Product, Product.id == PriceWatch.product_id)
        .outerjoin(Retailer, Retailer.id == PriceWatch.retailer_id)
        .where(PriceWatch.user_id == owner.id)
        .order_by(PriceWatch.created_at.desc(), PriceWatch.id.desc())
    )
    rows, count = page_rows(session, query, limit=limit, offset=offset)
    states = current_states(session, [w.product_id for w, *_ in rows])
    views = [
        WatchView(w, name, slug, rname, states[w.product_id].lowest)
        for w, name, slug, rname in rows
    ]
    return Page(views, count, limit, offset)


def view_of(session: Session, watch: PriceWatch) -> WatchView:
    """One watch as `watches_of` shows it."""
    product = session.get(Product, watch.product_id)
    retailer = session.get(Retailer, watch.retailer_id) if watch.retailer_id is not None else None
    state = current_states(session, [watch.product_id])[watch.product_id]
    return WatchView(
        watch,
        product.name if product is not None else f"#{watch.product_id}",
        retailer.slug if retailer is not None else None,
        retailer.name if retailer is not None else None,
        state.lowest,
    )
