"""The demo's marketplace history: ~120 days of orders, deliveries (some late: worse retailers
more often), returns and reviews by named clinic users, plus search and view demand.

Everything goes through the ``marketplace`` services with explicit timestamps, so the
retailers' signals are *computed* from it (``source="measured"``), never seeded. Deterministic
(seeded random streams, dates relative to today) and idempotent: once any order exists the
history is left as it is.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import Offer, Product, Retailer, User
from marketplace import cart, moderation, orders, reviews, rma, signals
from marketplace.dates import local_date, utc_now
from marketplace.demand import event_row, write_events
from marketplace.enums import REVIEW_DIMENSIONS, DemandKind, OrderStatus, ReviewState
from marketplace.models import Order, Review

HISTORY_DAYS = 120
PRODUCT_POOL = 160
RESPONSE_DAYS = 7

CLINICS: tuple[tuple[str, str, str], ...] = (
    ("karin.ek@folktandvarden-sollentuna.test", "Karin Ek", "Folktandvården Sollentuna"),
    ("johan.berg@tandlakarhuset.test", "Johan Berg", "Tandläkarhuset Göteborg"),
    ("lena.nyberg@smilekliniken.test", "Lena Nyberg", "Smilekliniken Malmö"),
    ("ahmed.rashid@tandvardscentrum.test", "Ahmed Rashid", "Tandvårdscentrum Uppsala"),
    ("maria.lund@citytandvard.test", "Maria Lund", "Citytandvården Stockholm"),
    ("erik.holm@norrtand.test", "Erik Holm", "Norrtand Umeå"),
    ("sofia.strand@familjetandvard.test", "Sofia Strand", "Familjetandvården Örebro"),
    ("peter.olsson@kusttandlakarna.test", "Peter Olsson", "Kusttandläkarna Kalmar"),
)

GOOD_TEXTS = (
    "Levererade dagen efter, allt stämde.",
    "Snabb leverans och trevligt bemötande i telefon.",
    "Bra koll på lagret, kom som utlovat.",
    "Smidigt som vanligt. Rekommenderas.",
)
MIDDLE_TEXTS = (
    "Varorna kom, men en dag senare än utlovat.",
    "Helt okej, men svårt att nå kundtjänst.",
)
LOW_TEXTS = (
    "Leveransen kom en vecka för sent och ingen hörde av sig.",
    "Restnoterat utan besked. Fick ringa själva för att få veta något.",
    "Fel vara levererad och returen drog ut på tiden.",
)
RESPONSES = (
    "Vi ber om ursäkt för förseningen. Vi har bytt transportör på er sträcka och hör av oss "
    "proaktivt om något blir försenat.",
    "Tack för att ni säger till. Vi har sett över hur vi meddelar restnoteringar.",
)


def _rng(*parts: object) -> random.Random:
    seed = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


@dataclass(frozen=True, slots=True)
class _World:
    clinics: list[User]
    staff: dict[int, User]  # retailer id -> a staff user
    quality: dict[int, float]  # retailer id -> 0..1
    products: list[int]  # compared products, most popular first
    offers: dict[int, list[Offer]]  # product id -> active offers with a price


def _clinic_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email, User.role == "clinic"))


def _users(
    session: Session, slugs: Mapping[str, float], password_hash: str, demo_clinic: str | None
) -> tuple[list[User], dict[int, User], dict[int, float]]:
    clinics = []
    # only clinic users buy and review (the colleagues' reviews are clinics'): a demo login
    # or a listed address that belongs to another role is passed over, never made an author
    if demo_clinic and (login := _clinic_user(session, demo_clinic)):
        clinics.append(login)  # the demo login has orders to look at too
    for email, name, clinic in CLINICS:
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            if (user := _clinic_user(session, email)) is not None:
                clinics.append(user)
            continue
        user = User(
            email=email, name=name, clinic=clinic, role="clinic", password_hash=password_hash
        )
        session.add(user)
        clinics.append(user)
    staff: dict[int, User] = {}
    quality: dict[int, float] = {}
    for retailer in session.scalars(select(Retailer).where(Retailer.slug.in_(list(slugs)))):
        quality[retailer.id] = slugs[retailer.slug]
        found = session.scalar(
            select(User).where(User.role == "retailer", User.retailer_id == retailer.id)
        )
        if found is None:
            found = User(
                email=f"kundtjanst@{retailer.slug}.test",
                name=f"Kundtjänst {retailer.name}",
                role="retailer",
                retailer_id=retailer.id,
                password_hash=password_hash,
            )
            session.add(found)
        staff[retailer.id] = found
    session.flush()
    return clinics, staff, quality


def _world(
    session: Session, slugs: Mapping[str, float], password_hash: str, demo_clinic: str | None
) -> _World:
    clinics, staff, quality = _users(session, slugs, password_hash, demo_clinic)
    compared = session.execute(
        select(Offer.product_id)
        .where(
            Offer.withdrawn_at.is_(None), Offer.product_id.is_not(None), Offer.price.is_not(None)
        )
        .group_by(Offer.product_id)
        .having(func.count(func.distinct(Offer.retailer_id)) >= 2)
        .order_by(Offer.product_id)
    ).all()
    pool = [int(pid) for (pid,) in compared if pid is not None]
    _rng("pool").shuffle(pool)
    pool = pool[:PRODUCT_POOL]
    offers: dict[int, list[Offer]] = {}
    for offer in session.scalars(
        select(Offer)
        .where(Offer.product_id.in_(pool), Offer.withdrawn_at.is_(None), Offer.price.is_not(None))
        .order_by(Offer.id)
    ):
        if offer.retailer_id in quality:
            offers.setdefault(int(offer.product_id or 0), []).append(offer)
    products = [pid for pid in pool if len(offers.get(pid, [])) >= 2]
    return _World(clinics, staff, quality, products, offers)


def _pick_product(r: random.Random, products: list[int]) -> int:
    weights = [1.0 / (i + 1) ** 0.9 for i in range(len(products))]
    return r.choices(products, weights)[0]


def _pick_offer(r: random.Random, world: _World, product_id: int) -> Offer:
    candidates = world.offers[product_id]
    weights = [0.2 + world.quality[o.retailer_id] ** 2 for o in candidates]
    return r.choices(candidates, weights)[0]


@dataclass(slots=True)
class _Counts:
    orders: int = 0
    late: int = 0
    returns: int = 0
    reviews: int = 0
    held: int = 0
    events: int = 0


def _fulfil(
    session: Session,
    world: _World,
    order: Order,
    buyer: User,
    placed: datetime,
    now: datetime,
    n: _Counts,
) -> None:
    """The retailer confirms, ships, maybe cancels; the clinic confirms delivery (maybe late)."""
    q = world.quality[order.retailer_id]
    staff = world.staff[order.retailer_id]
    r = _rng("fulfil", order.id)
    confirmed_at = placed + timedelta(hours=r.uniform(1, 4 + 30 * (1 - q)))
    if confirmed_at > now:
        return
    if r.random() < 0.06 * (1 - q):
        orders.cancel(session, staff, order.id, "out_of_stock", now=confirmed_at)
        return
    promised = local_date(confirmed_at) + timedelta(days=r.choice([1, 2, 2, 3, 4]))
    backordered = [
        line.id for line in order.lines if r.random() < 0.25 * (1 - q) and line.id is not None
    ]
    orders.confirm(
        session, staff, order.id, promised, backordered_line_ids=backordered, now=confirmed_at
    )
    shipped_at = confirmed_at + timedelta(hours=r.uniform(2, 20))
    if shipped_at > now:
        return
    orders.ship(session, staff, order.id, now=shipped_at)
    late = r.random() < 0.7 * (1 - q) ** 1.3 + 0.02
    days = r.randint(1, 6) if late else -r.randint(0, 1)
    arrival = datetime.combine(promised, datetime.min.time(), confirmed_at.tzinfo) + timedelta(
        days=days, hours=r.uniform(13, 17)
    )
    arrival = max(arrival, shipped_at + timedelta(hours=3))
    if arrival > now:
        return
    orders.deliver(session, buyer, order.id, now=arrival)
    n.late += order.delivered_on_time is False
    _maybe_return(session, world, order, buyer, arrival, now, n)
    _maybe_review(session, world, order, buyer, arrival, now, n)


def _maybe_return(
    session: Session,
    world: _World,
    order: Order,
    buyer: User,
    delivered: datetime,
    now: datetime,
    n: _Counts,
) -> None:
    q = world.quality[order.retailer_id]
    r = _rng("rma", order.id)
    if r.random() > 0.04 + 0.12 * (1 - q):
        return
    requested = delivered + timedelta(days=r.uniform(1, 6))
    if requested > now:
        return
    line = order.lines[0]
    reason = r.choice(["Fel storlek levererad.", "Förpackningen var skadad.", "Fel nyans."])
    case = rma.request_rma(session, buyer, line.id, reason, now=requested)
    n.returns += 1
    staff = world.staff[order.retailer_id]
    decided = requested + timedelta(days=r.uniform(0.3, 2 + 25 * (1 - q)))
    if decided > now:
        return
    accept = r.random() < 0.5 + 0.45 * q
    rma.decide(session, staff, case.id, accept=accept, now=decided)
    resolved = decided + timedelta(days=r.uniform(1, 3 + 10 * (1 - q)))
    if accept and resolved <= now:
        outcome = r.choice(["replacement", "refund", "credit", "replacement"])
        rma.resolve(session, staff, case.id, outcome, now=resolved)


def _maybe_review(
    session: Session,
    world: _World,
    order: Order,
    buyer: User,
    delivered: datetime,
    now: datetime,
    n: _Counts,
) -> None:
    q = world.quality[order.retailer_id]
    r = _rng("review", order.id)
    late = order.delivered_on_time is False
    if r.random() > (0.55 if late else 0.25):
        return
    written = delivered + timedelta(hours=r.uniform(2, 72))
    if written > now:
        return
    score = 1.2 + 3.9 * q + r.gauss(0, 0.6) - (1.8 if late else 0.0)
    rating = max(1, min(5, round(score)))
    dims = {
        name: max(1, min(5, round(score + r.gauss(0, 0.7))))
        for name in REVIEW_DIMENSIONS
        if r.random() < 0.6
    }
    if late:
        dims["delivery_precision"] = max(1, min(rating, 2))
    texts = GOOD_TEXTS if rating >= 4 else MIDDLE_TEXTS if rating == 3 else LOW_TEXTS
    draft = reviews.ReviewDraft(
        "retailer", order.retailer_id, rating, r.choice(texts), order.id, dims
    )
    review = reviews.submit_review(session, buyer, draft, now=written, response_days=RESPONSE_DAYS)
    n.reviews += 1
    if review.status != "held":
        return
    n.held += 1
    answered = written + timedelta(days=r.uniform(0.5, 3))
    if r.random() < q and answered <= now:  # better retailers answer their low reviews
        reviews.respond(
            session, world.staff[order.retailer_id], review.id, r.choice(RESPONSES), now=answered
        )


def _demand(session: Session, world: _World, now: datetime, days: int) -> int:
    """Searches and product views over the period (the pages record these live)."""
    r = _rng("demand")
    rows = []
    for day in range(days, 0, -1):
        start = now - timedelta(days=day)
        for _ in range(r.randint(40, 90)):
            pid = _pick_product(r, world.products)
            at = start + timedelta(seconds=r.uniform(7 * 3600, 18 * 3600))
            ranked = sorted(world.offers[pid], key=lambda o: -world.quality[o.retailer_id])
            shown = [(o.retailer_id, i + 1) for i, o in enumerate(ranked)]
            kind = DemandKind.VIEW if r.random() < 0.4 else DemandKind.SEARCH
            rows.append(
                event_row(
                    kind,
                    product_id=pid,
                    query=None if kind == DemandKind.VIEW else "demo",
                    shown=shown if kind == DemandKind.VIEW else shown[:1],
                    at=at,
                )
            )
    return write_events(session, rows)


def _held_for_the_demo_retailer(
    session: Session, world: _World, retailer_id: int | None, now: datetime, n: _Counts
) -> None:
    """One fresh low review waiting for the demo retailer's response (shown in its portal)."""
    if retailer_id is None:
        return
    buyer = world.clinics[0]
    order = session.scalar(
        select(Order)
        .where(
            Order.retailer_id == retailer_id,
            Order.clinic_user_id == buyer.id,
            Order.status == OrderStatus.DELIVERED.value,
        )
        .order_by(Order.id.desc())
    )
    if order is None:
        return
    draft = reviews.ReviewDraft(
        "service", retailer_id, 2, "Utbildningen i det nya lagersystemet var rörig.", order.id
    )
    reviews.submit_review(
        session, buyer, draft, now=now - timedelta(days=2), response_days=RESPONSE_DAYS
    )
    n.reviews += 1
    n.held += 1


