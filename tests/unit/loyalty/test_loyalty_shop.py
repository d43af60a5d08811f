"""The points shop: the sponsor's catalogue, browsing, the basket, redemption orders that
never oversell or overspend and make one order per request key, the representative's
policy of who redeems, and cancelling with a refund."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import User
from loyalty import redemptions, shop
from loyalty.enums import REFUND_ENTRY, RedemptionStatus
from loyalty.errors import (
    AlreadyExists,
    InsufficientPoints,
    InvalidInput,
    NotAllowed,
    NotFound,
    OutOfStock,
    WrongState,
)
from loyalty.ledger import verify
from loyalty.models import BasketItem, Entry, Redemption, Reward
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.loyalty.shop_support import admin, grant, reward
from tests.unit.marketplace.mp_support import NOW, Market

DELIVERY = redemptions.Delivery("Rut Tand", "Storgatan 1", "11122", "Stockholm", "rut@tand.se")


def _user(s, user_id: int) -> User:  # type: ignore[no-untyped-def]
    found = s.get(User, user_id)
    assert found is not None
    return found


def _redeem(s, loyal: Loyal, user_id: int, key: str = "k1"):  # type: ignore[no-untyped-def]
    return redemptions.redeem(
        s, _user(s, user_id), loyal.programme_id, request_key=key, delivery=DELIVERY, now=NOW
    )


def test_only_admins_manage_the_catalogue_and_names_are_unique(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        value = shop.RewardInput("Presentkort", "", None, "Kort", 100, 5)
        with pytest.raises(NotAllowed):
            shop.create_reward(s, _user(s, loyal.rep_id), loyal.programme_id, value, now=NOW)
        shop.create_reward(s, admin(s), loyal.programme_id, value, now=NOW)
        with pytest.raises(AlreadyExists):
            shop.create_reward(s, admin(s), loyal.programme_id, value, now=NOW)
        bad = shop.RewardInput("X", "", "javascript:alert(1)", "Kort", 100, 5)
        with pytest.raises(InvalidInput) as exc:
            shop.create_reward(s, admin(s), loyal.programme_id, bad, now=NOW)
        assert exc.value.field == "picture_url"
        with pytest.raises(InvalidInput) as exc:
            shop.create_reward(
                s, admin(s), loyal.programme_id, shop.RewardInput("Y", "", None, "K", 0, 1), now=NOW
            )
        assert exc.value.field == "price_points"


def test_members_browse_active_rewards_by_name_and_category(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        reward(s, loyal, "Presentkort 500 kr", price=5000, stock=3)
        reward(s, loyal, "Hörlurar", price=9000, stock=1, category="Elektronik")
        hidden = reward(s, loyal, "Utgången mugg", price=100, stock=9, category="Övrigt")
        found = s.get(Reward, hidden)
        assert found is not None
        found.active = False
        s.flush()
        rows, total = shop.browse(s, loyal.programme_id, limit=10, offset=0)
        assert [r.name for r in rows] == ["Presentkort 500 kr", "Hörlurar"] and total == 2
        rows, total = shop.browse(s, loyal.programme_id, query="HÖR", limit=10, offset=0)
        assert [r.name for r in rows] == ["Hörlurar"] and total == 1
        rows, _ = shop.browse(s, loyal.programme_id, query="present", limit=10, offset=0)
        assert [r.name for r in rows] == ["Presentkort 500 kr"]
        rows, _ = shop.browse(s, loyal.programme_id, category="Elektronik", limit=10, offset=0)
        assert [r.name for r in rows] == ["Hörlurar"]
        rows, total = shop.browse(s, loyal.programme_id, include_inactive=True, limit=1, offset=0)
        assert [r.name for r in rows] == ["Utgången mugg"] and total == 3
        assert shop.categories(s, loyal.programme_id) == ["Elektronik", "Presentkort"]


def test_the_basket_adds_sets_and_removes(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        card = reward(s, loyal, "Kort", price=100, stock=10)
        rep = _user(s, loyal.rep_id)
        shop.set_basket_quantity(s, rep, card, 2, now=NOW, add=True)
        item = shop.set_basket_quantity(s, rep, card, 1, now=NOW, add=True)
        assert item is not None and item.quantity == 3
        shop.set_basket_quantity(s, rep, card, 5, now=NOW)
        assert [(i.quantity, r.id) for i, r in shop.basket(s, rep, loyal.programme_id)] == [
            (5, card)
        ]
        with pytest.raises(InvalidInput):
            shop.set_basket_quantity(s, rep, card, 101, now=NOW)
        assert shop.set_basket_quantity(s, rep, card, 0, now=NOW) is None
        assert shop.basket(s, rep, loyal.programme_id) == []
        with pytest.raises(NotFound):
            shop.set_basket_quantity(s, rep, 9999, 1, now=NOW)


def test_the_entity_redeems_from_its_own_points_then_its_sellers(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        seller_key = loyal.seller_key(s)
        grant(s, loyal, loyal.member_key, 300)
        grant(s, loyal, seller_key, 500)
        card = reward(s, loyal, "Kort", price=200, stock=5)
        rep = _user(s, loyal.rep_id)
        shop.set_basket_quantity(s, rep, card, 2, now=NOW)
        order, created = _redeem(s, loyal, loyal.rep_id)
        assert created and order.status == RedemptionStatus.PLACED.value
        assert order.points == 400 and order.value_ore == 400 * 5
        assert order.delivery_postcode == "111 22"
        assert loyal.balance(s, loyal.member_key) == 0
        assert loyal.balance(s, seller_key) == 400
        assert s.get(Reward, card).stock == 3  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(BasketItem)) == 0
        # the same request key again: the same order, nothing more moved
        again, created = _redeem(s, loyal, loyal.rep_id)
        assert not created and again.id == order.id
        assert loyal.balance(s, seller_key) == 400
        assert verify(s).ok
    with transaction(market.factory) as s:  # a seller may not redeem under "entity"
        shop.set_basket_quantity(s, _user(s, loyal.seller_id), card, 1, now=NOW)
        with pytest.raises(NotAllowed, match="entity"):
            _redeem(s, loyal, loyal.seller_id, "k2")


def test_under_the_sellers_policy_each_seller_spends_their_own_points(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        seller_key = loyal.seller_key(s)
        grant(s, loyal, loyal.member_key, 1000)
        grant(s, loyal, seller_key, 150)
        card = reward(s, loyal, "Kort", price=100, stock=5)
        with pytest.raises(NotAllowed):  # only the representative sets the policy
            shop.set_policy(s, _user(s, loyal.seller_id), loyal.programme_id, "sellers", now=NOW)
        with pytest.raises(InvalidInput):
            shop.set_policy(s, _user(s, loyal.rep_id), loyal.programme_id, "all", now=NOW)
        shop.set_policy(s, _user(s, loyal.rep_id), loyal.programme_id, "sellers", now=NOW)
        seller = _user(s, loyal.seller_id)
        shop.set_basket_quantity(s, seller, card, 1, now=NOW)
        order, _ = _redeem(s, loyal, loyal.seller_id)
        assert order.participant_id is not None
        assert loyal.balance(s, seller_key) == 50
        assert loyal.balance(s, loyal.member_key) == 1000  # the organisation's stay
        shop.set_basket_quantity(s, seller, card, 1, now=NOW)
        with pytest.raises(InsufficientPoints):  # 50 left, the organisation's are not hers
            _redeem(s, loyal, loyal.seller_id, "k2")
        assert loyal.balance(s, seller_key) == 50
        assert s.get(Reward, card).stock == 4  # type: ignore[union-attr]  # stock back too
        assert s.scalar(select(func.count()).select_from(Redemption)) == 1
        rep = _user(s, loyal.rep_id)  # the representative: from the organisation's own
        shop.set_basket_quantity(s, rep, card, 3, now=NOW)
        _redeem(s, loyal, loyal.rep_id, "k3")
        assert loyal.balance(s, loyal.member_key) == 700 and loyal.balance(s, seller_key) == 50
        assert verify(s).ok


def test_stock_is_never_oversold_and_an_empty_basket_is_refused(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        grant(s, loyal, loyal.member_key, 10_000)
        card = reward(s, loyal, "Kort", price=100, stock=1)
        with pytest.raises(InvalidInput, match="basket is empty"):
            _redeem(s, loyal, loyal.rep_id)
        rep = _user(s, loyal.rep_id)
        shop.set_basket_quantity(s, rep, card, 2, now=NOW)
        with pytest.raises(OutOfStock):
            _redeem(s, loyal, loyal.rep_id)
        assert loyal.balance(s, loyal.member_key) == 10_000
        assert s.scalar(select(func.count()).select_from(Redemption)) == 0
        bad = redemptions.Delivery("Rut", "Gatan 1", "1234", "Sthlm")
        shop.set_basket_quantity(s, rep, card, 1, now=NOW)
        with pytest.raises(InvalidInput) as exc:
            redemptions.redeem(s, rep, loyal.programme_id, request_key="k", delivery=bad, now=NOW)
        assert exc.value.field == "delivery_postcode"


def test_cancelling_refunds_every_point_and_puts_the_stock_back(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        seller_key = loyal.seller_key(s)
        grant(s, loyal, loyal.member_key, 100)
        grant(s, loyal, seller_key, 100)
        card = reward(s, loyal, "Kort", price=150, stock=2)
        shop.set_basket_quantity(s, _user(s, loyal.rep_id), card, 1, now=NOW)
        order, _ = _redeem(s, loyal, loyal.rep_id)
        with pytest.raises(NotAllowed):
            redemptions.cancel(s, _user(s, loyal.rep_id), order.id, "nej", now=NOW)
        with pytest.raises(InvalidInput):
            redemptions.cancel(s, admin(s), order.id, "  ", now=NOW)
        redemptions.cancel(s, admin(s), order.id, "slut i lager", now=NOW)
        assert order.status == RedemptionStatus.CANCELLED.value
        assert loyal.balance(s, loyal.member_key) == 100 and loyal.balance(s, seller_key) == 100
        assert s.get(Reward, card).stock == 2  # type: ignore[union-attr]
        refunds = s.scalars(select(Entry).where(Entry.kind == REFUND_ENTRY)).all()
        assert len(refunds) == 2 and all(r.reverses_entry_id for r in refunds)
        with pytest.raises(WrongState):
            redemptions.cancel(s, admin(s), order.id, "igen", now=NOW)
        with pytest.raises(WrongState):
            redemptions.fulfil(s, admin(s), order.id, now=NOW)
        assert verify(s).ok


def test_the_sponsor_fulfils_from_the_queue_and_members_see_their_orders(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        shop.set_policy(s, _user(s, loyal.rep_id), loyal.programme_id, "sellers", now=NOW)
        grant(s, loyal, loyal.member_key, 1000)
        grant(s, loyal, loyal.seller_key(s), 1000)
        card = reward(s, loyal, "Kort", price=100, stock=10)
        shop.set_basket_quantity(s, _user(s, loyal.rep_id), card, 1, now=NOW)
        first, _ = _redeem(s, loyal, loyal.rep_id)
        shop.set_basket_quantity(s, _user(s, loyal.seller_id), card, 1, now=NOW)
        second, _ = _redeem(s, loyal, loyal.seller_id)
        rows, total = redemptions.queue(
            s, admin(s), loyal.programme_id, status="placed", limit=10, offset=0
        )
        assert [r.id for r in rows] == [first.id, second.id] and total == 2
        redemptions.fulfil(s, admin(s), first.id, now=NOW)
        assert first.status == "fulfilled" and first.fulfilled_at is not None
        rows, total = redemptions.queue(
            s, admin(s), loyal.programme_id, status="placed", limit=10, offset=0
        )
        assert [r.id for r in rows] == [second.id]
        with pytest.raises(InvalidInput):
            redemptions.queue(s, admin(s), loyal.programme_id, status="odd", limit=1, offset=0)
        mine, _ = redemptions.my_redemptions(s, _user(s, loyal.seller_id), limit=10, offset=0)
        assert [r.id for r in mine] == [second.id]
        org, _ = redemptions.my_redemptions(s, _user(s, loyal.rep_id), limit=10, offset=0)
        assert [r.id for r in org] == [second.id, first.id]
