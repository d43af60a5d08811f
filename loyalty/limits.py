"""Limits against abuse: caps, approval above a threshold, clawback by an admin.

Every credit an activity earns (a sale, a quiz, an approved photo) goes through :func:`credit`:

1. **Caps** (``ProgrammeSettings.caps``, per activity kind: ``{"sale": {"day": 5000,
   "month": 50000}}``) bound what one seller's sub-account earns of that kind in a Swedish
   calendar day and month (credited entries plus credits held for approval). A credit is
   cut to the room left; with none left nothing moves (``capped``). The seller's account row
   is locked first (PostgreSQL and SQLite), so two concurrent credits cannot both use the
   last room.
2. **Approval** (``approval_threshold``): a credit of more points is held
   (:class:`~loyalty.models.HeldCredit`, unique per idempotency key) until an admin
   approves it (it becomes the entry of that key) or rejects it (nothing moves). Deciding
   is a conditional update from ``held``: of two admins deciding at once, one wins and the
   other gets :class:`AlreadyDecided`.
3. Otherwise the sponsor's budget pays it (``loyalty.ledger.transfer``, idempotent).

:func:`clawback` lets an admin reverse a credit with a reason: a new entry back to the
sponsor (key ``clawback:<entry>``, the same as a refund's, so never twice), recorded in the
audit trail with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.models import User
from loyalty.access import require_management_role, require_manager, require_manager_of
from loyalty.awards import settings_of
from loyalty.enums import AccountKind, EntryKind
from loyalty.errors import InvalidInput, LoyaltyError, NotFound
from loyalty.leaderboards import LOCAL_TZ
from loyalty.ledger import Movement, ensure_account, transfer, transfer_many
from loyalty.models import Account, Entry, HeldCredit, ProgrammeSettings

CAP_KINDS = ("sale", "quiz", "photo", "referral", "suggestion", "survey", "contest")
CAP_WINDOWS = ("day", "month")
REVERSIBLE = (
    "sale",
    "quiz",
    "photo",
    "bonus",
    EntryKind.ADJUSTMENT.value,
    "referral",
    "suggestion",
    "survey",
    "contest",
)


class AlreadyDecided(LoyaltyError):
    """The held credit was approved or rejected already."""


@dataclass(frozen=True, slots=True)
class Credit:
    outcome: str  # paid | replayed | held | capped
    points: int  # points paid (or held)
    entry: Entry | None = None
    held: HeldCredit | None = None


def _windows(now: datetime) -> dict[str, datetime]:
    """The start (UTC) of the Swedish day and month ``now`` falls in. Pure."""
    local = (now if now.tzinfo is not None else now.replace(tzinfo=UTC)).astimezone(LOCAL_TZ)
    day = datetime(local.year, local.month, local.day, tzinfo=LOCAL_TZ)
    month = datetime(local.year, local.month, 1, tzinfo=LOCAL_TZ)
    return {"day": day.astimezone(UTC), "month": month.astimezone(UTC)}


def room_left(caps: Mapping[str, Any], kind: str, earned: Mapping[str, int]) -> int | None:
    """Points still allowed of ``kind`` given what was ``earned`` per window (None: no cap).
    Pure."""
    limits = caps.get(kind) or {}
    rooms = [int(limits[w]) - earned.get(w, 0) for w in CAP_WINDOWS if limits.get(w) is not None]
    return max(0, min(rooms)) if rooms else None


def _earned(session: Session, account_id: int, kind: str, since: datetime) -> int:
    credited = session.scalar(
        select(func.coalesce(func.sum(Entry.points), 0)).where(
            Entry.destination_account_id == account_id,
            Entry.kind == kind,
            Entry.created_at >= since,
        )
    )
    held = session.scalar(
        select(func.coalesce(func.sum(HeldCredit.points), 0)).where(
            HeldCredit.destination_account_id == account_id,
            HeldCredit.kind == kind,
            HeldCredit.status == "held",
            HeldCredit.created_at >= since,
        )
    )
    return int(credited or 0) + int(held or 0)


def credit(
    session: Session,
    *,
    programme_id: int,
    destination: Account,
    points: int,
    kind: str,
    reason: str,
    idempotency_key: str,
    now: datetime,
    order_id: int | None = None,
    order_line_id: int | None = None,
) -> Credit:
    """Pay an earned credit from the sponsor's budget within the limits (see the module).
    The caller commits."""
    existing = session.scalar(select(Entry).where(Entry.idempotency_key == idempotency_key))
    if existing is not None:
        return Credit("replayed", 0, entry=existing)
    waiting = session.scalar(
        select(HeldCredit).where(HeldCredit.idempotency_key == idempotency_key)
    )
    if waiting is not None:
        return Credit("replayed", 0, held=waiting)
    settings = settings_of(session, programme_id)
    if destination.kind == AccountKind.SELLER.value and settings.caps.get(kind):
        # lock the seller's row before reading what it earned: concurrent credits of one
        # seller take turns here (a no-op UPDATE: a row lock on PostgreSQL, the write lock
        # on SQLite, where SELECT ... FOR UPDATE does nothing)
        session.execute(
            update(Account)
            .where(Account.id == destination.id)
            .values(balance=Account.balance)
            .execution_options(synchronize_session=False)
        )
        windows = _windows(now)
        earned = {w: _earned(session, destination.id, kind, windows[w]) for w in CAP_WINDOWS}
        room = room_left(settings.caps, kind, earned)
        if room is not None:
            if room <= 0:
                return Credit("capped", 0)
            points = min(points, room)
    threshold = settings.approval_threshold
    if threshold is not None and points > threshold:
        held = HeldCredit(
            programme_id=programme_id,
            destination_account_id=destination.id,
            points=points,
            kind=kind,
            reason=reason,
            idempotency_key=idempotency_key,
            order_id=order_id,
            order_line_id=order_line_id,
            status="held",
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(held)
                session.flush()
        except IntegrityError:
            found = session.scalar(
                select(HeldCredit).where(HeldCredit.idempotency_key == idempotency_key)
            )
            if found is None:
                raise
            return Credit("replayed", 0, held=found)
        return Credit("held", points, held=held)
    sponsor = ensure_account(session, programme_id, AccountKind.SPONSOR)
    entry, created = transfer(
        session,
        programme_id=programme_id,
        source_id=sponsor.id,
        destination_id=destination.id,
        points=points,
        kind=kind,
        reason=reason,
        idempotency_key=idempotency_key,
        now=now,
        order_id=order_id,
        order_line_id=order_line_id,
    )
    return Credit("paid" if created else "replayed", points if created else 0, entry=entry)


def credit_many(
    session: Session,
    *,
    programme_id: int,
    destination: Account,
    credits: Sequence[Movement],
    now: datetime,
) -> list[Credit]:
    """:func:`credit` of each credit to one account: :func:`credit_batch`."""
    return credit_batch(
        session, programme_id=programme_id, credits=[(destination, c) for c in credits], now=now
    )


def credit_batch(
    session: Session,
    *,
    programme_id: int,
    credits: Sequence[tuple[Account, Movement]],
    now: datetime,
) -> list[Credit]:
    """:func:`credit` of each ``(destination, credit)``, in order, with the same outcomes, in
    a few statements whatever their number: the settings and the held credits read once, the
    paid (or replayed) credits one :func:`~loyalty.ledger.transfer_many` (entries inserted
    together, each account's balance changed once). A credit to a seller under a cap of its
    kind goes through :func:`credit` after the one before (the room left depends on it), as
    does one to hold for approval. The caller commits."""
    keys = [c.idempotency_key for _, c in credits]
    if not keys:
        return []
    settings = settings_of(session, programme_id)
    waiting: set[str] = set()
    for start in range(0, len(keys), _KEYS_CHUNK):
        chunk = keys[start : start + _KEYS_CHUNK]
        waiting.update(
            session.scalars(
                select(HeldCredit.idempotency_key).where(HeldCredit.idempotency_key.in_(chunk))
            )
        )
    threshold = settings.approval_threshold
    out: list[Credit | None] = []
    paying: list[tuple[Account, Movement]] = []
    for destination, c in credits:
        # an existing entry of the key is replayed by transfer_many (or by credit); a held
        # credit of the key (or a new one to hold), or one under a seller's cap, goes
        # through credit, as alone
        capped = destination.kind == AccountKind.SELLER.value and settings.caps.get(c.kind)
        held = c.idempotency_key in waiting or (threshold is not None and c.points > threshold)
        if capped or held:
            out.append(_credit_one(session, programme_id, destination, c, now))
        else:
            out.append(None)
            paying.append((destination, c))
    if not paying:
        return [c for c in out if c is not None]
    sponsor = ensure_account(session, programme_id, AccountKind.SPONSOR)
    paid = iter(
        transfer_many(
            session,
            programme_id=programme_id,
            moves=[(sponsor.id, destination.id, c) for destination, c in paying],
            now=now,
        )
    )
    done: list[Credit] = []
    for outcome in out:
        if outcome is None:
            entry, created = next(paid)
            outcome = Credit(
                "paid" if created else "replayed", entry.points if created else 0, entry=entry
            )
        done.append(outcome)
    return done


_KEYS_CHUNK = 2_000  # keys per IN list (SQLite's bound parameters are limited)


def _credit_one(
    session: Session, programme_id: int, destination: Account, c: Movement, now: datetime
) -> Credit:
    return credit(
        session,
        programme_id=programme_id,
        destination=destination,
        points=c.points,
        kind=c.kind,
        reason=c.reason,
        idempotency_key=c.idempotency_key,
        now=now,
        order_id=c.order_id,
        order_line_id=c.order_line_id,
    )


def set_limits(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    caps: Mapping[str, Mapping[str, int | None]],
    approval_threshold: int | None,
    now: datetime,
) -> ProgrammeSettings:
    """The programme's manager (``loyalty.access``) sets the caps and the approval
    threshold (validated, fields named)."""
    admin = require_manager(session, user, programme_id)
    clean: dict[str, dict[str, int]] = {}
    for kind, windows in caps.items():
        if kind not in CAP_KINDS:
            raise InvalidInput(f"caps: kinds are {', '.join(CAP_KINDS)}", field=f"caps.{kind}")
        for window, value in windows.items():
            where = f"caps.{kind}.{window}"
            if window not in CAP_WINDOWS:
                raise InvalidInput(f"{where}: windows are day and month", field=where)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**9:
                raise InvalidInput(f"{where}: 1-1000000000 points", field=where)
            clean.setdefault(kind, {})[window] = value
    if approval_threshold is not None and not 1 <= approval_threshold <= 10**9:
        raise InvalidInput("approval_threshold: 1-1000000000", field="approval_threshold")
    row = session.get(ProgrammeSettings, programme_id, with_for_update=True)
    if row is None:
        row = ProgrammeSettings(
            programme_id=programme_id, seller_award_bonus=0, store_award_bonus=0
        )
        row.caps, row.approval_threshold, row.updated_at = clean, approval_threshold, now
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            row = session.get_one(ProgrammeSettings, programme_id, with_for_update=True)
    row.caps, row.approval_threshold, row.updated_at = clean, approval_threshold, now
    audit.record(
        session,
        actor=admin,
        channel="web",
        action="loyalty.limits",
        target_kind="loyalty_programme",
        target_id=programme_id,
        detail={"caps": clean, "approval_threshold": approval_threshold},
    )
    session.flush()
    return row


def held_credits(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    status: str,
    limit: int,
    offset: int,
) -> tuple[list[HeldCredit], int]:
    """The programme's held credits of ``status``, oldest first: (page, total), for its
    manager."""
    require_manager(session, user, programme_id)
    where = (HeldCredit.programme_id == programme_id, HeldCredit.status == status)
    total = session.scalar(select(func.count()).select_from(HeldCredit).where(*where)) or 0
    rows = session.scalars(
        select(HeldCredit).where(*where).order_by(HeldCredit.id).limit(limit).offset(offset)
    )
    return list(rows), int(total)


def decide(
    session: Session,
    user: User | None,
    held_id: int,
    *,
    approve: bool,
    reason: str,
    now: datetime,
) -> HeldCredit:
    """The programme's manager approves (the points move) or rejects (nothing moves) a held
    credit, once. The caller commits."""
    admin = require_management_role(user)
    held = session.get(HeldCredit, held_id)
    if held is None:
        raise NotFound(f"no held loyalty credit {held_id}")
    require_manager_of(session, admin, held.programme_id, f"no held loyalty credit {held_id}")
    reason = " ".join(reason.split())
    if not approve and not reason:
        raise InvalidInput("reason: say why the credit is rejected", field="reason")
    if len(reason) > 1000:
        raise InvalidInput("reason: 1000 characters at most", field="reason")
    status = "approved" if approve else "rejected"
    result = session.execute(
        update(HeldCredit)
        .where(HeldCredit.id == held_id, HeldCredit.status == "held")
        .values(status=status, decided_by=admin.id, decided_at=now, decision_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        raise AlreadyDecided(f"held credit {held_id} was decided already")
    session.refresh(held)
    if approve:
        sponsor = ensure_account(session, held.programme_id, AccountKind.SPONSOR)
        entry, _created = transfer(
            session,
            programme_id=held.programme_id,
            source_id=sponsor.id,
            destination_id=held.destination_account_id,
            points=held.points,
            kind=held.kind,
            reason=f"{held.reason} (approved)",
            idempotency_key=held.idempotency_key,
            now=now,
            order_id=held.order_id,
            order_line_id=held.order_line_id,
        )
        held.entry_id = entry.id
    audit.record(
        session,
        actor=admin,
        channel="web",
        action=f"loyalty.credit_{status}",
        target_kind="loyalty_held_credit",
        target_id=held.id,
        detail={"points": held.points, "reason": reason},
    )
    session.flush()
    return held


def reject_held_for_lines(
    session: Session, order_id: int, line_ids: list[int] | None, why: str, *, now: datetime
) -> int:
    """Held credits of cancelled or refunded lines are rejected (never approved later)."""
    stmt = (
        update(HeldCredit)
        .where(HeldCredit.order_id == order_id, HeldCredit.status == "held")
        .values(status="rejected", decided_at=now, decision_reason=why)
        .execution_options(synchronize_session=False)
    )
    if line_ids is not None:
        stmt = stmt.where(HeldCredit.order_line_id.in_(line_ids))
    return rows_matched(session.execute(stmt))


class ClawbackTooLarge(LoyaltyError):
    """A clawback of more points than are left of the credit (what it paid less what was
    clawed back of it already): nothing moved."""

    def __init__(self, entry_id: int, points: int, left: int) -> None:
        super().__init__(
            f"entry {entry_id}: {points} points is more than the {left} left to claw back"
        )
        self.entry_id = entry_id
        self.points = points
        self.left = left


def _lock_account(session: Session, account_id: int) -> None:
    """Serialise reversals of credits to one account (a no-op UPDATE: PostgreSQL's row
    lock, SQLite's write lock), before reading what was reversed already."""
    session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(balance=Account.balance)
        .execution_options(synchronize_session=False)
    )


def reversed_points(session: Session, entry_id: int) -> int:
    """Points of ``entry_id`` reversed so far (clawbacks, whole or partial)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Entry.points), 0)).where(Entry.reverses_entry_id == entry_id)
    )
    return int(total or 0)


def reverse_credit(
    session: Session,
    original: Entry,
    *,
    reason: str,
    now: datetime,
    points: int | None = None,
) -> tuple[Entry, bool]:
    """Move ``points`` of a credit (None: all that is left of it) back to where it came
    from: ``(entry, created)``. The credited account is locked first, so two reversals of
    it at once never take back more than was paid: the one that makes it whole has the key
    ``clawback:<entry>`` (the refund's too, so a later refund replays it), a part the key
    ``clawback:<entry>:<reversed before>``. A credit reversed whole answers its last
    reversal (``created`` False) when ``points`` is None, :class:`ClawbackTooLarge` else.
    :class:`InsufficientPoints` when the account no longer holds the points."""
    _lock_account(session, original.destination_account_id)
    already = reversed_points(session, original.id)
    left = original.points - already
    if left <= 0:
        if points is not None:
            raise ClawbackTooLarge(original.id, points, 0)
        last = session.scalar(
            select(Entry)
            .where(Entry.reverses_entry_id == original.id)
            .order_by(Entry.id.desc())
            .limit(1)
        )
        assert last is not None  # reversed points exist only as reversal entries
        return last, False
    amount = left if points is None else points
    if amount > left:
        raise ClawbackTooLarge(original.id, amount, left)
    key = f"clawback:{original.id}" if amount == left else f"clawback:{original.id}:{already}"
    return transfer(
        session,
        programme_id=original.programme_id,
        source_id=original.destination_account_id,
        destination_id=original.source_account_id,
        points=amount,
        kind=EntryKind.CLAWBACK.value,
        reason=reason,
        idempotency_key=key,
        now=now,
        order_id=original.order_id,
        order_line_id=original.order_line_id,
        reverses_entry_id=original.id,
    )


def clawback(
    session: Session,
    user: User | None,
    entry_id: int,
    *,
    reason: str,
    now: datetime,
    points: int | None = None,
) -> tuple[Entry, bool]:
    """The programme's manager (``loyalty.access``) reverses a credit (sale, quiz, bonus,
    adjustment) with a reason, whole (``points`` None: what is left of it) or in part: a new
    entry back to the sponsor, audited. ``(entry, created)``; see :func:`reverse_credit`
    for two at once, a credit reversed already and an account that no longer holds the
    points."""
    manager = require_management_role(user)
    reason = " ".join(reason.split())
    if not reason or len(reason) > 1000:
        raise InvalidInput("reason: 1-1000 characters", field="reason")
    if points is not None and (isinstance(points, bool) or not 1 <= points <= 10**12):
        raise InvalidInput("points: a whole number of points, at least 1", field="points")
    original = session.get(Entry, entry_id)
    if original is None:
        raise NotFound(f"no loyalty entry {entry_id}")
    require_manager_of(session, manager, original.programme_id, f"no loyalty entry {entry_id}")
    sponsor = ensure_account(session, original.programme_id, AccountKind.SPONSOR)
    if original.kind not in REVERSIBLE or original.source_account_id != sponsor.id:
        raise InvalidInput(
            f"entry {entry_id} is not a credit from the sponsor's budget", field="entry_id"
        )
    reversal, created = reverse_credit(
        session, original, reason=f"clawback of entry {entry_id}: {reason}", now=now, points=points
    )
    if created:
        audit.record(
            session,
            actor=manager,
            channel="web",
            action="loyalty.clawback",
            target_kind="loyalty_entry",
            target_id=entry_id,
            detail={
                "points": reversal.points,
                "credited": original.points,
                "reason": reason,
                "reversal": reversal.id,
            },
        )
        session.flush()
    return reversal, created


def window_start(now: datetime, window: str) -> datetime:
    """The UTC start of the Swedish ``day`` or ``month`` of ``now``. Pure."""
    return _windows(now)[window]
