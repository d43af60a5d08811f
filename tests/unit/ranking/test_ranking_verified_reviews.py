"""The reviews factor weighs verified purchases by ``reviews.verified_weight`` (issue 13
item 1), and says so in its explanation, in Swedish and English."""

from __future__ import annotations

import dataclasses

import pytest

from ranking import factor_scores as fs
from ranking.config import InvalidConfig, RankingConfig, config_from_mapping, load_named
from ranking.messages import render
from ranking.signals import RetailerQuality, rating_signal, share_signal


def _quality(
    overall: float, count: int, verified: float | None, verified_count: int
) -> RetailerQuality:
    share = share_signal(0.9, 50)
    rating = rating_signal(overall, count)
    base = RetailerQuality(
        7, "r7", "Tandlager 7", share, share, rating, rating, rating, share, rating, "t"
    )
    return dataclasses.replace(base, verified_reviews=rating_signal(verified, verified_count))


# 40 reviews with mean 3.5: 20 verified at 4.5, 20 others at 2.5
MIXED = _quality(3.5, 40, 4.5, 20)


def _stars(value: float) -> float:
    return round(1 + 4 * value, 6)


def test_verified_purchases_weigh_more_with_the_configured_weight() -> None:
    plain = fs.reviews(RankingConfig(reviews={"verified_weight": 1.0}), MIXED)
    doubled = fs.reviews(RankingConfig(reviews={"verified_weight": 2.0}), MIXED)
    # (2*20*4.5 + 20*2.5) / (2*20 + 20) = 230 / 60
    assert doubled.values["stars"] == pytest.approx(230 / 60)
    assert plain.values["stars"] == pytest.approx(3.5)
    assert doubled.value > plain.value
    assert doubled.count == plain.count == 40  # the shrinkage count stays the reviews'
    ignored = fs.reviews(RankingConfig(reviews={"verified_weight": 0.0}), MIXED)
    assert ignored.values["stars"] == pytest.approx(2.5)  # only unverified reviews count


def test_without_verified_data_the_factor_is_as_before() -> None:
    config = RankingConfig()
    none = _quality(3.5, 40, None, 0)
    reading = fs.reviews(config, none)
    before = fs.retailer_signal("reviews", fs.SignalWords("reviews_rated", True, "reviews"))
    assert (reading.value, reading.code) == (before(config, none).value, "reviews_rated")
    assert "verified" not in reading.values
    unmeasured = RetailerQuality.unmeasured(1, "a", "A")
    assert fs.reviews(config, unmeasured).code == "no_data_rating"


def test_the_explanation_names_the_verified_purchases_and_their_weight() -> None:
    reading = fs.reviews(load_named("default"), MIXED)
    assert reading.values["verified_reviews"] == 20 and reading.values["verified_weight"] == 2.0
    en = render(reading.code, reading.values, "en")
    sv = render(reading.code, reading.values, "sv")
    # before: "betyg 3,8/5 av 40 omdömen; varav 20 verifierade köp, vägda ×2", a "varav"
    # after a semicolon (and after the few-data note when there was one)
    assert en == "rated 3.8/5 over 40 reviews, of which 20 verified purchases counted ×2"
    assert sv == "betyg 3,8/5 av 40 omdömen, varav 20 verifierade köp som räknas ×2"
    same = fs.reviews(load_named("price_first"), MIXED)  # weight 1: no "counted"
    assert render(same.code, same.values, "en").endswith(", of which 20 verified purchases")
    assert render(same.code, same.values, "sv").endswith(", varav 20 verifierade köp")
    few = fs.reviews(load_named("default"), _quality(3.8, 6, 4.0, 6))
    assert render(few.code, few.values, "sv").startswith(
        "betyg 4,0/5 av 6 omdömen, varav 6 verifierade köp som räknas ×2 (lite data:"
    )


def test_the_weight_is_validated_naming_the_field() -> None:
    with pytest.raises(InvalidConfig, match=r"reviews\.verified_weight"):
        config_from_mapping({"reviews": {"verified_weight": -1}})
    assert load_named("default").reviews.verified_weight == 2.0
