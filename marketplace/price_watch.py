"""Price watches: a clinic user watches a product and is told (in-app, and by e-mail as
their preferences say: kind ``price_alert``) when

* the lowest buyable price falls below their target (``below``),
* the product is back in stock: a buyable offer again after none (``in_stock``),
* their preferred retailer lists it: an active offer after none (``listed``).

Watches are evaluated after each feed run, for the products of the offers whose price or
stock that run recorded a change of (``OfferHistoryRecorded``: the run's ``offer_history``
rows), never by scanning every watch. Each condition fires once per crossing: the watch keeps
the state it last saw, an alert fires when a state turns true (a conditional UPDATE: two runs
evaluating at once fire it once) and re-arms when it turns false again. A new watch starts
from the product's state now, so it fires on the next crossing, not at once.

One watch per user and product (a unique constraint): watching again changes its options;
two identical requests at once leave one watch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from catalog.events import EventBus, OfferHistoryRecorded
from catalog.models import Offer, OfferHistory, Product, Retailer, User
from catalog.paging import Page, page_rows
from marketplace import preferences as prefs
from marketplace.access import require_clinic
from marketplace.alerts import Values
from marketplace.dates import as_utc, utc_now
from marketplace.errors import InvalidInput, NotFound
from marketplace.mail import queue_email
from marketplace.models import Notification, PriceWatch
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


def _states_for(watch: PriceWatch, state: ProductState) -> tuple[bool, bool, bool]:
    below = (
        watch.target_price is not None
        and state.lowest is not None
        and state.lowest < watch.target_price
    )
    listed = watch.retailer_id is not None and watch.retailer_id in state.retailers
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
    found.below, found.in_stock, found.listed = _states_for(found, state)
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


# ---------------------------------------------------------------- evaluation after a run


def changed_products(session: Session, run_id: int) -> set[int]:
    """The products of the offers whose price or stock run ``run_id`` recorded a change of."""
    rows = session.scalars(
        select(Offer.product_id)
        .join(OfferHistory, OfferHistory.offer_id == Offer.id)
        .where(OfferHistory.feed_run_id == run_id, Offer.product_id.is_not(None))
        .distinct()
    )
    return {int(pid) for pid in rows if pid is not None}


def _flip(session: Session, watch_id: int, column: str, to: bool) -> bool:
    """Set the watch's state ``column`` to ``to`` unless it already is: True when this call
    changed it (so only one evaluation fires a crossing)."""
    col = getattr(PriceWatch, column)
    result = session.execute(
        update(PriceWatch)
        .where(PriceWatch.id == watch_id, col.is_(not to))
        .values({column: to})
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def evaluate(session: Session, product_ids: Iterable[int], *, run_id: int, now: datetime) -> int:
    """Evaluate the watches of ``product_ids``: fire the crossings, re-arm the others;
    commits. Returns the alerts told."""
    ids = sorted(set(product_ids))
    if not ids:
        return 0
    watches: list[PriceWatch] = []
    for i in range(0, len(ids), _CHUNK):
        watches.extend(
            session.scalars(
                select(PriceWatch).where(PriceWatch.product_id.in_(ids[i : i + _CHUNK]))
            )
        )
    if not watches:
        return 0
    states = current_states(session, {w.product_id for w in watches})
    watched = sorted({w.product_id for w in watches})
    names: dict[int, str] = {}
    for i in range(0, len(watched), _CHUNK):
        rows = session.execute(
            select(Product.id, Product.name).where(Product.id.in_(watched[i : i + _CHUNK]))
        )
        names.update((int(pid), str(name)) for pid, name in rows)
    wanted = [
        (w, now_)
        for w in watches
        for now_ in [_states_for(w, states[w.product_id])]
        if now_ != (w.below, w.in_stock, w.listed)
    ]
    session.commit()  # nothing written yet: end the read transaction
    told = 0
    cache = _Recipients(session)
    for k, (w, (below, in_stock, listed)) in enumerate(wanted):
        fire: list[str] = []
        for reason, to, was, enabled in (
            ("below", below, w.below, w.target_price is not None),
            ("in_stock", in_stock, w.in_stock, w.back_in_stock),
            ("listed", listed, w.listed, w.retailer_id is not None),
        ):
            if to != was and _flip(session, w.id, reason, to) and to and enabled:
                fire.append(reason)
        user = cache.user(w.user_id) if fire else None
        for reason in fire if user is not None else ():
            assert user is not None
            state = states[w.product_id]
            values: Values = {
                "reason": reason,
                "product": names.get(w.product_id) or f"#{w.product_id}",
                "product_id": w.product_id,
                "price": f"{state.lowest:.2f}" if state.lowest is not None else "",
                "target": f"{w.target_price:.2f}" if w.target_price is not None else "",
                "retailer": cache.retailer(w.retailer_id),
                "link": f"/produkt/{w.product_id}",
            }
            ref = f"watch:{w.id}:{reason}:run:{run_id}"
            told += _tell(session, user, ref, values, now)
        if k % COMMIT_EVERY == COMMIT_EVERY - 1:
            session.commit()
    session.commit()
    return told


COMMIT_EVERY = 500
"""Watches evaluated per commit: a crossing's flip and its notification commit together."""


