"""Price in proportion (issue 13 item 5): a steep ratio to the cheapest buyable offer, a band."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from ranking.config import RankingConfig, config_from_toml, load_named
from ranking.errors import InvalidConfig
from ranking.price_basis import is_buyable, price_basis
from ranking.rules import Rule
from ranking.scoring import (
    OfferInput,
    ProductInput,
    RankedOffer,
    best_offer,
    quality_points,
    rank_offers,
    score_product,
)
from ranking.signals import RetailerQuality, rating_signal, share_signal

DEFAULT = load_named("default")


def retailer(rid: int, stars: float, on_time: float = 0.92) -> RetailerQuality:
    rating, share = rating_signal(stars, 200), share_signal(on_time, 200)
    return RetailerQuality(
        rid, f"r{rid}", f"R{rid}", share, share, rating, rating, rating, share, rating, "t"
    )


STEADY = retailer(1, 4.2)
POLISHED = retailer(2, 4.7, on_time=0.95)


def offer(
    oid: int, who: RetailerQuality, price: str, stock: str = "in_stock", days: int | None = 2
) -> OfferInput:
    return OfferInput(oid, who, Decimal(price), True, stock, days)


def price_of(ranked: RankedOffer) -> tuple[float, str]:
    found = ranked.explanation.by_factor()["price"]
    return found.value, found.code


def test_thirteen_times_the_cheapest_does_not_outrank_an_equal_delivery_rival() -> None:
    ranked = rank_offers([offer(1, STEADY, "100"), offer(2, POLISHED, "1300")], DEFAULT)
    assert [r.offer.offer_id for r in ranked] == [1, 2]
    dear = ranked[1].explanation
    band = dear.by_factor()["price_band"]
    assert band.code == "price_band_exceeded"
    assert band.values == {"ratio": 13.0, "band": 2.0, "median": 100.0}
    service = [c for c in dear.contributions if c.factor not in ("price", "price_band")]
    assert band.points == -sum(c.points for c in service) < 0  # its service does not count
    assert dear.total == dear.by_factor()["price"].points  # only price is left
    best = best_offer([offer(1, STEADY, "100"), offer(2, POLISHED, "1300")], DEFAULT)
    assert best is not None and best.offer.offer_id == 1
    assert "13× the median buyable price (100.00), above the price band of 2×" in band.text("en")
    assert "13\u00a0× medianpriset bland köpbara erbjudanden (100,00)" in band.text("sv")


def test_a_dear_outlier_does_not_make_nearly_three_times_the_price_look_cheap() -> None:
    """The old linear scale gave 187% above the cheapest 0.85 next to a 12x outlier."""
    ranked = rank_offers(
        [offer(1, STEADY, "100"), offer(2, STEADY, "287"), offer(3, STEADY, "1200")], DEFAULT
    )
    values = {r.offer.offer_id: price_of(r) for r in ranked}
    assert values[2] == (0.05, "price_above_share")  # (100/287)**3 = 0.042
    assert values[3] == (0.0, "price_above_share")
    assert ranked[1].explanation.by_factor()["price"].values["above"] == pytest.approx(1.87)


def test_the_cheapest_buyable_offer_is_the_reference() -> None:
    sold_out = offer(1, POLISHED, "50", stock="out_of_stock", days=1)
    undated = offer(2, POLISHED, "60", stock="backorder", days=None)
    ranked = {
        r.offer.offer_id: r
        for r in rank_offers(
            [sold_out, undated, offer(3, STEADY, "100"), offer(4, STEADY, "110")], DEFAULT
        )
    }
    assert price_of(ranked[3]) == (1.0, "price_at_buyable_low")  # not "100% above 50"
    assert price_of(ranked[4]) == (0.75, "price_above_buyable_share")  # (100/110)**3
    assert price_of(ranked[1]) == (1.0, "price_cheapest")
    text = ranked[4].explanation.by_factor()["price"].text("en")
    assert text.startswith("10% above the cheapest buyable of 4 offers")


def test_buyable_means_in_stock_or_a_dated_backorder() -> None:
    assert is_buyable("in_stock", None) and is_buyable("limited", None)
    assert is_buyable("backorder", 7) and not is_buyable("backorder", None)
    assert not is_buyable("out_of_stock", 1) and not is_buyable("unknown", 1)


def test_the_band_is_measured_on_the_lower_median_of_buyable_prices() -> None:
    scale = DEFAULT.price
    basis = price_basis([100.0, 300.0, 40.0], [True, True, False], scale)
    assert (basis.reference, basis.median, basis.ceiling) == (100.0, 100.0, 200.0)
    assert basis.above_band(300.0) and not basis.above_band(200.0)
    none_buyable = price_basis([100.0, 300.0], [False, False], scale)
    assert none_buyable.reference == 100.0 and none_buyable.ceiling is None


def test_band_zero_turns_the_band_off_and_service_wins_again() -> None:
    no_band = DEFAULT.updated({"price": {"band": 0}})
    ranked = rank_offers([offer(1, STEADY, "100"), offer(2, POLISHED, "1300")], no_band)
    assert "price_band" not in ranked[0].explanation.by_factor()
    assert "price_band" not in ranked[1].explanation.by_factor()


def test_steepness_is_a_config_value() -> None:
    gentle = DEFAULT.updated({"price": {"steepness": 1}})
    ranked = rank_offers([offer(1, STEADY, "100"), offer(2, STEADY, "200")], gentle)
    assert price_of(ranked[1])[0] == 0.5


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ("[price]\nband = 0.5", "price.band: band must be 0 (off) or at least 1"),
        ("[price]\nsteepness = 0", "price.steepness: Input should be greater than 0"),
        ("[price]\nsteepness = 'steep'", "price.steepness: Input should be a valid number"),
        ("[price]\nbend = 2", "price.bend: Extra inputs are not permitted"),
    ],
)
def test_bad_price_settings_name_the_field(toml: str, field: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        config_from_toml(toml)
    assert any(line.startswith(field) for line in caught.value.errors), caught.value.errors


def test_versions_stored_with_the_old_linear_spread_still_load() -> None:
    old = config_from_toml("[price]\nmin_spread = 0.1\nmissing = 0.2")
    assert old.price == RankingConfig().price.model_copy(update={"missing": 0.2})


def test_a_product_counts_what_its_best_offer_counts_above_the_band() -> None:
    """A rule may still lift an offer above the band to first place: the product's quality
    then carries the band's taking back of its service points, as the offer's total does."""
    boost = Rule(id="lift", action="boost", retailer="r2", amount=1.0)
    offers = [offer(1, STEADY, "100"), offer(2, POLISHED, "1300")]
    best = best_offer(offers, DEFAULT, [boost])
    assert best is not None and best.offer.offer_id == 2
    own = [c for c in best.explanation.contributions if not c.factor.startswith("rule:")]
    assert math.fsum(c.points for c in own) == own[-2].points  # price only (band is last)
    product = ProductInput(1, None, None, None, ("r1", "r2"), True)
    scored = score_product(product, 1.0, 1.0, best, DEFAULT)
    carried = {c.factor: c for c in scored.explanation.contributions}
    assert carried["price_band"].code == "best_offer"
    assert carried["price_band"].values["offer_code"] == "price_band_exceeded"
    quality = scored.quality_score
    assert quality == pytest.approx(own[-2].points * DEFAULT.text.quality_weight, abs=1e-9)
    assert quality_points(best, DEFAULT) == pytest.approx(quality, abs=1e-9)
