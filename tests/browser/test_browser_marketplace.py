"""The marketplace end to end in a real browser: one cart, two retailers, a late delivery,
a low review answered before it is published, and the late retailer dropping in the ranking
with the reason shown."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import make_engine, session_factory, transaction
from catalog.models import Offer, User
from indexer.jobs import factory_for
from marketplace import cart, orders
from marketplace.dates import local_date, utc_now
from marketplace.models import Order
from tests.unit.ui.ui_support import EMAILS, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GLOVE = "Nitrilhandske blå storlek M"
LATE = "Nordisk Dentaldepå AB"
ON_TIME = "Smilo Dentalhandel"


def log_in(page: Any, base: str, role: str) -> None:
    page.goto(f"{base}/logga-in")
    page.fill("#email", EMAILS[role])
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state()


def ranked_retailers(page: Any) -> list[str]:
    return [
        row.locator("td").nth(1).locator("a").first.inner_text()
        for row in page.locator("tbody.offer").all()
    ]


def the_weeks_before(live: Any, late_orders: int) -> None:
    """The weeks before: the first retailer delivered the clinic's earlier orders late (its
    seeded record is replaced by measured signals at the next event), and the second one got
    the gloves in stock. Written through a session factory without the app's event bus: what
    happened then is not re-announced now, so the signals change at the next event."""
    engine = make_engine(live.settings.sqlalchemy_url)
    try:
        _write_history(session_factory(engine), live, late_orders)
    finally:
        engine.dispose()


def _write_history(quiet: sessionmaker[Session], live: Any, late_orders: int) -> None:
    with transaction(quiet) as s:
        s.execute(
            update(Offer)
            .where(
                Offer.product_id == live.products[GLOVE],
                Offer.retailer_id == live.retailers["smilo"],
            )
            .values(stock_status="in_stock", delivery_days=2)
        )
        clinic = s.scalar(select(User).where(User.email == EMAILS["clinic"]))
        staff = s.scalar(select(User).where(User.email == EMAILS["retailer"]))
        offer = s.scalar(
            select(Offer).where(
                Offer.product_id == live.products["Komposit A2 spruta 4 g"],
                Offer.retailer_id == live.retailers["nordisk-dentaldepa"],
            )
        )
        assert clinic is not None and staff is not None and offer is not None
        for n in range(late_orders):
            placed = utc_now() - timedelta(days=60 - 6 * n)
            cart.add_item(s, clinic, offer.id, 1, now=placed)
            (order,) = orders.checkout(s, clinic, now=placed)
            orders.confirm(s, staff, order.id, local_date(placed) + timedelta(days=1), now=placed)
            orders.ship(s, staff, order.id, now=placed + timedelta(hours=2))
            orders.deliver(s, clinic, order.id, now=placed + timedelta(days=5))


def confirm_and_ship(page: Any, base: str, role: str) -> int:
    log_in(page, base, role)
    page.goto(f"{base}/portal/ordrar")
    page.locator("tr.order-row", has_text="Lagd").locator("a").first.click()
    page.wait_for_url(re.compile(r"/portal/ordrar/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_role("button", name="Bekräfta", exact=True).click()
    page.wait_for_url(re.compile(r"notice=confirmed"))
    assert "Utlovad leverans" in page.locator(".timeline").inner_text()
    page.get_by_role("button", name="Markera som skickad").click()
    page.wait_for_url(re.compile(r"notice=shipped"))
    log_out(page)
    return order_id


def test_two_retailers_one_late_a_held_review_and_the_ranking_drop(live: Any, page: Any) -> None:
    base = live.url
    product = f"{base}/produkt/{live.products[GLOVE]}"
    the_weeks_before(live, 7)

    # 1. one cart with offers from two retailers, one checkout, two orders
    log_in(page, base, "clinic")
    page.goto(product)
    assert ranked_retailers(page)[0] == LATE
    page.get_by_role("button", name=f"Lägg i varukorg från {LATE}").click()
    page.wait_for_url(re.compile(r"notice=added"))
    page.get_by_role("button", name=f"Lägg i varukorg från {ON_TIME}").click()
    page.wait_for_url(re.compile(r"notice=added"))
    page.goto(f"{base}/varukorg")
    assert page.locator(".cart-group").count() == 2
    page.get_by_role("link", name="Till kassan").click()
    page.get_by_role("button", name="Lägg beställning (2 ordrar)").click()
    page.wait_for_url(re.compile(r"/ordrar\?checkout="))
    assert page.locator("tr.order-row.fresh").count() == 2
    log_out(page)

    # 2. both retailers confirm with a promised date and ship
    late_order = confirm_and_ship(page, base, "retailer")
    on_time_order = confirm_and_ship(page, base, "retailer2")

    # 3. the late retailer's promised date passes before the goods arrive
    with transaction(factory_for(live.settings)) as s:
        s.execute(
            update(Order)
            .where(Order.id == late_order)
            .values(promised_delivery_date=local_date(utc_now()) - timedelta(days=2))
        )

    # 4. the clinic confirms both deliveries: one late, one on time
    log_in(page, base, "clinic")
    page.goto(f"{base}/ordrar/{on_time_order}")
    page.get_by_role("button", name="Bekräfta leverans").click()
    page.wait_for_url(re.compile(r"notice=delivered"))
    assert "I tid" in page.locator(".timeline").inner_text()
    page.goto(f"{base}/ordrar/{late_order}")
    assert "Utlovat leveransdatum har passerat" in page.content()
    page.get_by_role("button", name="Bekräfta leverans").click()
    page.wait_for_url(re.compile(r"notice=delivered"))
    assert "Försenad" in page.locator(".timeline").inner_text()

    # 5. a low review of the late retailer waits for its response
    form = page.locator("form.review-order-form")
    form.locator('input[name="rating"][value="1"]').check()
    form.locator('select[name="dim_delivery_precision"]').select_option("1")
    form.locator("textarea").fill("Kom två dagar för sent utan besked.")
    form.get_by_role("button", name="Skicka omdöme").click()
    page.wait_for_url(re.compile(r"notice=review_held"))
    assert "går först till återförsäljaren" in page.locator(".notice").inner_text()
    page.goto(f"{base}/handlare/nordisk-dentaldepa")
    assert "Kom två dagar för sent" not in page.locator("#reviews").inner_text()
    log_out(page)

    log_in(page, base, "retailer")
    page.goto(f"{base}/portal/omdomen")
    held = page.locator("article.review.held")
    assert held.count() == 1 and "Kom två dagar för sent" in held.inner_text()
    assert "Anna Lind" in held.inner_text() and "Verifierat köp" in held.inner_text()
    held.locator("textarea[name=text]").fill("Vi ber om ursäkt – vi har bytt transportör.")
    held.get_by_role("button", name="Svara").click()
    page.wait_for_url(re.compile(r"notice=responded"))
    assert page.locator("article.review.held").count() == 0
    log_out(page)

    # 6. published with the response, name, clinic and badge
    page.goto(f"{base}/handlare/nordisk-dentaldepa")
    reviews = page.locator("#reviews").inner_text()
    assert "Kom två dagar för sent" in reviews and "Vi ber om ursäkt" in reviews
    assert "Anna Lind" in reviews and "Folktandvården" in reviews and "Verifierat köp" in reviews

    # 7. the late retailer drops in the ranking, and the explanation says why
    page.goto(product)
    order = ranked_retailers(page)
    assert order[0] != LATE, order
    row = page.locator("tbody.offer", has=page.get_by_role("link", name=LATE, exact=True))
    row.locator("details summary").click()
    why = row.locator("details").inner_text()
    assert re.search(r"i tid 0\s?% av 8 ordrar", why), why
    with factory_for(live.settings)() as s:
        assert s.scalar(select(Order.delivered_on_time).where(Order.id == late_order)) is False
