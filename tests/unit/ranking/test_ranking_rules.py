"""Merchandising rules: query matching, validity windows, pin/hide/boost/bury in rankings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ranking.config import RankingConfig, config_from_mapping
from ranking.errors import InvalidConfig, NaiveDatetime
from ranking.rules import Rule, applicable_rules
from ranking.scoring import OfferInput, ProductInput, RankedOffer, rank_offers, rank_products
from ranking.signals import RetailerQuality, rating_signal, share_signal

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _retailer(rid: int, slug: str) -> RetailerQuality:
    stars = rating_signal(4.0, 50)
    return RetailerQuality(
        rid, slug, slug.title(), share_signal(0.9, 50), share_signal(0.9, 50),
        stars, stars, stars, share_signal(0.8, 50), stars, "test",
    )  # fmt: skip


def _best(oid: int, slug: str = "dentalia") -> RankedOffer:
    offer = OfferInput(oid, _retailer(oid, slug), Decimal("100"), True, "in_stock", 2)
    return rank_offers([offer], RankingConfig())[0]


def _items() -> list[tuple[ProductInput, float, RankedOffer | None]]:
    """Five products with descending text scores (1 best ... 5 worst), equal offers."""
    brands = ["3M", "Ivoclar", "GC", "Kerr", "Dentsply"]
    return [
        (
            ProductInput(pid, brands[pid - 1], "Komposit", None, ("dentalia",), True),
            float(10 - pid),
            _best(pid),
        )
        for pid in range(1, 6)
    ]


def _order(rules: list[Rule], query: str = "komposit") -> list[int]:
    cfg = RankingConfig(rules=rules)
    return [score.product_id for score in rank_products(_items(), query, cfg, NOW)]


def test_without_rules_text_decides() -> None:
    assert _order([]) == [1, 2, 3, 4, 5]


def test_pin_to_a_position() -> None:
    pin = Rule(id="pin-5", action="pin", match_query="Komposit", product_id=5, position=2)
    assert _order([pin]) == [1, 5, 2, 3, 4]
    far = Rule(id="pin-far", action="pin", product_id=1, position=50)
    assert _order([far]) == [2, 3, 4, 5, 1]


def test_hide_removes_the_product() -> None:
    hide = Rule(id="hide-gc", action="hide", brand="gc")
    assert _order([hide]) == [1, 2, 4, 5]


def test_boost_and_bury_add_explained_points() -> None:
    boost = Rule(id="kerr-up", action="boost", brand="Kerr", amount=0.5, comment="campaign")
    bury = Rule(id="3m-down", action="bury", product_id=1, amount=0.5)
    cfg = RankingConfig(rules=[boost, bury])
    scores = rank_products(_items(), "komposit", cfg, NOW)
    assert [s.product_id for s in scores] == [4, 2, 3, 5, 1]
    kerr = scores[0]
    assert kerr.flags == ["boosted"]
    part = kerr.explanation.by_factor()["rule:kerr-up"]
    assert part.points == 0.5 and "campaign" in part.detail
    assert scores[-1].explanation.by_factor()["rule:3m-down"].points == -0.5
    assert sum(c.points for c in kerr.explanation.contributions) == kerr.score


def test_retailer_rule_targets_products_it_sells_and_its_offers() -> None:
    items = _items()
    text = items[4][1]
    items[4] = (
        ProductInput(5, "Dentsply", "Komposit", None, ("tandab",), True),
        text,
        _best(5, "tandab"),
    )
    rule = Rule(id="tandab-up", action="boost", retailer="tandab", amount=1.0)
    scores = rank_products(items, "x", RankingConfig(rules=[rule]), NOW)
    assert scores[0].product_id == 5
    a = OfferInput(1, _retailer(1, "dentalia"), Decimal("100"), True, "in_stock", 2)
    b = OfferInput(2, _retailer(2, "tandab"), Decimal("100"), True, "in_stock", 2)
    ranked = rank_offers([a, b], RankingConfig(), rules=[rule])
    assert ranked[0].offer.offer_id == 2
    assert ranked[0].explanation.by_factor()["rule:tandab-up"].points == 1.0


def test_query_matching_exact_and_contains() -> None:
    exact = Rule(id="e", action="hide", product_id=1, match_query="  Komposit ")
    contains = Rule(id="c", action="hide", product_id=2, match_query="KOMP", match_type="contains")
    rules = [exact, contains]
    assert applicable_rules(rules, "komposit", NOW) == rules
    assert applicable_rules(rules, "komposit a2", NOW) == [contains]
    assert applicable_rules(rules, "handskar", NOW) == []


def test_expired_and_not_yet_valid_rules_are_ignored() -> None:
    expired = Rule(
        id="old", action="pin", product_id=5, position=1,
        valid_from=NOW - timedelta(days=30), valid_to=NOW - timedelta(seconds=1),
    )  # fmt: skip
    future = Rule(id="new", action="hide", product_id=1, valid_from=NOW + timedelta(hours=1))
    disabled = Rule(id="off", action="hide", product_id=2, enabled=False)
    assert applicable_rules([expired, future, disabled], "komposit", NOW) == []
    assert _order([expired, future, disabled]) == [1, 2, 3, 4, 5]
    current = Rule(
        id="now", action="hide", product_id=3,
        valid_from=NOW, valid_to=NOW + timedelta(days=1),
    )  # fmt: skip
    assert _order([current]) == [1, 2, 4, 5]


def test_naive_now_is_refused() -> None:
    with pytest.raises(NaiveDatetime):
        applicable_rules([], "q", datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "pin", "product_id": 1}, "needs product_id and position"),
        ({"action": "boost", "brand": "3M"}, "amount > 0"),
        ({"action": "hide"}, "needs a target"),
        ({"action": "bury", "brand": "x", "amount": 11}, "less than or equal to 10"),
        (
            {"action": "hide", "product_id": 1, "valid_from": datetime(2025, 1, 1)},
            "timezone-aware",
        ),
        (
            {"action": "hide", "product_id": 1, "valid_from": NOW, "valid_to": NOW},
            "before valid_to",
        ),
        ({"action": "hide", "product_id": 1, "match_query": "  "}, "must not be blank"),
    ],
)
def test_invalid_rules_are_refused_with_the_field(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidConfig) as info:
        config_from_mapping({"rules": [{"id": "r1", **fields}]})
    assert message in str(info.value)
    assert "rules.0" in str(info.value)