class _Recipients:
    """Users, their preferences and retailers' names, read once per evaluation."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._users: dict[int, tuple[User, prefs.Preferences] | None] = {}
        self._retailers: dict[int, str] = {}

    def user(self, user_id: int) -> tuple[User, prefs.Preferences] | None:
        if user_id not in self._users:
            found = self.session.get(User, user_id)
            self._users[user_id] = (
                (found, prefs.preferences_of(self.session, user_id))
                if found is not None and found.active
                else None
            )
        return self._users[user_id]

    def retailer(self, retailer_id: int | None) -> str:
        if retailer_id is None:
            return ""
        if retailer_id not in self._retailers:
            found = self.session.get(Retailer, retailer_id)
            self._retailers[retailer_id] = found.name if found is not None else ""
        return self._retailers[retailer_id]


def _tell(
    session: Session,
    recipient: tuple[User, prefs.Preferences],
    ref: str,
    values: Values,
    now: datetime,
) -> bool:
    """The notification, and the e-mail when the user wants price alerts by e-mail (as
    ``marketplace.alerts.tell``), in a savepoint of the evaluation's transaction: a repeat
    adds nothing, a failure spares the other alerts. True when added."""
    user, chosen = recipient
    kind = prefs.PRICE_ALERT
    found = session.scalar(
        select(Notification.id).where(
            Notification.user_id == user.id, Notification.kind == kind, Notification.ref == ref
        )
    )
    if found is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                Notification(
                    user_id=user.id, kind=kind, ref=ref, values=dict(values), created_at=now
                )
            )
            if chosen.wants_email(kind):
                queue_email(
                    session,
                    to=user.email,
                    template=f"notify_{kind}",
                    lang=chosen.lang,
                    context={**values, "name": user.name},
                    user_id=user.id,
                    dedupe_key=f"{kind}:{ref}:user:{user.id}",
                )
    except IntegrityError:  # the same alert told at once elsewhere: one of each
        return False
    except Exception:  # one user's failure is not the others'
        log.exception("price alert %s for user %s failed", ref, user.id)
        return False
    return True


def on_history(factory: sessionmaker[Session], event: OfferHistoryRecorded) -> int:
    """``OfferHistoryRecorded``: evaluate the watches of the run's changed products."""
    with factory() as session:
        products = changed_products(session, event.run_id)
        return evaluate(session, products, run_id=event.run_id, now=utc_now())


def subscribe(bus: EventBus, factory: sessionmaker[Session]) -> None:
    """Evaluate price watches after each feed run that recorded changes (once per bus)."""

    def register(b: EventBus) -> None:
        def handle(event: OfferHistoryRecorded) -> None:
            on_history(factory, event)

        b.subscribe(OfferHistoryRecorded, handle)

    bus.subscribe_once("marketplace.price_watch", register)
