"""Notifications end to end in a real browser: a clinic orders, the retailer is told (the
unread badge, the notification centre), confirms and ships, and the clinic gets the
"order shipped" e-mail, captured by an SMTP server in this process."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.test_browser_marketplace import GLOVE, LATE, confirm_and_ship, log_in, log_out
from tests.unit.marketplace.smtp_support import Recorder, start
from tests.unit.ui.ui_support import EMAILS, UiEnv, seed, ui_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture()
def mailed(tmp_path: Path, chromium: Any) -> Iterator[tuple[Any, Recorder]]:
    """The seeded site with e-mail going to a local SMTP server."""
    from valbar.app import create_app

    recorder = Recorder()
    smtp = start(recorder)
    settings = ui_settings(tmp_path).model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": int(smtp.port),
            "smtp_tls": "none",
            "site_url": "https://valbar.example",
        }
    )
    products, retailers = seed(settings)
    env = UiEnv(
        create_app(settings, anonymous_rate_per_minute=100_000), settings, products, retailers
    )
    server = LiveServer(env.app)
    server.start()
    env.url = server.url  # type: ignore[attr-defined]
    try:
        yield env, recorder
    finally:
        server.stop()
        smtp.stop()


def _wait_for(recorder: Recorder, to: str, subject: str) -> Any:
    """The e-mail to ``to`` whose subject matches the pattern ``subject`` (sent after the
    commit, in the background: wait a little)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for received in recorder.received:
            if received.to == [to] and re.fullmatch(subject, received.message["Subject"]):
                return received.message
        time.sleep(0.1)
    got = [(r.to, r.message["Subject"]) for r in recorder.received]
    raise AssertionError(f"no e-mail {subject!r} to {to}; got {got}")


def test_a_clinic_gets_an_e_mail_when_its_order_ships(
    mailed: tuple[Any, Recorder], page: Any
) -> None:
    live, recorder = mailed
    base = live.url
    log_in(page, base, "clinic")
    page.goto(f"{base}/produkt/{live.products[GLOVE]}")
    page.get_by_role("button", name=f"Lägg i varukorg från {LATE}").click()
    page.wait_for_url(re.compile(r"notice=added"))
    page.goto(f"{base}/kassa")
    page.get_by_role("button", name=re.compile(r"^Lägg beställning")).click()
    page.wait_for_url(re.compile(r"/ordrar\?checkout="))
    log_out(page)

    # the retailer is told: a badge in the navigation, the order in the centre, an e-mail
    log_in(page, base, "retailer")
    badge = page.locator("a.notif-link .badge")
    assert badge.inner_text() == "1"
    page.locator("a.notif-link").click()
    page.wait_for_url(re.compile(r"/notiser$"))
    assert "Ny order" in page.locator(".notification").first.inner_text()
    page.get_by_role("button", name="Markera som läst").click()
    page.wait_for_url(re.compile(r"notice=notifications_read"))
    assert page.locator("a.notif-link .badge").count() == 0
    _wait_for(recorder, EMAILS["retailer"], r"Ny order \d+ från Folktandvården")
    log_out(page)

    order_id = confirm_and_ship(page, base, "retailer")
    shipped = _wait_for(recorder, EMAILS["clinic"], f"Order {order_id} har skickats")
    body = shipped.get_content()
    assert f"https://valbar.example/ordrar/{order_id}" in body

    log_in(page, base, "clinic")
    page.goto(f"{base}/notiser")
    assert f"har skickat order {order_id}" in page.locator(".notifications").inner_text()
