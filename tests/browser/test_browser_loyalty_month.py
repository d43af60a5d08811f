"""Issue 15's "done when": a full month of the loyalty programme in a real browser. The
sponsor (a platform admin, Valbar running the programme) sets up a double-points campaign,
a quiz, a photo activity and a reward; the retailer's representative joins and invites a
seller; the seller takes the quiz, sends a photo the sponsor approves, handles an order that
is delivered (points x2) and one that is returned (points reversed); the month-end job names
the seller of the month; the seller redeems a reward; and the ledger verifies.

Every step is a page: the admin creates the programme on /admin/lojalitet; the
representative accepts the member terms and invites the seller, and the seller accepts the
participant terms, on "Mina poäng" (those four had only the JSON API before this test).
Time passing is the month-end job's function run with next month's clock."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from catalog.db import transaction
from catalog.models import Offer
from indexer.jobs import factory_for
from loyalty import awards
from loyalty.enums import MEMBER_TERMS_VERSION
from marketplace.dates import LOCAL_TZ, local_date, utc_now
from tests.browser.test_browser_marketplace import log_in, log_out
from valbar.cli import app as cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GLOVE = "Nitrilhandske blå storlek M"
COMPOSITE = "Komposit A2 spruta 4 g"
RETAILER = "Nordisk Dentaldepå AB"
SLUG = "nordisk-dentaldepa"
QUIZ_POINTS, PHOTO_POINTS = 100, 50


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 90, 200)).save(out, "JPEG", quality=85)
    return out.getvalue()


def my_points(page: Any, programme_id: int) -> int:
    return int(
        page.locator(f"#programme-{programme_id} [data-my-points]").get_attribute("data-my-points")
        or "-1"
    )


def order_from_retailer(page: Any, base: str, product_id: int) -> int:
    """The clinic buys one product from the retailer: one order."""
    log_in(page, base, "clinic")
    page.goto(f"{base}/produkt/{product_id}")
    page.get_by_role("button", name=f"Lägg i varukorg från {RETAILER}").click()
    page.wait_for_url(re.compile(r"notice=added"))
    page.goto(f"{base}/varukorg")
    page.get_by_role("link", name="Till kassan").click()
    page.get_by_role("button", name=re.compile(r"^Lägg beställning")).click()
    page.wait_for_url(re.compile(r"/ordrar\?checkout="))
    order_id = int(
        page.locator("tr.order-row.fresh a").first.get_attribute("href").rsplit("/", 1)[1]
    )
    log_out(page)
    return order_id


def handle_and_deliver(page: Any, base: str, order_id: int) -> None:
    """The seller confirms and ships the order in the portal; the clinic confirms delivery."""
    log_in(page, base, "retailer_staff")
    page.goto(f"{base}/portal/ordrar/{order_id}")
    page.get_by_role("button", name="Bekräfta", exact=True).click()
    page.wait_for_url(re.compile(r"notice=confirmed"))
    page.get_by_role("button", name="Markera som skickad").click()
    page.wait_for_url(re.compile(r"notice=shipped"))
    log_out(page)
    log_in(page, base, "clinic")
    page.goto(f"{base}/ordrar/{order_id}")
    page.get_by_role("button", name="Bekräfta leverans").click()
    page.wait_for_url(re.compile(r"notice=delivered"))
    log_out(page)


def price_of(live: Any, product: str) -> Decimal:
    with factory_for(live.settings)() as s:
        price = s.scalar(
            select(Offer.price).where(
                Offer.product_id == live.products[product],
                Offer.retailer_id == live.retailers[SLUG],
            )
        )
    assert price is not None
    return Decimal(price)


def test_a_month_of_the_loyalty_programme(
    live: Any, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = live.url
    today = local_date(utc_now())
    glove_points = int(price_of(live, GLOVE) * 2)  # 1 point a krona, the campaign doubles
    composite_points = int(price_of(live, COMPOSITE))
    assert glove_points > 0 and composite_points > 0

    # 1. the sponsor creates the programme, a double-points campaign, a quiz, a photo
    #    activity and a reward
    log_in(page, base, "admin")
    page.goto(f"{base}/admin/lojalitet")
    new = page.locator("#new-programme")
    if new.get_attribute("open") is None:
        new.locator("summary").click()
    new.get_by_label("Programmets namn").fill("Tandklubben")
    new.get_by_label("Sponsor", exact=True).fill("Valbar")
    new.get_by_label("Poäng per krona").fill("1")
    new.get_by_label("Ett poängs värde (öre)").fill("10")
    new.get_by_label("Poängen förfaller efter (månader)").fill("24")
    new.get_by_role("button", name="Skapa").click()
    page.wait_for_url(re.compile(r"notice=loyalty_programme_created"))
    assert "Programmet är skapat." in page.locator(".notice").inner_text()
    chosen = re.search(r"programme=(\d+)", page.url)
    assert chosen is not None
    pid = int(chosen.group(1))
    form = page.locator(f'form[action$="/{pid}/kampanjer"]')
    form.locator('input[name="name"]').fill("Dubbla poäng på handskar")
    form.locator('input[name="multiplier"]').fill("2")
    form.locator('select[name="target_kind"]').select_option("product")
    form.locator('input[name="target_value"]').fill(str(live.products[GLOVE]))
    form.locator('input[name="starts"]').fill(today.isoformat())
    form.locator('input[name="ends"]').fill((today + timedelta(days=30)).isoformat())
    form.get_by_role("button", name="Skapa").click()
    page.wait_for_url(re.compile(r"notice=loyalty_campaign_created"))
    assert "Dubbla poäng på handskar" in page.content()

    form = page.locator(f'form[action$="/{pid}/quiz"]')
    form.locator('input[name="title"]').fill("Känn dina handskar")
    form.locator('textarea[name="questions"]').fill(
        "Vilket material är handsken av?\n*Nitril\nLatex\nVinyl"
    )
    form.locator('input[name="pass_mark"]').fill("1")
    form.locator('input[name="points"]').fill(str(QUIZ_POINTS))
    form.get_by_role("button", name="Skapa").click()
    page.wait_for_url(re.compile(r"notice=quiz_created"))
    assert "Känn dina handskar" in page.content()

    page.locator("#photos-link").click()
    form = page.locator(f'form[action$="/{pid}/foto/aktiviteter"]')
    form.locator('input[name="title"]').fill("Visa vår handskhylla")
    form.locator('input[name="points"]').fill(str(PHOTO_POINTS))
    form.locator('input[name="starts"]').fill(today.isoformat())
    form.locator('input[name="ends"]').fill((today + timedelta(days=30)).isoformat())
    form.get_by_role("button", name="Skapa").click()
    page.wait_for_load_state()
    assert "Visa vår handskhylla" in page.content()

    page.goto(f"{base}/admin/lojalitet/{pid}/butik")
    form = page.locator("form#new-reward")
    form.locator('input[name="name"]').fill("Presentkort 100 kr")
    form.locator('input[name="category"]').fill("Presentkort")
    form.locator('input[name="price_points"]').fill("100")
    form.locator('input[name="stock"]').fill("5")
    form.get_by_role("button", name="Spara").click()
    page.wait_for_load_state()
    assert page.locator('form[id^="reward-"] input[value="Presentkort 100 kr"]').count() == 1
    log_out(page)

    # 2. the representative accepts the member terms, invites the seller and lets each
    #    seller redeem their own points
    log_in(page, base, "retailer")
    page.goto(f"{base}/portal/poang")
    joinable = page.locator("#loyalty-joinable")
    assert f"medlemsvillkoren ({MEMBER_TERMS_VERSION})" in joinable.inner_text()
    joinable.get_by_role("button", name="Godkänn medlemsvillkoren för Tandklubben").click()
    page.wait_for_url(re.compile(r"notice=member_terms_accepted"))
    assert "Organisationen är medlem" in page.locator(".notice").inner_text()
    page.locator(f"#programme-{pid}").get_by_role("button", name="Bjud in Lina Ek").click()
    page.wait_for_url(re.compile(r"notice=seller_invited"))
    team = page.locator(f"#programme-{pid} ul.team").inner_text()
    assert "Lina Ek" in team and "inbjuden, har inte godkänt villkoren" in team
    page.goto(f"{base}/portal/poang/{pid}/butik")
    page.locator('input[name="redeemer"][value="sellers"]').check()
    page.locator('form[action$="/policy"]').get_by_role("button", name="Spara").click()
    page.wait_for_load_state()
    assert page.locator('input[name="redeemer"][value="sellers"]').is_checked()
    page.goto(f"{base}/portal/poang")
    assert "Tandklubben" in page.locator(f"#programme-{pid}").inner_text()
    log_out(page)

    # 3. the seller sees the invitation, accepts the participant terms
    log_in(page, base, "retailer_staff")
    page.goto(f"{base}/portal/poang")
    invitation = page.locator(f"#programme-{pid}")
    assert "har inte godkänt deltagarvillkoren" in invitation.inner_text()
    invitation.get_by_role("button", name="Godkänn deltagarvillkoren").click()
    page.wait_for_url(re.compile(r"notice=participant_terms_accepted"))
    assert "Du har godkänt deltagarvillkoren" in page.locator(".notice").inner_text()
    assert my_points(page, pid) == 0

    # 4. passes the quiz
    page.goto(f"{base}/portal/poang/quiz")
    quiz = page.locator('form[action^="/portal/poang/quiz/"]')
    quiz.get_by_label("Nitril").check()
    quiz.get_by_role("button", name="Skicka svar").click()
    page.wait_for_url(re.compile(r"notice=quiz_passed"))
    assert "Godkänt! Poängen är dina." in page.locator(".notice").inner_text()
    page.goto(f"{base}/portal/poang")
    assert my_points(page, pid) == QUIZ_POINTS

    # 5. sends a photo from the phone
    page.goto(f"{base}/portal/poang/foto")
    upload = page.locator('form[action^="/portal/poang/foto/"]')
    upload.locator('input[type="file"]').set_input_files(
        {"name": "hylla.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    upload.get_by_role("button", name="Skicka bilden").click()
    page.wait_for_url(re.compile(r"notice=photo_uploaded"))
    assert "väntar på granskning" in page.locator(".notice").inner_text()
    page.goto(f"{base}/portal/poang")
    assert my_points(page, pid) == QUIZ_POINTS  # not before the sponsor approves it
    log_out(page)

    # 6. the sponsor approves it
    log_in(page, base, "admin")
    page.goto(f"{base}/admin/lojalitet/{pid}/foto")
    page.get_by_role("button", name=f"Godkänn ({PHOTO_POINTS} poäng)").click()
    page.wait_for_url(re.compile(r"notice=photo_approved"))
    assert "Bilden är godkänd och poängen betalda." in page.locator(".notice").inner_text()
    page.goto(f"{base}/admin/lojalitet/{pid}/bildbank")
    assert page.locator('img[src^="/admin/lojalitet/foto/"]').count() == 1
    log_out(page)

    # 7. an order the seller handles is delivered: the gloves earn double points
    delivered = order_from_retailer(page, base, live.products[GLOVE])
    handle_and_deliver(page, base, delivered)
    log_in(page, base, "retailer_staff")
    page.goto(f"{base}/portal/poang")
    assert my_points(page, pid) == QUIZ_POINTS + PHOTO_POINTS + glove_points
    row = page.locator("tr", has=page.locator(f'a[href="/portal/ordrar/{delivered}"]'))
    assert f"+{glove_points}" in row.inner_text().replace("\u00a0", "")
    log_out(page)

    # 8. another one is delivered and returned: its points are credited, then reversed
    returned = order_from_retailer(page, base, live.products[COMPOSITE])
    handle_and_deliver(page, base, returned)
    log_in(page, base, "clinic")
    page.goto(f"{base}/ordrar/{returned}")
    page.get_by_text("Reklamera / returnera").click()
    rma = page.locator('form[action*="/reklamation"]')
    rma.get_by_label("Vad är fel?").fill("Fel färg, vill returnera.")
    rma.get_by_role("button", name="Skicka till återförsäljaren").click()
    page.wait_for_load_state()
    assert "Inskickad" in page.locator(".badge", has_text="Reklamation").inner_text()
    log_out(page)
    log_in(page, base, "retailer")
    page.goto(f"{base}/portal/reklamationer")
    page.get_by_role("button", name="Godkänn").click()
    page.wait_for_load_state()
    page.locator('select[name="outcome"]').select_option("refund")
    page.get_by_role("button", name="Avsluta").click()
    page.wait_for_load_state()
    assert "Återbetalning" in page.locator("article.rma-case").inner_text()
    log_out(page)
    log_in(page, base, "retailer_staff")
    page.goto(f"{base}/portal/poang")
    earned = QUIZ_POINTS + PHOTO_POINTS + glove_points
    assert my_points(page, pid) == earned
    rows = page.locator("tr", has=page.locator(f'a[href="/portal/ordrar/{returned}"]'))
    changes = rows.all_inner_texts()
    assert len(changes) == 2, changes
    flat = " ".join(changes).replace("\u00a0", "")
    assert f"+{composite_points}" in flat and f"-{composite_points}" in flat, flat
    log_out(page)

    # 9. the month ends: the scheduled job names the seller of the month
    now = utc_now()
    next_month = (now.astimezone(LOCAL_TZ).replace(day=28) + timedelta(days=5)).replace(
        day=1, hour=1, minute=0
    )
    with transaction(factory_for(live.settings)) as s:
        assert awards.award_finished_months(s, now=next_month) == 2  # the seller, the store
    log_in(page, base, "retailer_staff")
    page.goto(f"{base}/portal/poang/topplista")
    board = page.content()
    period = now.astimezone(LOCAL_TZ).strftime("%Y-%m")
    assert re.search(rf"{period}: månadens säljare Lina Ek \({RETAILER}\)", board), board
    page.goto(f"{base}/notiser")  # announced by notification too
    told = page.locator("main").inner_text()
    assert f"Tandklubben: du är månadens säljare {period} med" in told, told

    # 10. redeems a reward in the shop
    page.goto(f"{base}/portal/poang/{pid}/butik")
    page.get_by_role("button", name="Lägg i korgen").first.click()
    page.wait_for_load_state()
    checkout = page.locator('form[action$="/uttag"]')
    checkout.locator('input[name="delivery_address"]').fill("Storgatan 1")
    checkout.locator('input[name="delivery_postcode"]').fill("11122")
    checkout.locator('input[name="delivery_city"]').fill("Stockholm")
    checkout.get_by_role("button", name="Beställ").click()
    page.wait_for_url(re.compile(r"klart=redeemed"))
    assert "Tack! Uttaget är beställt." in page.content()
    placed = page.locator("tr", has_text="Presentkort 100 kr").last.inner_text()
    assert "Beställd" in placed and "100" in placed, placed
    page.goto(f"{base}/portal/poang")
    assert my_points(page, pid) == earned - 100
    log_out(page)

    # the sponsor sends it
    log_in(page, base, "admin")
    page.goto(f"{base}/admin/lojalitet/{pid}/butik")
    assert "Storgatan 1" in page.content()
    page.get_by_role("button", name="Markera levererad").click()
    page.wait_for_load_state()
    assert "Uttaget är markerat som levererat." in page.content()
    log_out(page)

    # 11. the ledger verifies: `valbar loyalty verify` on the live server's database
    monkeypatch.setattr("valbar.cli.context.get_settings", lambda: live.settings)
    verified = CliRunner().invoke(cli, ["loyalty", "verify", "--json"])
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.output)
    assert report["ok"] is True and report["discrepancies"] == [] and report["total"] == 0
    # the gloves' sale, the returned sale and its clawback, the quiz, the photo, the redemption
    # (the awards carry no bonus in a new programme)
    assert report["entries"] == 6, report
