"""Signals: normalization from the catalog rows and shrinkage toward priors."""

from __future__ import annotations

import pytest

from catalog.models import Retailer, RetailerSignals
from ranking.config import Prior, RankingConfig
from ranking.signals import RetailerQuality, Signal, rating_signal, share_signal, shrink


def test_no_data_sits_exactly_at_the_prior() -> None:
    prior = Prior(mean=0.8, strength=10)
    assert shrink(Signal(None, 0), prior) == 0.8
    assert shrink(Signal(0.2, 0), prior) == pytest.approx(0.8)


def test_shrinkage_formula() -> None:
    prior = Prior(mean=0.5, strength=10)
    assert shrink(Signal(1.0, 30), prior) == pytest.approx((30 * 1.0 + 10 * 0.5) / 40)


def test_one_five_star_review_does_not_beat_two_hundred_at_4_8() -> None:
    prior = RankingConfig().priors["reviews"]
    one_perfect = shrink(rating_signal(5.0, 1), prior)
    many_good = shrink(rating_signal(4.8, 200), prior)
    assert many_good > one_perfect


def test_zero_strength_trusts_the_data() -> None:
    assert shrink(Signal(0.3, 0), Prior(mean=0.9, strength=0)) == 0.3


def test_ratings_map_one_to_five_onto_zero_to_one() -> None:
    assert rating_signal(1.0, 3) == Signal(0.0, 3)
    assert rating_signal(5.0, 3) == Signal(1.0, 3)
    assert rating_signal(4.0, 3) == Signal(0.75, 3)
    assert rating_signal(None, 3) == Signal(None, 0)
    assert share_signal(1.7, -2) == Signal(1.0, 0)  # clamped


def test_from_row_normalizes_every_column() -> None:
    retailer = Retailer(id=7, slug="dentalia", name="Dentalia AB")
    row = RetailerSignals(
        retailer_id=7,
        delivery_precision=0.92,
        delivery_count=148,
        stock_accuracy=0.95,
        stock_count=40,
        review_overall=4.6,
        review_count=212,
        treatment=4.2,
        treatment_count=30,
        feedback=3.0,
        feedback_count=12,
        rma=0.9,
        rma_count=8,
        competence=None,
        competence_count=0,
        source="measured",
    )
    quality = RetailerQuality.from_row(row, retailer)
    assert quality.retailer_id == 7 and quality.slug == "dentalia"
    assert quality.delivery_precision == Signal(0.92, 148)
    assert quality.stock_accuracy == Signal(0.95, 40)
    assert quality.reviews.value == pytest.approx(0.9) and quality.reviews.count == 212
    assert quality.treatment.value == pytest.approx(0.8)
    assert quality.feedback.value == pytest.approx(0.5)
    assert quality.rma == Signal(0.9, 8)
    assert quality.competence == Signal(None, 0)
    assert quality.source == "measured"


def test_from_row_without_signals_is_all_priors() -> None:
    quality = RetailerQuality.from_row(None, Retailer(id=3, slug="ny", name="Ny Handlare"))
    for name in ("delivery_precision", "stock_accuracy", "reviews", "rma", "competence"):
        assert quality.signal(name) == Signal(None, 0)
