"""One retailer, one row (issue 13 item 4) in a real browser: Lagerbolaget lists the mirror
three times; the product page shows it once, its other two offers behind a native
<details> control that opens with or without JavaScript, in Swedish and English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.unit.ui.ui_support import MORE_FROM_ONE, build_ui_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture()
def live_more(tmp_path: Path, chromium: Any) -> Iterator[Any]:
    env = build_ui_env(tmp_path, more_from_one_retailer=True)
    server = LiveServer(env.app)
    server.start()
    env.url = server.url  # type: ignore[attr-defined]
    try:
        yield env
    finally:
        server.stop()


def _check_folded(page: Any, label: str) -> None:
    offers = page.locator(".offer-table tbody.offer")
    assert offers.count() == 2  # one row per retailer
    retailers = [offers.nth(i).locator("td").nth(1).inner_text() for i in range(2)]
    assert sum("Lagerbolaget Dental" in r for r in retailers) == 1
    folded = page.locator("details.more-offers")
    assert folded.count() == 1
    summary = folded.locator(":scope > summary")  # not the folded offers' own "why" summaries
    assert label in summary.inner_text()
    rows = folded.locator("tr.more-offer")
    assert rows.count() == 2 and not rows.first.is_visible()  # folded until asked for
    summary.click()
    assert folded.get_attribute("open") is not None
    assert rows.first.is_visible() and rows.nth(1).is_visible()
    assert all("LAG-4" in rows.nth(i).inner_text() for i in range(2))
    # each folded offer has its own "why", itself folded: it opens on its summary
    whys = folded.locator("tr.why-more details")
    assert whys.count() == 2 and whys.first.get_attribute("open") is None
    whys.first.locator("summary").click()
    assert whys.first.get_attribute("open") is not None


def test_one_row_per_retailer_with_the_rest_folded(live_more: Any, page: Any) -> None:
    url = f"{live_more.url}/produkt/{live_more.products[MORE_FROM_ONE]}"
    page.goto(url)
    _check_folded(page, "fler från samma handlare (2)")
    page.goto(f"{url}?lang=en")
    _check_folded(page, "more from the same retailer (2)")


def test_the_folded_offers_open_without_javascript(live_more: Any, chromium: Any) -> None:
    context = chromium.new_context(java_script_enabled=False, locale="sv-SE")
    try:
        page = context.new_page()
        page.goto(f"{live_more.url}/produkt/{live_more.products[MORE_FROM_ONE]}")
        _check_folded(page, "fler från samma handlare (2)")
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_product_page_does_not_scroll_sideways(
    live_more: Any, chromium: Any, width: int
) -> None:
    """The offer table scrolls inside its box; the visually hidden column labels of the offer
    table and of the folded offers' table ("Lägg i varukorg") are held by that box, not
    pushed out past the page's right edge (the page scrolled sideways into blank space)."""
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
    try:
        page = context.new_page()
        page.goto(f"{live_more.url}/produkt/{live_more.products[MORE_FROM_ONE]}")
        page.locator("details.more-offers > summary").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.evaluate("window.scrollTo(2000, 0)")
        assert page.evaluate("window.scrollX") == 0
    finally:
        context.close()
