"""The demo's loyalty programme with a few months of history, so every loyalty screen and
report has something to show.

"Valbar Partnerklubb" (sponsor Valbar, 1 point per krona, a point worth 2 öre, points
valid 2 months so some have expired): five demo retailers are members (their
representatives accepted the member terms), their staff take part as sellers (Nordisk
Dentaldepå also has ``saljare@valbar.test``, and lets its sellers redeem for themselves).
Everything goes through the ``loyalty`` library with timestamps in the past, step by step
in time order (so the ledger's entries are made in the order they are dated):

* two campaigns: double points on the most sold brand for two weeks six weeks ago, and
  ×1,5 on the most sold category, running now;
* the members' delivered orders of the marketplace history credited by
  :func:`loyalty.earning.credit_delivered` at their delivery (the seller who handled each
  order recorded first, as the ``OrderConfirmed`` handler does), refunded RMAs clawed back;
* two quizzes with every seller's attempts (most pass, some fail once or for good);
* "månadens säljare" and "månadens butik" awarded (with a bonus) for every finished month;
* a shop of five rewards and redemptions placed, fulfilled and one cancelled;
* the expiry job run at the start of last month, of this month and now.

Deterministic (seeded random streams, dates relative to today) and idempotent: once the
programme exists it is left as it is. Runs in one transaction: all of it or nothing.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from catalog.db import transaction
from catalog.enums import OrgRole
from catalog.models import Organisation, Product, Retailer, User
from loyalty import awards, campaigns, earning, expiry, programmes, quizzes, redemptions, shop
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION, RedeemerPolicy
from loyalty.errors import AlreadyExists, LoyaltyError
from loyalty.leaderboards import month_of, month_period, previous_month
from loyalty.models import Participant, Programme
from marketplace.dates import utc_now
from marketplace.models import Order, OrderLine, Rma
from valbar.demo_orgs import _join, _user

PROGRAMME = "Valbar Partnerklubb"
SPONSOR = "Valbar"
MEMBERS = (
    "nordisk-dentaldepa",
    "tandvardsgrossisten",
    "dentalmagasinet",
    "klinikforradet",
    "smilo",
)
EXTRA_SELLER = ("saljare@valbar.test", "Sanna Säljare", "nordisk-dentaldepa")
HISTORY_DAYS = 125
ADMIN_EMAIL = "admin@valbar.test"
REWARDS: tuple[tuple[str, str, int, int], ...] = (
    ("Presentkort 200 kr", "Presentkort", 10_000, 50),
    ("Frukostkorg till butiken", "Upplevelser", 8_000, 20),
    ("Biobiljetter, två", "Upplevelser", 6_000, 40),
    ("Trådlösa hörlurar", "Elektronik", 30_000, 10),
    ("Kaffemaskin till personalrummet", "Elektronik", 60_000, 3),
)
QUIZZES: tuple[tuple[str, int, tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...]], ...] = (
    (
        "Handskar och hygien",
        150,
        (
            (
                "Vilket material passar den som är allergisk mot latex?",
                ("Nitril", "Naturgummilatex", "Läder"),
                (0,),
            ),
            ("Hur ofta byts handskar mellan patienter?", ("Varje patient", "Varje dag"), (0,)),
            (
                "Vad betyder AQL på en handskförpackning?",
                ("Acceptabel kvalitetsnivå", "Antal i lager", "Allergiklass"),
                (0,),
            ),
        ),
    ),
    (
        "Fyllningsmaterial",
        200,
        (
            ("Vad härdar en ljushärdande komposit?", ("Blått ljus", "Värme", "Vatten"), (0,)),
            (
                "Vilka egenskaper är viktiga för en komposit i en molar?",
                ("Slitstyrka", "Låg krympning", "Doft"),
                (0, 1),
            ),
            (
                "Vad anger färgen A2 på en komposit?",
                ("Nyans", "Härdningstid", "Förpackningsstorlek"),
                (0,),
            ),
        ),
    ),
)


def _rng(*parts: object) -> random.Random:
    seed = hashlib.sha256("|".join(map(str, ("loyalty", *parts))).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


def _utc(value: datetime | None, fallback: datetime) -> datetime:
    """A stored time as aware UTC (SQLite gives naive times back); ``fallback`` for none."""
    if value is None:
        return fallback
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class _Timeline:
    """The history's steps run in time order, so the ledger's entries are made in the order
    they are dated (by id, every entry's time is at or after the one before): balances,
    expiry and redemptions see what had happened by then, and no later. A step may add
    later steps (a redemption's fulfilment)."""

    def __init__(self) -> None:
        self._steps: list[tuple[datetime, int, Callable[[], object]]] = []
        self._seq = itertools.count()

    def at(self, when: datetime, step: Callable[[], object]) -> None:
        heapq.heappush(self._steps, (when, next(self._seq), step))

    def run(self) -> None:
        while self._steps:
            _when, _seq, step = heapq.heappop(self._steps)
            step()


@dataclass(frozen=True, slots=True)
class _Member:
    organisation: Organisation
    representative: User
    sellers: list[User]
    membership_id: int


def _members(
    session: Session, programme: Programme, password_hash: str, start: datetime
) -> list[_Member]:
    """The member organisations with their representatives' accepted terms and their
    sellers invited and taking part."""
    out = []
    for slug in MEMBERS:
        org = session.scalar(
            select(Organisation)
            .join(Retailer, Retailer.id == Organisation.retailer_id)
            .where(Retailer.slug == slug)
        )
        if org is None:
            continue
        people = session.scalars(
            select(User).where(User.organisation_id == org.id).order_by(User.id)
        ).all()
        rep = next((u for u in people if u.org_role == OrgRole.REPRESENTATIVE.value), None)
        if rep is None:
            continue
        email, name, where = EXTRA_SELLER
        if slug == where and all(u.email != email for u in people):
            extra = _user(session, email, name, password_hash)
            _join(session, org, extra, OrgRole.STAFF.value)
            people = [*people, extra]
        joined = start + timedelta(days=MEMBERS.index(slug))
        membership = programmes.accept_member_terms(
            session, rep, programme.id, MEMBER_TERMS_VERSION, now=joined
        )
        sellers = [u for u in people if u.org_role == OrgRole.STAFF.value]
        for seller in sellers:
            programmes.invite(session, rep, programme.id, seller.id, now=joined)
            programmes.accept_participant_terms(
                session, seller, programme.id, PARTICIPANT_TERMS_VERSION, now=joined
            )
        if slug == where:
            shop.set_policy(session, rep, programme.id, RedeemerPolicy.SELLERS.value, now=joined)
        out.append(_Member(org, rep, sellers, membership.id))
    return out


def _top(
    session: Session,
    retailer_ids: Sequence[int],
    window: tuple[datetime, datetime],
    column: InstrumentedAttribute[str | None],
) -> str:
    """The brand or top category of the members' most delivered lines in ``window``."""
    rows = session.execute(
        select(column, func.count())
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(Order.retailer_id.in_(list(retailer_ids)), Order.status == "delivered")
        .where(Order.delivered_at >= window[0], Order.delivered_at < window[1])
        .where(column.is_not(None))
        .group_by(column)
    ).all()
    counts: dict[str, int] = {}
    for value, n in rows:
        key = str(value).split(" > ")[0].strip()
        counts[key] = counts.get(key, 0) + int(n)
    return min(counts, key=lambda k: (-counts[k], k)) if counts else ""


def _campaigns(
    session: Session, admin: User, programme: Programme, retailers: list[int], now: datetime
) -> None:
    # the members' best sellers of the history: the campaigns' products sell before and
    # during them
    history = (now - timedelta(days=HISTORY_DAYS), now)
    brand = _top(session, retailers, history, Product.brand)
    category = _top(session, retailers, history, Product.category)
    past = (now - timedelta(days=45), now - timedelta(days=31))
    if brand:
        campaigns.create_campaign(
            session,
            admin,
            programme.id,
            name=f"Dubbla poäng på {brand}",
            multiplier="2",
            target_kind="brand",
            target_value=brand,
            starts_at=past[0],
            ends_at=past[1],
            now=now - timedelta(days=50),
        )
    if category:
        campaigns.create_campaign(
            session,
            admin,
            programme.id,
            name=f"1,5 gånger poängen: {category}",
            multiplier="1.5",
            target_kind="category",
            target_value=category,
            starts_at=now - timedelta(days=9),
            ends_at=now + timedelta(days=12),
            now=now - timedelta(days=12),
        )


@dataclass
class _Counts:
    credited: int = 0
    clawed: int = 0
    attempts: int = 0
    made: int = 0


def _sales(
    session: Session,
    programme: Programme,
    members: list[_Member],
    since: datetime,
    timeline: _Timeline,
    counts: _Counts,
) -> None:
    """Credit the members' delivered orders at their delivery (the seller who handled each
    first); claw back refunded RMAs at their resolution."""
    by_retailer = {m.organisation.retailer_id: m for m in members}
    delivered = session.execute(
        select(Order.id, Order.retailer_id, Order.confirmed_at, Order.delivered_at)
        .where(
            Order.retailer_id.in_(list(by_retailer)),
            Order.status == "delivered",
            Order.delivered_at >= since,
        )
        .order_by(Order.delivered_at, Order.id)
    ).all()
    for order_id, retailer_id, confirmed_at, delivered_at in delivered:
        member = by_retailer[retailer_id]
        seller = _rng("handler", order_id).choice(member.sellers) if member.sellers else None

        def deliver(
            order_id: int = order_id,
            seller: User | None = seller,
            confirmed: datetime = _utc(confirmed_at, since),
            at: datetime = _utc(delivered_at, since),
        ) -> None:
            if seller is not None:
                earning.record_handler(session, order_id, seller.id, now=confirmed)
            counts.credited += earning.credit_delivered(session, order_id, now=at).credited

        timeline.at(_utc(delivered_at, since), deliver)
    refunds = session.execute(
        select(Rma.id, Rma.order_line_id, OrderLine.order_id, Rma.resolved_at)
        .join(OrderLine, OrderLine.id == Rma.order_line_id)
        .where(
            Rma.retailer_id.in_(list(by_retailer)),
            Rma.outcome == "refund",
            Rma.resolved_at >= since,
        )
        .order_by(Rma.resolved_at, Rma.id)
    ).all()
    for rma_id, line_id, order_id, resolved_at in refunds:

        def refund(
            rma_id: int = rma_id,
            line_id: int = line_id,
            order_id: int = order_id,
            at: datetime = _utc(resolved_at, since),
        ) -> None:
            why = f"RMA {rma_id} refunded"
            counts.clawed += earning.reverse_lines(
                session, order_id, [line_id], why, now=at
            ).credited

        timeline.at(_utc(resolved_at, since), refund)


def _quizzes(
    session: Session,
    admin: User,
    programme: Programme,
    members: list[_Member],
    now: datetime,
    timeline: _Timeline,
    counts: _Counts,
) -> None:
    for n, (title, points, questions) in enumerate(QUIZZES):
        opened = now - timedelta(days=100 - 55 * n)
        quiz = quizzes.create_quiz(
            session,
            admin,
            programme.id,
            title=title,
            questions=[
                {"text": text, "choices": list(choices), "correct": list(correct)}
                for text, choices, correct in questions
            ],
            pass_mark=len(questions) - 1,
            max_attempts=2,
            points=points,
            now=opened,
        )
        right = [list(correct) for _text, _choices, correct in questions]
        wrong = [[(correct[0] + 1) % len(choices)] for _text, choices, correct in questions]
        for member in members:
            for seller in member.sellers:
                r = _rng("quiz", title, seller.email)
                roll = r.random()
                if roll < 0.15:
                    continue  # not tried
                at = opened + timedelta(days=r.uniform(1, 30), hours=r.uniform(0, 8))
                plan = [right] if roll < 0.7 else [wrong, right] if roll < 0.9 else [wrong, wrong]
                for i, answers in enumerate(plan):
                    when = at + timedelta(days=i)
                    if when > now:
                        break

                    def attempt(
                        seller: User = seller,
                        quiz_id: int = quiz.id,
                        answers: list[list[int]] = answers,
                        when: datetime = when,
                    ) -> None:
                        quizzes.submit(session, seller, quiz_id, answers, now=when)
                        counts.attempts += 1

                    timeline.at(when, attempt)


def _awards(
    session: Session,
    admin: User,
    programme: Programme,
    start: datetime,
    now: datetime,
    timeline: _Timeline,
    counts: _Counts,
) -> None:
    """Every finished month awarded an hour after its end."""
    awards.set_award_bonus(
        session, admin, programme.id, seller_bonus=500, store_bonus=1000, now=start
    )
    period = previous_month(month_of(now))
    first = month_of(start)
    while period >= first:
        end = month_period(period).end
        assert end is not None

        def award(period: str = period, at: datetime = end + timedelta(hours=1)) -> None:
            made = awards.award_month(session, programme, period, now=at)
            counts.made += sum(a.created for a in made)

        timeline.at(end + timedelta(hours=1), award)
        period = previous_month(period)


def _shop(
    session: Session,
    admin: User,
    programme: Programme,
    members: list[_Member],
    now: datetime,
    timeline: _Timeline,
) -> dict[str, int]:
    """Rewards, and redemptions placed at their time (too few points then: none), the
    older fulfilled three days later (the second placed cancelled the next day), last
    week's still placed. The counts fill in as the timeline runs."""
    rewards = [
        shop.create_reward(
            session,
            admin,
            programme.id,
            shop.RewardInput(
                name, f"{name} ur Partnerklubbens butik.", None, category, price, stock
            ),
            now=now - timedelta(days=HISTORY_DAYS - 10),
        )
        for name, category, price, stock in REWARDS
    ]
    counts = {"placed": 0, "fulfilled": 0, "cancelled": 0}
    placed: list[int] = []

    def redeem(buyer: User, reward_id: int, n: int, at: datetime) -> None:
        try:
            with session.begin_nested():
                shop.set_basket_quantity(session, buyer, reward_id, 1, now=at)
                order, _created = redemptions.redeem(
                    session,
                    buyer,
                    programme.id,
                    request_key=f"demo-{n}",
                    delivery=redemptions.Delivery(
                        buyer.name, "Storgatan 1", "111 22", "Stockholm", buyer.email
                    ),
                    now=at,
                )
        except LoyaltyError:  # too few points for it then: no order
            return
        placed.append(order.id)
        if len(placed) == 2:
            why = "Slut hos leverantören"
            later = at + timedelta(days=1)
            timeline.at(later, lambda: redemptions.cancel(session, admin, order.id, why, now=later))
            counts["cancelled"] += 1
        elif at < now - timedelta(days=7):
            later = at + timedelta(days=3)
            timeline.at(later, lambda: redemptions.fulfil(session, admin, order.id, now=later))
            counts["fulfilled"] += 1
        else:
            counts["placed"] += 1

    for member in members:
        policy = shop.policy_of(session, member.membership_id)
        buyers = member.sellers if policy is RedeemerPolicy.SELLERS else [member.representative]
        for buyer in buyers:
            r = _rng("shop", buyer.email)
            for n in range(r.randint(1, 3)):
                at = now - timedelta(days=r.uniform(1, 60))
                reward = r.choice(rewards[:4])

                def step(
                    buyer: User = buyer, reward_id: int = reward.id, n: int = n, at: datetime = at
                ) -> None:
                    redeem(buyer, reward_id, n, at)

                timeline.at(at, step)
    return counts


def _expire(session: Session, at: datetime) -> Callable[[], None]:
    """The expiry job's run at ``at``, as a step."""

    def run() -> None:
        expiry.expire(session, at)

    return run


def ensure_loyalty(
    factory: sessionmaker[Session],
    password_hash: str,
    say: Callable[[str], None] = print,
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """The demo's loyalty programme and its history (see the module), once."""
    now = now or utc_now()
    with transaction(factory) as s:
        if s.scalar(select(Programme.id).where(Programme.name == PROGRAMME)) is not None:
            say(f"lojalitet: {PROGRAMME} finns redan")
            return {}
        admin = s.scalar(select(User).where(User.email == ADMIN_EMAIL))
        if admin is None:
            return {}
        start = now - timedelta(days=HISTORY_DAYS + 5)
        try:
            programme = programmes.create_programme(
                s,
                admin,
                name=PROGRAMME,
                sponsor_name=SPONSOR,
                points_per_krona=Decimal(1),
                point_value_ore=2,
                expiry_months=2,
                now=start,
            )
        except AlreadyExists:  # a concurrent demo build made it meanwhile: that one seeds it
            return {}
        members = _members(s, programme, password_hash, start)
        if not members:
            return {}
        retailers = [int(m.organisation.retailer_id or 0) for m in members]
        _campaigns(s, admin, programme, retailers, now)
        timeline, done = _Timeline(), _Counts()
        _sales(s, programme, members, start, timeline, done)
        _quizzes(s, admin, programme, members, now, timeline, done)
        _awards(s, admin, programme, start, now, timeline, done)
        orders = _shop(s, admin, programme, members, now, timeline)
        this_month = month_period(month_of(now)).start
        assert this_month is not None
        for run in (expiry.add_months(this_month, -1), this_month, now):
            timeline.at(run, _expire(s, run))
        timeline.run()  # everything in time order (see _Timeline)
        credited, clawed, attempts, made = done.credited, done.clawed, done.attempts, done.made
        sellers = s.scalar(
            select(func.count())
            .select_from(Participant)
            .where(Participant.membership_id.in_([m.membership_id for m in members]))
        )
    counts = {
        "members": len(members),
        "sellers": int(sellers or 0),
        "sale_lines": credited,
        "clawbacks": clawed,
        "quiz_attempts": attempts,
        "awards": made,
        **{f"redemptions_{k}": v for k, v in orders.items()},
    }
    say(
        f"lojalitet: {PROGRAMME}, {counts['members']} medlemmar, {counts['sellers']} säljare, "
        f"{credited} orderrader krediterade, {attempts} quizförsök, {made} utmärkelser, "
        f"{sum(orders.values())} uttag"
    )
    return counts
