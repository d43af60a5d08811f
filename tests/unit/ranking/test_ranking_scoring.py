"""Offer and product scoring: factor order, shrinkage, binning, price, explanations."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ranking.config import FACTORS, FactorWeights, RankingConfig, load_named
from ranking.rules import Rule
from ranking.scoring import (
    OfferInput,
    ProductInput,
    RankedOffer,
    best_offer,
    quality_points,
    quick_product_score,
    rank_offers,
    score_product,
)
from ranking.signals import RetailerQuality, Signal, rating_signal, share_signal

DEFAULT = RankingConfig()


def retailer(
    rid: int,
    *,
    on_time: float | None = 0.9,
    stock: float | None = 0.9,
    stars: float | None = 4.2,
    rma: float | None = 0.8,
    count: int = 300,
    on_time_count: int | None = None,
) -> RetailerQuality:
    rating = rating_signal(stars, count)
    return RetailerQuality(
        retailer_id=rid,
        slug=f"r{rid}",
        name=f"Retailer {rid}",
        delivery_precision=share_signal(on_time, count if on_time_count is None else on_time_count),
        stock_accuracy=share_signal(stock, count),
        reviews=rating,
        treatment=rating,
        feedback=rating,
        rma=share_signal(rma, count),
        competence=rating,
        source="test",
    )


EXCELLENT = retailer(1, on_time=0.98, stock=0.98, stars=4.9, rma=0.97)
POOR = retailer(2, on_time=0.55, stock=0.5, stars=2.0, rma=0.3)


def offer(
    oid: int,
    who: RetailerQuality,
    price: str | None = "100.00",
    *,
    vat_included: bool | None = True,
    stock: str = "in_stock",
    days: int | None = 2,
) -> OfferInput:
    return OfferInput(
        offer_id=oid,
        retailer=who,
        price=None if price is None else Decimal(price),
        vat_included=vat_included,
        stock_status=stock,
        delivery_days=days,
    )


def by_factor(ranked: RankedOffer) -> dict[str, float]:
    return {c.factor: c.value for c in ranked.explanation.contributions}


def test_default_weights_follow_the_product_order() -> None:
    weights = FactorWeights().normalized()
    assert math.isclose(sum(weights), 1.0)
    assert all(a > b for a, b in itertools.pairwise(weights))


def test_better_delivery_precision_beats_better_price() -> None:
    punctual = retailer(1, on_time=0.98)
    late = retailer(2, on_time=0.70)
    ranked = rank_offers([offer(1, punctual, "105.00"), offer(2, late, "100.00")], DEFAULT)
    assert [r.offer.offer_id for r in ranked] == [1, 2]
    # even when the punctual one is twice the price, price is the last factor
    ranked = rank_offers([offer(1, punctual, "200.00"), offer(2, late, "100.00")], DEFAULT)
    assert ranked[0].offer.offer_id == 1
    # a price-first config reverses it: the weights are arguments, not globals
    price_first = load_named("price_first")
    ranked = rank_offers([offer(1, punctual, "200.00"), offer(2, late, "100.00")], price_first)
    assert ranked[0].offer.offer_id == 2


def test_cheapest_but_bad_retailer_loses() -> None:
    ranked = rank_offers([offer(1, POOR, "80.00"), offer(2, EXCELLENT, "100.00")], DEFAULT)
    assert [r.offer.offer_id for r in ranked] == [2, 1]
    assert ranked[1].explanation.by_factor()["price"].value == 1.0
    assert [r.rank for r in ranked] == [1, 2]


def test_one_perfect_review_does_not_outrank_many_very_good() -> None:
    lucky = replace(retailer(1), reviews=rating_signal(5.0, 1))
    proven = replace(retailer(2), reviews=rating_signal(4.8, 200))
    ranked = rank_offers([offer(1, lucky), offer(2, proven)], DEFAULT)
    assert ranked[0].offer.offer_id == 2
    assert by_factor(ranked[0])["reviews"] > by_factor(ranked[1])["reviews"]


def test_binning_makes_tiny_differences_a_tie_decided_by_the_next_factor() -> None:
    a = retailer(1, on_time=0.901, count=10_000)
    b = retailer(2, on_time=0.899, count=10_000)
    ranked = rank_offers([offer(1, a, stock="limited"), offer(2, b, stock="in_stock")], DEFAULT)
    assert by_factor(ranked[0])["delivery_precision"] == by_factor(ranked[1])["delivery_precision"]
    assert ranked[0].offer.offer_id == 2  # availability decides, not 0.2% on-time


def test_exact_tie_broken_by_price_then_offer_id() -> None:
    a = retailer(1, on_time=0.901, count=10_000)
    b = retailer(2, on_time=0.899, count=10_000)
    tied = rank_offers([offer(7, a), offer(3, b)], DEFAULT)
    assert tied[0].score == tied[1].score
    assert [r.offer.offer_id for r in tied] == [3, 7]
    # a 0.2% cheaper price falls in the same price bin but still breaks the tie
    cheaper = rank_offers([offer(3, b, "100.20"), offer(7, a, "100.00")], DEFAULT)
    assert cheaper[0].score == cheaper[1].score
    assert [r.offer.offer_id for r in cheaper] == [7, 3]


def test_price_falls_steeply_with_the_ratio_to_the_cheapest() -> None:
    who = retailer(1)
    ranked = rank_offers(
        [offer(1, who, "100"), offer(2, who, "150"), offer(3, who, "200")], DEFAULT
    )
    prices = {r.offer.offer_id: by_factor(r)["price"] for r in ranked}
    # (100/150)**3 = 0.30, (100/200)**3 = 0.125 (binned to 0.15)
    assert prices == {1: 1.0, 2: 0.3, 3: 0.15}
    assert [r.offer.offer_id for r in ranked] == [1, 2, 3]


def test_small_price_difference_costs_little() -> None:
    who = retailer(1)
    ranked = rank_offers([offer(1, who, "100.00"), offer(2, who, "105.00")], DEFAULT)
    assert {r.offer.offer_id: by_factor(r)["price"] for r in ranked} == {1: 1.0, 2: 0.85}


def test_vat_excluded_prices_are_made_comparable() -> None:
    who = retailer(1)
    ex_vat = offer(1, who, "100.00", vat_included=False)  # 125.00 with 25% VAT
    inc_vat = offer(2, who, "120.00", vat_included=True)
    ranked = rank_offers([ex_vat, inc_vat], DEFAULT)
    assert ranked[0].offer.offer_id == 2
    detail = ranked[1].explanation.by_factor()["price"].detail
    assert "125.00 incl. VAT" in detail and "25%" in detail


def test_single_offer_price_is_neutral_and_missing_price_scores_zero() -> None:
    only = rank_offers([offer(1, retailer(1), "99.00")], DEFAULT)[0]
    price = only.explanation.by_factor()["price"]
    assert price.value == 1.0 and "neutral" in price.detail
    ranked = rank_offers([offer(1, retailer(1), None), offer(2, retailer(1), "50")], DEFAULT)
    missing = next(r for r in ranked if r.offer.offer_id == 1).explanation.by_factor()["price"]
    assert missing.value == 0.0 and missing.detail == "no price given"


def test_details_name_their_source() -> None:
    measured = retailer(1, on_time=0.92, on_time_count=148)
    unknown = RetailerQuality.unmeasured(2, "ny", "Ny AB")
    ranked = rank_offers([offer(1, measured), offer(2, unknown)], DEFAULT)
    details = {r.offer.offer_id: r.explanation.by_factor() for r in ranked}
    assert details[1]["delivery_precision"].detail.startswith("on time 92% over 148 orders")
    assert details[1]["delivery_precision"].count == 148
    assert details[2]["delivery_precision"].detail.startswith("no data yet: prior 85%")
    assert details[2]["reviews"].detail == "no data yet: prior 3.8/5"
    assert [c.factor for c in ranked[0].explanation.contributions] == list(FACTORS)


def test_stock_status_is_trusted_by_stock_accuracy() -> None:
    reliable = retailer(1, stock=1.0, count=1000)
    unreliable = retailer(2, stock=0.0, count=1000)
    ranked = rank_offers([offer(1, reliable), offer(2, unreliable)], DEFAULT)
    values = {r.offer.offer_id: by_factor(r)["availability"] for r in ranked}
    assert values[1] == 1.0
    assert values[2] == pytest.approx(DEFAULT.availability["unknown"])


def _product(pid: int, **kwargs: object) -> ProductInput:
    fields: dict[str, object] = {
        "product_id": pid,
        "brand": "3M",
        "category": "Komposit",
        "manufacturer": "3M",
        "retailer_slugs": ("r1",),
        "has_offers": True,
    }
    fields.update(kwargs)
    return ProductInput(**fields)  # type: ignore[arg-type]


def test_clearly_better_text_match_dominates_quality() -> None:
    good_seller = rank_offers([offer(1, EXCELLENT)], DEFAULT)[0]
    poor_seller = rank_offers([offer(2, POOR)], DEFAULT)[0]
    strong_text = score_product(_product(1), 10.0, 10.0, poor_seller, DEFAULT)
    weak_text = score_product(_product(2), 5.0, 10.0, good_seller, DEFAULT)
    assert strong_text.score > weak_text.score
    close_text = score_product(_product(3), 9.5, 10.0, good_seller, DEFAULT)
    assert close_text.score > strong_text.score  # near-equal text: quality decides


def test_products_without_offers_rank_below_but_are_flagged() -> None:
    seller = rank_offers([offer(1, POOR)], DEFAULT)[0]
    orphan = score_product(_product(1, has_offers=False, retailer_slugs=()), 10, 10, None, DEFAULT)
    sold = score_product(_product(2), 1.0, 10, seller, DEFAULT)
    assert orphan.score < sold.score
    assert orphan.flags == ["no_offers"] and not orphan.hidden
    penalty = orphan.explanation.by_factor()["no_offers"]
    assert penalty.points == -DEFAULT.text.no_offer_penalty


def test_product_explanation_scales_the_best_offer() -> None:
    best = rank_offers([offer(1, EXCELLENT)], DEFAULT)[0]
    scored = score_product(_product(1), 4.0, 8.0, best, DEFAULT)
    parts = scored.explanation.by_factor()
    assert parts["text"].value == 0.5
    assert parts["text"].points == pytest.approx(0.5 * DEFAULT.text.relevance_weight)
    assert scored.quality_score == pytest.approx(best.score)
    for factor in FACTORS:
        assert parts[factor].points == pytest.approx(
            best.explanation.by_factor()[factor].points * DEFAULT.text.quality_weight
        )
    assert "Retailer 1" in parts["reviews"].detail


signals = st.builds(
    Signal,
    st.one_of(st.none(), st.floats(0, 1)),
    st.integers(0, 100_000),
)
retailers = st.builds(
    RetailerQuality,
    retailer_id=st.integers(1, 50),
    slug=st.sampled_from(["a", "b", "c"]),
    name=st.just("R"),
    delivery_precision=signals,
    stock_accuracy=signals,
    reviews=signals,
    treatment=signals,
    feedback=signals,
    rma=signals,
    competence=signals,
    source=st.just("test"),
)
offers = st.builds(
    OfferInput,
    offer_id=st.integers(1, 10_000),
    retailer=retailers,
    price=st.one_of(
        st.none(), st.decimals(0, 1_000_000, places=2, allow_nan=False, allow_infinity=False)
    ),
    vat_included=st.one_of(st.none(), st.booleans()),
    stock_status=st.sampled_from(["in_stock", "limited", "backorder", "unknown", "??"]),
    delivery_days=st.one_of(st.none(), st.integers(0, 60)),
)
weight = st.floats(0.0, 5.0, allow_nan=False)
configs = st.builds(
    lambda ws, step, rel, qual, pen, vat: RankingConfig.model_validate(
        {
            "weights": dict(zip(FACTORS, ws, strict=True)),
            "binning": {"step": step},
            "text": {"relevance_weight": rel, "quality_weight": qual, "no_offer_penalty": pen},
            "vat_rate": vat,
        }
    ),
    st.lists(weight, min_size=8, max_size=8).filter(lambda ws: sum(ws) > 0),
    st.sampled_from([0.0, 0.01, 0.05, 0.1, 0.25]),
    st.floats(0.01, 3.0),
    st.floats(0.0, 3.0),
    st.floats(0.0, 3.0),
    st.floats(0.0, 0.5),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(offers, min_size=1, max_size=6), configs, st.floats(0, 100), st.floats(0, 100))
def test_explanations_sum_exactly(
    batch: list[OfferInput], config: RankingConfig, text: float, max_text: float
) -> None:
    ranked = rank_offers(batch, config)
    assert [r.rank for r in ranked] == list(range(1, len(batch) + 1))
    assert all(a.score >= b.score - 1e-9 for a, b in itertools.pairwise(ranked))
    for item in ranked:
        points = [c.points for c in item.explanation.contributions]
        assert sum(points) == item.explanation.total == item.score
        assert math.fsum(points) == item.explanation.total
        assert sum(reversed(points)) == item.explanation.total
        assert all(0.0 <= c.value <= 1.0 for c in item.explanation.contributions)
    for best in (ranked[0], None):
        scored = score_product(_product(1), text, max(text, max_text), best, config)
        points = [c.points for c in scored.explanation.contributions]
        assert sum(points) == scored.explanation.total == scored.score
        assert math.fsum(points) == scored.score


_RETAILERS = [
    retailer(10 + i, on_time=on_time, stock=stock, stars=stars, count=count)
    for i, (on_time, stock, stars, count) in enumerate(
        [(0.9, 0.9, 4.2, 300), (0.9, 0.9, 4.2, 300), (0.6, 0.5, 2.5, 3), (None, None, None, 0)]
    )
]
_OFFERS = st.builds(
    lambda who, price, vat, stock, days: (who, price, vat, stock, days),
    st.sampled_from(_RETAILERS),
    st.one_of(
        st.none(), st.sampled_from(["100.00", "101.00", "80.00", "125.00", "0.00", "350.00"])
    ),
    st.sampled_from([True, False, None]),
    st.sampled_from(["in_stock", "limited", "backorder", "out_of_stock", "unknown", "odd"]),
    st.one_of(st.none(), st.integers(0, 9)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_OFFERS, max_size=8), st.booleans())
def test_best_offer_is_the_first_of_rank_offers(
    raw: list[tuple[RetailerQuality, str | None, bool | None, str, int | None]], with_rule: bool
) -> None:
    offers = [
        offer(oid, who, price, vat_included=vat, stock=stock, days=days)
        for oid, (who, price, vat, stock, days) in enumerate(raw, start=1)
    ]
    rules = [Rule(id="b", action="bury", retailer="r12", amount=0.05)] if with_rule else []
    ranked = rank_offers(offers, DEFAULT, rules)
    best = best_offer(offers, DEFAULT, rules)
    if not offers:
        assert best is None
        return
    assert best is not None
    assert best.offer is ranked[0].offer
    assert best.score == ranked[0].score
    assert best.rank == 1
    assert best.explanation == ranked[0].explanation


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_OFFERS, max_size=5),
    st.floats(0, 50, allow_nan=False),
    st.floats(0, 50, allow_nan=False),
)
def test_quick_product_score_equals_the_explained_score(
    raw: list[tuple[RetailerQuality, str | None, bool | None, str, int | None]],
    text: float,
    max_text: float,
) -> None:
    offers = [
        offer(oid, who, price, vat_included=vat, stock=stock, days=days)
        for oid, (who, price, vat, stock, days) in enumerate(raw, start=1)
    ]
    best = best_offer(offers, DEFAULT)
    product = ProductInput(1, "Brand", "Category", None, ("r10",), bool(offers))
    full = score_product(product, text, max_text, best, DEFAULT)
    points = None if best is None else quality_points(best, DEFAULT)
    assert quick_product_score(text, max_text, points, DEFAULT) == full.score
