"""Retailer service-quality signals, normalized to 0..1, and Bayesian shrinkage toward priors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from catalog.models import Retailer, RetailerSignals

if TYPE_CHECKING:
    from ranking.config import Prior


@dataclass(frozen=True, slots=True)
class Signal:
    """One measured signal: ``value`` in 0..1 (``None`` = never measured) over ``count`` cases."""

    value: float | None
    count: int

    @property
    def has_data(self) -> bool:
        return self.value is not None and self.count > 0


NO_DATA = Signal(None, 0)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def share_signal(value: float | None, count: int | None) -> Signal:
    """A 0..1 share (on-time share, stock accuracy, RMA quality)."""
    if value is None:
        return NO_DATA
    return Signal(_clamp(float(value)), max(0, count or 0))


def rating_signal(stars: float | None, count: int | None) -> Signal:
    """A 1..5 rating mapped to 0..1 by ``(x - 1) / 4``."""
    if stars is None:
        return NO_DATA
    return Signal(_clamp((float(stars) - 1.0) / 4.0), max(0, count or 0))


def stars(value: float) -> float:
    """The 1..5 rating of a 0..1 value (inverse of ``rating_signal``)."""
    return 1.0 + 4.0 * value


def shrink(signal: Signal, prior: Prior) -> float:
    """``(count*value + strength*mean) / (count + strength)``; no data gives the prior mean."""
    if signal.value is None:
        return prior.mean
    weight = signal.count + prior.strength
    if weight <= 0:
        return signal.value
    return (signal.count * signal.value + prior.strength * prior.mean) / weight


@dataclass(frozen=True, slots=True)
class RetailerQuality:
    """Everything ranking knows about a retailer's service, each signal with its count."""

    retailer_id: int
    slug: str
    name: str
    delivery_precision: Signal
    stock_accuracy: Signal
    reviews: Signal
    treatment: Signal
    feedback: Signal
    rma: Signal
    competence: Signal
    source: str
    # of ``reviews``, those tied to a delivered order of their author (verified purchases):
    # the reviews factor may weigh them more (``RankingConfig.reviews.verified_weight``)
    verified_reviews: Signal = NO_DATA

    @classmethod
    def from_row(cls, row: RetailerSignals | None, retailer: Retailer) -> RetailerQuality:
        """Build from the database rows; a missing signals row means every signal is a prior."""
        if row is None:
            return cls.unmeasured(retailer.id, retailer.slug, retailer.name)
        return cls(
            retailer_id=retailer.id,
            slug=retailer.slug,
            name=retailer.name,
            delivery_precision=share_signal(row.delivery_precision, row.delivery_count),
            stock_accuracy=share_signal(row.stock_accuracy, row.stock_count),
            reviews=rating_signal(row.review_overall, row.review_count),
            treatment=rating_signal(row.treatment, row.treatment_count),
            feedback=rating_signal(row.feedback, row.feedback_count),
            rma=share_signal(row.rma, row.rma_count),
            competence=rating_signal(row.competence, row.competence_count),
            source=row.source or "manual",
            verified_reviews=rating_signal(row.review_verified, row.review_verified_count),
        )

    @classmethod
    def unmeasured(cls, retailer_id: int, slug: str, name: str) -> RetailerQuality:
        """A retailer with no signals at all (every factor sits at its prior)."""
        return cls(
            retailer_id=retailer_id,
            slug=slug,
            name=name,
            delivery_precision=NO_DATA,
            stock_accuracy=NO_DATA,
            reviews=NO_DATA,
            treatment=NO_DATA,
            feedback=NO_DATA,
            rma=NO_DATA,
            competence=NO_DATA,
            source="none",
        )

    def signal(self, name: str) -> Signal:
        """The signal called ``name`` (one of ``ranking.config.SIGNALS``)."""
        value = getattr(self, name)
        if not isinstance(value, Signal):
            raise KeyError(name)
        return value
