"""The month-end close of one programme on its manager's request: the month's awards and
the expiry at once, once (a second close does nothing more), audited once, and only for
the programme's manager."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import AuditEntry
from loyalty import closing
from loyalty.errors import InvalidInput, NotAllowed, NotFound
from loyalty.ledger import verify
from loyalty.models import Entry, MonthlyAward, Programme
from tests.unit.loyalty.engage_support import Stores, pay, seed_stores
from tests.unit.marketplace.mp_support import NOW, Market

APRIL = datetime(2026, 4, 1, 3, tzinfo=UTC)


def _march_with_old_points(market: Market) -> Stores:
    """March's points (otto 250, rut 200, olle 100), and 30 points rut earned in January,
    in a programme whose points expire after one month."""
    stores = seed_stores(market)
    with transaction(market.factory) as s:
        pay(s, stores, "rut", 30, NOW - timedelta(days=60))
        pay(s, stores, "olle", 100, NOW)
        pay(s, stores, "otto", 250, NOW)
        pay(s, stores, "rut", 200, NOW)
        s.get_one(Programme, stores.loyal.programme_id).expiry_months = 1
    return stores


def test_a_close_awards_the_month_and_expires_once_and_is_audited(market: Market) -> None:
    stores = _march_with_old_points(market)
    programme_id = stores.loyal.programme_id
    with transaction(market.factory) as s:
        done = closing.close_month(s, market.user(s, "admin"), programme_id, now=APRIL)
    assert (done.month, done.awards_made, done.already) == ("2026-03", 2, False)
    assert (done.expired_accounts, done.expired_points) == (1, 30)
    with transaction(market.factory) as s:
        again = closing.close_month(s, market.user(s, "admin"), programme_id, now=APRIL)
    assert again.already and (again.awards_made, again.expired_accounts) == (0, 0)
    with transaction(market.factory) as s:
        assert s.scalar(select(func.count()).select_from(MonthlyAward)) == 2
        assert s.scalar(select(func.count()).where(Entry.kind == "expiry")) == 1
        audited = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "loyalty.month_close")
        ).all()
        assert len(audited) == 1  # the close that did something
        assert audited[0].target_id == str(programme_id)
        assert audited[0].detail["awards"] == 2
        assert verify(s).ok


def test_only_the_programmes_manager_closes_an_active_programme(market: Market) -> None:
    stores = _march_with_old_points(market)
    programme_id = stores.loyal.programme_id
    with transaction(market.factory) as s:
        with pytest.raises(NotAllowed):
            closing.close_month(s, market.user(s, "tand_staff"), programme_id, now=APRIL)
        with pytest.raises(NotFound):
            closing.close_month(s, market.user(s, "admin"), programme_id + 99, now=APRIL)
        s.get_one(Programme, programme_id).active = False
        s.flush()
        with pytest.raises(InvalidInput) as caught:
            closing.close_month(s, market.user(s, "admin"), programme_id, now=APRIL)
        assert caught.value.field == "programme_id"
        assert s.scalar(select(func.count()).select_from(MonthlyAward)) == 0
