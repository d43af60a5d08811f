"""The sponsor's reports checked against a small ledger built by hand: flows per month,
outstanding and its value, cost per activity (the campaign bonus apart from sales, a
clawback against the sale it reverses), and a campaign's sales during and before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from loyalty import campaigns, earning, reports
from loyalty.enums import REFUND_ENTRY, AccountKind, EntryKind
from loyalty.errors import InvalidInput, NotAllowed
from loyalty.ledger import ensure_account, transfer
from loyalty.models import Account
from marketplace import cart, orders
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.marketplace.mp_support import Market

REPORT_AT = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
CAMPAIGN_START = datetime(2026, 2, 10, 0, 0, tzinfo=UTC)
CAMPAIGN_END = datetime(2026, 2, 20, 0, 0, tzinfo=UTC)


def _order(market: Market, at: datetime, gloves: int, *, offer: str = "glove_tand") -> int:
    """A clinic's order of gloves (99 kr at tandab, 79 at nord) and, at tandab, one
    composite (450 kr), delivered at ``at``; returns the order id."""
    with market.factory() as s:
        clinic = market.user(s, "clinic")
        cart.add_item(s, clinic, market.offers[offer], gloves, now=at)
        if offer == "glove_tand":
            cart.add_item(s, clinic, market.offers["comp_tand"], 1, now=at)
        (order,) = orders.checkout(s, clinic, now=at)
        staff = market.user(s, "tand_staff" if offer == "glove_tand" else "nord_staff")
        orders.confirm(s, staff, order.id, (at + timedelta(days=2)).date(), now=at)
        orders.ship(s, staff, order.id, now=at)
        earning.record_handler(s, order.id, staff.id, now=at)
        orders.deliver(s, clinic, order.id, now=at)
        earning.credit_delivered(s, order.id, now=at)
        s.commit()
        return order.id


def _ledger(market: Market) -> Loyal:
    """January: order A (1296 points). February: order B before the campaign (1296), order
    C during it (3 gloves x2.5: 1485, composite 900), a quiz (100), a redemption (500).
    March: order B's gloves clawed back (396), 100 of the redemption refunded, 50 expired.
    A nord order of gloves during the campaign (not a member) counts for nothing."""
    loyal = seed_loyalty(market)  # 2 points per krona, a point is worth 5 öre
    with transaction(market.factory) as s:
        campaigns.create_campaign(
            s,
            market.user(s, "admin"),
            loyal.programme_id,
            name="Handskveckan",
            multiplier="2.5",
            target_kind="category",
            target_value="handskar",
            starts_at=CAMPAIGN_START,
            ends_at=CAMPAIGN_END,
            now=CAMPAIGN_START,
        )
    _order(market, datetime(2026, 1, 20, 10, tzinfo=UTC), 2)
    order_b = _order(market, datetime(2026, 2, 5, 10, tzinfo=UTC), 2)
    _order(market, datetime(2026, 2, 15, 10, tzinfo=UTC), 3)
    _order(market, datetime(2026, 2, 16, 10, tzinfo=UTC), 5, offer="glove_nord")
    with transaction(market.factory) as s:
        pid = loyal.programme_id
        seller = s.scalar(select(Account).where(Account.key == loyal.seller_key(s)))
        assert seller is not None
        sponsor = ensure_account(s, pid, AccountKind.SPONSOR)
        shop = ensure_account(s, pid, AccountKind.SHOP)
        expired = ensure_account(s, pid, AccountKind.EXPIRY)
        feb, mar = datetime(2026, 2, 25, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)
        moves = [
            (sponsor, seller, 100, "quiz", feb),
            (seller, shop, 500, EntryKind.REDEMPTION.value, feb),
            (shop, seller, 100, REFUND_ENTRY, mar),
            (seller, expired, 50, "expiry", mar),
        ]
        for n, (src, dst, points, kind, at) in enumerate(moves):
            transfer(
                s,
                programme_id=pid,
                source_id=src.id,
                destination_id=dst.id,
                points=points,
                kind=kind,
                reason=kind,
                idempotency_key=f"hand:{n}",
                now=at,
            )
        glove_line = min(
            line.id for line in orders.get_order(s, market.user(s, "admin"), order_b).lines
        )
        out = earning.reverse_lines(s, order_b, [glove_line], "returned", now=mar)
        assert out.credited == 1
    return loyal


def test_flows_per_month_and_outstanding_liability(market: Market) -> None:
    loyal = _ledger(market)
    with transaction(market.factory) as s:
        report = reports.sponsor_report(
            s, market.user(s, "admin"), loyal.programme_id, now=REPORT_AT, months=3
        )
        held = s.scalar(
            select(func.sum(Account.balance)).where(
                Account.kind.in_([AccountKind.MEMBER.value, AccountKind.SELLER.value])
            )
        )
    flows = [
        (m.month, m.issued, m.clawed_back, m.redeemed, m.expired, m.outstanding)
        for m in report.months
    ]
    assert flows == [
        ("2026-01", 1296, 0, 0, 0, 1296),
        ("2026-02", 1296 + 2385 + 100, 0, 500, 0, 4577),
        ("2026-03", 0, 396, -100, 50, 4231),
    ]
    assert held == 4231  # outstanding is what members and sellers hold
    assert report.months[-1].outstanding_value_ore == 4231 * 5


def test_a_window_after_the_first_entries_starts_from_their_outstanding(market: Market) -> None:
    loyal = _ledger(market)
    with transaction(market.factory) as s:
        report = reports.sponsor_report(
            s, market.user(s, "admin"), loyal.programme_id, now=REPORT_AT, months=1
        )
    (march,) = report.months
    assert (march.month, march.outstanding) == ("2026-03", 4231)
    # the activities of March alone: the clawback of a plain sale
    assert [(a.activity, a.points) for a in report.activities] == [("sale", -396)]


def test_cost_per_activity_separates_the_campaign_bonus(market: Market) -> None:
    loyal = _ledger(market)
    with transaction(market.factory) as s:
        report = reports.sponsor_report(
            s, market.user(s, "admin"), loyal.programme_id, now=REPORT_AT, months=3
        )
    # sales 1296 + 1296 + 2385 - 396 = 4581, of which the campaign's extra (1485 - 594) 891
    assert [(a.activity, a.points, a.value_ore) for a in report.activities] == [
        ("sale", 3690, 3690 * 5),
        (reports.CAMPAIGN_BONUS, 891, 891 * 5),
        ("quiz", 100, 500),
    ]


def test_campaign_sales_during_against_the_same_length_before(market: Market) -> None:
    loyal = _ledger(market)
    with transaction(market.factory) as s:
        (row,) = reports.campaign_sales(s, loyal.programme_id, REPORT_AT)
    assert row.before_from == CAMPAIGN_START - timedelta(days=10)
    assert row.during_until == CAMPAIGN_END
    assert (row.before_sek, row.before_lines, row.before_quantity) == (Decimal("198.00"), 1, 2)
    assert (row.during_sek, row.during_lines, row.during_quantity) == (Decimal("297.00"), 1, 3)
    assert row.change == Decimal("0.5")


def test_a_running_campaign_compares_up_to_now(market: Market) -> None:
    loyal = _ledger(market)
    midway = datetime(2026, 2, 16, 0, 0, tzinfo=UTC)  # 6 days in: before is Feb 4-10
    with transaction(market.factory) as s:
        (row,) = reports.campaign_sales(s, loyal.programme_id, midway)
        assert reports.campaign_sales(s, loyal.programme_id, CAMPAIGN_START - timedelta(1)) == []
    assert row.before_from == datetime(2026, 2, 4, tzinfo=UTC)
    assert (row.before_sek, row.during_sek) == (Decimal("198.00"), Decimal("297.00"))


def test_only_admins_read_reports_and_months_are_bounded(market: Market) -> None:
    loyal = _ledger(market)
    with transaction(market.factory) as s:
        with pytest.raises(NotAllowed):
            reports.sponsor_report(
                s, market.user(s, "tand_staff"), loyal.programme_id, now=REPORT_AT
            )
        with pytest.raises(InvalidInput) as caught:
            reports.sponsor_report(
                s, market.user(s, "admin"), loyal.programme_id, now=REPORT_AT, months=0
            )
        assert caught.value.field == "months"


def test_month_starts_are_swedish_calendar_months() -> None:
    bounds = reports.month_starts(datetime(2026, 1, 15, tzinfo=UTC), 2)
    assert bounds == [
        datetime(2025, 11, 30, 23, tzinfo=UTC),
        datetime(2025, 12, 31, 23, tzinfo=UTC),
        datetime(2026, 1, 31, 23, tzinfo=UTC),
    ]