REPORT_REASONS = (
    "Omdömet innehåller personuppgifter om en anställd.",
    "Det här verkar skrivet av en konkurrent, inte av en kund.",
)


def _for_the_moderators(session: Session, world: _World, now: datetime, n: _Counts) -> None:
    """Work for the admins' moderation screen: a low product review written without an
    order (held for the admins: no retailer answers it) and two abuse reports of published
    reviews, each by a clinic that did not write it."""
    if len(world.clinics) < 2 or not world.products:
        return
    author, reporter = world.clinics[0], world.clinics[1]
    draft = reviews.ReviewDraft(
        "product", world.products[0], 1, "Förpackningen var trasig och halva innehållet saknades."
    )
    reviews.submit_review(
        session, author, draft, now=now - timedelta(hours=5), response_days=RESPONSE_DAYS
    )
    n.reviews += 1
    n.held += 1
    published = session.scalars(
        select(Review)
        .where(Review.status == ReviewState.PUBLISHED.value, Review.author_id != reporter.id)
        .order_by(Review.id.desc())
        .limit(len(REPORT_REASONS))
    ).all()
    for review, reason in zip(published, REPORT_REASONS, strict=False):
        moderation.report_review(session, reporter, review.id, reason, now=now - timedelta(hours=3))


def ensure_history(
    factory: sessionmaker[Session],
    quality_by_slug: Mapping[str, float],
    password_hash: str,
    say: Callable[[str], None],
    *,
    demo_retailer: str | None = None,
    demo_clinic: str | None = None,
    days: int = HISTORY_DAYS,
    now: datetime | None = None,
) -> dict[str, int]:
    """Generate the history once; returns what was made (empty when it already exists)."""
    with factory() as s:
        if (s.scalar(select(func.count(Order.id))) or 0) > 0:
            say("historik finns redan")
            return {}
    now = now or utc_now()
    n = _Counts()
    with transaction(factory) as session:
        world = _world(session, quality_by_slug, password_hash, demo_clinic)
        if not world.products:
            return {}
        r = _rng("orders")
        for day in range(days, -1, -1):
            for _ in range(r.randint(2, 5)):
                placed = now - timedelta(days=day, hours=r.uniform(0, 10))
                if placed > now:
                    continue
                buyer = r.choice(world.clinics)
                for _line in range(r.choice([1, 1, 2, 3])):
                    offer = _pick_offer(r, world, _pick_product(r, world.products))
                    cart.add_item(session, buyer, offer.id, r.choice([1, 1, 2, 5, 10]), now=placed)
                for order in orders.checkout(session, buyer, accept_changes=True, now=placed):
                    n.orders += 1
                    _fulfil(session, world, order, buyer, placed, now, n)
        demo_id = session.scalar(select(Retailer.id).where(Retailer.slug == demo_retailer))
        _held_for_the_demo_retailer(session, world, demo_id, now, n)
        reviews.publish_due_reviews(session, now)
        _for_the_moderators(session, world, now, n)
        n.events = _demand(session, world, now, days)
        for retailer_id in sorted(world.quality):
            signals.recompute(session, retailer_id, now)
        products = session.scalar(select(func.count(Product.id))) or 0
    say(
        f"historik: {n.orders} ordrar ({n.late} sena), {n.returns} reklamationer, "
        f"{n.reviews} omdömen ({n.held} låga till handlaren först), {n.events} sök/visningar "
        f"över {products} produkter"
    )
    return {"orders": n.orders, "late": n.late, "returns": n.returns, "reviews": n.reviews}
