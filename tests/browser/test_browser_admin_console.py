"""The admin console in a real browser (issue 14 item 5): the admin lands on /admin, finds a
waiting sign-up, approves it with the keyboard, and its manager can sign in; a refusal
without a reason is stopped by the form; the pages fit a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import Organisation, User
from indexer.jobs import factory_for
from tests.browser.test_browser_marketplace import log_in, log_out
from tests.unit.ui.ui_support import EMAILS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_admin_approves_a_sign_up_and_its_manager_signs_in(live: Any, page: Any) -> None:
    base = live.url
    with transaction(factory_for(live.settings)) as s:
        org = Organisation(kind="clinic", name="Leendet Tandvård AB", status="pending")
        s.add(org)
        s.flush()
        member = s.scalars(select(User).where(User.email == EMAILS["clinic"])).one()
        member.organisation_id, member.org_role, member.active = org.id, "manager", False

    log_in(page, base, "admin")
    page.wait_for_url(re.compile(r"/admin$"))
    assert "1 ansökan väntar på beslut" in page.locator("#area-organisations").inner_text()
    page.get_by_role("link", name="1 ansökan väntar på beslut").click()
    page.wait_for_url(re.compile(r"/admin/organisationer\?awaiting=decision"))
    page.fill("#org-q", "leendet")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Leendet Tandvård AB").click()
    assert "Väntar på beslut" in page.locator("h2#org-facts").inner_text()
    assert "Anna Lind" in page.locator("section[aria-labelledby=org-members]").inner_text()

    # the refusal's reason is required by the form itself
    page.get_by_role("button", name="Avslå ansökan").click()
    assert page.locator("#refuse-reason:invalid").count() == 1

    approve = page.get_by_role("button", name="Godkänn ansökan")
    approve.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"notice=org_approved"))
    assert "Aktiv" in page.locator("h2#org-facts").inner_text()
    assert (
        "organisation.approve" in page.locator("section[aria-labelledby=org-history]").inner_text()
    )

    # on a phone the organisation page does not scroll sideways
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width, scroll_width = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert scroll_width <= width, (scroll_width, width)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_out(page)

    log_in(page, base, "clinic")
    assert "Inloggad som Anna Lind" in page.locator("header").inner_text()
