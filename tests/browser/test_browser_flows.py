"""End-to-end flows in a real browser: clinic, retailer and merchandiser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.unit.ui.ui_support import EMAILS, PASSWORD, odd_feed_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(page: Any, base: str, role: str) -> None:
    page.goto(f"{base}/logga-in")
    page.fill("#email", EMAILS[role])
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()


def test_clinic_searches_opens_a_product_and_compares(live: Any, page: Any) -> None:
    base = live.url
    page.goto(f"{base}/")
    page.fill("#q", "nitril")
    suggestion = page.locator(".suggest-list a").first  # suggestions while typing (HTMX)
    suggestion.wait_for()
    assert "nitrilhandsk" in suggestion.inner_text()  # the Swedish word or a product name
    page.fill("#q", "nitrilhandske")
    page.get_by_role("button", name="Sök", exact=True).click()
    page.wait_for_url(re.compile(r"q=nitrilhandske"))
    assert "3 produkter" in page.locator("#results-title").inner_text()

    page.get_by_role("link", name="Dentix").click()  # a facet
    page.wait_for_url(re.compile(r"brand=Dentix"))
    assert page.locator(".hit").count() == 1
    page.get_by_role("link", name=re.compile("Rensa filter")).click()
    page.wait_for_url(re.compile(r"^[^&]*q=nitrilhandske$"))
    assert page.locator(".hit").count() == 3

    page.locator(".hit h3 a").first.click()
    page.wait_for_url(re.compile(r"/produkt/\d+"))
    assert page.locator(".offer-table tbody.offer").count() == 3
    first_why = page.locator("details").first
    assert first_why.get_attribute("open") is not None
    assert "i tid 97\u00a0% av 148 ordrar" in first_why.inner_text()
    assert page.locator(".bar-fill").count() >= 8
    page.locator("details summary").nth(1).click()  # open the second offer's breakdown
    assert page.locator("details").nth(1).get_attribute("open") is not None

    page.go_back()
    page.locator('input[name="ids"]').nth(0).check()
    page.locator('input[name="ids"]').nth(1).check()
    page.get_by_role("button", name=re.compile("Jämför valda")).click()
    page.wait_for_url(re.compile(r"/jamfor\?ids=\d+&ids=\d+"))
    table = page.locator(".compare-table")
    assert table.locator("thead th").count() == 3
    assert "Bästa erbjudande" in table.inner_text()

    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert "Compare products" in page.locator("h1").inner_text()


def test_retailer_uploads_a_feed_and_follows_the_run(live: Any, page: Any, tmp_path: Path) -> None:
    base = live.url
    log_in(page, base, "retailer")
    page.wait_for_url(re.compile(r"/portal$"))
    feed = tmp_path / "lager.csv"
    feed.write_bytes(odd_feed_bytes(rows=5, bad_rows=2))  # price header "Kostnaden"
    page.set_input_files("#file", str(feed))
    page.get_by_label(re.compile("Endast ändringar")).check()
    page.get_by_role("button", name="Förhandsgranska").click()
    # a delta may leave the price out (a stock-only update of existing offers), so the
    # unknown header "Kostnaden" is read as no price column, not refused: map it by hand
    page.wait_for_selector("#preview-counts")
    assert page.locator("#map_sku").input_value() == "Artikelnummer"  # detected
    assert page.locator("#map_price").input_value() == ""  # "Kostnaden" is not detected

    page.select_option("#map_price", "Kostnaden")  # correct the mapping, preview again
    page.get_by_role("button", name="Förhandsgranska igen").click()
    page.wait_for_selector("#preview-counts")
    assert "7 rader, 5 giltiga, 2 avvisade" in page.locator("#preview-counts").inner_text()
    assert page.locator("#map_price").input_value() == "Kostnaden"

    page.get_by_role("button", name="Skicka in flödet").click()
    page.wait_for_url(re.compile(r"/portal/korningar/\d+"))
    status = page.locator("#run-status[data-status=succeeded]")
    status.wait_for(timeout=30_000)  # HTMX polls every 500 ms until the run is done
    assert page.locator("progress").get_attribute("value") == "100"
    text = page.locator("#run-status").inner_text()
    assert "7 rader, 5 giltiga, 2 avvisade" in text
    assert "inte ett pris" in text
    link = page.get_by_role("link", name="Ladda ner radfel (CSV)")
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/api/v1/feeds/\d+/errors\.csv\?lang=sv", href)
    csv = page.request.get(f"{base}{href}")
    assert csv.status == 200 and "inte ett pris" in csv.text()

    page.get_by_role("link", name=re.compile("Till portalen")).click()
    assert page.locator("table.data tbody tr").count() == 2  # the seeded run and this one


def _order_of(page: Any, *names: str) -> list[int]:
    """The rank order of the hits named ``names`` among the results (0 = ranked first)."""
    hits = page.locator(".hit").all_inner_texts()
    places = [next(i for i, hit in enumerate(hits) if name in hit) for name in names]
    return [sorted(places).index(place) for place in places]


def test_merchandiser_changes_a_weight_previews_and_publishes(live: Any, page: Any) -> None:
    base = live.url
    log_in(page, base, "merchandiser")
    page.wait_for_url(re.compile(r"/konsol$"))
    # the published default weighs price in proportion: the same retailer's best offer is
    # relatively cheaper for size L (110 vs 90) than for size M (100 vs 80), so L leads
    page.goto(f"{base}/?q=nitrilhandske")
    assert _order_of(page, "Nitrilhandske blå storlek L", "Nitrilhandske blå storlek M") == [0, 1]
    page.goto(f"{base}/konsol")
    page.fill("#w_price", "0")
    page.fill("#draft-comment", "utan pris")
    page.get_by_role("button", name="Spara utkast").click()
    page.wait_for_url(re.compile(r"notice=saved"))
    assert "Utkast version 1 sparat" in page.locator(".notice").inner_text()

    page.fill("#preview-q", "nitrilhandske")
    page.get_by_role("button", name="Visa utkast mot publicerad").click()  # HTMX fragment
    page.locator("#draft-ranks").wait_for()
    moves = page.locator("#draft-ranks .move").all_inner_texts()
    assert any(m.startswith("↑") for m in moves) and any(m.startswith("↓") for m in moves)

    page.fill("#publish-comment", "godkänt")
    page.get_by_role("button", name="Publicera utkastet").click()
    page.wait_for_url(re.compile(r"notice=published"))
    log = page.locator("#audit-log").inner_text()
    assert "publicerad" in log and "godkänt" in log and "Sara Holm" in log

    # the live search now ranks by the published weights: without price the two tie on
    # service, and M (the lower product id) leads
    page.goto(f"{base}/?q=nitrilhandske")
    assert _order_of(page, "Nitrilhandske blå storlek L", "Nitrilhandske blå storlek M") == [1, 0]
    hits = page.locator(".hit").all_inner_texts()
    blue_m = next(h for h in hits if "Nitrilhandske blå storlek M" in h)
    assert "Nordisk Dentaldepå AB" in blue_m

    # on a phone the console's weights fit (before, their grid pushed the page to 448 px)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/konsol")
    width, scroll_width = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert scroll_width <= width, (scroll_width, width)
    assert page.locator("#w_price").is_visible()
