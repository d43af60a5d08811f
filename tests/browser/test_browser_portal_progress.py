"""The portal's upload shows the bytes sent while the file travels, then the preview."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_browser_flows import log_in
from tests.unit.ui.ui_support import feed_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_upload_shows_bytes_sent_then_the_preview(live: Any, page: Any, tmp_path: Path) -> None:
    base = live.url
    log_in(page, base, "retailer")
    page.wait_for_url(re.compile(r"/portal$"))
    feed = tmp_path / "lager.csv"
    body = feed_bytes(rows=3000, bad_rows=0)
    feed.write_bytes(body)
    # a slow uplink (Chromium's network emulation, ~200 kB/s): the file takes about a second
    # to travel, so the page's progress can be looked at while it does (intercepting the
    # request instead hides the upload from the page's progress events)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": 200 * 1024,
        },
    )
    assert page.locator("#upload-progress").is_hidden()
    # what the progress box says, recorded as it changes (the window outlives the page the
    # server's answer replaces it with)
    page.evaluate(
        """() => {
          const box = document.getElementById("upload-progress");
          window.__progress = [];
          new MutationObserver(() => window.__progress.push([
            Number(box.dataset.loaded || 0), box.querySelector("[data-line]").textContent,
          ])).observe(box, {attributes: true, subtree: true, childList: true});
        }"""
    )
    page.set_input_files("#file", str(feed))
    page.get_by_role("button", name="Förhandsgranska").click()
    page.locator("#upload-progress").wait_for(state="visible")
    page.wait_for_selector("#preview-counts", timeout=20_000)  # the preview replaced the page
    seen: list[tuple[int, str]] = [tuple(p) for p in page.evaluate("window.__progress")]
    loaded = [n for n, _ in seen]
    # the bytes sent went up while the file travelled, to every byte of the file (and the
    # form around it), and the page said so in words
    assert max(loaded) > len(body), seen[-5:]
    assert any(0 < n < len(body) for n in loaded), seen[:5]
    assert loaded == sorted(loaded)
    assert any(re.search(r"skickade", text) for _, text in seen), seen[-3:]
    assert "3\u00a0000 rader" in page.locator("#preview-counts").inner_text() or (
        "3 000 rader" in page.locator("#preview-counts").inner_text()
    )
