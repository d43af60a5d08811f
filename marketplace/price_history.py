"""A product's price history, read from ``offer_history`` (``indexer.price_history``).

Per Swedish calendar day of a window (30, 90, 365 days ending today): the lowest buyable
price (in stock, or on backorder with a date: ``ranking.price_basis.is_buyable``) and each
retailer's price (its cheapest listed offer of the product). A day's value is the lowest the
offer had at any moment of that day: its state when the day began (the last row before) and
every change during it. Only prices in the marketplace currency (SEK) are compared for the
lowest; a retailer's series keeps its own currency.

An offer without any history row (stored before history was recorded and not migrated, or
written outside a feed run) counts with its current state from its first sighting.
`current_states` is what price alerts evaluate: the product's state now, from the offers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.listing import listed_seller
from catalog.models import Offer, OfferHistory, Product, Retailer
from marketplace.dates import LOCAL_TZ, as_utc, local_date
from marketplace.errors import InvalidInput, NotFound
from ranking.price_basis import is_buyable
from search.prices import MARKETPLACE_CURRENCY

WINDOWS = (30, 90, 365)
"""The windows the product page offers (the API takes any number of days up to MAX_DAYS)."""
MAX_DAYS = 730
_CHUNK = 900


@dataclass(frozen=True, slots=True)
class State:
    """An offer's state from ``at`` on."""

    at: datetime
    price: Decimal | None
    currency: str
    buyable: bool
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class RetailerSeries:
    retailer_id: int
    slug: str
    name: str
    currency: str
    prices: tuple[Decimal | None, ...]  # per day; None: not listed that day


@dataclass(frozen=True, slots=True)
class Position:
    """Where the current lowest buyable price stands in the window."""

    current: Decimal | None
    low: Decimal | None  # the window's lowest daily lowest
    high: Decimal | None
    lowest: bool  # the current price is the window's lowest ("lägsta på 90 dagar")
    above_low_percent: float | None  # how far above the window's lowest, in percent


@dataclass(frozen=True, slots=True)
class PriceHistory:
    product_id: int
    days: tuple[date, ...]
    lowest: tuple[Decimal | None, ...]  # lowest buyable SEK price per day
    retailers: tuple[RetailerSeries, ...]
    position: Position
    currency: str = MARKETPLACE_CURRENCY

    @property
    def empty(self) -> bool:
        return all(p is None for p in self.lowest) and all(
            all(p is None for p in r.prices) for r in self.retailers
        )


@dataclass(slots=True)
class ProductState:
    """A product's offers now, as price alerts see them."""

    lowest: Decimal | None = None  # lowest buyable SEK price
    buyable: bool = False
    retailers: set[int] = field(default_factory=set)  # retailers with an active offer


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be within 1..{MAX_DAYS}", code="days", high=MAX_DAYS)
    return days


def _day_start(day: date) -> datetime:
    return as_utc(datetime.combine(day, time.min, tzinfo=LOCAL_TZ))


def _states(
    session: Session, offers: Sequence[tuple[int, int, Offer]], since: datetime
) -> dict[int, list[State]]:
    """Each offer's states: the last before ``since`` (its state when the window starts),
    then every change since, oldest first."""
    ids = [oid for oid, _rid, _o in offers]
    out: dict[int, list[State]] = defaultdict(list)

    def state(h: OfferHistory) -> State:
        return State(as_utc(h.changed_at), h.price, h.currency, h.buyable, h.withdrawn)

    for i in range(0, len(ids), _CHUNK):
        part = ids[i : i + _CHUNK]
        last_before = (
            select(func.max(OfferHistory.id))
            .where(OfferHistory.offer_id.in_(part), OfferHistory.changed_at < since)
            .group_by(OfferHistory.offer_id)
        )
        rows = session.scalars(
            select(OfferHistory)
            .where(
                OfferHistory.offer_id.in_(part),
                (OfferHistory.changed_at >= since) | OfferHistory.id.in_(last_before),
            )
            .order_by(OfferHistory.changed_at, OfferHistory.id)
        )
        for h in rows:
            out[h.offer_id].append(state(h))
    for oid, _rid, o in offers:
        if oid not in out:  # no history: its current state since it was first seen
            out[oid].append(
                State(
                    as_utc(o.first_seen),
                    o.price,
                    o.currency,
                    is_buyable(o.stock_status, o.delivery_days),
                    o.withdrawn_at is not None,
                )
            )
    return out


