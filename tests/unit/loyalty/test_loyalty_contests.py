"""Sales contests: set up by the sponsor (period, metric, audience, prize table), live
standings while they run, closed once at the end by the scheduled job with the prizes paid
once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import User
from loyalty import contests, limits
from loyalty.engagement_models import ContestResult
from loyalty.errors import InvalidInput, WrongState
from loyalty.ledger import verify
from loyalty.models import Account, Entry
from tests.unit.loyalty.engage_support import Stores, pay, seed_stores
from tests.unit.loyalty.test_loyalty_earning import _delivered_order, _wired
from tests.unit.marketplace.mp_support import NOW, Market

START, END = NOW - timedelta(days=1), NOW + timedelta(days=1)


def _contest(market: Market, stores: Stores, **kwargs: object) -> int:
    args: dict[str, object] = {
        "name": "Vårens säljrace",
        "metric": "sale_points",
        "audience": "sellers",
        "starts_at": START,
        "ends_at": END,
        "prizes": [1000, 500, 100],
    }
    args.update(kwargs)
    with transaction(market.factory) as s:
        return contests.create_contest(
            s,
            market.user(s, "admin"),
            stores.loyal.programme_id,
            now=NOW - timedelta(hours=1),
            **args,  # type: ignore[arg-type]
        ).id


def test_a_contest_is_checked_naming_the_field(market: Market) -> None:
    stores = seed_stores(market)
    for kwargs, field in [
        ({"name": " "}, "name"),
        ({"metric": "likes"}, "metric"),
        ({"audience": "clinics"}, "audience"),
        ({"ends_at": START}, "ends_at"),
        ({"ends_at": START + timedelta(days=400)}, "ends_at"),
        ({"ends_at": NOW - timedelta(hours=2)}, "ends_at"),
        ({"prizes": []}, "prizes"),
        ({"prizes": [100, 0]}, "prizes[1]"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            _contest(market, stores, **kwargs)
        assert caught.value.field == field


def test_sellers_ranked_by_sale_points_and_prizes_paid_once(market: Market) -> None:
    stores = seed_stores(market)
    _wired(market)
    _delivered_order(market)  # Olle: 2 x 648 kr = 1296 points, at NOW
    with transaction(market.factory) as s:
        pay(s, stores, "otto", 500, NOW)
        wrong = pay(s, stores, "otto", 200, NOW)
        pay(s, stores, "otto", 9000, START - timedelta(hours=1))  # before the contest
        pay(s, stores, "rut", 500, NOW)
        limits.clawback(s, market.user(s, "admin"), wrong, reason="Fel", now=NOW)
    contest_id = _contest(market, stores)
    with transaction(market.factory) as s:
        olle = s.get_one(User, stores.loyal.seller_id)
        _contest_row, live = contests.live_standings(s, olle, contest_id, now=NOW)
        assert [(p.rank, p.name, p.score, p.prize) for p in live] == [
            (1, "Olle", Decimal("1296.00"), 1000),
            (2, "Rut", Decimal("500.00"), 500),
            (2, "Otto", Decimal("500.00"), 500),
        ] or [(p.rank, p.name, p.score, p.prize) for p in live] == [
            (1, "Olle", Decimal("1296.00"), 1000),
            (2, "Otto", Decimal("500.00"), 500),
            (2, "Rut", Decimal("500.00"), 500),
        ]
        assert [p.mine for p in live] == [True, False, False]
        with pytest.raises(WrongState):  # not over yet
            contests.close(s, contest_id, now=NOW)
    after = END + timedelta(hours=1)
    with transaction(market.factory) as s:
        assert contests.close_finished(s, now=after) == 1
    with transaction(market.factory) as s:
        assert contests.close_finished(s, now=after) == 0  # closed: nothing more
        with pytest.raises(WrongState):
            contests.close(s, contest_id, now=after)
        results = contests.results_of(s, contest_id)
        assert sorted(r.prize_points for r in results) == [500, 500, 1000]
        assert {r.outcome for r in results} == {"paid"}
        prizes = s.scalars(select(Entry).where(Entry.kind == "contest")).all()
        assert len(prizes) == 3
        assert all(e.idempotency_key.startswith(f"contest:{contest_id}:seller:") for e in prizes)
        otto = s.get_one(Account, stores.accounts["otto"])
        assert otto.balance == 500 + 9000 + 500  # its sales and its prize
        assert verify(s).ok


def test_stores_ranked_by_kronor_of_delivered_lines(market: Market) -> None:
    stores = seed_stores(market)
    _wired(market)
    _delivered_order(market)  # tandab: 2 x 99 + 450 = 648 kr
    with transaction(market.factory) as s:
        pay(s, stores, "otto", 5000, NOW)  # points without an order line: no kronor
    contest_id = _contest(market, stores, metric="sales_amount", audience="stores", prizes=[300])
    with transaction(market.factory) as s:
        contest = contests.get_contest(s, contest_id)
        live = contests.standings(s, contest, until=NOW)
        assert [(p.name, p.score, p.prize) for p in live] == [("Tand AB", Decimal("648.00"), 300)]
        contests.close(s, contest_id, now=END)
    with transaction(market.factory) as s:
        (result,) = s.scalars(select(ContestResult)).all()
        assert result.winner_key == f"store:{stores.loyal.membership_id}"
        assert stores.loyal.balance(s, stores.loyal.member_key) == 300
        assert s.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "contest")) == 1


def test_the_housekeeping_pass_closes_ended_contests_once(market: Market) -> None:
    from api.housekeeping import run_once
    from catalog.settings import Settings
    from marketplace.dates import utc_now

    stores = seed_stores(market)
    now = utc_now()
    with transaction(market.factory) as s:
        pay(s, stores, "otto", 50, now - timedelta(days=2))
        contest = contests.create_contest(
            s,
            market.user(s, "admin"),
            stores.loyal.programme_id,
            name="Förra veckan",
            metric="sale_points",
            audience="sellers",
            starts_at=now - timedelta(days=7),
            ends_at=now - timedelta(hours=1),
            prizes=[75],
            now=now - timedelta(days=8),
        )
        contest_id = contest.id
    assert run_once(Settings(environment="test"), market.factory)["loyalty_contests"] == 1
    assert run_once(Settings(environment="test"), market.factory)["loyalty_contests"] == 0
    with transaction(market.factory) as s:
        assert contests.get_contest(s, contest_id).status == "closed"
        assert s.get_one(Account, stores.accounts["otto"]).balance == 50 + 75
