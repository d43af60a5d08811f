"""Inline SVG bar charts for the retailer statistics: pure geometry, drawn by a template
partial (no JavaScript, no chart library).

Nothing is drawn outside the chart's viewBox: text is measured with a conservative width per
character (the chart's 12 px sans-serif: most glyphs are narrower than ``CHAR_WIDTH``), a
label longer than its column is cut with an ellipsis (the full name is the ``<title>``
tooltip of the label and of its bar), and the value column is as wide as the longest value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 6
CHAR_WIDTH = 7.5  # px per character at the chart's 12 px font, rounded up
LABEL_GAP = 8  # px between a label's end and its bar
VALUE_GAP = 6  # px between a bar's end and its value
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # as drawn: cut to fit the label column
    full_label: str  # for the tooltip
    value: float
    value_text: str
    y: int
    width: float  # px of the bar area

    @property
    def cut(self) -> bool:
        return self.label != self.full_label


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

    @property
    def label_x(self) -> int:
        """Where labels end (they are right-aligned against their bars)."""
        return self.label_width - LABEL_GAP


def text_width(text: str) -> float:
    """Pure: the px a text takes at most in the chart's font (an estimate from above)."""
    return len(text) * CHAR_WIDTH


def fit(label: str, room: float) -> str:
    """Pure: ``label`` when it fits in ``room`` px, else its start and an ellipsis that do
    (whitespace before the ellipsis dropped)."""
    label = " ".join(label.split())
    if text_width(label) <= room:
        return label
    keep = max(0, math.floor(room / CHAR_WIDTH) - 1)
    return label[:keep].rstrip() + ELLIPSIS


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    width: int = 720,
    label_width: int = 300,
    number: Callable[[float], str] = lambda v: f"{v:,.0f}",
) -> BarChart:
    """Horizontal bars scaled to the largest value; ``number`` writes a value as the reader
    reads it (the value column is sized to the longest)."""
    texts = [number(value) for _label, value in items]
    value_area = math.ceil(max((text_width(t) for t in texts), default=0) + VALUE_GAP + 2)
    bar_area = max(1, width - label_width - value_area)
    top = max((value for _label, value in items), default=0) or 1
    bars = tuple(
        Bar(
            fit(label, label_width - LABEL_GAP),
            " ".join(label.split()),
            value,
            text,
            i * (BAR_HEIGHT + GAP),
            round(max(0.0, value) / top * bar_area, 1),
        )
        for i, ((label, value), text) in enumerate(zip(items, texts, strict=True))
    )
    height = max(1, len(bars) * (BAR_HEIGHT + GAP) - GAP)
    return BarChart(bars, width, height, label_width, bar_area)
