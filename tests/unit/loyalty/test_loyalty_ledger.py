"""The points ledger: double entry, balances equal to their entries, never negative,
idempotent keys, and `verify` naming a tampered account."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from catalog.db import transaction
from loyalty.earning import line_points
from loyalty.enums import AccountKind, EntryKind
from loyalty.errors import InsufficientPoints, InvalidInput
from loyalty.ledger import balance, ensure_account, transfer, verify
from loyalty.models import Account, Entry
from tests.unit.loyalty.loyalty_support import seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market


def _move(session, programme_id, src, dst, points, key):  # type: ignore[no-untyped-def]
    return transfer(
        session,
        programme_id=programme_id,
        source_id=src,
        destination_id=dst,
        points=points,
        kind=EntryKind.ADJUSTMENT.value,
        reason="test",
        idempotency_key=key,
        now=NOW,
    )


@pytest.mark.parametrize(
    "price,qty,rate,points",
    [
        ("99.00", 1, "2", 198),
        ("99.99", 3, "1", 299),  # 299.97 rounded down
        ("10.00", 2, "0.5", 10),
        ("0.40", 1, "1", 0),
        ("0", 5, "3", 0),
    ],
)
def test_a_line_earns_its_total_in_kronor_times_the_rate_rounded_down(
    price: str, qty: int, rate: str, points: int
) -> None:
    assert line_points(Decimal(price), qty, Decimal(rate)) == points


def test_a_transfer_moves_points_and_both_balances_follow(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        sponsor = ensure_account(s, loyal.programme_id, AccountKind.SPONSOR)
        member = ensure_account(
            s, loyal.programme_id, AccountKind.MEMBER, membership_id=loyal.membership_id
        )
        entry, created = _move(s, loyal.programme_id, sponsor.id, member.id, 500, "k1")
        assert created and entry.points == 500
        assert balance(s, member.id) == 500
        assert balance(s, sponsor.id) == -500  # the issuer: minus what it issued
    with transaction(market.factory) as s:
        result = verify(s)
        assert result.ok, result
        assert result.entries == 1


def test_a_replayed_key_moves_nothing_more(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        sponsor = ensure_account(s, loyal.programme_id, AccountKind.SPONSOR)
        member = ensure_account(
            s, loyal.programme_id, AccountKind.MEMBER, membership_id=loyal.membership_id
        )
        first, _ = _move(s, loyal.programme_id, sponsor.id, member.id, 70, "same")
        again, created = _move(s, loyal.programme_id, sponsor.id, member.id, 70, "same")
        assert not created and again.id == first.id
        assert balance(s, member.id) == 70
        assert s.scalar(select(func.count()).select_from(Entry)) == 1


def test_a_debit_that_would_overdraw_is_refused_and_leaves_nothing(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        sponsor = ensure_account(s, loyal.programme_id, AccountKind.SPONSOR)
        member = ensure_account(
            s, loyal.programme_id, AccountKind.MEMBER, membership_id=loyal.membership_id
        )
        shop = ensure_account(s, loyal.programme_id, AccountKind.SHOP)
        _move(s, loyal.programme_id, sponsor.id, member.id, 100, "in")
        with pytest.raises(InsufficientPoints) as refused:
            _move(s, loyal.programme_id, member.id, shop.id, 101, "out-too-much")
        assert refused.value.account_key == loyal.member_key
        _move(s, loyal.programme_id, member.id, shop.id, 100, "out-all")
        assert balance(s, member.id) == 0
        assert balance(s, shop.id) == 100
    with transaction(market.factory) as s:
        keys = set(s.scalars(select(Entry.idempotency_key)))
        assert keys == {"in", "out-all"}
        assert verify(s).ok


@pytest.mark.parametrize("points", [0, -5])
def test_points_must_be_positive(market: Market, points: int) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        sponsor = ensure_account(s, loyal.programme_id, AccountKind.SPONSOR)
        shop = ensure_account(s, loyal.programme_id, AccountKind.SHOP)
        with pytest.raises(InvalidInput, match="more than 0"):
            _move(s, loyal.programme_id, sponsor.id, shop.id, points, f"p{points}")


def test_verify_names_an_account_whose_balance_differs_from_its_entries(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        sponsor = ensure_account(s, loyal.programme_id, AccountKind.SPONSOR)
        member = ensure_account(
            s, loyal.programme_id, AccountKind.MEMBER, membership_id=loyal.membership_id
        )
        _move(s, loyal.programme_id, sponsor.id, member.id, 40, "in")
        s.execute(update(Account).where(Account.id == member.id).values(balance=41))
    with transaction(market.factory) as s:
        result = verify(s)
    assert not result.ok
    assert [(d.account_key, d.balance, d.from_entries) for d in result.discrepancies] == [
        (loyal.member_key, 41, 40)
    ]
    assert result.total == 1  # the ledger no longer balances either
