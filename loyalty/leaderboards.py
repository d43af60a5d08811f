"""Leaderboards of a programme: sellers and stores (member organisations), this month or
all time, each one SQL statement that also finds the asking user's own rank.

What counts is **points earned**: what the sponsor's budget paid an account (sales with
their campaigns, quizzes, bonuses) less what went back to it (clawbacks). Spending points
in the shop or their expiry does not lower a place. A store's points are its own account's
and every seller's. Equal points share a rank (``RANK()``); ties list the older first.

A month is a calendar month in Swedish time (``2026-12`` runs from 1 December 00:00 in
Stockholm to 1 January 00:00).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    case,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from catalog.models import Organisation, User
from loyalty.access import require_sponsor_reader
from loyalty.earned import ALL
from loyalty.enums import AccountKind
from loyalty.errors import InvalidInput
from loyalty.models import Account, EarnedPoints, EarnedStorePoints, Membership, Participant
from loyalty.months import LOCAL_TZ as LOCAL_TZ
from loyalty.months import Period as Period
from loyalty.months import month_of as month_of
from loyalty.months import month_period as month_period
from loyalty.months import parse_period
from loyalty.months import previous_month as previous_month
from loyalty.programmes import active_participant, own_membership


class Board(StrEnum):
    SELLERS = "sellers"
    STORES = "stores"


@dataclass(frozen=True, slots=True)
class Place:
    rank: int
    membership_id: int
    participant_id: int | None  # sellers' board only
    name: str  # the seller's name ("" once erased) or the store's organisation
    store: str  # the organisation's name
    points: int
    mine: bool


def standings(
    session: Session,
    programme_id: int,
    board: Board,
    period: Period,
    *,
    top: int = 10,
    my_membership_id: int | None = None,
    my_participant_id: int | None = None,
) -> list[Place]:
    """The ``top`` places and the asker's own place (when ranked but not among them), from
    the points earned per account in the period (maintained with the ledger)."""
    label = period.label if period.start is not None else ALL
    if board is Board.SELLERS:
        return _seller_standings(session, programme_id, label, top, my_participant_id)
    return _store_standings(session, programme_id, label, top, my_membership_id)


@cache
def _store_board() -> Select[Any]:
    """The stores' board statement, built once (parameters ``programme_id``, ``period``,
    ``top`` and ``me``, the asker's membership or -1): a store's points are its own
    account's and every seller's (those who left too; maintained per store), ranked with
    ``RANK()``."""
    store = EarnedStorePoints
    mine = store.membership_id == bindparam("me", type_=Integer)
    ranked = (
        select(
            store.membership_id,
            store.points,
            case((mine, 1), else_=0).label("mine"),
            func.rank().over(order_by=store.points.desc()).label("rank"),
            func.row_number()
            .over(order_by=(store.points.desc(), store.membership_id))
            .label("row"),
        )
        .where(
            store.programme_id == bindparam("programme_id"),
            store.period == bindparam("period"),
            store.points > 0,
        )
        .subquery()
    )
    return (
        select(
            ranked.c.rank,
            ranked.c.membership_id,
            ranked.c.points,
            ranked.c.mine,
            Organisation.name.label("store"),
        )
        .join(Membership, Membership.id == ranked.c.membership_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(or_(ranked.c.row <= bindparam("top", type_=Integer), ranked.c.mine == 1))
        .order_by(ranked.c.row)
    )


def _store_standings(
    session: Session, programme_id: int, label: str, top: int, my_membership_id: int | None
) -> list[Place]:
    """The stores' board (:func:`_store_board`) in one statement."""
    stmt = _store_board()
    params = {
        "programme_id": programme_id,
        "period": label,
        "top": top,
        "me": my_membership_id if my_membership_id is not None else -1,
    }
    return [
        Place(
            rank=int(r.rank),
            membership_id=int(r.membership_id),
            participant_id=None,
            name=str(r.store),
            store=str(r.store),
            points=int(r.points),
            mine=bool(r.mine),
        )
        for r in session.execute(stmt, params)
    ]


