"""Sales contests: time-boxed competitions inside a programme, with a prize table.

A contest runs in ``[starts_at, ends_at)`` (at most :data:`MAX_DAYS` days) and ranks either
``sellers`` (their sub-accounts) or ``stores`` (member organisations: their own account and
every seller's) by a ``metric``:

* ``sale_points``: points earned from sales (``sale`` entries the sponsor paid in the
  period, campaigns included) less what was clawed back of those sales;
* ``sales_amount``: kronor of the delivered order lines those sale entries paid for
  (``unit_price × quantity``), a line clawed back (cancelled, refunded) not counted.

Both follow the sale entries (``loyalty.earning``), so a sale counts for whom its points
were attributed to, when its delivery was credited. Equal scores share a rank (1, 1, 3) and
each gets that rank's prize; a score of 0 wins nothing. A seller who left is not ranked.

**Closing** (:func:`close`, and :func:`close_finished`, the scheduled job beside the monthly
awards: ``api.housekeeping`` hourly and the Celery beat task
``valbar.loyalty_contests_close``) moves an ended contest from ``open`` to ``closed`` by a
conditional update (of two closers one acts), writes its results (unique per contest and
winner) and pays each prize through ``loyalty.limits.credit`` under the key
``contest:<contest>:<winner>``: once, however often or concurrently it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, select, update
from sqlalchemy.orm import Session, aliased

from catalog import audit
from catalog.db import rows_matched
from catalog.models import Organisation, User
from loyalty import limits
from loyalty.access import (
    require_management_role,
    require_manager,
    require_manager_of,
    require_sponsor_reader,
)
from loyalty.engagement_models import Contest, ContestResult
from loyalty.enums import AccountKind, EntryKind
from loyalty.errors import InvalidInput, NotFound, WrongState
from loyalty.ledger import account_key, ensure_account
from loyalty.models import Account, Entry, Membership, Participant, Programme
from loyalty.order_rows import ORDER_LINE
from loyalty.programmes import active_participant, get_programme, own_membership

CONTEST_ENTRY_KIND = "contest"
METRICS = ("sale_points", "sales_amount")
AUDIENCES = ("sellers", "stores")
MAX_DAYS = 366
MAX_PRIZES = 20
MAX_PRIZE = 1_000_000


class ContestState(WrongState):
    """The contest has not ended yet, or was closed already."""


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def check_prizes(prizes: Sequence[object]) -> list[int]:
    """The prize table: points of rank 1, 2, ... (1-20 ranks, 1-1000000 each). Pure."""
    if not 1 <= len(prizes) <= MAX_PRIZES:
        raise InvalidInput(f"prizes: 1-{MAX_PRIZES} ranks", field="prizes")
    out: list[int] = []
    for i, p in enumerate(prizes):
        if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= MAX_PRIZE:
            raise InvalidInput(f"prizes[{i}]: 1-{MAX_PRIZE} points", field=f"prizes[{i}]")
        out.append(p)
    return out


def create_contest(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    name: str,
    metric: str,
    audience: str,
    starts_at: datetime,
    ends_at: datetime,
    prizes: Sequence[object],
    now: datetime,
    channel: str = "web",
) -> Contest:
    """A new open contest (the programme's manager: ``loyalty.access``), audited."""
    admin = require_manager(session, user, programme_id)
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InvalidInput("name: 1-200 characters", field="name")
    if metric not in METRICS:
        raise InvalidInput(f"metric: one of {', '.join(METRICS)}", field="metric")
    if audience not in AUDIENCES:
        raise InvalidInput(f"audience: one of {', '.join(AUDIENCES)}", field="audience")
    starts_at, ends_at = _utc(starts_at), _utc(ends_at)
    if ends_at <= starts_at:
        raise InvalidInput("ends_at: after starts_at", field="ends_at")
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"ends_at: at most {MAX_DAYS} days after starts_at", field="ends_at")
    if ends_at <= _utc(now):
        raise InvalidInput("ends_at: in the future", field="ends_at")
    contest = Contest(
        programme_id=programme_id,
        name=name,
        metric=metric,
        audience=audience,
        starts_at=starts_at,
        ends_at=ends_at,
        prizes=check_prizes(prizes),
        status="open",
        created_by=admin.id,
        created_at=now,
    )
    session.add(contest)
    session.flush()
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="loyalty.contest.create",
        target_kind="loyalty_contest",
        target_id=contest.id,
        detail={"programme_id": programme_id, "name": name, "metric": metric},
    )
    return contest


