"""The buy button within reach on a laptop and on a phone (issue 13 item 16): on the search
results page and the product page, "Lägg i varukorg" lies inside the viewport horizontally
and nothing makes the page scroll sideways; on a phone the results come first and the
facets wait behind a "Filter" button (a ``<details>``: it works without JavaScript)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit.ui.ui_support import EMAILS, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(params=[LAPTOP, PHONE], ids=["1280x800", "390x844"])
def sized_page(request: pytest.FixtureRequest, chromium: Any) -> Any:
    context = chromium.new_context(viewport=request.param, locale="sv-SE")
    context.set_default_timeout(10_000)
    request.node._browser_context = context
    page = context.new_page()
    yield page
    context.close()


def log_in_as_clinic(page: Any, base: str) -> None:
    page.goto(f"{base}/logga-in")
    page.fill("#email", EMAILS["clinic"])
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()


def assert_no_sideways_scroll(page: Any) -> None:
    width, scroll_width = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert scroll_width <= width, f"the page scrolls sideways: {scroll_width} > {width}"


def assert_in_view_horizontally(page: Any, button: Any) -> None:
    """Inside the viewport, and not clipped by a scrolling box (a table that scrolls sideways
    hides its last column from a phone user who does not know to swipe it)."""
    button.wait_for()
    box = button.bounding_box()
    assert box is not None and box["width"] > 0
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
    clipped = button.evaluate(
        """b => {
          const r = b.getBoundingClientRect();
          for (let e = b.parentElement; e; e = e.parentElement) {
            const s = getComputedStyle(e);
            if (s.overflowX === 'visible') continue;
            const c = e.getBoundingClientRect();
            if (r.left < c.left - 0.5 || r.right > c.right + 0.5) return e.className || e.tagName;
          }
          return null;
        }"""
    )
    assert clipped is None, f"the button is cut off by the scrolling box {clipped!r}"


def test_buy_button_in_view_on_search_results_and_product_page(live: Any, sized_page: Any) -> None:
    page, base = sized_page, live.url
    phone = page.viewport_size["width"] < 600
    log_in_as_clinic(page, base)

    page.goto(f"{base}/?q=nitrilhandske")
    first_hit = page.locator(".hit").first
    buy = first_hit.get_by_role("button", name=re.compile("Lägg i varukorg"))
    assert_in_view_horizontally(page, buy)
    assert_no_sideways_scroll(page)

    facet = page.locator(".facet a").first
    toggle = page.locator("summary", has_text=re.compile(r"^\s*Filter\s*$"))
    if phone:
        # results first: the first hit is on the first screen, the facets are folded away
        hit_box = first_hit.bounding_box()
        assert hit_box is not None and hit_box["y"] < page.viewport_size["height"]
        assert not facet.is_visible()
        assert toggle.is_visible()
        toggle.click()
        assert facet.is_visible()
        assert_no_sideways_scroll(page)
    else:
        assert facet.is_visible()  # the sidebar needs no click on a wide screen
        facet_box, hit_box = facet.bounding_box(), first_hit.bounding_box()
        assert facet_box is not None and hit_box is not None
        assert facet_box["x"] < hit_box["x"]  # facets to the left of the results

    buy.click()  # it works, too: the best offer is in the cart
    page.wait_for_url(re.compile(r"notice=added"))

    page.goto(f"{base}/?q=nitrilhandske")
    page.locator(".hit h3 a").first.click()
    page.wait_for_url(re.compile(r"/produkt/\d+"))
    offer_buttons = page.locator("tbody.offer").get_by_role(
        "button", name=re.compile("Lägg i varukorg")
    )
    assert offer_buttons.count() == 3
    for n in range(offer_buttons.count()):
        assert_in_view_horizontally(page, offer_buttons.nth(n))
    assert_no_sideways_scroll(page)


def test_phone_filters_work_without_javascript(live: Any, chromium: Any) -> None:
    """The "Filter" button is a ``<details>``: with scripts off it still opens the facets."""
    context = chromium.new_context(viewport=PHONE, locale="sv-SE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live.url}/?q=nitrilhandske")
        facet = page.get_by_role("link", name="Dentix")
        assert not facet.is_visible()
        page.locator("summary", has_text=re.compile(r"^\s*Filter\s*$")).click()
        assert facet.is_visible()
        facet.click()
        page.wait_for_url(re.compile(r"brand=Dentix"))
        assert page.locator(".hit").count() == 1
    finally:
        context.close()
