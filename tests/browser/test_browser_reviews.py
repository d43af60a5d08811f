"""Review integrity in a real browser (issue 13 items 2 and 3): a clinic's 2-star review is
held and not shown; a refused review keeps what was typed; a report goes to the admins'
queue, the admin removes the review with a reason, it is gone and its author is told."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.test_browser_marketplace import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COMPOSITE = "Komposit A2 spruta 4 g"
MIRROR = "Munspegel plan storlek 4"


def write_review(page: Any, rating: int, text: str) -> None:
    """Open the review form of the page and send it (a click on the visible form)."""
    section = page.locator("#reviews")
    section.locator("summary", has_text="Skriv ett omdöme").click()
    form = section.locator("form.review-write-form")
    form.locator(f'input[name="rating"][value="{rating}"]').check()
    form.locator("textarea[name=text]").fill(text)
    form.get_by_role("button", name="Skicka omdöme").click()
    page.wait_for_load_state()


def test_a_two_star_review_is_held_and_a_refused_one_keeps_its_text(live: Any, page: Any) -> None:
    base = live.url
    log_in(page, base, "clinic")
    page.goto(f"{base}/produkt/{live.products[COMPOSITE]}")
    write_review(page, 2, "Klumpar sig i sprutan efter en vecka.")
    page.wait_for_url(re.compile(r"notice=review_held"))
    assert "publiceras inte direkt" in page.locator("body").inner_text()
    assert "Klumpar sig i sprutan" not in page.locator("#reviews").inner_text()

    # the same product again: refused as a duplicate, with every typed word still there
    typed = "Andra försöket: fortfarande klumpig, men kundtjänsten svarade snabbt."
    write_review(page, 3, typed)
    assert "redan lämnat ett omdöme" in page.locator(".alert").inner_text()
    assert page.locator("textarea[name=text]").input_value() == typed
    assert page.locator('input[name="rating"][value="3"]').is_checked()
    # and nothing of it is public
    page.goto(f"{base}/produkt/{live.products[COMPOSITE]}")
    assert "Andra försöket" not in page.locator("#reviews").inner_text()
    # a retailer's staff gets no form at all
    log_out(page)
    log_in(page, base, "retailer")
    page.goto(f"{base}/produkt/{live.products[COMPOSITE]}")
    assert page.locator("form.review-write-form").count() == 0
    assert "Bara kliniker skriver omdömen" in page.locator("#reviews").inner_text()


def test_report_to_admin_queue_remove_with_reason_author_notified(live: Any, page: Any) -> None:
    base = live.url
    product = f"{base}/produkt/{live.products[MIRROR]}"
    text = "Säljaren är en bedragare och borde sitta inne."
    log_in(page, base, "clinic")
    page.goto(product)
    write_review(page, 4, text)
    page.wait_for_url(re.compile(r"notice=review_published"))
    assert text in page.locator("#reviews").inner_text()
    log_out(page)

    # a retailer reports it from the review's own button
    log_in(page, base, "retailer")
    page.goto(product)
    review = page.locator("li.review", has_text=text)
    review.locator("summary", has_text="Anmäl omdömet").click()
    review.locator("textarea[name=reason]").fill("Ärekränkande om en säljare")
    review.get_by_role("button", name="Skicka anmälan").click()
    page.wait_for_url(re.compile(r"notice=review_reported"))
    log_out(page)

    # the admin finds it in the queue and removes it with a reason
    log_in(page, base, "admin")
    page.get_by_role("link", name="Omdömen att granska").click()
    page.wait_for_url(re.compile(r"/admin/omdomen"))
    queued = page.locator("li.queued-report", has_text=text)
    assert "Ärekränkande om en säljare" in queued.inner_text()
    queued.locator("textarea[name=reason]").fill("Personangrepp mot en säljare")
    queued.get_by_role("button", name="Ta bort omdömet").click()
    page.wait_for_url(re.compile(r"notice=report_removed"))
    assert page.locator("li.queued-report", has_text=text).count() == 0
    history = page.locator("table.moderation-history").inner_text()
    assert "Personangrepp mot en säljare" in history and "borttaget" in history
    # on a phone the decisions table scrolls in its box; before, the whole page scrolled
    # sideways (514 px wide at 390 px)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width, scroll_width = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert scroll_width <= width, (scroll_width, width)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_out(page)

    # gone from the product page; the author reads why on "Mina uppgifter"
    page.goto(product)
    assert text not in page.locator("#reviews").inner_text()
    log_in(page, base, "clinic")
    page.goto(f"{base}/mina-uppgifter")
    note = page.locator("#notifications li.notification").first
    assert "har tagits bort" in note.inner_text()
    assert "Personangrepp mot en säljare" in note.inner_text()
