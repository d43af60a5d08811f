"""Limits against abuse: caps per activity kind per seller per day and month, credits above
the approval threshold held for an admin, and an admin's audited clawback with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import AuditEntry
from loyalty import limits
from loyalty.enums import AccountKind
from loyalty.errors import InsufficientPoints, InvalidInput, NotAllowed
from loyalty.ledger import ensure_account, verify
from loyalty.limits import AlreadyDecided, room_left
from loyalty.models import Account, Entry, HeldCredit
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.loyalty.test_loyalty_earning import _delivered_order, _wired
from tests.unit.marketplace.mp_support import NOW, Market


def test_room_left_is_the_smaller_of_the_windows() -> None:
    caps = {"sale": {"day": 100, "month": 1000}}
    assert room_left(caps, "sale", {"day": 30, "month": 950}) == 50
    assert room_left(caps, "sale", {"day": 130, "month": 0}) == 0
    assert room_left(caps, "quiz", {"day": 10**6}) is None


def _limits(market: Market, loyal: Loyal, **kwargs: object) -> None:
    with transaction(market.factory) as s:
        limits.set_limits(s, market.user(s, "admin"), loyal.programme_id, now=NOW, **kwargs)  # type: ignore[arg-type]


def _seller(s: object, loyal: Loyal) -> Account:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    return s.scalars(select(Account).where(Account.key == loyal.seller_key(s))).one()


def _credit(market: Market, loyal: Loyal, points: int, key: str, at: datetime = NOW) -> str:
    with transaction(market.factory) as s:
        return limits.credit(
            s,
            programme_id=loyal.programme_id,
            destination=_seller(s, loyal),
            points=points,
            kind="sale",
            reason="test",
            idempotency_key=key,
            now=at,
        ).outcome


def test_caps_cut_a_credit_to_the_room_left_per_day_and_month(market: Market) -> None:
    loyal = seed_loyalty(market)
    _limits(market, loyal, caps={"sale": {"day": 100, "month": 250}}, approval_threshold=None)
    assert _credit(market, loyal, 70, "a") == "paid"
    assert _credit(market, loyal, 70, "b") == "paid"  # cut to 30
    assert _credit(market, loyal, 10, "c") == "capped"
    assert _credit(market, loyal, 70, "a") == "replayed"
    tomorrow = NOW + timedelta(days=1)
    assert _credit(market, loyal, 100, "d", tomorrow) == "paid"
    assert _credit(market, loyal, 100, "e", tomorrow + timedelta(days=1)) == "paid"  # 50: month
    next_month = datetime(2026, 4, 1, 12, tzinfo=UTC)
    assert _credit(market, loyal, 100, "f", next_month) == "paid"
    with transaction(market.factory) as s:
        points = list(s.scalars(select(Entry.points).order_by(Entry.id)))
        assert points == [70, 30, 100, 50, 100]
        assert verify(s).ok


def test_a_credit_above_the_threshold_waits_for_one_admins_decision(market: Market) -> None:
    loyal = seed_loyalty(market)
    _limits(market, loyal, caps={}, approval_threshold=500)
    _wired(market)
    _delivered_order(market)  # lines of 396 and 900 points: the 900 is held
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 396
        (held,) = s.scalars(select(HeldCredit)).all()
        assert (held.points, held.status) == (900, "held")
        admin = market.user(s, "admin")
        with pytest.raises(NotAllowed):
            limits.decide(
                s, market.user(s, "tand_staff"), held.id, approve=True, reason="", now=NOW
            )
        limits.decide(s, admin, held.id, approve=True, reason="checked the order", now=NOW)
        with pytest.raises(AlreadyDecided):
            limits.decide(s, admin, held.id, approve=False, reason="no", now=NOW)
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 1296
        held = s.scalars(select(HeldCredit)).one()
        assert held.status == "approved" and held.entry_id is not None
        assert s.scalar(select(func.count()).select_from(AuditEntry)) >= 2  # limits, approval
        assert verify(s).ok


def test_a_rejection_needs_a_reason_and_moves_nothing(market: Market) -> None:
    loyal = seed_loyalty(market)
    _limits(market, loyal, caps={}, approval_threshold=10)
    assert _credit(market, loyal, 50, "big") == "held"
    assert _credit(market, loyal, 50, "big") == "replayed"
    with transaction(market.factory) as s:
        held = s.scalars(select(HeldCredit)).one()
        admin = market.user(s, "admin")
        with pytest.raises(InvalidInput) as caught:
            limits.decide(s, admin, held.id, approve=False, reason=" ", now=NOW)
        assert caught.value.field == "reason"
        limits.decide(s, admin, held.id, approve=False, reason="a self-dealing order", now=NOW)
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 0
        assert s.scalars(select(HeldCredit.status)).one() == "rejected"


def test_an_admins_clawback_reverses_once_with_its_reason_audited(market: Market) -> None:
    loyal = seed_loyalty(market)
    assert _credit(market, loyal, 80, "x") == "paid"
    with transaction(market.factory) as s:
        entry = s.scalars(select(Entry)).one()
        admin = market.user(s, "admin")
        with pytest.raises(InvalidInput) as caught:
            limits.clawback(s, admin, entry.id, reason="", now=NOW)
        assert caught.value.field == "reason"
        reversal, created = limits.clawback(s, admin, entry.id, reason="fake order", now=NOW)
        assert created and reversal.reverses_entry_id == entry.id
        assert "fake order" in reversal.reason
        _again, created = limits.clawback(s, admin, entry.id, reason="again", now=NOW)
        assert not created
        with pytest.raises(InvalidInput):  # a clawback is not a credit to reverse
            limits.clawback(s, admin, reversal.id, reason="x", now=NOW)
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 0
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "loyalty.clawback")).one()
        assert audited.detail["reason"] == "fake order"
        assert verify(s).ok


def test_a_clawback_the_seller_spent_is_refused(market: Market) -> None:
    loyal = seed_loyalty(market)
    assert _credit(market, loyal, 80, "y") == "paid"
    with transaction(market.factory) as s:
        from loyalty.ledger import transfer

        seller = _seller(s, loyal)
        shop = ensure_account(s, loyal.programme_id, AccountKind.SHOP)
        transfer(
            s,
            programme_id=loyal.programme_id,
            source_id=seller.id,
            destination_id=shop.id,
            points=50,
            kind="redemption",
            reason="shop",
            idempotency_key="spend",
            now=NOW,
        )
        entry = s.scalars(select(Entry).where(Entry.idempotency_key == "y")).one()
        with pytest.raises(InsufficientPoints):
            limits.clawback(s, market.user(s, "admin"), entry.id, reason="fake", now=NOW)


def test_reversing_an_order_rejects_its_credit_still_held(market: Market) -> None:
    from loyalty import earning

    loyal = seed_loyalty(market)
    _limits(market, loyal, caps={}, approval_threshold=500)
    _wired(market)
    order_id, _lines = _delivered_order(market)
    with transaction(market.factory) as s:
        outcome = earning.reverse_lines(s, order_id, None, "order cancelled", now=NOW)
        assert outcome.credited == 1  # the paid line's clawback
        held = s.scalars(select(HeldCredit)).one()
        assert (held.status, held.decision_reason) == ("rejected", "order cancelled")
        with pytest.raises(AlreadyDecided):
            limits.decide(s, market.user(s, "admin"), held.id, approve=True, reason="", now=NOW)
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 0
        assert verify(s).ok


def test_a_partial_clawback_takes_back_at_most_what_is_left_of_the_credit(market: Market) -> None:
    loyal = seed_loyalty(market)
    assert _credit(market, loyal, 80, "part") == "paid"
    with transaction(market.factory) as s:
        entry = s.scalars(select(Entry).where(Entry.idempotency_key == "part")).one()
        admin = market.user(s, "admin")
        for bad in (0, -5, True):
            with pytest.raises(InvalidInput) as caught:
                limits.clawback(s, admin, entry.id, reason="x", points=bad, now=NOW)  # type: ignore[arg-type]
            assert caught.value.field == "points"
        first, created = limits.clawback(
            s, admin, entry.id, reason="wrong price", points=30, now=NOW
        )
        assert created and first.points == 30 and first.reverses_entry_id == entry.id
        with pytest.raises(limits.ClawbackTooLarge) as caught_large:
            limits.clawback(s, admin, entry.id, reason="more", points=51, now=NOW)
        assert caught_large.value.left == 50
        second, created = limits.clawback(s, admin, entry.id, reason="rest", points=50, now=NOW)
        assert created and second.idempotency_key == f"clawback:{entry.id}"  # made it whole
        # reversed whole: a clawback of "what is left" answers the last one; of points refused
        again, created = limits.clawback(s, admin, entry.id, reason="again", now=NOW)
        assert not created and again.id == second.id
        with pytest.raises(limits.ClawbackTooLarge):
            limits.clawback(s, admin, entry.id, reason="again", points=1, now=NOW)
        assert limits.reversed_points(s, entry.id) == 80
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 0
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "loyalty.clawback")).all()
        assert [a.detail["points"] for a in audited] == [30, 50]
        assert verify(s).ok


def test_a_refund_after_a_partial_clawback_reverses_only_the_rest(market: Market) -> None:
    from loyalty import earning

    seed_loyalty(market)
    _wired(market)
    order_id, lines = _delivered_order(market)
    with transaction(market.factory) as s:
        sale = s.scalars(
            select(Entry).where(Entry.order_line_id == lines[0], Entry.kind == "sale")
        ).one()
        paid = sale.points
        limits.clawback(s, market.user(s, "admin"), sale.id, reason="x", points=10, now=NOW)
    with transaction(market.factory) as s:
        outcome = earning.reverse_lines(s, order_id, [lines[0]], "RMA refunded", now=NOW)
        assert outcome.credited == 1
        assert limits.reversed_points(s, sale.id) == paid  # 10 + the rest, never more
        again = earning.reverse_lines(s, order_id, [lines[0]], "RMA refunded", now=NOW)
        assert again.replayed == 1 and limits.reversed_points(s, sale.id) == paid
        assert verify(s).ok


def test_a_refused_clawback_names_the_account_not_its_key(market: Market) -> None:
    loyal = seed_loyalty(market)
    assert _credit(market, loyal, 80, "named") == "paid"
    with transaction(market.factory) as s:
        from loyalty.ledger import transfer

        seller = _seller(s, loyal)
        shop = ensure_account(s, loyal.programme_id, AccountKind.SHOP)
        transfer(
            s,
            programme_id=loyal.programme_id,
            source_id=seller.id,
            destination_id=shop.id,
            points=75,
            kind="redemption",
            reason="shop",
            idempotency_key="spend-named",
            now=NOW,
        )
        entry = s.scalars(select(Entry).where(Entry.idempotency_key == "named")).one()
        with pytest.raises(InsufficientPoints) as caught:
            limits.clawback(s, market.user(s, "admin"), entry.id, reason="x", points=10, now=NOW)
        text = str(caught.value)
        assert loyal.seller_key(s) not in text and f"p{loyal.programme_id}:" not in text
        assert f"seller {market.user(s, 'tand_staff').name} (user {loyal.seller_id})" in text
        assert "Tand AB (organisation" in text and "holds 5 points, not the 10 needed" in text
        assert caught.value.balance == 5
