"""The price history as the pages show it: a chart (``ui.price_chart``), the same numbers as
a table, and where the current price stands ("lägsta på 90 dagar")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from marketplace.price_history import PriceHistory
from ui.i18n import Formatter, translate
from ui.price_chart import LineChart, line_chart


def chart_of(
    days: Sequence[date], series: Sequence[tuple[str, Sequence[Decimal | None]]], lang: str
) -> tuple[LineChart, list[tuple[str, list[str]]]]:
    """The chart and its table rows (newest day first) of ``series`` over ``days``."""
    fmt = Formatter(lang)

    def money(value: Decimal) -> str:
        return fmt.price(value)

    chart = line_chart(days, series, number=money)
    rows: list[tuple[str, list[str]]] = []
    for i in reversed(range(len(days))):
        cells = []
        for _label, values in series:
            value = values[i]
            cells.append(money(value) if value is not None else "")
        rows.append((days[i].isoformat(), cells))
    return chart, rows


def position_text(history: PriceHistory, days: int, lang: str) -> str:
    """ "Lägsta på 90 dagar", or how far above the window's lowest the price is; "" without
    a buyable price now."""
    pos = history.position
    if pos.current is None or pos.low is None:
        return ""
    fmt = Formatter(lang)
    if pos.lowest:
        return translate(lang, "history.lowest_in", n=days)
    return translate(
        lang,
        "history.above_low",
        n=days,
        share=fmt.number(pos.above_low_percent or 0, 0),
        low=fmt.price(pos.low),
    )


def history_context(history: PriceHistory, days: int, lang: str) -> dict[str, Any]:
    """The product page's price history section."""
    lowest_label = translate(lang, "history.lowest_line")
    series: list[tuple[str, Sequence[Decimal | None]]] = [(lowest_label, history.lowest)]
    series += [(r.name, r.prices) for r in history.retailers]
    chart, rows = chart_of(history.days, series, lang)
    fmt = Formatter(lang)
    current = history.position.current
    desc = translate(
        lang,
        "history.desc",
        n=days,
        low=fmt.price(history.position.low) if history.position.low is not None else "–",
        high=fmt.price(history.position.high) if history.position.high is not None else "–",
        now=fmt.price(current) if current is not None else "–",
    )
    return {
        "chart": chart,
        "rows": rows,
        "columns": [label for label, _ in series],
        "position": position_text(history, days, lang),
        "desc": desc,
        "current": current,
    }
