"""Inline SVG line charts of prices per day (the product page's price history, the retailer
statistics' "my price vs the lowest"): pure geometry, drawn by ``partials/price_chart.html``
(no JavaScript, no chart library; the CSP allows no inline style, so each line's colour is a
class ``chart-line-<k>``).

A day without a value breaks its line (a retailer that did not list the product); a value
alone between gaps is drawn as a dot. The y axis spans the values with a little room, so a
small change is visible; the reader gets every number in the table next to the chart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

LINE_CLASSES = 6  # chart-line-0 … chart-line-5 in valbar.css (then they repeat)
Y_TICKS = 4


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    css: int  # the colour class index
    paths: tuple[str, ...]  # "x,y x,y …" of each unbroken run of two days or more
    dots: tuple[tuple[float, float], ...]  # single days between gaps
    last: str  # the last value, as read ("" without one)


@dataclass(frozen=True, slots=True)
class LineChart:
    width: int
    height: int
    left: int  # the plot area's left edge (room for the y axis labels)
    top: int
    plot_width: int
    plot_height: int
    lines: tuple[Line, ...]
    y_ticks: tuple[tuple[float, str], ...]  # (y, label)
    x_ticks: tuple[tuple[float, str], ...]  # (x, label)

    @property
    def empty(self) -> bool:
        return not any(line.paths or line.dots for line in self.lines)

    @property
    def bottom(self) -> int:
        return self.top + self.plot_height


def _range(values: Sequence[Decimal]) -> tuple[float, float]:
    low, high = float(min(values)), float(max(values))
    if high == low:
        pad = max(abs(low) * 0.1, 1.0)
        return max(0.0, low - pad), high + pad
    pad = (high - low) * 0.08
    return max(0.0, low - pad), high + pad


def line_chart(
    days: Sequence[date],
    series: Sequence[tuple[str, Sequence[Decimal | None]]],
    *,
    number: Callable[[Decimal], str],
    day_label: Callable[[date], str] = lambda d: d.isoformat(),
    width: int = 720,
    height: int = 240,
    left: int = 84,
) -> LineChart:
    """One line per series (label, a value per day of ``days``). Pure."""
    top, bottom_room, right = 10, 26, 12
    plot_w, plot_h = width - left - right, height - top - bottom_room
    values = [v for _label, vals in series for v in vals if v is not None]
    low, high = _range(values) if values else (0.0, 1.0)
    n = len(days)

    def x(i: int) -> float:
        return round(left + (i * plot_w / (n - 1) if n > 1 else plot_w / 2), 1)

    def y(v: Decimal) -> float:
        return round(top + plot_h - (float(v) - low) / (high - low) * plot_h, 1)

    lines = []
    for k, (label, vals) in enumerate(series):
        paths: list[str] = []
        dots: list[tuple[float, float]] = []
        run: list[tuple[float, float]] = []
        for i, v in enumerate([*vals, None]):
            if v is not None:
                run.append((x(i), y(v)))
                continue
            if len(run) > 1:
                paths.append(" ".join(f"{px},{py}" for px, py in run))
            elif run:
                dots.append(run[0])
            run = []
        last = next((v for v in reversed(vals) if v is not None), None)
        lines.append(
            Line(
                label,
                k % LINE_CLASSES,
                tuple(paths),
                tuple(dots),
                number(last) if last is not None else "",
            )
        )
    y_ticks = tuple(
        (
            round(top + plot_h - j * plot_h / Y_TICKS, 1),
            number(Decimal(str(round(low + j * (high - low) / Y_TICKS, 2)))),
        )
        for j in range(Y_TICKS + 1)
    )
    picks = sorted({0, n // 2, n - 1}) if n else []
    x_ticks = tuple((x(i), day_label(days[i])) for i in picks)
    return LineChart(width, height, left, top, plot_w, plot_h, tuple(lines), y_ticks, x_ticks)
