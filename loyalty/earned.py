"""Points earned per account and month, maintained beside the ledger.

A leaderboard ranks accounts by points **earned** (``loyalty.leaderboards``): what the
sponsor's budget paid an account, less what went back to it (clawbacks), in a Swedish
calendar month or in all. Summing the ledger for that reads every entry of the month; so
:func:`record` adds each such movement to :class:`~loyalty.models.EarnedPoints` rows (the
entry's month and ``all``) in the transfer's own transaction (``loyalty.ledger.transfer``),
and a board reads one row per account. The rows are an upsert that adds: two transfers at
once both count (the second waits for the first's row lock).

:func:`rebuild` recomputes a programme's rows from its entries (after a bulk load, or to
repair them); :func:`from_entries` is what they must equal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, case, delete, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from loyalty.enums import AccountKind
from loyalty.models import Account, EarnedPoints, EarnedStorePoints, Entry
from loyalty.months import month_of, month_period, next_month

ALL = "all"
STORE_KINDS = (AccountKind.SELLER.value, AccountKind.MEMBER.value)
"""The accounts whose points count for their store (its own and its sellers')."""


@dataclass(frozen=True, slots=True)
class Flow:
    """Points the sponsor paid an account (negative: took back)."""

    account_id: int
    kind: str  # the account's AccountKind
    membership_id: int | None
    points: int


def record(session: Session, programme_id: int, flows: Sequence[Flow], at: datetime) -> None:
    """Add each flow to its account's month of ``at`` and all, and a member's or seller's
    to its store's (two statements, each executed per row; rows in key order, so two
    transactions cannot deadlock)."""
    month = month_of(at)
    accounts: dict[int, int] = defaultdict(int)
    stores: dict[int, int] = defaultdict(int)
    for flow in flows:
        accounts[flow.account_id] += flow.points
        if flow.membership_id is not None and flow.kind in STORE_KINDS:
            stores[flow.membership_id] += flow.points
    dialect = session.get_bind().dialect.name
    for model, key, totals in (
        (EarnedPoints, "account_id", accounts),
        (EarnedStorePoints, "membership_id", stores),
    ):
        rows = [
            {"programme_id": programme_id, "period": period, key: i, "points": totals[i]}
            for i in sorted(totals)
            if totals[i] != 0
            for period in (month, ALL)
        ]
        if not rows:
            continue
        table = cast(Table, model.__table__)
        stmt: postgresql.Insert | sqlite.Insert
        stmt = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        session.execute(  # executemany of one cached statement
            stmt.on_conflict_do_update(
                index_elements=[table.c.programme_id, table.c.period, table.c[key]],
                set_={"points": table.c.points + stmt.excluded.points},
            ),
            rows,
        )


Totals = dict[tuple[str, str, int], int]
"""``("account", period, account id)`` and ``("store", period, membership id)`` -> points."""


def from_entries(session: Session, programme_id: int) -> Totals:
    """The rows summed from the ledger, zeros left out (what the rows must hold): one
    grouped statement, the Swedish month of an entry told by the months' UTC starts."""
    sponsor = session.scalar(
        select(Account.id).where(
            Account.programme_id == programme_id, Account.kind == AccountKind.SPONSOR.value
        )
    )
    if sponsor is None:
        return {}
    flows = and_(
        Entry.programme_id == programme_id,
        or_(Entry.source_account_id == sponsor, Entry.destination_account_id == sponsor),
    )
    first, last = session.execute(
        select(func.min(Entry.created_at), func.max(Entry.created_at)).where(flows)
    ).one()
    if first is None or last is None:
        return {}
    labels = [month_of(first)]
    while labels[-1] != month_of(last):
        labels.append(next_month(labels[-1]))
    ends = [month_period(label).end for label in labels[:-1]]
    other = case(
        (Entry.source_account_id == sponsor, Entry.destination_account_id),
        else_=Entry.source_account_id,
    )
    signed = case((Entry.source_account_id == sponsor, Entry.points), else_=-Entry.points)
    if len(labels) == 1:
        rows: Iterable[tuple[str, int, int]] = [
            (labels[0], account_id, points)
            for account_id, points in session.execute(
                select(other, func.sum(signed)).where(flows).group_by(other)
            )
        ]
    else:
        month = case(
            *[(Entry.created_at < end, label) for label, end in zip(labels, ends, strict=False)],
            else_=labels[-1],
        )
        rows = session.execute(
            select(month, other, func.sum(signed)).where(flows).group_by(month, other)
        ).all()
    owners = {
        int(i): (str(kind), membership_id)
        for i, kind, membership_id in session.execute(
            select(Account.id, Account.kind, Account.membership_id).where(
                Account.programme_id == programme_id
            )
        )
    }
    totals: Totals = defaultdict(int)
    for label, account_id, points in rows:
        kind, membership_id = owners[int(account_id)]
        for period in (str(label), ALL):
            totals[("account", period, int(account_id))] += int(points)
            if membership_id is not None and kind in STORE_KINDS:
                totals[("store", period, int(membership_id))] += int(points)
    return {key: points for key, points in totals.items() if points != 0}


def rebuild(session: Session, programme_id: int) -> int:
    """Replace the programme's rows with the sums of its entries; how many rows. The caller
    commits."""
    totals = from_entries(session, programme_id)
    for model in (EarnedPoints, EarnedStorePoints):
        session.execute(delete(model).where(model.programme_id == programme_id))
    for board, model, key in (
        ("account", EarnedPoints, "account_id"),
        ("store", EarnedStorePoints, "membership_id"),
    ):
        rows: list[dict[str, object]] = [
            {"programme_id": programme_id, "period": period, key: i, "points": points}
            for (kind, period, i), points in totals.items()
            if kind == board
        ]
        for chunk in _chunks(rows, 5_000):
            session.execute(insert(model), chunk)
    return len(totals)


def stored(session: Session, programme_id: int) -> Totals:
    """The programme's rows as they are (zero rows left out)."""
    out: Totals = {}
    for period, account_id, points in session.execute(
        select(EarnedPoints.period, EarnedPoints.account_id, EarnedPoints.points).where(
            EarnedPoints.programme_id == programme_id
        )
    ):
        if points:
            out[("account", period, int(account_id))] = int(points)
    for period, membership_id, points in session.execute(
        select(
            EarnedStorePoints.period, EarnedStorePoints.membership_id, EarnedStorePoints.points
        ).where(EarnedStorePoints.programme_id == programme_id)
    ):
        if points:
            out[("store", period, int(membership_id))] = int(points)
    return out


def _chunks(rows: list[dict[str, object]], size: int) -> Iterable[list[dict[str, object]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