def _daily(states: list[State], days: Sequence[date]) -> list[list[State]]:
    """Per day, the states the offer had at some moment of it."""
    out: list[list[State]] = []
    current: State | None = None
    i = 0
    for day in days:
        end = _day_start(day + timedelta(days=1))
        held = [current] if current is not None else []
        while i < len(states) and states[i].at < end:
            current = states[i]
            held.append(current)
            i += 1
        out.append(held)
    return out


def _min(values: Iterable[Decimal | None]) -> Decimal | None:
    found = [v for v in values if v is not None]
    return min(found) if found else None


def price_history(
    session: Session,
    product_id: int,
    days: int,
    *,
    retailer_id: int | None = None,
    today: date,
) -> PriceHistory:
    """The window of ``days`` days ending ``today`` (``NotFound`` for no such product is the
    caller's: a product without offers has an empty history). ``retailer_id`` keeps that
    retailer's series only (the lowest is still every retailer's)."""
    check_days(days)
    window = tuple(today - timedelta(days=days - 1 - k) for k in range(days))
    since = _day_start(window[0])
    found = session.execute(
        select(Offer, Retailer)
        .join(Retailer, Retailer.id == Offer.retailer_id)
        .where(Offer.product_id == product_id, listed_seller(Offer.retailer_id))
    ).all()
    offers = [(o.id, o.retailer_id, o) for o, _r in found]
    retailers = {r.id: r for _o, r in found}
    states = _states(session, offers, since)
    lowest: list[list[Decimal | None]] = [[] for _ in window]
    by_retailer: dict[int, list[list[Decimal | None]]] = {}
    currency_of: dict[int, str] = {}
    for oid, rid, o in offers:
        per_day = _daily(states[oid], window)
        mine = by_retailer.setdefault(rid, [[] for _ in window])
        currency_of.setdefault(rid, o.currency)
        for k, held in enumerate(per_day):
            for s in held:
                if s.withdrawn or s.price is None:
                    continue
                mine[k].append(s.price)
                if s.buyable and s.currency == MARKETPLACE_CURRENCY:
                    lowest[k].append(s.price)
    series = tuple(
        RetailerSeries(
            rid,
            retailers[rid].slug,
            retailers[rid].name,
            currency_of[rid],
            tuple(_min(day) for day in by_retailer[rid]),
        )
        for rid in sorted(by_retailer, key=lambda r: retailers[r].name.lower())
        if retailer_id is None or rid == retailer_id
    )
    daily = tuple(_min(day) for day in lowest)
    now = current_states(session, [product_id]).get(product_id, ProductState())
    return PriceHistory(product_id, window, daily, series, position(now.lowest, daily))


def position(current: Decimal | None, daily: Sequence[Decimal | None]) -> Position:
    """Where ``current`` stands among the window's daily lowest prices. Pure."""
    seen = [p for p in daily if p is not None]
    low = min(seen) if seen else None
    high = max(seen) if seen else None
    if current is None or low is None:
        return Position(current, low, high, False, None)
    above = float((current - low) / low * 100) if low > 0 else None
    return Position(current, low, high, current <= low, above)


