"""Price alerts: after each feed run, the watches of the products whose offers the run
recorded a change of (``OfferHistoryRecorded``: its ``offer_history`` rows) are evaluated,
never every watch. Each condition fires once per crossing: a watch keeps the states it last
saw (``below`` / ``in_stock`` / ``listed``, ``marketplace.price_watch``); a state that turns
true fires, one that turns false re-arms. The turns are conditional UPDATEs with RETURNING,
so two evaluations at once fire a crossing once, and the flips, the notifications and the
e-mails (kind ``price_alert``, as each user's preferences say) commit together.

Set-wise for speed (a run may cross thousands of watches): the watches, users, preferences
and refs are read per chunk and the notifications and e-mails written by executemany; a
chunk that meets a twin written at the same moment is written again one alert at a time.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from catalog.events import EventBus, OfferHistoryRecorded
from catalog.models import Offer, OfferHistory, Product, Retailer, User
from marketplace import preferences as prefs
from marketplace.dates import utc_now
from marketplace.dispatch import mark_pending
from marketplace.models import Notification, OutgoingEmail, PriceWatch
from marketplace.price_history import ProductState, current_states
from marketplace.price_watch import states_for

log = logging.getLogger(__name__)
_CHUNK = 900
KIND = prefs.PRICE_ALERT
TEMPLATE = f"notify_{KIND}"


@dataclass(frozen=True, slots=True)
class Alert:
    watch_id: int
    user_id: int
    product_id: int
    reason: str
    values: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"watch:{self.watch_id}:{self.reason}:run:{self.values['run_id']}"


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def changed_products(session: Session, run_id: int) -> set[int]:
    """The products of the offers whose price or stock run ``run_id`` recorded a change of."""
    rows = session.scalars(
        select(Offer.product_id)
        .join(OfferHistory, OfferHistory.offer_id == Offer.id)
        .where(OfferHistory.feed_run_id == run_id, Offer.product_id.is_not(None))
        .distinct()
    )
    return {int(pid) for pid in rows if pid is not None}


def _turns(
    watches: Sequence[Any], states: dict[int, ProductState]
) -> dict[tuple[str, bool], list[int]]:
    """The watches whose states change, by (state, new value). Pure."""
    out: dict[tuple[str, bool], list[int]] = defaultdict(list)
    for w in watches:
        now = states_for(w.target_price, w.retailer_id, states[w.product_id])
        for reason, new, old in zip(
            ("below", "in_stock", "listed"), now, (w.below, w.in_stock, w.listed), strict=True
        ):
            if new != old:
                out[(reason, new)].append(w.id)
    return out


def _flip(session: Session, reason: str, to: bool, ids: Sequence[int]) -> set[int]:
    """Set state ``reason`` of these watches to ``to`` where it is not yet: the ids this
    evaluation changed (another one at once changes the others)."""
    col = getattr(PriceWatch, reason)
    out: set[int] = set()
    for part in _chunks(ids):
        out.update(
            session.scalars(
                update(PriceWatch)
                .where(PriceWatch.id.in_(list(part)), col.is_(not to))
                .values({reason: to})
                .returning(PriceWatch.id)
                .execution_options(synchronize_session=False)
            )
        )
    return out


def _names(
    session: Session, model: type[Product] | type[Retailer], ids: set[int]
) -> dict[int, str]:
    out: dict[int, str] = {}
    for part in _chunks(sorted(ids)):
        rows = session.execute(select(model.id, model.name).where(model.id.in_(list(part))))
        out.update((int(i), str(n)) for i, n in rows)
    return out


def evaluate(session: Session, product_ids: Iterable[int], *, run_id: int, now: datetime) -> int:
    """Evaluate the watches of ``product_ids``: fire the crossings, re-arm the others;
    commits. Returns the alerts told."""
    ids = sorted(set(product_ids))
    watches: list[Any] = []
    for part in _chunks(ids):
        watches.extend(
            session.execute(
                select(
                    PriceWatch.id,
                    PriceWatch.user_id,
                    PriceWatch.product_id,
                    PriceWatch.target_price,
                    PriceWatch.back_in_stock,
                    PriceWatch.retailer_id,
                    PriceWatch.below,
                    PriceWatch.in_stock,
                    PriceWatch.listed,
                ).where(PriceWatch.product_id.in_(list(part)))
            ).all()
        )
    if not watches:
        session.commit()
        return 0
    states = current_states(session, {w.product_id for w in watches})
    fired: set[tuple[int, str]] = set()
    for (reason, to), wids in _turns(watches, states).items():
        flipped = _flip(session, reason, to, wids)
        if to:
            fired.update((wid, reason) for wid in flipped)
    enabled = {
        "below": lambda w: w.target_price is not None,
        "in_stock": lambda w: bool(w.back_in_stock),
        "listed": lambda w: w.retailer_id is not None,
    }
    chosen = [
        (w, reason)
        for w in watches
        for reason in ("below", "in_stock", "listed")
        if (w.id, reason) in fired and enabled[reason](w)
    ]
    products = _names(session, Product, {w.product_id for w, _r in chosen})
    retailers = _names(session, Retailer, {w.retailer_id for w, _r in chosen if w.retailer_id})
    alerts = [
        Alert(
            w.id,
            w.user_id,
            w.product_id,
            reason,
            _values(w, reason, states, products, retailers, run_id),
        )
        for w, reason in chosen
    ]
    told = tell(session, alerts, now=now)
    session.commit()
    return told


def _values(
    w: Any,
    reason: str,
    states: dict[int, ProductState],
    products: dict[int, str],
    retailers: dict[int, str],
    run_id: int,
) -> dict[str, Any]:
    lowest: Decimal | None = states[w.product_id].lowest
    return {
        "reason": reason,
        "product": products.get(w.product_id, f"#{w.product_id}"),
        "product_id": w.product_id,
        "price": f"{lowest:.2f}" if lowest is not None else "",
        "target": f"{w.target_price:.2f}" if w.target_price is not None else "",
        "retailer": retailers.get(w.retailer_id, "") if w.retailer_id is not None else "",
        "link": f"/produkt/{w.product_id}",
        "run_id": run_id,
    }


def tell(session: Session, alerts: Sequence[Alert], *, now: datetime) -> int:
    """The notifications of ``alerts`` and, for the users who want price alerts by e-mail,
    their e-mails (in their language), in the caller's transaction; an alert already told
    (``ref``) adds nothing. Returns the notifications added."""
    told = 0
    for part in _chunks(alerts):
        try:
            with session.begin_nested():
                told += _tell_chunk(session, list(part), now)
        except IntegrityError:  # a twin written at the same moment: one alert at a time
            for alert in part:
                try:
                    with session.begin_nested():
                        told += _tell_chunk(session, [alert], now)
                except IntegrityError:
                    continue
    return told


def _tell_chunk(session: Session, alerts: list[Alert], now: datetime) -> int:
    refs = [a.ref for a in alerts]
    known = set(
        session.execute(
            select(Notification.user_id, Notification.ref).where(
                Notification.kind == KIND, Notification.ref.in_(refs)
            )
        ).all()
    )
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_(sorted({a.user_id for a in alerts})), User.active)
        )
    }
    chosen = prefs.preferences_for(session, list(users))
    notes: list[dict[str, Any]] = []
    mails: list[dict[str, Any]] = []
    for a in alerts:
        user = users.get(a.user_id)
        if user is None or (a.user_id, a.ref) in known:
            continue
        values = {k: v for k, v in a.values.items() if k != "run_id"}
        notes.append(
            {"user_id": user.id, "kind": KIND, "ref": a.ref, "values": values, "created_at": now}
        )
        pref = chosen[user.id]
        if pref.wants_email(KIND):
            mails.append(
                {
                    "to_address": user.email,
                    "user_id": user.id,
                    "template": TEMPLATE,
                    "lang": pref.lang,
                    "context": {**values, "name": user.name},
                    "dedupe_key": f"{KIND}:{a.ref}:user:{user.id}",
                    "status": "queued",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    if notes:
        session.execute(insert(_table(Notification)), notes)
    if mails:
        session.execute(insert(_table(OutgoingEmail)), mails)
        mark_pending(session)  # sent right after the commit
    return len(notes)


def _table(model: type[Notification] | type[OutgoingEmail]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


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

    bus.subscribe_once("marketplace.price_alerts", register)
