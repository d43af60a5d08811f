"""The points ledger under concurrency on PostgreSQL (and SQLite): parallel debits of one
balance never overdraw it, parallel transfers of one idempotency key move points once, and
a delivered order's event handled by several threads at once pays once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import Offer, Organisation, Retailer, User
from loyalty import earning, programmes
from loyalty.enums import MEMBER_TERMS_VERSION, AccountKind, EntryKind
from loyalty.errors import InsufficientPoints
from loyalty.ledger import balance, ensure_account, transfer, verify
from loyalty.models import Entry
from marketplace.models import Order, OrderLine
from tests.factories import migrated_factory
from tests.integration.conftest import pg_schema

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
THREADS = 8
T = TypeVar("T")


@pytest.fixture(params=["postgresql", "sqlite"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        yield migrated_factory(f"sqlite:///{tmp_path / 'loyalty.sqlite3'}")
        return
    with pg_schema() as url:
        yield migrated_factory(url)


def _seed(factory: sessionmaker[Session]) -> tuple[int, int, int, int, int]:
    """(programme, sponsor account, member account, shop account, retailer id)."""
    with transaction(factory) as s:
        retailer = Retailer(slug="tandab", name="Tand AB")
        s.add(retailer)
        s.flush()
        org = Organisation(
            kind="retailer", name="Tand AB", org_number="556677-8899", retailer_id=retailer.id
        )
        s.add(org)
        s.flush()
        rep = User(
            email="rep@tand.se",
            name="Rut",
            role="retailer",
            retailer_id=retailer.id,
            organisation_id=org.id,
            org_role="representative",
            password_hash="x",
        )
        s.add(rep)
        s.flush()
        programme = programmes.create_programme(
            s,
            None,
            name="Tandklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=NOW,
        )
        membership = programmes.accept_member_terms(
            s, rep, programme.id, MEMBER_TERMS_VERSION, now=NOW
        )
        sponsor = ensure_account(s, programme.id, AccountKind.SPONSOR)
        member = ensure_account(s, programme.id, AccountKind.MEMBER, membership_id=membership.id)
        shop = ensure_account(s, programme.id, AccountKind.SHOP)
        return programme.id, sponsor.id, member.id, shop.id, retailer.id


def _at_once(n: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``work(i)`` in ``n`` threads released together; results or the exceptions."""
    gate = threading.Barrier(n)

    def run(i: int) -> T | BaseException:
        gate.wait()
        try:
            return work(i)
        except Exception as exc:  # noqa: BLE001 - the test counts the refusals
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def _move(
    factory: sessionmaker[Session], programme: int, src: int, dst: int, points: int, key: str
) -> bool:
    with transaction(factory) as s:
        _entry, created = transfer(
            s,
            programme_id=programme,
            source_id=src,
            destination_id=dst,
            points=points,
            kind=EntryKind.REDEMPTION.value,
            reason="test",
            idempotency_key=key,
            now=NOW,
        )
        return created


def test_parallel_debits_never_overdraw(factory: sessionmaker[Session]) -> None:
    programme, sponsor, member, shop, _retailer = _seed(factory)
    assert _move(factory, programme, sponsor, member, 100, "fund")
    results = _at_once(THREADS, lambda i: _move(factory, programme, member, shop, 30, f"spend-{i}"))
    spent = [r for r in results if r is True]
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert len(spent) == 3 and len(refused) == THREADS - 3, results
    with transaction(factory) as s:
        assert balance(s, member) == 10
        assert balance(s, shop) == 90
        assert s.scalar(select(func.count()).select_from(Entry)) == 4
        assert verify(s).ok


def test_parallel_transfers_of_one_key_move_points_once(factory: sessionmaker[Session]) -> None:
    programme, sponsor, member, _shop, _retailer = _seed(factory)
    results = _at_once(THREADS, lambda _i: _move(factory, programme, sponsor, member, 50, "k"))
    assert results.count(True) == 1, results
    assert results.count(False) == THREADS - 1, results
    with transaction(factory) as s:
        assert balance(s, member) == 50
        assert s.scalar(select(func.count()).select_from(Entry)) == 1
        assert verify(s).ok


def test_a_delivered_order_handled_in_parallel_pays_once(factory: sessionmaker[Session]) -> None:
    _programme, _sponsor, member, _shop, retailer = _seed(factory)
    with transaction(factory) as s:
        offer = Offer(
            retailer_id=retailer,
            sku="T1",
            raw_name="Handske",
            price=Decimal("99.00"),
            stock_status="in_stock",
            content_hash="a",
        )
        s.add(offer)
        s.flush()
        order = Order(
            checkout_ref="ref",
            retailer_id=retailer,
            buyer_name="Cilla",
            clinic_name="Folktand",
            status="delivered",
            total=Decimal("297.00"),
            delivered_at=NOW,
        )
        for qty in (1, 2):
            order.lines.append(
                OrderLine(
                    offer_id=offer.id,
                    sku="T1",
                    name="Handske",
                    unit_price=Decimal("99.00"),
                    quantity=qty,
                    stock_status_at_checkout="in_stock",
                )
            )
        s.add(order)
        s.flush()
        order_id = order.id

    def deliver(_i: int) -> int:
        with transaction(factory) as s:
            return earning.credit_delivered(s, order_id, now=NOW).credited

    results = _at_once(THREADS, deliver)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r for r in results if isinstance(r, int)) == 2  # one entry per line, in all
    with transaction(factory) as s:
        assert balance(s, member) == 297
        assert s.scalar(select(func.count()).select_from(Entry)) == 2
        assert verify(s).ok


