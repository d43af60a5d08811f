"""Crediting many delivered orders at once (``loyalty.earning.credit_delivered_many``, the
subscriber's per-commit batches): the same entries as order by order, a fixed number of
statements whatever the number of orders, replays pay nothing, caps still hold, and a batch
that fails is retried order by order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from catalog.db import transaction
from loyalty import earning, limits, subscribers
from loyalty.enums import EntryKind
from loyalty.ledger import verify
from loyalty.models import Entry
from marketplace import cart, orders
from tests.unit.loyalty.loyalty_support import TODAY, Loyal, seed_loyalty
from tests.unit.loyalty.test_loyalty_earning import _wired
from tests.unit.marketplace.mp_support import NOW, Market

LATER = NOW + timedelta(days=30)  # past the auto-delivery delay


def _shipped_orders(market: Market, count: int) -> list[int]:
    """``count`` orders of 2 gloves (99 kr) and 1 composite (450 kr) at tandab, confirmed
    and shipped by its seller, not yet delivered."""
    ids = []
    with market.factory() as s:
        clinic = market.user(s, "clinic")
        staff = market.user(s, "tand_staff")
        for _ in range(count):
            cart.add_item(s, clinic, market.offers["glove_tand"], 2, now=NOW)
            cart.add_item(s, clinic, market.offers["comp_tand"], 1, now=NOW)
            (order,) = orders.checkout(s, clinic, now=NOW)
            s.commit()
            orders.confirm(s, staff, order.id, TODAY, now=NOW)
            orders.ship(s, staff, order.id, now=NOW)
            s.commit()
            ids.append(order.id)
    return ids


def _deliver_all_at_once(market: Market) -> list[int]:
    """The auto-delivery: every shipped order delivered in one commit."""
    with transaction(market.factory) as s:
        return [o.id for o in orders.auto_deliver(s, LATER)]


def _sales(market: Market) -> list[tuple[int | None, int]]:
    with market.factory() as s:
        return [
            (line, points)
            for line, points in s.execute(
                select(Entry.order_line_id, Entry.points)
                .where(Entry.kind == EntryKind.SALE.value)
                .order_by(Entry.order_line_id)
            )
        ]


def test_orders_delivered_in_one_commit_are_each_paid_once(market: Market) -> None:
    loyal = seed_loyalty(market)
    bus = _wired(market)
    ids = _shipped_orders(market, 3)
    assert sorted(_deliver_all_at_once(market)) == sorted(ids)
    assert bus.failures == 0
    assert [p for _, p in _sales(market)] == [396, 900] * 3
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 3 * 1296
        assert loyal.balance(s, loyal.sponsor_key) == -3 * 1296
        assert verify(s).ok
    # the batch replayed (and with one order more than before): nothing pays twice
    with transaction(market.factory) as s:
        outcome = earning.credit_delivered_many(s, [*ids, ids[0]], now=LATER)
    assert (outcome.credited, outcome.replayed) == (0, 6)
    assert len(_sales(market)) == 6


def test_a_batch_pays_as_order_by_order_would(market: Market) -> None:
    seed_loyalty(market)
    ids = _shipped_orders(market, 4)
    _deliver_all_at_once(market)  # no subscriber wired: nothing paid yet
    with transaction(market.factory) as s:
        earning.credit_delivered(s, ids[1], now=LATER)  # one paid alone before
    with transaction(market.factory) as s:
        outcome = earning.credit_delivered_many(s, ids, now=LATER)
    assert (outcome.credited, outcome.replayed) == (6, 2)
    with market.factory() as s:
        keys = set(s.scalars(select(Entry.idempotency_key)))
        lines = s.execute(select(Entry.order_id, Entry.order_line_id)).all()
    assert len(keys) == 8 and all(k.startswith("sale:") and k.endswith(":delivered") for k in keys)
    assert {order for order, _ in lines} == set(ids)
    with market.factory() as s:
        assert verify(s).ok


def test_crediting_takes_the_same_statements_for_two_orders_or_six(market: Market) -> None:
    seed_loyalty(market)
    ids = _shipped_orders(market, 8)
    _deliver_all_at_once(market)
    engine = market.factory.kw["bind"]
    counted: list[int] = []

    def statements(batch: list[int]) -> int:
        seen = [0]

        def count(*_args: object) -> None:
            seen[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        try:
            with transaction(market.factory) as s:
                earning.credit_delivered_many(s, batch, now=LATER)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return seen[0]

    counted = [statements(ids[:2]), statements(ids[2:8])]
    # SQLite inserts the entries one row a statement (no multi-row RETURNING): allow those
    assert counted[1] - 2 * 6 <= counted[0] - 2 * 2, counted
    assert counted[0] <= 25, counted
    assert len(_sales(market)) == 16


def test_a_cap_holds_across_the_orders_of_one_batch(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        limits.set_limits(
            s,
            market.user(s, "admin"),
            loyal.programme_id,
            caps={"sale": {"day": 2000}},
            approval_threshold=None,
            now=NOW,
        )
    bus = _wired(market)  # the seller who handled the orders is remembered
    _shipped_orders(market, 3)
    _deliver_all_at_once(market)  # one batch
    assert bus.failures == 0
    # 396 + 900 + 396 + 308 (cut to the room left of the day), then nothing
    assert [p for _, p in _sales(market)] == [396, 900, 396, 308]
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 2000
        assert verify(s).ok


def test_a_failing_batch_is_retried_order_by_order(
    market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    loyal: Loyal = seed_loyalty(market)
    bus = _wired(market)
    ids = _shipped_orders(market, 3)
    real = earning.credit_delivered_many

    def fails_for_many(session: object, order_ids: object, *, now: object) -> earning.Outcome:
        batch = list(order_ids)  # type: ignore[call-overload]
        if len(batch) > 1:
            raise RuntimeError("a batch fails")
        return real(session, batch, now=now)  # type: ignore[arg-type]

    monkeypatch.setattr(earning, "credit_delivered_many", fails_for_many)
    _deliver_all_at_once(market)
    assert bus.failures == 0  # recovered by the retries
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 3 * 1296
        assert s.scalar(select(func.count()).select_from(Entry)) == 6
        assert verify(s).ok
    assert subscribers.credit_orders(market.factory, ids, LATER) == 0  # replayed
