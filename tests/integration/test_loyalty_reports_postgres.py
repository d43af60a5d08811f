"""The sponsor's reports on PostgreSQL give the numbers they give on SQLite (the month
buckets, the floor of a line's points, the campaign windows grouped by a condition)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import migrated_factory
from tests.integration.conftest import pg_schema
from tests.unit.loyalty import test_loyalty_reports as same
from tests.unit.marketplace.mp_support import Market, seed

pytestmark = pytest.mark.integration


@pytest.fixture()
def pg_market() -> Iterator[Market]:
    with pg_schema() as url:
        market = seed(migrated_factory(url))
        yield market
        market.factory.kw["bind"].dispose()


def test_flows_on_postgresql(pg_market: Market) -> None:
    same.test_flows_per_month_and_outstanding_liability(pg_market)


def test_cost_per_activity_on_postgresql(pg_market: Market) -> None:
    same.test_cost_per_activity_separates_the_campaign_bonus(pg_market)


def test_campaign_sales_on_postgresql(pg_market: Market) -> None:
    same.test_campaign_sales_during_against_the_same_length_before(pg_market)


def test_a_running_campaign_on_postgresql(pg_market: Market) -> None:
    same.test_a_running_campaign_compares_up_to_now(pg_market)
