"""The sponsor's liability report and the yearly statement of redeemed reward value per
participant (cancelled orders count for nothing; the entity's own redemptions are the
organisation's row)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalog.db import transaction
from catalog.models import User
from loyalty import redemptions, shop, statements
from loyalty.errors import InvalidInput, NotAllowed
from tests.unit.loyalty.loyalty_support import seed_loyalty
from tests.unit.loyalty.shop_support import admin, grant, reward
from tests.unit.marketplace.mp_support import NOW, Market

DELIVERY = redemptions.Delivery("Rut", "Gatan 1", "111 22", "Stockholm")


def test_kronor_uses_a_decimal_comma() -> None:
    assert statements.kronor(123456) == "1234,56"
    assert statements.kronor(5) == "0,05"
    assert statements.kronor(-250) == "-2,50"


def test_liability_and_the_yearly_statement(market: Market) -> None:
    loyal = seed_loyalty(market)  # a point is worth 5 öre
    with transaction(market.factory) as s:
        rep = s.get(User, loyal.rep_id)
        seller = s.get(User, loyal.seller_id)
        assert rep is not None and seller is not None
        shop.set_policy(s, rep, loyal.programme_id, "sellers", now=NOW)
        grant(s, loyal, loyal.member_key, 1000)
        grant(s, loyal, loyal.seller_key(s), 1000)
        card = reward(s, loyal, "Kort", price=100, stock=10)
        shop.set_basket_quantity(s, rep, card, 2, now=NOW)
        mine, _ = redemptions.redeem(
            s, rep, loyal.programme_id, request_key="a", delivery=DELIVERY, now=NOW
        )
        shop.set_basket_quantity(s, seller, card, 3, now=NOW)
        redemptions.redeem(
            s, seller, loyal.programme_id, request_key="b", delivery=DELIVERY, now=NOW
        )
        shop.set_basket_quantity(s, seller, card, 1, now=NOW)
        dropped, _ = redemptions.redeem(
            s, seller, loyal.programme_id, request_key="c", delivery=DELIVERY, now=NOW
        )
        redemptions.cancel(s, admin(s), dropped.id, "fel", now=NOW)
        redemptions.fulfil(s, admin(s), mine.id, now=NOW)

        report = statements.liability(s, admin(s), loyal.programme_id)
        assert report.outstanding_points == 2000 - 500
        assert report.outstanding_value_ore == 1500 * 5
        assert (report.redeemed_points, report.redeemed_value_ore) == (500, 2500)
        assert (report.placed, report.fulfilled, report.cancelled) == (1, 1, 1)
        with pytest.raises(NotAllowed):
            statements.liability(s, rep, loyal.programme_id)

        rows = statements.yearly_statement(s, admin(s), loyal.programme_id, NOW.year)
        by_who = {r.participant: (r.redemptions, r.points, r.value_ore) for r in rows}
        assert by_who == {"Tand AB": (1, 200, 1000), seller.name: (1, 300, 1500)}
        assert statements.statement_cells(rows[0])[-1] in {"10,00", "15,00"}
        assert statements.yearly_statement(s, admin(s), loyal.programme_id, NOW.year - 1) == []
        assert len(statements.yearly_statement(s, rep, loyal.programme_id, NOW.year)) == 2
        with pytest.raises(NotAllowed):
            statements.yearly_statement(s, seller, loyal.programme_id, NOW.year)
        with pytest.raises(InvalidInput):
            statements.yearly_statement(s, admin(s), loyal.programme_id, 1900)


def test_the_statement_year_is_the_swedish_calendar_year(market: Market) -> None:
    """Benefit taxation counts the Swedish year: a redemption at 00:30 on New Year's night
    in Stockholm (23:30 UTC the day before) is the new year's, not the old one's."""
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 2027-01-01 00:30 in Stockholm
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        rep = s.get(User, loyal.rep_id)
        assert rep is not None
        grant(s, loyal, loyal.member_key, 1000)
        card = reward(s, loyal, "Nyårskort", price=100, stock=10)
        shop.set_basket_quantity(s, rep, card, 1, now=new_year)
        redemptions.redeem(
            s, rep, loyal.programme_id, request_key="ny", delivery=DELIVERY, now=new_year
        )
        assert statements.yearly_statement(s, admin(s), loyal.programme_id, 2026) == []
        rows = statements.yearly_statement(s, admin(s), loyal.programme_id, 2027)
        assert [(r.redemptions, r.points) for r in rows] == [(1, 100)]