def get_contest(session: Session, contest_id: int) -> Contest:
    found = session.get(Contest, contest_id)
    if found is None:
        raise NotFound(f"no contest {contest_id}")
    return found


def list_contests(
    session: Session, programme_id: int, *, limit: int = 100, offset: int = 0
) -> tuple[list[Contest], int]:
    """The programme's contests, the latest ending first: (page, total)."""
    get_programme(session, programme_id)
    where = Contest.programme_id == programme_id
    total = session.scalar(select(func.count()).select_from(Contest).where(where)) or 0
    rows = session.scalars(
        select(Contest)
        .where(where)
        .order_by(Contest.ends_at.desc(), Contest.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    membership_id: int
    participant_id: int | None
    name: str  # the seller ("" once erased) or the store
    store: str
    score: Decimal
    prize: int  # what the rank wins (0: none)
    mine: bool = False

    @property
    def winner_key(self) -> str:
        if self.participant_id is not None:
            return f"seller:{self.participant_id}"
        return f"store:{self.membership_id}"


def standings(
    session: Session,
    contest: Contest,
    *,
    until: datetime,
    my_membership_id: int | None = None,
    my_participant_id: int | None = None,
) -> list[Standing]:
    """Every ranked seller or store by the contest's metric from its start until ``until``
    (inclusive) or its end (exclusive), whichever comes first (one statement)."""
    sponsor_id = (
        select(Account.id)
        .where(Account.key == account_key(contest.programme_id, AccountKind.SPONSOR))
        .scalar_subquery()
    )
    back = aliased(Entry)
    if contest.metric == "sale_points":
        value = Entry.points - func.coalesce(back.points, 0)
    else:
        value = case((back.id.is_(None), ORDER_LINE.c.unit_price * ORDER_LINE.c.quantity), else_=0)
    sellers = contest.audience == "sellers"
    group = (Account.membership_id, Account.participant_id) if sellers else (Account.membership_id,)
    kinds = (
        [AccountKind.SELLER.value]
        if sellers
        else [AccountKind.SELLER.value, AccountKind.MEMBER.value]
    )
    hidden = (
        [
            Account.participant_id.not_in(
                select(Participant.id).where(Participant.ended_at.is_not(None))
            )
        ]
        if sellers
        else []
    )
    score = func.sum(value)
    stmt = (
        select(*group, score.label("score"))
        .select_from(Entry)
        .join(Account, Account.id == Entry.destination_account_id)
        .outerjoin(
            back,
            and_(back.reverses_entry_id == Entry.id, back.kind == EntryKind.CLAWBACK.value),
        )
        .where(
            Entry.programme_id == contest.programme_id,
            Entry.kind == EntryKind.SALE.value,
            Entry.source_account_id == sponsor_id,
            Entry.created_at >= _utc(contest.starts_at),
            Entry.created_at < _utc(contest.ends_at),
            Entry.created_at <= _utc(until),
            Account.kind.in_(kinds),
            *hidden,
        )
        .group_by(*group)
    )
    if contest.metric == "sales_amount":
        stmt = stmt.outerjoin(ORDER_LINE, ORDER_LINE.c.id == Entry.order_line_id)
    scored = stmt.subquery()
    named = (
        select(
            scored.c.membership_id,
            scored.c.participant_id if sellers else literal(None).label("participant_id"),
            scored.c.score,
            Organisation.name.label("store"),
            User.name.label("seller") if sellers else literal("").label("seller"),
        )
        .join(Membership, Membership.id == scored.c.membership_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
    )
    if sellers:
        named = named.outerjoin(Participant, Participant.id == scored.c.participant_id).outerjoin(
            User, User.id == Participant.user_id
        )
    rows = session.execute(
        named.where(scored.c.score > 0).order_by(
            scored.c.score.desc(),
            scored.c.membership_id,
            *([scored.c.participant_id] if sellers else []),
        )
    ).all()
    prizes = [int(p) for p in contest.prizes]
    out: list[Standing] = []
    previous: Decimal | None = None
    rank = 0
    for i, r in enumerate(rows, start=1):
        amount = Decimal(str(r.score)).quantize(Decimal("0.01"))
        if amount != previous:
            rank, previous = i, amount
        participant = int(r.participant_id) if r.participant_id is not None else None
        mine = (
            participant is not None and participant == my_participant_id
            if sellers
            else int(r.membership_id) == my_membership_id
        )
        out.append(
            Standing(
                rank=rank,
                membership_id=int(r.membership_id),
                participant_id=participant,
                name=(r.seller or "") if sellers else str(r.store),
                store=str(r.store),
                score=amount,
                prize=prizes[rank - 1] if rank <= len(prizes) else 0,
                mine=mine,
            )
        )
    return out


def live_standings(
    session: Session, user: User | None, contest_id: int, *, now: datetime
) -> tuple[Contest, list[Standing]]:
    """The standings as the user may read them: the programme's manager
    (``loyalty.access``), or a member of a member organisation of the programme (their own
    place marked)."""
    contest = get_contest(session, contest_id)
    membership_id = participant_id = None
    try:
        manager = require_sponsor_reader(session, user, contest.programme_id)
    except NotFound as exc:
        raise NotFound(f"no contest {contest_id}") from exc
    if not manager:
        membership = own_membership(session, user, contest.programme_id)
        assert user is not None
        membership_id = membership.id
        participant = active_participant(session, membership.id, user.id)
        participant_id = participant.id if participant is not None else None
    rows = standings(
        session,
        contest,
        until=now,
        my_membership_id=membership_id,
        my_participant_id=participant_id,
    )
    return contest, rows


@dataclass(frozen=True, slots=True)
class Closed:
    contest: Contest
    results: list[ContestResult]


def require_contest_manager(session: Session, user: User | None, contest_id: int) -> Contest:
    """The contest, when ``user`` manages its programme (``loyalty.access``; another
    sponsor's contest: :class:`NotFound`, as for an id never used)."""
    manager = require_management_role(user)
    contest = get_contest(session, contest_id)
    require_manager_of(session, manager, contest.programme_id, f"no contest {contest_id}")
    return contest


def close(session: Session, contest_id: int, *, now: datetime) -> Closed:
    """Close an ended open contest and pay its prizes, once (:class:`WrongState` when it
    has not ended or was closed already). The caller commits.

    The claiming ``UPDATE`` is the first statement: on PostgreSQL it waits for a concurrent
    closer's commit and then matches nothing; on SQLite it takes the write lock before any
    read, so no stale snapshot is upgraded."""
    claimed = session.execute(
        update(Contest)
        .where(Contest.id == contest_id, Contest.status == "open", Contest.ends_at <= now)
        .values(status="closed", closed_at=now)
        .execution_options(synchronize_session=False)
    )
    contest = get_contest(session, contest_id)
    if rows_matched(claimed) != 1:
        if contest.status != "open":
            raise ContestState(f"contest {contest_id} is closed already")
        raise ContestState(f"contest {contest_id} has not ended yet")
    session.refresh(contest)
    programme = session.get_one(Programme, contest.programme_id)
    results: list[ContestResult] = []
    for place in standings(session, contest, until=contest.ends_at):
        if place.prize <= 0:
            continue
        if place.participant_id is not None:
            target = ensure_account(
                session,
                programme.id,
                AccountKind.SELLER,
                membership_id=place.membership_id,
                participant_id=place.participant_id,
            )
        else:
            target = ensure_account(
                session, programme.id, AccountKind.MEMBER, membership_id=place.membership_id
            )
        credit = limits.credit(
            session,
            programme_id=programme.id,
            destination=target,
            points=place.prize,
            kind=CONTEST_ENTRY_KIND,
            reason=f"contest {contest.id} {contest.name}: rank {place.rank}",
            idempotency_key=f"contest:{contest.id}:{place.winner_key}",
            now=now,
        )
        row = ContestResult(
            contest_id=contest.id,
            winner_key=place.winner_key,
            rank=place.rank,
            membership_id=place.membership_id,
            participant_id=place.participant_id,
            score=place.score,
            prize_points=place.prize,
            outcome=credit.outcome,
            created_at=now,
        )
        session.add(row)
        results.append(row)
    session.flush()
    return Closed(contest, results)


def close_finished(session: Session, *, now: datetime) -> int:
    """The scheduled job: close every open contest that has ended; contests closed."""
    due = session.scalars(
        select(Contest.id)
        .where(Contest.status == "open", Contest.ends_at <= now)
        .order_by(Contest.id)
    ).all()
    closed = 0
    for contest_id in due:
        try:
            close(session, contest_id, now=now)
        except ContestState:  # closed by a concurrent run meanwhile (nothing written)
            continue
        closed += 1
    return closed


def results_of(session: Session, contest_id: int) -> list[ContestResult]:
    return list(
        session.scalars(
            select(ContestResult)
            .where(ContestResult.contest_id == contest_id)
            .order_by(ContestResult.rank, ContestResult.id)
        )
    )


def has_ended(contest: Contest, now: datetime) -> bool:
    return _utc(contest.ends_at) <= _utc(now)
