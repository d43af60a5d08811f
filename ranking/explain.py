"""Explanations as data: each factor's value, weight, points, a reason code and its values.

The sentence of a contribution is rendered from ``code`` and ``values`` by
``ranking.messages.render`` in the reader's language, only when someone reads it: ranking
itself never builds text.

Invariant: ``explanation.total == sum(c.points for c in explanation.contributions)`` exactly,
in any summation order. Every ``points`` value is quantized to a multiple of 2**-40 (about
1e-12, far below any visible precision); sums of such numbers of moderate size are exact in
binary floating point, so ``sum``, ``math.fsum`` and a JavaScript client's running total all
agree bit for bit with ``total`` (which is defined as ``math.fsum`` of the points).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ranking.messages import DEFAULT_LANGUAGE, render

_SCALE = float(2**40)
Values = Mapping[str, float | int | str | None]


def quantize(points: float) -> float:
    """Round to a multiple of 2**-40 so that sums of points are exact."""
    return round(points * _SCALE) / _SCALE


@dataclass(slots=True)
class Contribution:
    """One factor's share of a score. Treat as read-only: ranking shares cached instances.

    ``value`` is the (binned) factor value in 0..1 (or the rule/penalty magnitude), ``weight``
    the effective weight, ``points`` what it adds to the total, ``code`` the reason (a key of
    the message catalogs) and ``values`` the numbers and names its sentence shows, ``count``
    the number of observations behind it when it comes from measured signals.
    """

    factor: str
    value: float
    weight: float
    points: float
    code: str
    values: Values = field(default_factory=dict)
    count: int | None = None

    @property
    def detail(self) -> str:
        """The English sentence (``text`` renders any language)."""
        return render(self.code, self.values, DEFAULT_LANGUAGE)

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The sentence in ``lang`` ("sv" or "en")."""
        return render(self.code, self.values, lang)

    def as_dict(self) -> dict[str, Any]:
        """The contribution as data (no text: see :func:`contribution_json`)."""
        return {
            "factor": self.factor,
            "code": self.code,
            "values": dict(self.values),
            "value": self.value,
            "weight": self.weight,
            "points": self.points,
            "count": self.count,
        }

    def scaled(self, factor: float) -> Contribution:
        """The same contribution with weight and points multiplied by ``factor``."""
        return Contribution(
            self.factor,
            self.value,
            self.weight * factor,
            quantize(self.points * factor),
            self.code,
            self.values,
            self.count,
        )


def contribution_json(
    contribution: Mapping[str, Any], lang: str, currency: str | None = None
) -> dict[str, Any]:
    """A contribution dict (``Contribution.as_dict()``) for readers: with ``text`` in ``lang``,
    its amounts written with ``currency`` (the one ranking compared prices in) when given."""
    c = contribution
    return {
        "factor": c["factor"],
        "code": c["code"],
        "values": c["values"],
        "value": c["value"],
        "weight": c["weight"],
        "points": c["points"],
        "count": c.get("count"),
        "text": render(c["code"], c["values"], lang, currency),
    }


def explanation_json(
    explanation: Mapping[str, Any], lang: str, currency: str | None = None
) -> dict[str, Any]:
    """An explanation dict with each contribution's ``text`` rendered in ``lang`` (amounts
    with ``currency`` when given)."""
    return {
        "total": explanation["total"],
        "contributions": [
            contribution_json(c, lang, currency) for c in explanation["contributions"]
        ],
    }


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
