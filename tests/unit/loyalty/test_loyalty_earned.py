"""Points earned per month (``loyalty.earned``) follow the ledger, and a batch of transfers
(``ledger.transfer_many``) ends exactly as the same transfers one by one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from loyalty import earned
from loyalty.enums import AccountKind, EntryKind
from loyalty.errors import InsufficientPoints, InvalidInput
from loyalty.ledger import Movement, ensure_account, transfer, transfer_many, verify
from loyalty.models import Account, EarnedPoints, EarnedStorePoints, Entry
from tests.unit.loyalty.loyalty_support import seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market


def _m(points: int, key: str) -> Movement:
    return Movement(
        points=points, kind=EntryKind.ADJUSTMENT.value, reason="test", idempotency_key=key
    )


def _accounts(s, loyal):  # type: ignore[no-untyped-def]
    pid = loyal.programme_id
    sponsor = ensure_account(s, pid, AccountKind.SPONSOR)
    member = ensure_account(s, pid, AccountKind.MEMBER, membership_id=loyal.membership_id)
    shop = ensure_account(s, pid, AccountKind.SHOP)
    expiry = ensure_account(s, pid, AccountKind.EXPIRY)
    return sponsor, member, shop, expiry


def test_earned_rows_follow_sponsor_flows_per_swedish_month_and_in_all(market: Market) -> None:
    loyal = seed_loyalty(market)
    pid = loyal.programme_id
    # 23:30 UTC on 30 November is 00:30 on 1 December in Stockholm
    late_november_utc = NOW.replace(year=2026, month=11, day=30, hour=23, minute=30)
    with transaction(market.factory) as s:
        sponsor, member, shop, _ = _accounts(s, loyal)
        kw = {"programme_id": pid, "kind": "adjustment", "reason": "t"}
        transfer(
            s,
            **kw,
            source_id=sponsor.id,
            destination_id=member.id,
            points=300,
            idempotency_key="a",
            now=late_november_utc - timedelta(days=3),
        )
        transfer(
            s,
            **kw,
            source_id=sponsor.id,
            destination_id=member.id,
            points=50,
            idempotency_key="b",
            now=late_november_utc,
        )
        transfer(
            s,
            **kw,
            source_id=member.id,
            destination_id=sponsor.id,
            points=20,
            idempotency_key="c",
            now=late_november_utc,
        )  # a clawback
        transfer(
            s,
            **kw,
            source_id=member.id,
            destination_id=shop.id,
            points=100,
            idempotency_key="d",
            now=late_november_utc,
        )  # spent: still earned
    with market.factory() as s:
        rows = earned.stored(s, pid)
        assert rows == {
            ("account", "2026-11", member.id): 300,
            ("account", "2026-12", member.id): 30,
            ("account", earned.ALL, member.id): 330,
            ("store", "2026-11", loyal.membership_id): 300,
            ("store", "2026-12", loyal.membership_id): 30,
            ("store", earned.ALL, loyal.membership_id): 330,
        }
        assert rows == earned.from_entries(s, pid)


def test_transfer_many_matches_one_by_one_and_replays_existing_keys(market: Market) -> None:
    loyal = seed_loyalty(market)
    pid = loyal.programme_id
    with transaction(market.factory) as s:
        sponsor, member, shop, expiry = _accounts(s, loyal)
        transfer(
            s,
            programme_id=pid,
            source_id=sponsor.id,
            destination_id=member.id,
            points=5,
            kind="adjustment",
            reason="t",
            idempotency_key="k2",
            now=NOW,
        )
        moves = [(sponsor.id, member.id, _m(p, f"k{p}")) for p in (1, 2, 3)]
        made = transfer_many(s, programme_id=pid, moves=moves, now=NOW)
        assert [created for _, created in made] == [True, False, True]
        assert [e.points for e, _ in made] == [1, 5, 3]  # k2 is the entry that existed
        again = transfer_many(s, programme_id=pid, moves=moves, now=NOW)
        assert [created for _, created in again] == [False, False, False]
        spent = transfer_many(
            s,
            programme_id=pid,
            moves=[(member.id, shop.id, _m(4, "s1")), (member.id, expiry.id, _m(5, "s2"))],
            now=NOW,
        )
        assert all(created for _, created in spent)
    with market.factory() as s:
        assert s.scalar(select(Account.balance).where(Account.id == member.id)) == 0
        assert s.scalar(select(func.count()).select_from(Entry)) == 5
        assert verify(s).ok
        assert earned.stored(s, pid) == earned.from_entries(s, pid)
        assert earned.stored(s, pid)[("account", earned.ALL, member.id)] == 9


def test_transfer_many_refuses_a_shortfall_as_one_by_one_would(market: Market) -> None:
    loyal = seed_loyalty(market)
    pid = loyal.programme_id
    with transaction(market.factory) as s:
        sponsor, member, shop, expiry = _accounts(s, loyal)
        transfer(
            s,
            programme_id=pid,
            source_id=sponsor.id,
            destination_id=member.id,
            points=10,
            kind="adjustment",
            reason="t",
            idempotency_key="in",
            now=NOW,
        )
    with market.factory() as s:
        moves = [(member.id, shop.id, _m(6, "x1")), (member.id, expiry.id, _m(6, "x2"))]
        with pytest.raises(InsufficientPoints):
            transfer_many(s, programme_id=pid, moves=moves, now=NOW)
        s.rollback()
        with pytest.raises(InvalidInput):
            transfer_many(s, programme_id=pid, moves=[(member.id, shop.id, _m(0, "z"))], now=NOW)
        assert s.scalar(select(func.count()).select_from(EarnedPoints)) == 2
        assert s.scalar(select(func.count()).select_from(EarnedStorePoints)) == 2
