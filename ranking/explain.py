"""Explanations: each factor's value, weight, points and a short English sentence of its source.

Invariant: ``explanation.total == sum(c.points for c in explanation.contributions)`` exactly,
in any summation order. Every ``points`` value is quantized to a multiple of 2**-40 (about
1e-12, far below any visible precision); sums of such numbers of moderate size are exact in
binary floating point, so ``sum``, ``math.fsum`` and a JavaScript client's running total all
agree bit for bit with ``total`` (which is defined as ``math.fsum`` of the points).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_SCALE = float(2**40)


def quantize(points: float) -> float:
    """Round to a multiple of 2**-40 so that sums of points are exact."""
    return round(points * _SCALE) / _SCALE


@dataclass(slots=True)
class Contribution:
    """One factor's share of a score. Treat as read-only: ranking shares cached instances.

    ``value`` is the (binned) factor value in 0..1 (or the rule/penalty magnitude), ``weight``
    the effective weight, ``points`` what it adds to the total, ``count`` the number of
    observations behind it when it comes from measured signals.
    """

    factor: str
    value: float
    weight: float
    points: float
    detail: str
    count: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "value": self.value,
            "weight": self.weight,
            "points": self.points,
            "detail": self.detail,
            "count": self.count,
        }

    def scaled(self, factor: float) -> Contribution:
        """The same contribution with weight and points multiplied by ``factor``."""
        return Contribution(
            self.factor,
            self.value,
            self.weight * factor,
            quantize(self.points * factor),
            self.detail,
            self.count,
        )


@dataclass(slots=True)
class Explanation:
    """Why a score is what it is: ``total`` is exactly the sum of the contributions' points."""

    total: float
    contributions: list[Contribution]

    @classmethod
    def of(cls, contributions: Iterable[Contribution]) -> Explanation:
        items = list(contributions)
        return cls(math.fsum([c.points for c in items]), items)

    def by_factor(self) -> dict[str, Contribution]:
        return {c.factor: c for c in self.contributions}

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "contributions": [c.as_dict() for c in self.contributions],
        }