def current_states(session: Session, product_ids: Iterable[int]) -> dict[int, ProductState]:
    """Each product's lowest buyable price, whether any offer is buyable, and the retailers
    with an active offer, now (from the offers themselves)."""
    ids = sorted(set(product_ids))
    out: dict[int, ProductState] = {pid: ProductState() for pid in ids}
    for i in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(
                Offer.product_id,
                Offer.retailer_id,
                Offer.price,
                Offer.currency,
                Offer.stock_status,
                Offer.delivery_days,
            ).where(
                Offer.product_id.in_(ids[i : i + _CHUNK]),
                Offer.withdrawn_at.is_(None),
                listed_seller(Offer.retailer_id),
            )
        )
        for pid, rid, price, currency, status, delivery in rows:
            assert pid is not None  # selected by product
            st = out[pid]
            st.retailers.add(rid)
            if price is None or not is_buyable(status, delivery):
                continue
            st.buyable = True
            if currency == MARKETPLACE_CURRENCY and (st.lowest is None or price < st.lowest):
                st.lowest = price
    return out


def retailer_by_slug(session: Session, slug: str) -> Retailer:
    retailer = session.scalar(select(Retailer).where(Retailer.slug == slug))
    if retailer is None:
        raise NotFound(f"no retailer {slug!r}", code="retailer_unknown", slug=slug)
    return retailer


def today_of(now: datetime) -> date:
    return local_date(now)


@dataclass(frozen=True, slots=True)
class MyPrices:
    """A retailer's price per day against the lowest buyable price (retailer statistics)."""

    product_id: int
    product_name: str
    days: tuple[date, ...]
    mine: tuple[Decimal | None, ...]
    lowest: tuple[Decimal | None, ...]


def top_products(
    session: Session, retailer_id: int, ranked: Sequence[int], *, limit: int
) -> list[int]:
    """The retailer's top products: ``ranked`` first (its most shown comparisons), then its
    other active offers' products by name, up to ``limit``."""
    out = list(dict.fromkeys(ranked))[:limit]
    if len(out) < limit:
        rows = session.execute(
            select(Offer.product_id, Product.name)
            .join(Product, Product.id == Offer.product_id)
            .where(Offer.retailer_id == retailer_id, Offer.withdrawn_at.is_(None))
            .distinct()
            .order_by(Product.name)
            .limit(limit * 4)
        )
        for pid, _name in rows:
            if pid is not None and pid not in out and len(out) < limit:
                out.append(pid)
    return out


def my_prices(
    session: Session, retailer_id: int, product_ids: Sequence[int], days: int, *, today: date
) -> list[MyPrices]:
    """Per product: the retailer's price per day (its cheapest listed offer) and the lowest
    buyable price of every retailer."""
    names = dict(
        (int(pid), str(name))
        for pid, name in session.execute(
            select(Product.id, Product.name).where(Product.id.in_(list(product_ids)))
        )
    )
    out = []
    for pid in product_ids:
        found = price_history(session, pid, days, retailer_id=retailer_id, today=today)
        mine = found.retailers[0].prices if found.retailers else tuple(None for _ in found.days)
        out.append(MyPrices(pid, names.get(pid, f"#{pid}"), found.days, mine, found.lowest))
    return out


def listed_retailers_of(session: Session, product_id: int) -> list[tuple[str, str]]:
    """(slug, name) of every listed retailer that ever offered the product, by name (a
    suspended seller is not offered as a watch's preferred retailer)."""
    rows = session.execute(
        select(Retailer.slug, Retailer.name)
        .join(Offer, Offer.retailer_id == Retailer.id)
        .where(Offer.product_id == product_id, listed_seller(Offer.retailer_id))
        .distinct()
    ).all()
    return sorted(((slug, name) for slug, name in rows), key=lambda r: r[1].lower())


def retailer_slug(session: Session, retailer_id: int | None) -> str | None:
    """A retailer's slug (None for None or an unknown id)."""
    if retailer_id is None:
        return None
    return session.scalar(select(Retailer.slug).where(Retailer.id == retailer_id))
