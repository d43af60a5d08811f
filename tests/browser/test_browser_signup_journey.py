"""Issue 14 end to end in a real browser: a retailer signs up on /bli-aterforsaljare, confirms
the address by the link in the e-mail (captured by an SMTP server in this process), an admin
approves the sign-up in the admin console, the representative signs in and invites a
colleague from the members page, and the colleague joins by the e-mailed link, signs in
with the chosen password and uploads a small feed in the portal."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_browser_marketplace import log_in, log_out
from tests.browser.test_browser_notify import _wait_for, mailed  # noqa: F401 - the fixture
from tests.unit.marketplace.smtp_support import Recorder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COMPANY = "Tandlagret i Norr AB"
REP = ("Maja Berg", "maja@tandlagret.test", "Fjällräv-Tandlager-2026")
COLLEAGUE = ("Olle Ström", "olle@tandlagret.test", "Norrsken-Kompositer-77")


def _link(message: Any, path: str) -> str:
    """The one link in the message's body whose path starts with ``path``."""
    found = re.findall(rf"https?://\S+{re.escape(path)}\S+", message.get_content())
    assert len(found) == 1, found
    return str(found[0])


def _sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/logga-in")
    page.locator("#email").press_sequentially(email)
    page.locator("#password").press_sequentially(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()


def test_a_retailer_signs_up_is_approved_invites_a_colleague_who_uploads_a_feed(
    mailed: tuple[Any, Recorder],  # noqa: F811 - the fixture imported above
    page: Any,
    tmp_path: Path,
) -> None:
    live, recorder = mailed
    base = live.url
    # the links the journey follows name the site (site_url): here the live server
    state = live.app.state
    state.settings = state.settings.model_copy(update={"site_url": base})

    # 1. the public sign-up form, typed into like a person would
    page.goto(f"{base}/bli-aterforsaljare")
    assert page.locator("h1").inner_text() == "Bli återförsäljare"
    page.get_by_label("Namn (som registrerat)").press_sequentially(COMPANY)
    page.get_by_label("Organisationsnummer").press_sequentially("559123-4561")
    page.get_by_label("Gatuadress").press_sequentially("Storgatan 12")
    page.get_by_label("Postnummer").press_sequentially("903 26")
    page.get_by_label("Ort").press_sequentially("Umeå")
    page.get_by_label("Ditt namn").press_sequentially(REP[0])
    page.get_by_label("Din e-postadress").press_sequentially(REP[1])
    page.get_by_label("Välj ett lösenord").press_sequentially(REP[2])
    page.get_by_label("Upprepa lösenordet").press_sequentially(REP[2])
    page.locator("input[name=terms]").check()
    page.get_by_role("button", name="Registrera").click()
    page.wait_for_load_state()
    assert "Kontrollera din e-post" in page.locator("main").inner_text()
    assert REP[1] in page.locator("main").inner_text()

    # 2. the confirmation link in the captured e-mail, and one click on its page
    confirm = _wait_for(recorder, REP[1], "Bekräfta din registrering på Valbar")
    page.goto(_link(confirm, "/bekrafta-registrering/"))
    page.get_by_role("button", name="Bekräfta").click()
    page.wait_for_load_state()
    assert COMPANY in page.get_by_role("status").inner_text()

    # not yet approved: the representative cannot sign in
    _sign_in(page, base, REP[1], REP[2])
    assert "/logga-in" in page.url

    # 3. the admin finds the waiting sign-up in the console and approves it
    log_in(page, base, "admin")
    page.wait_for_url(re.compile(r"/admin$"))
    page.get_by_role("link", name="1 ansökan väntar på beslut").click()
    page.wait_for_url(re.compile(r"/admin/organisationer\?awaiting=decision"))
    page.get_by_role("link", name=COMPANY).click()
    assert "Väntar på beslut" in page.locator("h2#org-facts").inner_text()
    assert REP[0] in page.locator("section[aria-labelledby=org-members]").inner_text()
    page.get_by_role("button", name="Godkänn ansökan").click()
    page.wait_for_url(re.compile(r"notice=org_approved"))
    assert "Aktiv" in page.locator("h2#org-facts").inner_text()
    log_out(page)
    _wait_for(recorder, REP[1], f"{COMPANY} är godkänd på Valbar")

    # 4. the representative signs in and invites a colleague from the members page
    _sign_in(page, base, REP[1], REP[2])
    page.wait_for_url(re.compile(r"/portal$"))
    assert f"Inloggad som {REP[0]}" in page.locator("header").inner_text()
    page.get_by_role("link", name="Medlemmar").first.click()
    page.wait_for_url(re.compile(r"/organisation/medlemmar$"))
    assert f"Medlemmar i {COMPANY}" in page.locator("h1").inner_text()
    page.get_by_label("E-postadress").press_sequentially(COLLEAGUE[1])
    page.get_by_label("Roll", exact=True).select_option(value="staff")
    page.get_by_role("button", name="Skicka inbjudan").click()
    page.wait_for_url(re.compile(r"notice=invited"))
    invitations = page.locator("section[aria-labelledby=invitations-title]").inner_text()
    assert COLLEAGUE[1] in invitations
    log_out(page)

    # 5. the colleague opens the e-mailed invitation, sets a password and joins
    invited = _wait_for(recorder, COLLEAGUE[1], rf".*bjuder in dig till {COMPANY} på Valbar")
    page.goto(_link(invited, "/inbjudan/"))
    assert page.locator("h1").inner_text() == f"Gå med i {COMPANY}"
    page.get_by_label("Ditt namn").press_sequentially(COLLEAGUE[0])
    page.get_by_label("Välj ett lösenord").press_sequentially(COLLEAGUE[2])
    page.get_by_label("Upprepa lösenordet").press_sequentially(COLLEAGUE[2])
    page.get_by_role("button", name="Gå med").click()
    page.wait_for_url(re.compile(r"/portal\?notice=joined"))
    log_out(page)

    # 6. ... signs in with that password and uploads a small feed
    _sign_in(page, base, COLLEAGUE[1], COLLEAGUE[2])
    page.wait_for_url(re.compile(r"/portal$"))
    assert f"Inloggad som {COLLEAGUE[0]}" in page.locator("header").inner_text()
    feed = tmp_path / "tandlagret.csv"
    feed.write_text(
        "Artikelnummer;Benämning;Pris inkl. moms;Lagerstatus;EAN\n"
        "TN-1;Nitrilhandske blå storlek M;189,00 kr;I lager;07312345678904\n"
        "TN-2;Komposit A2 spruta 4 g;412,50 kr;I lager;07312345678935\n"
        "TN-3;Trasig rad;inte ett pris;I lager;\n",
        encoding="utf-8",
    )
    page.set_input_files("#file", str(feed))
    page.get_by_role("button", name="Förhandsgranska").click()
    page.wait_for_selector("#preview-counts")
    assert "3 rader, 2 giltiga, 1 avvisad" in page.locator("#preview-counts").inner_text()
    page.get_by_role("button", name="Skicka in flödet").click()
    page.wait_for_url(re.compile(r"/portal/korningar/\d+"))
    page.locator("#run-status[data-status=succeeded]").wait_for(timeout=30_000)
    assert "3 rader, 2 giltiga, 1 avvisad" in page.locator("#run-status").inner_text()
