"""Expiry: oldest points first, idempotent runs, the reminder before as a notification (the
marketplace's subscriber turns loyalty's event into one, loyalty never imports it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.events import LoyaltyPointsExpiring, pending
from catalog.models import User
from catalog.settings import Settings
from loyalty import expiry, redemptions, shop
from loyalty.enums import EXPIRY_ENTRY
from loyalty.expiry import add_months, expirable
from loyalty.ledger import verify
from loyalty.models import Entry
from marketplace.models import Notification
from marketplace.notifications import LOYALTY_POINTS_EXPIRING
from marketplace.tasks import wire
from tests.unit.loyalty.loyalty_support import seed_loyalty
from tests.unit.loyalty.shop_support import grant, reward
from tests.unit.marketplace.mp_support import NOW, Market


@pytest.mark.parametrize(
    "when,months,expected",
    [
        (datetime(2026, 3, 31, tzinfo=UTC), -1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2024, 3, 31, tzinfo=UTC), -1, datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), -24, datetime(2024, 1, 15, tzinfo=UTC)),
        (datetime(2026, 11, 30, tzinfo=UTC), 3, datetime(2027, 2, 28, tzinfo=UTC)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(
    when: datetime, months: int, expected: datetime
) -> None:
    assert add_months(when, months) == expected


def test_spending_uses_the_oldest_points_first() -> None:
    assert expirable(100, 30) == 70
    assert expirable(100, 130) == 0


def test_old_points_expire_oldest_first_and_a_second_run_expires_nothing(
    market: Market,
) -> None:
    loyal = seed_loyalty(market)  # 24 months
    old = NOW - timedelta(days=800)
    with transaction(market.factory) as s:
        grant(s, loyal, loyal.member_key, 300, when=old)
        grant(s, loyal, loyal.member_key, 200, when=NOW - timedelta(days=10))
        card = reward(s, loyal, "Kort", price=100, stock=5)
        rep = s.get(User, loyal.rep_id)
        shop.set_basket_quantity(s, rep, card, 1, now=NOW)
        redemptions.redeem(
            s,
            rep,
            loyal.programme_id,
            request_key="k",
            delivery=redemptions.Delivery("Rut", "Gatan 1", "11122", "Sthlm"),
            now=NOW - timedelta(days=5),
        )
    with transaction(market.factory) as s:
        done = expiry.expire(s, NOW)
        # 300 old points, 100 spent from them: 200 expire, the 200 recent ones stay
        assert [(e.account_key, e.points) for e in done] == [(loyal.member_key, 200)]
        assert loyal.balance(s, loyal.member_key) == 200
    with transaction(market.factory) as s:
        assert expiry.expire(s, NOW) == []
        assert expiry.expire(s, NOW + timedelta(days=1)) == []
        assert (
            s.scalar(select(func.count()).select_from(Entry).where(Entry.kind == EXPIRY_ENTRY)) == 1
        )
        assert verify(s).ok


def test_a_reminder_before_expiry_becomes_one_notification(market: Market) -> None:
    loyal = seed_loyalty(market)
    wire(Settings(environment="test"), market.factory)
    with transaction(market.factory) as s:
        # earned 24 months minus 10 days ago: expires in 10 days
        grant(s, loyal, loyal.seller_key(s), 40, when=add_months(NOW, -24) + timedelta(days=10))
    with transaction(market.factory) as s:
        assert expiry.remind(s, NOW, days_before=30) == 1
        events = [e for e in pending(s) if isinstance(e, LoyaltyPointsExpiring)]
        assert [(e.user_id, e.points) for e in events] == [(loyal.seller_id, 40)]
    with transaction(market.factory) as s:
        assert expiry.remind(s, NOW, days_before=5) == 0  # not within 5 days
        expiry.remind(s, NOW + timedelta(hours=1), days_before=30)  # the same ref again
    with transaction(market.factory) as s:
        notes = s.scalars(
            select(Notification).where(Notification.kind == LOYALTY_POINTS_EXPIRING)
        ).all()
        assert [(n.user_id, n.values["points"]) for n in notes] == [(loyal.seller_id, 40)]
