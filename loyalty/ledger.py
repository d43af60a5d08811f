"""The double-entry points ledger: accounts, transfers, balances and their verification.

Every movement is one :class:`~loyalty.models.Entry` from a source account to a destination
account, and both accounts' maintained ``balance`` change in the same transaction, so a
balance read is one row (O(1)) and always equals the sum of its entries
(:func:`verify` checks it; ``valbar loyalty verify`` runs it).

Never negative: the source's balance is debited by a conditional ``UPDATE ... SET balance =
balance - :points WHERE id = :id AND balance >= :points``, which the database evaluates on
the locked, current row (PostgreSQL waits for a concurrent writer of the row and re-checks
the condition; SQLite has one writer at a time), so two concurrent debits of the same points
cannot both pass. A refused debit raises :class:`InsufficientPoints` and leaves nothing.

Idempotent: ``idempotency_key`` is unique. A transfer whose key exists returns the existing
entry and moves nothing; two concurrent transfers of one key end with one entry (the second
waits for the first's commit and then meets the unique constraint).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import Organisation, User
from loyalty import earned
from loyalty.enums import AccountKind
from loyalty.errors import InsufficientPoints, InvalidInput, NotFound
from loyalty.models import Account, Entry, Membership, Participant, Programme


def account_key(
    programme_id: int,
    kind: AccountKind,
    *,
    membership_id: int | None = None,
    participant_id: int | None = None,
) -> str:
    """``p1:sponsor``, ``p1:member:4``, ``p1:seller:9``: an account's unique name. Pure."""
    if kind is AccountKind.MEMBER:
        if membership_id is None:
            raise ValueError("a member account names its membership")
        return f"p{programme_id}:member:{membership_id}"
    if kind is AccountKind.SELLER:
        if participant_id is None:
            raise ValueError("a seller account names its participant")
        return f"p{programme_id}:seller:{participant_id}"
    return f"p{programme_id}:{kind.value}"


def ensure_account(
    session: Session,
    programme_id: int,
    kind: AccountKind,
    *,
    membership_id: int | None = None,
    participant_id: int | None = None,
) -> Account:
    """The account of that name, created when missing (safe when two create it at once)."""
    key = account_key(
        programme_id, kind, membership_id=membership_id, participant_id=participant_id
    )
    found = session.scalar(select(Account).where(Account.key == key))
    if found is not None:
        return found
    account = Account(
        key=key,
        programme_id=programme_id,
        kind=kind.value,
        membership_id=membership_id,
        participant_id=participant_id,
        balance=0,
        overdraft_allowed=kind is AccountKind.SPONSOR,
    )
    try:
        with session.begin_nested():
            session.add(account)
    except IntegrityError:  # created by a concurrent transaction meanwhile
        found = session.scalar(select(Account).where(Account.key == key))
        if found is None:
            raise
        return found
    return account


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """An account to find or make (:func:`ensure_accounts`)."""

    programme_id: int
    kind: AccountKind
    membership_id: int | None = None
    participant_id: int | None = None

    @property
    def key(self) -> str:
        return account_key(
            self.programme_id,
            self.kind,
            membership_id=self.membership_id,
            participant_id=self.participant_id,
        )


def ensure_accounts(session: Session, specs: Iterable[AccountSpec]) -> dict[str, Account]:
    """:func:`ensure_account` of each spec, by key: the existing accounts read at once
    (one query per two thousand), the missing ones made one by one (as safely)."""
    wanted = {spec.key: spec for spec in specs}
    keys = sorted(wanted)
    found: dict[str, Account] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        found.update(
            (a.key, a) for a in session.scalars(select(Account).where(Account.key.in_(chunk)))
        )
    for key in keys:
        if key not in found:
            spec = wanted[key]
            found[key] = ensure_account(
                session,
                spec.programme_id,
                spec.kind,
                membership_id=spec.membership_id,
                participant_id=spec.participant_id,
            )
    return found


def balance(session: Session, account_id: int) -> int:
    """The account's maintained balance (one row; the committed or this session's value)."""
    value = session.scalar(select(Account.balance).where(Account.id == account_id))
    if value is None:
        raise NotFound(f"no loyalty account {account_id}")
    return int(value)


