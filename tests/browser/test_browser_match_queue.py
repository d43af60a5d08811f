"""The match review queue in a real browser (issue 14 item 6): an admin works it with the
keyboard (j/k to move, r to reject, a to accept) and the accepted offer's product changes in
search."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from catalog.models import MatchCandidate, Offer
from indexer.jobs import factory_for
from tests.browser.test_browser_marketplace import log_in
from tests.unit.ui.test_ui_admin_queues import queue_offer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TUBE = "Sugslang engångs 100 st"
GLOVE_M = "Nitrilhandske blå storlek M"
GLOVE_L = "Nitrilhandske blå storlek L"


def _offers_of(page: Any, base: str, query: str, product_id: int) -> int:
    body = page.request.get(f"{base}/api/v1/search?q={query}").json()
    return int(next(h["offers_count"] for h in body["data"] if h["product_id"] == product_id))


def test_an_admin_works_the_queue_with_the_keyboard_and_search_follows(
    live: Any, page: Any
) -> None:
    base = live.url
    tube = queue_offer(live, "SM-B1", "Sugslang 100-pack Smilo", [(TUBE, 0.86), (GLOVE_M, 0.2)])
    glove = queue_offer(live, "SM-B2", "Handske blå", [(GLOVE_M, 0.64), (GLOVE_L, 0.63)])
    before = _offers_of(page, base, "sugslang", live.products[TUBE])
    log_in(page, base, "admin")
    page.goto(f"{base}/admin/matchning")
    first = page.locator(f"#offer-{tube['offer']}")
    second = page.locator(f"#offer-{glove['offer']}")
    assert "current" in (first.get_attribute("class") or "")

    # j moves to the second offer; r rejects its best candidate (it stays, one left)
    page.keyboard.press("j")
    assert "current" in (second.get_attribute("class") or "")
    page.keyboard.press("r")
    page.wait_for_url(re.compile(r"klart=rejected"))
    assert "Förslaget avvisades." in page.locator("[role=status]").first.inner_text()
    second = page.locator(f"#offer-{glove['offer']}")
    assert GLOVE_M not in second.inner_text() and GLOVE_L in second.inner_text()
    assert "current" in (second.get_attribute("class") or "")  # back on the same offer

    # k goes up to the first offer; a accepts its best candidate
    page.keyboard.press("k")
    assert "current" in (page.locator(f"#offer-{tube['offer']}").get_attribute("class") or "")
    page.keyboard.press("a")
    page.wait_for_url(re.compile(r"klart=accepted"))
    assert page.locator(f"#offer-{tube['offer']}").count() == 0

    with factory_for(live.settings)() as s:
        offer = s.get(Offer, tube["offer"])
        assert offer is not None and offer.product_id == live.products[TUBE]
        rejected = s.get(MatchCandidate, glove[GLOVE_M])
        assert rejected is not None and rejected.status == "rejected"
    # the index outbox is applied right after the redirect was sent (a child process)
    deadline = time.monotonic() + 60
    while _offers_of(page, base, "sugslang", live.products[TUBE]) != before + 1:
        assert time.monotonic() < deadline, "the accepted offer never reached search"
        time.sleep(0.2)

    # the search page shows Smilo's offer under the product now
    page.goto(f"{base}/produkt/{live.products[TUBE]}")
    assert "Smilo Dentalhandel" in page.locator("main").inner_text()