@cache
def _seller_board() -> Select[Any]:
    """The sellers' board statement, built once (its parameters: ``programme_id``,
    ``period``, ``top``, ``after`` = top + 1 and ``me``, the asker's participation or -1):
    each seller has one account, so a place is an account's row. The leaders are read in
    points order (the index) and stopped at ``top``; their ``RANK()`` among themselves is
    their rank (every seller with more points is among them); the asker's rank is one more
    than the sellers with more points."""
    ended = select(Participant.id).where(Participant.ended_at.is_not(None))

    def ranked(
        alias: str, *only: Callable[[Any], ColumnElement[bool]]
    ) -> Select[int, int | None, int | None, int]:
        """The period's sellers with points, still taking part (one who left the
        organisation is no longer ranked: their points went to it)."""
        earned_row = aliased(EarnedPoints, name=f"{alias}_points")
        account = aliased(Account, name=f"{alias}_account")
        stmt = (
            select(
                earned_row.points.label("points"),
                account.membership_id.label("membership_id"),
                account.participant_id.label("participant_id"),
                account.id.label("account_id"),
            )
            .join(account, account.id == earned_row.account_id)
            .where(
                earned_row.programme_id == bindparam("programme_id"),
                earned_row.period == bindparam("period"),
                earned_row.points > 0,
                account.kind == AccountKind.SELLER.value,
                account.participant_id.not_in(ended),
                *(condition(earned_row) for condition in only),
            )
        )
        return stmt

    board = ranked("board").subquery()
    leaders = (
        select(board)
        .order_by(board.c.points.desc(), board.c.membership_id, board.c.account_id)
        .limit(bindparam("top", type_=Integer))
        .subquery("leaders")
    )
    order = (leaders.c.points.desc(), leaders.c.membership_id, leaders.c.account_id)
    top_rows = select(
        func.rank().over(order_by=leaders.c.points.desc()).label("rank"),
        func.row_number().over(order_by=order).label("row"),
        leaders.c.membership_id,
        leaders.c.participant_id,
        leaders.c.points,
    )
    # the asker's row, found by their account (not by scanning the board)
    my_account = (
        select(Account.id)
        .where(
            Account.participant_id == bindparam("me", type_=Integer),
            Account.kind == AccountKind.SELLER.value,
        )
        .scalar_subquery()
    )
    mine_rows = ranked("mine", lambda row: row.account_id == my_account).subquery("mine")
    above = ranked("above").subquery("above")
    own_row = select(
        (
            select(func.count())
            .select_from(above)
            .where(above.c.points > mine_rows.c.points)
            .scalar_subquery()
            + 1
        ).label("rank"),
        bindparam("after", type_=Integer).label("row"),
        mine_rows.c.membership_id,
        mine_rows.c.participant_id,
        mine_rows.c.points,
    ).where(
        mine_rows.c.participant_id == bindparam("me", type_=Integer),
        mine_rows.c.account_id.not_in(select(leaders.c.account_id)),
    )
    places = union_all(top_rows, own_row).subquery()
    return (
        select(
            places.c.rank,
            places.c.membership_id,
            places.c.participant_id,
            places.c.points,
            Organisation.name.label("store"),
            User.name.label("seller"),
        )
        .join(Membership, Membership.id == places.c.membership_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .join(Participant, Participant.id == places.c.participant_id)
        .outerjoin(User, User.id == Participant.user_id)
        .order_by(places.c.row)
    )


def _seller_standings(
    session: Session, programme_id: int, label: str, top: int, my_participant_id: int | None
) -> list[Place]:
    """The sellers' board (:func:`_seller_board`) in one statement."""
    stmt = _seller_board()
    params = {
        "programme_id": programme_id,
        "period": label,
        "top": top,
        "after": top + 1,
        "me": my_participant_id if my_participant_id is not None else -1,
    }
    return [
        Place(
            rank=int(r.rank),
            membership_id=int(r.membership_id),
            participant_id=int(r.participant_id),
            name=r.seller or "",
            store=str(r.store),
            points=int(r.points),
            mine=my_participant_id is not None and int(r.participant_id) == my_participant_id,
        )
        for r in session.execute(stmt, params)
    ]


@dataclass(frozen=True, slots=True)
class Leaderboard:
    board: Board
    period: Period
    places: list[Place]


def leaderboard(
    session: Session,
    user: User | None,
    programme_id: int,
    board: str,
    period: str,
    *,
    now: datetime,
    top: int = 10,
) -> Leaderboard:
    """The board as the user may read it: a platform admin, or a member of a member
    organisation (their own place marked)."""
    try:
        which = Board(board)
    except ValueError as exc:
        raise InvalidInput("board: sellers or stores", field="board") from exc
    if not 1 <= top <= 100:
        raise InvalidInput("top: 1-100", field="top")
    chosen = parse_period(period, now)
    membership_id = participant_id = None
    if not require_sponsor_reader(session, user, programme_id):
        membership = own_membership(session, user, programme_id)
        assert user is not None
        membership_id = membership.id
        participant = active_participant(session, membership.id, user.id)
        participant_id = participant.id if participant is not None else None
    places = standings(
        session,
        programme_id,
        which,
        chosen,
        top=top,
        my_membership_id=membership_id,
        my_participant_id=participant_id,
    )
    return Leaderboard(which, chosen, places)