def transfer(
    session: Session,
    *,
    programme_id: int,
    source_id: int,
    destination_id: int,
    points: int,
    kind: str,
    reason: str,
    idempotency_key: str,
    now: datetime,
    order_id: int | None = None,
    order_line_id: int | None = None,
    reverses_entry_id: int | None = None,
) -> tuple[Entry, bool]:
    """Move ``points`` (> 0) from ``source_id`` to ``destination_id``: ``(entry, created)``.

    ``created`` is False when an entry of ``idempotency_key`` existed (nothing moved).
    :class:`InsufficientPoints` when the source (unless it may overdraw) holds less.
    The caller commits."""
    if points <= 0:
        raise InvalidInput(f"points must be more than 0, not {points}")
    if source_id == destination_id:
        raise InvalidInput("a transfer needs two different accounts")
    if not idempotency_key.strip():
        raise InvalidInput("a transfer needs an idempotency key")
    existing = _by_key(session, idempotency_key)
    if existing is not None:
        return existing, False
    entry = Entry(
        programme_id=programme_id,
        source_account_id=source_id,
        destination_account_id=destination_id,
        points=points,
        kind=kind,
        reason=reason,
        idempotency_key=idempotency_key,
        order_id=order_id,
        order_line_id=order_line_id,
        reverses_entry_id=reverses_entry_id,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()  # the unique key first: a replay stops here, before any balance
            _move(session, programme_id, source_id, destination_id, points, now)
    except IntegrityError:
        found = _by_key(session, idempotency_key)
        if found is None:
            raise
        return found, False
    return entry, True


@dataclass(frozen=True, slots=True)
class Movement:
    """One of the transfers of :func:`transfer_many` (all between the same two accounts)."""

    points: int
    kind: str
    reason: str
    idempotency_key: str
    order_id: int | None = None
    order_line_id: int | None = None


Move = tuple[int, int, Movement]
"""A movement from a source account (the first id) to a destination account (the second)."""


def transfer_many(
    session: Session, *, programme_id: int, moves: Sequence[Move], now: datetime
) -> list[tuple[Entry, bool]]:
    """:func:`transfer` of each move, in order: the same entries, balances and outcomes, in
    a few statements (existing keys read at once, the new entries inserted together, each
    account's balance changed once).

    Batched when no account is both a source and a destination (so no debit depends on a
    credit of the batch). When a key was paid meanwhile, or a source cannot cover its sum,
    nothing of the batch stays and each move goes through :func:`transfer` on its own
    (which replays, refuses or pays it exactly as alone). The caller commits."""

    def alone(source_id: int, destination_id: int, m: Movement) -> tuple[Entry, bool]:
        return transfer(
            session,
            programme_id=programme_id,
            source_id=source_id,
            destination_id=destination_id,
            points=m.points,
            kind=m.kind,
            reason=m.reason,
            idempotency_key=m.idempotency_key,
            now=now,
            order_id=m.order_id,
            order_line_id=m.order_line_id,
        )

    keys = [m.idempotency_key for _, _, m in moves]
    valid = all(m.points > 0 and m.idempotency_key.strip() and s != d for s, d, m in moves)
    sources = {s for s, _, _ in moves}
    if len(moves) < 2 or not valid or len(set(keys)) != len(keys):
        return [alone(*move) for move in moves]  # invalid input raises as transfer does
    if sources & {d for _, d, _ in moves}:
        return [alone(*move) for move in moves]
    existing: dict[str, Entry] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        for entry in session.scalars(select(Entry).where(Entry.idempotency_key.in_(chunk))):
            existing[entry.idempotency_key] = entry
    fresh = [move for move in moves if move[2].idempotency_key not in existing]
    made = _batch(session, programme_id, fresh, now) if len(fresh) > 1 else None
    if made is None:
        made = [alone(*move) for move in fresh]
    paid = iter(made)
    return [
        (existing[m.idempotency_key], False) if m.idempotency_key in existing else next(paid)
        for _, _, m in moves
    ]


_CHUNK = 2_000  # ids or keys per IN list (SQLite's bound parameters are limited)


def _batch(
    session: Session, programme_id: int, moves: Sequence[Move], now: datetime
) -> list[tuple[Entry, bool]] | None:
    """The moves' entries and balances at once, or None (nothing stays) when a key exists
    or a source cannot cover its sum."""
    entries = [
        Entry(
            programme_id=programme_id,
            source_account_id=source_id,
            destination_account_id=destination_id,
            points=m.points,
            kind=m.kind,
            reason=m.reason,
            idempotency_key=m.idempotency_key,
            order_id=m.order_id,
            order_line_id=m.order_line_id,
            created_at=now,
        )
        for source_id, destination_id, m in moves
    ]
    deltas: dict[int, int] = defaultdict(int)
    for source_id, destination_id, m in moves:
        deltas[source_id] -= m.points
        deltas[destination_id] += m.points
    try:
        with session.begin_nested():
            session.add_all(entries)
            session.flush()
            owners = _shift(session, deltas)
            flows = [
                _earned_flow(owners[source_id], owners[destination_id], m.points)
                for source_id, destination_id, m in moves
            ]
            earned.record(session, programme_id, [f for f in flows if f is not None], now)
    except (IntegrityError, _Shortfall):
        return None
    return [(entry, True) for entry in entries]


class _Shortfall(Exception):
    """A batch's debit would take an account below zero (the batch is undone)."""


@dataclass(frozen=True, slots=True)
class _Owner:
    """An account as a transfer sees it: which it is and whose."""

    account_id: int
    kind: str
    membership_id: int | None


def _earned_flow(source: _Owner, destination: _Owner, points: int) -> earned.Flow | None:
    """What the sponsor paid (or took back) counts as earned (leaderboards)."""
    if source.kind == AccountKind.SPONSOR.value:
        return earned.Flow(
            destination.account_id, destination.kind, destination.membership_id, points
        )
    if destination.kind == AccountKind.SPONSOR.value:
        return earned.Flow(source.account_id, source.kind, source.membership_id, -points)
    return None


def _shift(session: Session, deltas: dict[int, int]) -> dict[int, _Owner]:
    """Add each account's delta to its balance (rows in id order, so two batches cannot
    deadlock), refusing any but an overdraft account below zero: the accounts."""
    ids = sorted(deltas)
    kinds: dict[int, _Owner] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        kinds.update(
            {
                i: _Owner(i, str(k), m)
                for i, k, m in session.execute(
                    select(Account.id, Account.kind, Account.membership_id).where(
                        Account.id.in_(chunk)
                    )
                )
            }
        )
    table = cast(Table, Account.__table__)
    stmt = (
        table.update()
        .where(
            table.c.id == bindparam("account_id"),
            or_(table.c.overdraft_allowed.is_(True), table.c.balance + bindparam("delta") >= 0),
        )
        .values(balance=table.c.balance + bindparam("delta"))
    )
    params = [{"account_id": i, "delta": deltas[i]} for i in ids if deltas[i] != 0]
    if params:
        result = session.connection().execute(stmt, params)
        if result.rowcount != len(params):
            raise _Shortfall
    return kinds


def _move(
    session: Session,
    programme_id: int,
    source_id: int,
    destination_id: int,
    points: int,
    now: datetime,
) -> None:
    """Both balances (rows in id order, so two opposite transfers cannot deadlock) and what
    the sponsor paid or took back as earned (leaderboards)."""
    for account_id in sorted((source_id, destination_id)):
        if account_id == source_id:
            source = _debit(session, source_id, points)
        else:
            destination = _credit(session, destination_id, points)
    flow = _earned_flow(source, destination, points)
    if flow is not None:
        earned.record(session, programme_id, [flow], now)


def _by_key(session: Session, key: str) -> Entry | None:
    return session.scalar(select(Entry).where(Entry.idempotency_key == key))


def _debit(session: Session, account_id: int, points: int) -> _Owner:
    """Take the points from the account (refused below zero unless it may overdraw)."""
    row = session.execute(
        update(Account)
        .where(
            Account.id == account_id,
            or_(Account.overdraft_allowed.is_(True), Account.balance >= points),
        )
        .values(balance=Account.balance - points)
        .returning(Account.kind, Account.membership_id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        account = session.get(Account, account_id, populate_existing=True)
        if account is None:
            raise NotFound(f"no loyalty account {account_id}")
        raise InsufficientPoints(
            account.key, points, label=describe_account(session, account), balance=account.balance
        )
    return _Owner(account_id, str(row.kind), row.membership_id)


def describe_account(session: Session, account: Account) -> str:
    """Whose account it is, as people know it, with ids (for messages; never the internal
    key): "the points of Tandab AB (organisation 4)", "the points of seller Stina Ek (user
    9) at Tandab AB", "the budget of programme Klubben (1)"."""
    programme = session.get(Programme, account.programme_id)
    where = f"programme {programme.name} ({programme.id})" if programme else "the programme"
    org: Organisation | None = None
    if account.membership_id is not None:
        membership = session.get(Membership, account.membership_id)
        org = session.get(Organisation, membership.organisation_id) if membership else None
    org_text = f"{org.name} (organisation {org.id})" if org is not None else "a member"
    if account.kind == AccountKind.MEMBER.value:
        return f"the points of {org_text} in {where}"
    if account.kind == AccountKind.SELLER.value:
        participant = (
            session.get(Participant, account.participant_id) if account.participant_id else None
        )
        user = (
            session.get(User, participant.user_id)
            if participant is not None and participant.user_id is not None
            else None
        )
        who = f"seller {user.name} (user {user.id})" if user is not None else "a former seller"
        return f"the points of {who} at {org_text} in {where}"
    if account.kind == AccountKind.SPONSOR.value:
        return f"the sponsor's budget of {where}"
    return f"the {account.kind} account of {where}"


def _credit(session: Session, account_id: int, points: int) -> _Owner:
    """Add the points to the account."""
    row = session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(balance=Account.balance + points)
        .returning(Account.kind, Account.membership_id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        raise NotFound(f"no loyalty account {account_id}")
    return _Owner(account_id, str(row.kind), row.membership_id)


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """An account whose maintained balance differs from its entries (or is below zero)."""

    account_key: str
    balance: int
    from_entries: int
    problem: str  # "sum" | "negative"


@dataclass(frozen=True, slots=True)
class Verification:
    accounts: int
    entries: int
    discrepancies: tuple[Discrepancy, ...]
    total: int  # the sum of every balance: 0 when the ledger balances

    @property
    def ok(self) -> bool:
        return not self.discrepancies and self.total == 0


def verify(session: Session, programme_ids: Iterable[int] | None = None) -> Verification:
    """Check every account: balance == credits - debits, no account but the sponsor's below
    zero, and the balances sum to zero (every entry moves points, none mints them).

    One statement reads the balances and the sums of their entries, so on PostgreSQL it sees
    one snapshot even while transfers commit (no false alarm under load)."""
    credits = (
        select(Entry.destination_account_id.label("account_id"), func.sum(Entry.points).label("p"))
        .group_by(Entry.destination_account_id)
        .subquery()
    )
    debits = (
        select(Entry.source_account_id.label("account_id"), func.sum(Entry.points).label("p"))
        .group_by(Entry.source_account_id)
        .subquery()
    )
    stmt = (
        select(
            Account.key,
            Account.balance,
            Account.overdraft_allowed,
            func.coalesce(credits.c.p, 0),
            func.coalesce(debits.c.p, 0),
        )
        .outerjoin(credits, credits.c.account_id == Account.id)
        .outerjoin(debits, debits.c.account_id == Account.id)
        .order_by(Account.id)
    )
    if programme_ids is not None:
        stmt = stmt.where(Account.programme_id.in_(list(programme_ids)))
    found: list[Discrepancy] = []
    total = 0
    count = 0
    for key, held, overdraft, credited, debited in session.execute(stmt):
        count += 1
        expected = int(credited) - int(debited)
        total += int(held)
        if int(held) != expected:
            found.append(Discrepancy(key, int(held), expected, "sum"))
        elif expected < 0 and not overdraft:
            found.append(Discrepancy(key, int(held), expected, "negative"))
    entries = session.scalar(select(func.count()).select_from(Entry)) or 0
    return Verification(count, int(entries), tuple(found), total)


def entries_of(
    session: Session, account_ids: Sequence[int], *, limit: int, offset: int
) -> tuple[list[Entry], int]:
    """Entries into or out of ``account_ids``, newest first: (page, total)."""
    if not account_ids:
        return [], 0
    touches = or_(
        Entry.source_account_id.in_(account_ids), Entry.destination_account_id.in_(account_ids)
    )
    total = session.scalar(select(func.count()).select_from(Entry).where(touches)) or 0
    rows = session.scalars(
        select(Entry).where(touches).order_by(Entry.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)
