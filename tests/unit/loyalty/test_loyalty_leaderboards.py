"""Leaderboards: sellers and stores, this month and all time, points earned (clawbacks
count against, spending does not), my own place even outside the top, one statement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from catalog.db import transaction
from catalog.models import User
from loyalty.enums import AccountKind, EntryKind
from loyalty.errors import InvalidInput, NotAllowed
from loyalty.leaderboards import Board, leaderboard, month_of, month_period, standings
from loyalty.ledger import ensure_account, transfer
from tests.unit.loyalty.engage_support import Stores, pay, seed_stores
from tests.unit.marketplace.mp_support import NOW, Market

LAST_MONTH = datetime(2026, 2, 10, 12, tzinfo=UTC)


def _history(market: Market) -> Stores:
    stores = seed_stores(market)
    with transaction(market.factory) as s:
        pay(s, stores, "olle", 500, LAST_MONTH)
        pay(s, stores, "olle", 100, NOW)
        pay(s, stores, "rut", 300, NOW)
        pay(s, stores, "otto", 250, NOW)
        pay(s, stores, "otto", 100, NOW)
        pay(s, stores, "otto", 50, NOW, back=True)  # a clawback: 300 net this month
        pay(s, stores, "nord", 40, NOW)  # the store's own points (no seller)
        # Olle spends in the shop: his place does not move
        p = stores.loyal.programme_id
        shop = ensure_account(s, p, AccountKind.SHOP).id
        transfer(
            s,
            programme_id=p,
            source_id=stores.accounts["olle"],
            destination_id=shop,
            points=400,
            kind=EntryKind.REDEMPTION.value,
            reason="shop",
            idempotency_key="spend",
            now=NOW,
        )
    return stores


def test_month_periods_are_swedish_calendar_months() -> None:
    period = month_period("2026-12")
    assert period.start == datetime(2026, 11, 30, 23, tzinfo=UTC)
    assert period.end == datetime(2026, 12, 31, 23, tzinfo=UTC)
    assert month_of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "2026-12"
    with pytest.raises(InvalidInput) as caught:
        month_period("december")
    assert caught.value.field == "period"


def test_sellers_this_month_and_all_time(market: Market) -> None:
    stores = _history(market)
    with transaction(market.factory) as s:
        olle = s.get_one(User, stores.loyal.seller_id)
        month = leaderboard(s, olle, stores.loyal.programme_id, "sellers", "month", now=NOW)
        assert [(p.rank, p.name, p.points) for p in month.places] == [
            (1, "Rut", 300),
            (1, "Otto", 300),
            (3, "Olle", 100),
        ]
        assert [p.mine for p in month.places] == [False, False, True]
        assert month.places[1].store == "Dental Nord AB"
        ever = leaderboard(s, olle, stores.loyal.programme_id, "sellers", "all", now=NOW)
        assert [(p.rank, p.name, p.points) for p in ever.places] == [
            (1, "Olle", 600),
            (2, "Rut", 300),
            (2, "Otto", 300),
        ]


def test_stores_count_their_own_and_their_sellers_points(market: Market) -> None:
    stores = _history(market)
    with transaction(market.factory) as s:
        otto = s.get_one(User, market.users["nord_staff"])
        board = leaderboard(s, otto, stores.loyal.programme_id, "stores", "2026-03", now=NOW)
        assert [(p.rank, p.name, p.points, p.mine) for p in board.places] == [
            (1, "Tand AB", 400, False),
            (2, "Dental Nord AB", 340, True),
        ]


def test_my_place_is_shown_outside_the_top_in_one_statement(market: Market) -> None:
    stores = _history(market)
    engine = market.factory.kw["bind"]
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    with transaction(market.factory) as s:
        event.listen(engine, "before_cursor_execute", record)
        try:
            places = standings(
                s,
                stores.loyal.programme_id,
                Board.SELLERS,
                month_period("2026-03"),
                top=1,
                my_participant_id=stores.participants["olle"],
            )
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert [(p.rank, p.name, p.mine) for p in places] == [(1, "Rut", False), (3, "Olle", True)]
        assert len(statements) == 1


def test_only_members_and_admins_read_a_board(market: Market) -> None:
    stores = _history(market)
    with transaction(market.factory) as s:
        admin = market.user(s, "admin")
        board = leaderboard(s, admin, stores.loyal.programme_id, "stores", "all", now=NOW)
        assert not any(p.mine for p in board.places) and len(board.places) == 2
        with pytest.raises(NotAllowed):
            leaderboard(
                s, market.user(s, "clinic"), stores.loyal.programme_id, "stores", "all", now=NOW
            )
        with pytest.raises(InvalidInput) as caught:
            leaderboard(s, admin, stores.loyal.programme_id, "brands", "all", now=NOW)
        assert caught.value.field == "board"
