"""The statistics charts never clip a label: every text inside the viewBox, long names cut
with an ellipsis and shown in full as a tooltip."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ui.charts import CHAR_WIDTH, ELLIPSIS, bar_chart, fit, text_width
from ui.i18n import Formatter, translator
from ui.rendering import env

SVG = "{http://www.w3.org/2000/svg}"
LONG = (
    "Komposit Universal Nano-Hybrid Flowable A2 sprutor 4 x 2 g med extra långa "
    "applikationsspetsar och färgguide"
)


def _svg(items: list[tuple[str, float]]) -> ET.Element:
    chart = bar_chart(items, number=Formatter("sv").number)
    template = env.from_string(
        '{% from "partials/bar_chart.html" import bar_chart with context %}'
        '{{ bar_chart(chart, "Efterfrågan", "stats.points") }}'
    )
    html = template.render(chart=chart, t=translator("sv"), fmt=Formatter("sv"))
    svg = html[html.index("<svg") :]
    svg = svg[: svg.index("</svg>") + len("</svg>")]
    return ET.fromstring(svg.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def _own_text(node: ET.Element) -> str:
    """A <text>'s drawn text (its <title> child is the tooltip, not drawn)."""
    title = node.find(f"{SVG}title")
    return (title.tail if title is not None else node.text) or ""


def test_every_text_is_inside_the_view_box_and_long_names_are_cut_with_a_tooltip() -> None:
    items = [(LONG, 1234567.0), ("Handskar nitril M", 12.0), ("X" * 90, 0.5), ("", 0.0)]
    root = _svg(items)
    _x0, _y0, width, height = (float(v) for v in root.attrib["viewBox"].split())
    texts = root.findall(f".//{SVG}text")
    assert len(texts) == 2 * len(items)
    for node in texts:
        drawn = _own_text(node)
        x, y = float(node.attrib["x"]), float(node.attrib["y"])
        if node.attrib.get("text-anchor") == "end":
            left, right = x - text_width(drawn), x
        else:
            left, right = x, x + text_width(drawn)
        assert left >= 0 and right <= width, (drawn, left, right, width)
        assert 0 < y <= height
    labels = [n for n in texts if n.attrib.get("class") == "chart-label"]
    first = labels[0]
    assert _own_text(first).endswith(ELLIPSIS) and LONG.startswith(_own_text(first)[:-1])
    title = first.find(f"{SVG}title")
    assert title is not None and title.text == LONG
    assert _own_text(labels[1]) == "Handskar nitril M"  # short names are whole
    bar_title = root.find(f".//{SVG}rect/{SVG}title")
    assert bar_title is not None and bar_title.text == f"{LONG}: 1\u00a0234\u00a0567 poäng"
    values = [_own_text(n) for n in texts if n.attrib.get("class") == "chart-value"]
    assert values[0] == "1\u00a0234\u00a0567"


def test_fit_keeps_what_fits_and_cuts_the_rest() -> None:
    assert fit("Kort namn", 100) == "Kort namn"
    cut = fit("ett  väldigt långt produktnamn som inte får plats", 10 * CHAR_WIDTH)
    assert cut == "ett väldi" + ELLIPSIS and text_width(cut) <= 10 * CHAR_WIDTH


def test_the_value_column_is_as_wide_as_the_longest_value() -> None:
    narrow = bar_chart([("a", 5.0)])
    wide = bar_chart([("a", 123456789.0)])
    assert wide.bar_area < narrow.bar_area
    bar = wide.bars[0]
    assert wide.label_width + bar.width + 6 + text_width(bar.value_text) <= wide.width