def test_verify_sees_a_balanced_ledger_while_transfers_commit(
    factory: sessionmaker[Session],
) -> None:
    """Balances and entries are read in one statement: no false alarm mid-traffic."""
    programme, sponsor, member, shop, _retailer = _seed(factory)
    stop = threading.Event()
    alarms: list[object] = []

    def check() -> None:
        while not stop.is_set():
            with transaction(factory) as s:
                result = verify(s)
                if not result.ok:
                    alarms.append(result)

    checker = threading.Thread(target=check)
    checker.start()
    try:
        _at_once(
            4,
            lambda i: [
                _move(factory, programme, sponsor, member, 5, f"in-{i}-{n}") for n in range(15)
            ],
        )
        _at_once(
            4,
            lambda i: [
                _move(factory, programme, member, shop, 1, f"out-{i}-{n}") for n in range(10)
            ],
        )
    finally:
        stop.set()
        checker.join()
    assert alarms == []
    with transaction(factory) as s:
        assert balance(s, member) == 4 * 15 * 5 - 4 * 10
        assert verify(s).ok


def _delivered_orders(factory: sessionmaker[Session], retailer: int, count: int) -> list[int]:
    """``count`` delivered orders of two lines (99 kr and 2 x 99 kr) each."""
    with transaction(factory) as s:
        offer = Offer(
            retailer_id=retailer,
            sku="T2",
            raw_name="Handske",
            price=Decimal("99.00"),
            stock_status="in_stock",
            content_hash="b",
        )
        s.add(offer)
        s.flush()
        made = []
        for i in range(count):
            order = Order(
                checkout_ref=f"batch{i}",
                retailer_id=retailer,
                buyer_name="Cilla",
                clinic_name="Folktand",
                status="delivered",
                total=Decimal("297.00"),
                delivered_at=NOW,
            )
            for qty in (1, 2):
                order.lines.append(
                    OrderLine(
                        offer_id=offer.id,
                        sku="T2",
                        name="Handske",
                        unit_price=Decimal("99.00"),
                        quantity=qty,
                        stock_status_at_checkout="in_stock",
                    )
                )
            s.add(order)
            made.append(order)
        s.flush()
        return [o.id for o in made]


def test_overlapping_batches_credited_in_parallel_pay_each_line_once(
    factory: sessionmaker[Session],
) -> None:
    """Batches of delivered orders (``credit_delivered_many``) that share orders, credited by
    several threads at once: each line paid once, the balance the sum of its entries."""
    _programme, _sponsor, member, _shop, retailer = _seed(factory)
    ids = _delivered_orders(factory, retailer, 12)

    def credit(i: int) -> int:
        batch = ids[i % 3 :: 1 + i % 2]  # every order, or every other one, from 0, 1 or 2
        with transaction(factory) as s:
            return earning.credit_delivered_many(s, batch, now=NOW).credited

    results = _at_once(THREADS, credit)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r for r in results if isinstance(r, int)) == 24  # one entry per line, in all
    with transaction(factory) as s:
        assert balance(s, member) == 12 * 297
        assert s.scalar(select(func.count()).select_from(Entry)) == 24
        assert verify(s).ok


def test_two_month_closes_at_once_close_once(factory: sessionmaker[Session]) -> None:
    """The close button clicked twice (or by two managers) at once: the month is awarded
    once, the expiry moves points once, and one close is audited."""
    from catalog.models import AuditEntry
    from loyalty import closing
    from loyalty.models import MonthlyAward

    programme, sponsor, member, _shop, _retailer = _seed(factory)
    last_month = NOW - timedelta(days=20)
    with transaction(factory) as s:
        s.add(User(email="admin@valbar.se", name="Ada", role="admin", password_hash="x"))
        transfer(
            s,
            programme_id=programme,
            source_id=sponsor,
            destination_id=member,
            points=40,
            kind=EntryKind.SALE.value,
            reason="test",
            idempotency_key="close-sale",
            now=last_month,
        )

    def close(_i: int) -> bool:
        with transaction(factory) as s:
            admin = s.scalars(select(User).where(User.email == "admin@valbar.se")).one()
            return closing.close_month(s, admin, programme, now=NOW).already

    results = _at_once(THREADS, close)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results.count(False) == 1  # one close did it, the others found it done
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(MonthlyAward)) == 1  # the store
        audited = select(func.count()).where(AuditEntry.action == "loyalty.month_close")
        assert s.scalar(audited) == 1
        assert verify(s).ok
