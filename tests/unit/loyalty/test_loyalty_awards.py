"""Månadens säljare / månadens butik: awarded once per month after it ends, the bonus paid
once, announced as an event the notification subscribers turn into notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.events import EventBus, attach
from loyalty import awards
from loyalty.errors import InvalidInput, NotAllowed
from loyalty.ledger import verify
from loyalty.models import Entry, MonthlyAward, Programme
from marketplace import alerts
from marketplace.models import Notification
from tests.unit.loyalty.engage_support import Stores, pay, seed_stores
from tests.unit.marketplace.mp_support import NOW, Market

APRIL = datetime(2026, 4, 1, 3, tzinfo=UTC)


def _march(market: Market) -> Stores:
    stores = seed_stores(market)
    with transaction(market.factory) as s:
        pay(s, stores, "olle", 100, NOW)
        pay(s, stores, "otto", 250, NOW)
        pay(s, stores, "nord", 10, NOW)
        pay(s, stores, "rut", 200, NOW)
        admin = market.user(s, "admin")
        awards.set_award_bonus(
            s, admin, stores.loyal.programme_id, seller_bonus=50, store_bonus=20, now=NOW
        )
    return stores


def test_the_month_is_awarded_once_with_its_bonus_and_announced(market: Market) -> None:
    stores = _march(market)
    bus = EventBus()
    attach(market.factory, bus)
    alerts.subscribe(bus, market.factory)
    with transaction(market.factory) as s:
        assert awards.award_finished_months(s, now=APRIL) == 2
    with transaction(market.factory) as s:
        assert awards.award_finished_months(s, now=APRIL) == 0  # an hour later: nothing
        won = {a.kind: a for a in s.scalars(select(MonthlyAward))}
        assert won["seller"].participant_id == stores.participants["otto"]
        assert won["seller"].points_earned == 250 and won["seller"].bonus_points == 50
        assert won["store"].membership_id == stores.loyal.membership_id  # 100 + 200
        assert won["store"].points_earned == 300
        bonus = s.scalars(select(Entry).where(Entry.kind == "bonus").order_by(Entry.id)).all()
        assert [(e.points, e.destination_account_id) for e in bonus] == [
            (50, stores.accounts["otto"]),
            (20, stores.accounts["tand"]),
        ]
        assert verify(s).ok
        notes = {
            (n.user_id, n.kind) for n in s.scalars(select(Notification).order_by(Notification.id))
        }
        assert (market.users["nord_staff"], "loyalty_seller_award") in notes
        assert (stores.loyal.rep_id, "loyalty_store_award") in notes
        assert (stores.loyal.seller_id, "loyalty_store_award") in notes
        assert bus.failures == 0


def test_a_month_not_over_is_refused_and_an_empty_month_awards_nobody(market: Market) -> None:
    stores = _march(market)
    with transaction(market.factory) as s:
        programme = s.get_one(Programme, stores.loyal.programme_id)
        with pytest.raises(InvalidInput) as caught:
            awards.award_month(s, programme, "2026-03", now=NOW)
        assert caught.value.field == "period"
        assert awards.award_month(s, programme, "2026-02", now=APRIL) == []
        assert s.scalar(select(func.count()).select_from(MonthlyAward)) == 0


def test_only_admins_set_bonuses_within_bounds(market: Market) -> None:
    stores = _march(market)
    with transaction(market.factory) as s:
        with pytest.raises(NotAllowed):
            awards.set_award_bonus(
                s,
                market.user(s, "tand_staff"),
                stores.loyal.programme_id,
                seller_bonus=1,
                store_bonus=1,
                now=NOW,
            )
        with pytest.raises(InvalidInput) as caught:
            awards.set_award_bonus(
                s,
                market.user(s, "admin"),
                stores.loyal.programme_id,
                seller_bonus=1,
                store_bonus=-1,
                now=NOW,
            )
        assert caught.value.field == "store_award_bonus"
        assert awards.settings_of(s, stores.loyal.programme_id).seller_award_bonus == 50


def test_the_housekeeping_pass_awards_last_month_once(market: Market) -> None:
    from api.housekeeping import run_once
    from catalog.settings import Settings
    from loyalty.leaderboards import month_of, month_period, previous_month
    from marketplace.dates import utc_now

    stores = seed_stores(market)
    last = month_period(previous_month(month_of(utc_now())))
    assert last.start is not None
    with transaction(market.factory) as s:
        pay(s, stores, "olle", 120, last.start + timedelta(days=10))
    counts = run_once(Settings(environment="test"), market.factory)
    assert counts["loyalty_awards"] == 2
    assert run_once(Settings(environment="test"), market.factory)["loyalty_awards"] == 0
    with transaction(market.factory) as s:
        kinds = set(s.scalars(select(Notification.kind)))
        assert {"loyalty_seller_award", "loyalty_store_award"} <= kinds
