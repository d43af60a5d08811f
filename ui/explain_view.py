"""Explanations as bars: each factor's track is as long as its weight, filled by its value.

The sentence under a bar is rendered from the contribution's reason code and values in the
page's language (``ranking.messages``), its amounts with the currency ranking compares prices
in (the marketplace's, ``search.prices``); the label comes from the factor table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ranking.factor_table import BAND_FACTOR, active_table
from ranking.messages import render
from search.prices import MARKETPLACE_CURRENCY
from ui.i18n import translate


@dataclass(frozen=True, slots=True)
class Bar:
    factor: str
    label: str
    detail: str
    value: float
    weight: float
    points: float
    track_pct: float  # length of the track: weight relative to the heaviest factor
    fill_pct: float  # share of the track filled: the factor's value
    negative: bool


def _label(factor: str, lang: str) -> str:
    if factor.startswith("rule:"):
        return translate(lang, "factor.rule", id=factor.removeprefix("rule:"))
    return active_table().label(factor, lang) or translate(lang, f"factor.{factor}")


def bars(explanation: Any, lang: str) -> list[Bar]:
    """View rows of an explanation (an ``Explanation`` or its ``as_dict()``)."""
    if hasattr(explanation, "as_dict"):
        explanation = explanation.as_dict()
    table = active_table()
    contributions: list[dict[str, Any]] = list(explanation.get("contributions", []))
    weights = [abs(float(c["weight"])) for c in contributions if c["factor"] in table]
    heaviest = max(weights, default=0.0) or 1.0
    out: list[Bar] = []
    for c in contributions:
        factor = str(c["factor"])
        weight = float(c["weight"])
        points = float(c["points"])
        value = min(1.0, max(0.0, float(c["value"])))
        if factor.startswith("rule:") or factor == BAND_FACTOR:
            track = min(100.0, abs(points) / heaviest * 100)
            fill = 100.0
        else:
            track = min(100.0, abs(weight) / heaviest * 100) if factor in table else 100.0
            fill = value * 100
        out.append(
            Bar(
                factor=factor,
                label=_label(factor, lang),
                detail=render(str(c["code"]), c.get("values") or {}, lang, MARKETPLACE_CURRENCY),
                value=value,
                weight=weight,
                points=points,
                track_pct=round(track, 1),
                fill_pct=round(fill, 1),
                negative=points < 0,
            )
        )
    return out
