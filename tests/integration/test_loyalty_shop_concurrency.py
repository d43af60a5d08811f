"""The points shop under concurrency on PostgreSQL (and SQLite): sellers redeeming the last
units at once never oversell, one member redeeming in parallel never overspends, and a
double submit (one request key, many threads) makes one order and pays once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import User
from loyalty import programmes, redemptions, shop
from loyalty.enums import PARTICIPANT_TERMS_VERSION, AccountKind, EntryKind
from loyalty.errors import InsufficientPoints, InvalidInput, OutOfStock
from loyalty.ledger import balance, ensure_account, transfer, verify
from loyalty.models import Redemption, Reward
from tests.factories import migrated_factory
from tests.integration.conftest import pg_schema
from tests.integration.test_loyalty_concurrency import NOW, THREADS, _at_once, _seed

pytestmark = pytest.mark.integration
DELIVERY = redemptions.Delivery("Rut", "Gatan 1", "111 22", "Stockholm")


@pytest.fixture(params=["postgresql", "sqlite"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        yield migrated_factory(f"sqlite:///{tmp_path / 'shop.sqlite3'}")
        return
    with pg_schema() as url:
        yield migrated_factory(url)


def _grant(s: Session, programme: int, sponsor: int, account: int, points: int, key: str) -> None:
    transfer(
        s,
        programme_id=programme,
        source_id=sponsor,
        destination_id=account,
        points=points,
        kind=EntryKind.ADJUSTMENT.value,
        reason="test",
        idempotency_key=key,
        now=NOW,
    )


def _reward(s: Session, programme: int, stock: int) -> int:
    reward = Reward(
        programme_id=programme,
        name="Presentkort",
        description="",
        category="Kort",
        price_points=100,
        stock=stock,
        active=True,
        created_at=NOW,
        updated_at=NOW,
    )
    s.add(reward)
    s.flush()
    return reward.id


def _redeem(factory: sessionmaker[Session], programme: int, user_id: int, key: str) -> int:
    with transaction(factory) as s:
        order, _created = redemptions.redeem(
            s, s.get(User, user_id), programme, request_key=key, delivery=DELIVERY, now=NOW
        )
        return order.id


def test_the_last_units_are_never_oversold(factory: sessionmaker[Session]) -> None:
    programme, sponsor, _member, shop_account, _retailer = _seed(factory)
    sellers: list[int] = []
    with transaction(factory) as s:
        rep = s.scalar(select(User).where(User.email == "rep@tand.se"))
        assert rep is not None
        shop.set_policy(s, rep, programme, "sellers", now=NOW)
        reward = _reward(s, programme, stock=3)
        for i in range(THREADS):
            seller = User(
                email=f"s{i}@tand.se",
                name=f"Säljare {i}",
                role="retailer",
                retailer_id=rep.retailer_id,
                organisation_id=rep.organisation_id,
                org_role="staff",
                password_hash="x",
            )
            s.add(seller)
            s.flush()
            programmes.invite(s, rep, programme, seller.id, now=NOW)
            participant = programmes.accept_participant_terms(
                s, seller, programme, PARTICIPANT_TERMS_VERSION, now=NOW
            )
            account = ensure_account(
                s,
                programme,
                AccountKind.SELLER,
                membership_id=participant.membership_id,
                participant_id=participant.id,
            )
            _grant(s, programme, sponsor, account.id, 1000, f"fund-{i}")
            shop.set_basket_quantity(s, seller, reward, 1, now=NOW)
            sellers.append(seller.id)
    results = _at_once(THREADS, lambda i: _redeem(factory, programme, sellers[i], f"k{i}"))
    orders = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, OutOfStock)]
    assert len(orders) == 3 and len(refused) == THREADS - 3, results
    with transaction(factory) as s:
        assert s.scalar(select(Reward.stock).where(Reward.id == reward)) == 0
        assert s.scalar(select(func.count()).select_from(Redemption)) == 3
        assert balance(s, shop_account) == 300
        assert verify(s).ok


def test_parallel_redemptions_never_overspend(factory: sessionmaker[Session]) -> None:
    programme, sponsor, member, shop_account, _retailer = _seed(factory)
    with transaction(factory) as s:
        rep = s.scalar(select(User).where(User.email == "rep@tand.se"))
        assert rep is not None
        rep_id = rep.id
        reward = _reward(s, programme, stock=1000)
        _grant(s, programme, sponsor, member, 250, "fund")
        shop.set_basket_quantity(s, rep, reward, 1, now=NOW)
    results = _at_once(THREADS, lambda i: _redeem(factory, programme, rep_id, f"k{i}"))
    orders = [r for r in results if isinstance(r, int)]
    # refused: too few points, or the basket emptied by an order committed first
    others = [r for r in results if not isinstance(r, int)]
    assert all(isinstance(r, InsufficientPoints | InvalidInput) for r in others), results
    assert 1 <= len(orders) <= 2
    with transaction(factory) as s:
        assert balance(s, member) == 250 - 100 * len(orders) >= 0
        assert balance(s, shop_account) == 100 * len(orders)
        assert s.scalar(select(Reward.stock).where(Reward.id == reward)) == 1000 - len(orders)
        assert s.scalar(select(func.count()).select_from(Redemption)) == len(orders)
        assert verify(s).ok


def test_a_double_submit_makes_one_order_and_pays_once(factory: sessionmaker[Session]) -> None:
    programme, sponsor, member, shop_account, _retailer = _seed(factory)
    with transaction(factory) as s:
        rep = s.scalar(select(User).where(User.email == "rep@tand.se"))
        assert rep is not None
        rep_id = rep.id
        reward = _reward(s, programme, stock=10)
        _grant(s, programme, sponsor, member, 1000, "fund")
        shop.set_basket_quantity(s, rep, reward, 2, now=NOW)
    results = _at_once(THREADS, lambda _i: _redeem(factory, programme, rep_id, "same"))
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(Redemption)) == 1
        assert balance(s, member) == 800 and balance(s, shop_account) == 200
        assert s.scalar(select(Reward.stock).where(Reward.id == reward)) == 8
        assert verify(s).ok
