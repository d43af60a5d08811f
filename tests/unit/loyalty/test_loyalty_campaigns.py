"""Earning campaigns: x N points on a product, brand or category for a period; the highest
multiplier wins; an admin manages them; a bad value names its field."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import Product
from loyalty import campaigns
from loyalty.campaigns import ProductFacts, best_multiplier, matches
from loyalty.errors import InvalidInput, NotAllowed
from loyalty.ledger import verify
from loyalty.models import Campaign, Entry
from tests.unit.loyalty.loyalty_support import seed_loyalty
from tests.unit.loyalty.test_loyalty_earning import _delivered_order, _wired
from tests.unit.marketplace.mp_support import NOW, Market

START, END = NOW - timedelta(days=1), NOW + timedelta(days=30)


def _campaign(
    cid: int, kind: str, value: str, factor: str, *, start: datetime = START, end: datetime = END
) -> Campaign:
    return Campaign(
        id=cid,
        programme_id=1,
        name=f"c{cid}",
        multiplier=Decimal(factor),
        target_kind=kind,
        target_value=value,
        starts_at=start,
        ends_at=end,
    )


GLOVE = ProductFacts(7, "Dentsply ", "Handskar > Nitril")


def test_matching_by_product_brand_and_category() -> None:
    assert matches(_campaign(1, "product", "7", "2"), GLOVE, NOW)
    assert not matches(_campaign(1, "product", "8", "2"), GLOVE, NOW)
    assert matches(_campaign(1, "brand", "dentsply", "2"), GLOVE, NOW)
    assert matches(_campaign(1, "category", "handskar", "2"), GLOVE, NOW)
    assert matches(_campaign(1, "category", "Handskar > Nitril", "2"), GLOVE, NOW)
    assert not matches(_campaign(1, "category", "Hand", "2"), GLOVE, NOW)
    assert not matches(_campaign(1, "brand", "dentsply", "2", end=NOW), GLOVE, NOW)  # ended
    assert not matches(_campaign(1, "brand", "dentsply", "2", start=END), GLOVE, NOW)


def test_the_highest_multiplier_wins_never_compounded() -> None:
    offers = [
        _campaign(1, "brand", "Dentsply", "2"),
        _campaign(2, "category", "Handskar", "3"),
        _campaign(3, "product", "99", "5"),  # another product
    ]
    factor, winner = best_multiplier(offers, GLOVE, NOW)
    assert factor == Decimal(3) and winner is not None and winner.id == 2
    assert best_multiplier(offers, None, NOW) == (Decimal(1), None)


def test_a_running_campaign_multiplies_a_delivered_lines_points(market: Market) -> None:
    loyal = seed_loyalty(market)  # 2 points per krona
    _wired(market)
    with transaction(market.factory) as s:
        admin = market.user(s, "admin")
        campaigns.create_campaign(
            s,
            admin,
            loyal.programme_id,
            name="Handskveckan",
            multiplier="2.5",
            target_kind="category",
            target_value="handskar",
            starts_at=START,
            ends_at=END,
            now=NOW,
        )
        campaigns.create_campaign(
            s,
            admin,
            loyal.programme_id,
            name="Handske x1.5",
            multiplier="1.5",
            target_kind="product",
            target_value=str(market.products["glove"]),
            starts_at=START,
            ends_at=END,
            now=NOW,
        )
    _delivered_order(market)  # 2 gloves of 99 kr, 1 composite of 450 kr
    with transaction(market.factory) as s:
        # gloves: 198 kr x 2 x 2.5 = 990; composite: 450 x 2 = 900
        assert loyal.balance(s, loyal.seller_key(s)) == 990 + 900
        reasons = list(s.scalars(select(Entry.reason).order_by(Entry.id)))
        assert "Handskveckan: x2.5" in reasons[0] and "campaign" not in reasons[1]
        assert verify(s).ok


def test_only_admins_create_campaigns_and_bad_values_name_their_field(market: Market) -> None:
    loyal = seed_loyalty(market)
    good = {
        "name": "x",
        "multiplier": "2",
        "target_kind": "brand",
        "target_value": "Dentsply",
        "starts_at": START,
        "ends_at": END,
        "now": NOW,
    }
    with transaction(market.factory) as s:
        with pytest.raises(NotAllowed):
            campaigns.create_campaign(s, market.user(s, "tand_staff"), loyal.programme_id, **good)  # type: ignore[arg-type]
        admin = market.user(s, "admin")
        for field, value in [
            ("multiplier", "1"),
            ("multiplier", "11"),
            ("multiplier", "abc"),
            ("target_kind", "colour"),
            ("target_value", "  "),
            ("ends_at", START),
            ("name", ""),
        ]:
            with pytest.raises(InvalidInput) as caught:
                campaigns.create_campaign(
                    s,
                    admin,
                    loyal.programme_id,
                    **{**good, field: value},  # type: ignore[arg-type]
                )
            assert caught.value.field == field
        with pytest.raises(InvalidInput) as caught:
            campaigns.create_campaign(
                s,
                admin,
                loyal.programme_id,
                **{**good, "target_kind": "product", "target_value": "999999"},  # type: ignore[arg-type]
            )
        assert caught.value.field == "target_value"
        assert s.scalar(select(Product.id).limit(1)) is not None
        assert campaigns.list_campaigns(s, loyal.programme_id)[1] == 0
