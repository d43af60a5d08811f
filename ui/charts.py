"""Inline SVG bar charts for the retailer statistics: pure geometry, drawn by a template
partial (no JavaScript, no chart library)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 6
MAX_LABEL = 48


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    y: int
    width: float  # px of the bar area


@dataclass(frozen=True, slots=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    bar_area: int
    bar_height: int = BAR_HEIGHT

    @property
    def empty(self) -> bool:
        return not self.bars


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(
    items: Sequence[tuple[str, float]], *, width: int = 720, label_width: int = 300
) -> BarChart:
    """Horizontal bars scaled to the largest value (labels cut to ``MAX_LABEL`` characters)."""
    bar_area = width - label_width - 60
    top = max((value for _label, value in items), default=0) or 1
    bars = tuple(
        Bar(
            _short(label),
            value,
            i * (BAR_HEIGHT + GAP),
            round(max(0.0, value) / top * bar_area, 1),
        )
        for i, (label, value) in enumerate(items)
    )
    height = max(1, len(bars) * (BAR_HEIGHT + GAP) - GAP)
    return BarChart(bars, width, height, label_width, bar_area)
