"""The representative edits the presentation page; the public page embeds the video in a
frame its Content-Security-Policy allows (and nothing else)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_browser_flows import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_representative_edits_the_page_and_clinics_see_the_video(
    live: Any, page: Any, tmp_path: Path
) -> None:
    base = live.url
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, base, "retailer")
    page.wait_for_url(re.compile(r"/portal$"))
    page.get_by_role("link", name="Presentation").first.click()
    page.wait_for_url(re.compile(r"/portal/presentation$"))
    page.get_by_label("Videolänk (YouTube eller Vimeo)").fill("https://evil.example/film")
    page.get_by_role("button", name="Spara presentationen").click()
    assert "Bara videor på YouTube eller Vimeo" in page.locator("#f-video_url-error").inner_text()
    page.get_by_label("Videolänk (YouTube eller Vimeo)").fill("https://vimeo.com/76979871")
    page.get_by_label("Presentation", exact=True).fill("Första stycket.\n\nAndra stycket.")
    page.get_by_label("Leveranstid (arbetsdagar)").fill("2")
    page.get_by_role("button", name="Spara presentationen").click()
    page.wait_for_url(re.compile(r"notice=profile_saved"))
    assert "Presentationen är sparad." in page.locator("main").inner_text()

    response = page.goto(f"{base}/handlare/nordisk-dentaldepa")
    assert response is not None
    assert response.headers["content-security-policy"].endswith(
        "frame-src https://player.vimeo.com"
    )
    frame = page.locator("iframe")
    assert frame.get_attribute("src") == "https://player.vimeo.com/video/76979871"
    assert frame.get_attribute("sandbox") and frame.get_attribute("referrerpolicy")
    assert page.locator("article.retailer p", has_text="Andra stycket.").count() == 1
    assert "Leverans normalt inom 2 arbetsdagar" in page.locator("#retailer-terms").inner_text()
    assert refused == []  # the page's own scripts, styles and the frame all allowed
