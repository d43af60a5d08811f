"""Marketplace pages: cart -> checkout -> orders, the portal's order handling, returns,
reviews (held low ones answered by the retailer), campaigns, statistics, "Mina uppgifter",
demand recording, CSRF and access by role."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update

from api.auth import hash_password
from catalog.db import transaction
from catalog.models import Offer, User
from indexer.jobs import factory_for
from marketplace.campaigns import CampaignDraft, create_campaign
from marketplace.dates import utc_now
from marketplace.demand import DemandRecorder, search_rows
from marketplace.models import Cart, CartItem, DemandEvent, Order, Review
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import PASSWORD, UiEnv, csrf_from

GLOVE = "Nitrilhandske blå storlek M"
COMPOSITE = "Komposit A2 spruta 4 g"
OFFER_ID = re.compile(r'name="offer_id" value="(\d+)"')
ITEM_ID = re.compile(r'action="/varukorg/(\d+)/ta-bort"')
ORDER_LINK = re.compile(r'href="/ordrar/(\d+)"')


def _factory(env: UiEnv):  # type: ignore[no-untyped-def]
    return factory_for(env.settings)


def _empty_cart(env: UiEnv) -> None:
    with transaction(_factory(env)) as s:
        s.execute(delete(Cart))


def _offer(env: UiEnv, product: str, slug: str) -> Offer:
    with _factory(env)() as s:
        offer = s.scalar(
            select(Offer).where(
                Offer.product_id == env.products[product],
                Offer.retailer_id == env.retailers[slug],
            )
        )
        assert offer is not None
        s.expunge(offer)
        return offer


def _add(client: TestClient, env: UiEnv, product: str, slug: str, quantity: int = 1) -> None:
    pid = env.products[product]
    page = client.get(f"/produkt/{pid}")
    offer = _offer(env, product, slug)
    assert f'name="offer_id" value="{offer.id}"' in page.text
    response = client.post(
        "/varukorg",
        data={
            "csrf_token": csrf_from(page.text),
            "offer_id": str(offer.id),
            "quantity": str(quantity),
            "next": f"/produkt/{pid}",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/produkt/{pid}?notice=added"


def _post(client: TestClient, page_url: str, url: str, **data: str) -> str:
    """Post a form from ``page_url`` (with its CSRF token); the redirect target's HTML."""
    token = csrf_from(client.get(page_url).text)
    response = client.post(url, data={"csrf_token": token, **data})
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


# ---------------------------------------------------------------- pages in both languages

CLINIC_PAGES = ["/varukorg", "/kassa", "/ordrar", "/mina-uppgifter", "/kampanjer"]
PORTAL_PAGES = ["/portal/ordrar", "/portal/reklamationer", "/portal/omdomen", "/portal/statistik"]


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("path", CLINIC_PAGES)
def test_clinic_pages_render_in_both_languages(as_clinic: TestClient, path: str, lang: str) -> None:
    response = as_clinic.get(f"{path}?lang={lang}")
    assert response.status_code == 200, response.text
    assert f'<html lang="{lang}">' in response.text
    assert ("Varukorg" if lang == "sv" else "Cart") in response.text  # the header's cart link


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_portal_pages_render_in_both_languages(
    as_retailer: TestClient, path: str, lang: str
) -> None:
    response = as_retailer.get(f"{path}?lang={lang}")
    assert response.status_code == 200, response.text
    assert ("Reklamationer" if lang == "sv" else "Returns") in response.text


def test_product_and_retailer_pages_show_reviews_and_the_cart_button(
    env: UiEnv, client: TestClient, as_clinic: TestClient
) -> None:
    pid = env.products[GLOVE]
    html = as_clinic.get(f"/produkt/{pid}?lang=en").text
    assert "Add to cart" in html and "Reviews" in html and "Write a review" in html
    sv = as_clinic.get(f"/produkt/{pid}?lang=sv").text
    assert sv.count("Lägg i varukorg") >= 3
    assert 'name="dim_delivery_precision"' not in sv  # no dimensions for products
    retailer = as_clinic.get("/handlare/nordisk-dentaldepa").text
    assert 'name="dim_delivery_precision"' in retailer and "Omdömen" in retailer


def test_anonymous_visitors_see_no_cart_form_and_no_review_form(env: UiEnv) -> None:
    anonymous = TestClient(env.app, follow_redirects=False)
    html = anonymous.get(f"/produkt/{env.products[GLOVE]}").text
    assert 'action="/varukorg"' not in html and 'action="/omdomen"' not in html
    assert "Logga in för att beställa" in html and "Logga in för att skriva ett omdöme" in html


# ---------------------------------------------------------------- CSRF and access

POSTS = [
    "/varukorg",
    "/varukorg/1/antal",
    "/varukorg/1/ta-bort",
    "/kassa",
    "/ordrar/1/levererad",
    "/ordrar/1/avbryt",
    "/ordrar/1/bestall-igen",
    "/ordrar/1/rader/1/reklamation",
    "/omdomen",
    "/mina-uppgifter/radera",
    "/portal/ordrar/1/bekrafta",
    "/portal/ordrar/1/skicka",
    "/portal/ordrar/1/avbryt",
    "/portal/reklamationer/1/beslut",
    "/portal/reklamationer/1/los",
    "/portal/omdomen/1/svar",
]


@pytest.mark.parametrize("url", POSTS)
def test_marketplace_posts_without_or_with_a_wrong_csrf_token_are_refused(
    as_clinic: TestClient, url: str
) -> None:
    assert as_clinic.post(url, data={"offer_id": "1", "quantity": "1"}).status_code == 403
    assert as_clinic.post(url, data={"csrf_token": "forged", "offer_id": "1"}).status_code == 403


@pytest.mark.parametrize("path", ["/varukorg", "/kassa", "/ordrar", "/mina-uppgifter"])
def test_anonymous_visitors_are_sent_to_log_in(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/logga-in?next={path}"


def test_pages_are_for_their_roles(as_retailer: TestClient, env: UiEnv) -> None:
    for path in ("/varukorg", "/kassa", "/ordrar"):
        assert as_retailer.get(path).status_code == 403
    clinic = log_in(TestClient(env.app, follow_redirects=False), "clinic")
    for path in PORTAL_PAGES:
        assert clinic.get(path).status_code == 403
    merch = log_in(TestClient(env.app, follow_redirects=False), "merchandiser")
    assert merch.get("/portal/statistik").status_code == 403
    anonymous = TestClient(env.app, follow_redirects=False)
    assert anonymous.get("/portal/ordrar").status_code == 303
    assert anonymous.get("/kampanjer").status_code == 200  # open to everyone


def test_an_unknown_order_is_not_found(as_clinic: TestClient) -> None:
    assert as_clinic.get("/ordrar/999999").status_code == 404


# ---------------------------------------------------------------- cart -> checkout -> orders


def test_cart_checkout_orders_flow_across_two_retailers(env: UiEnv, as_clinic: TestClient) -> None:
    _empty_cart(env)
    _add(as_clinic, env, GLOVE, "nordisk-dentaldepa", 2)
    _add(as_clinic, env, COMPOSITE, "nordisk-dentaldepa")
    _add(as_clinic, env, GLOVE, "smilo", 3)
    cart = as_clinic.get("/varukorg").text
    assert cart.count('class="card cart-group"') == 2  # grouped per retailer
    assert "Nordisk Dentaldepå AB" in cart and "Smilo Dentalhandel" in cart
    assert "Blir 2 ordrar" in cart
    items = ITEM_ID.findall(cart)
    assert len(items) == 3
    # change a quantity, remove an item
    html = _post(as_clinic, "/varukorg", f"/varukorg/{items[1]}/antal", quantity="5")
    assert 'value="5"' in html and "Antalet är ändrat" in html
    html = _post(as_clinic, "/varukorg", f"/varukorg/{items[1]}/ta-bort")
    assert len(ITEM_ID.findall(html)) == 2

    # the retailer changes its price: checkout lists it and requires an explicit accept
    smilo = _offer(env, GLOVE, "smilo")
    with transaction(_factory(env)) as s:
        s.execute(update(Offer).where(Offer.id == smilo.id).values(price=Decimal("123.00")))
    page = as_clinic.get("/kassa")
    assert "Ändrat sedan du lade i varukorgen" in page.text
    assert "123,00" in page.text and 'name="accept_changes"' in page.text
    refused = as_clinic.post("/kassa", data={"csrf_token": csrf_from(page.text)})
    assert refused.status_code == 409 and "Godkänn ändringarna" in refused.text
    placed = as_clinic.post(
        "/kassa", data={"csrf_token": csrf_from(page.text), "accept_changes": "1"}
    )
    assert placed.status_code == 303 and "notice=placed" in placed.headers["location"]
    orders_html = as_clinic.get(placed.headers["location"]).text
    assert "en order per återförsäljare" in orders_html
    ids = sorted({int(i) for i in ORDER_LINK.findall(orders_html)})[-2:]
    with _factory(env)() as s:
        placed_orders = {
            o.retailer_id: o for o in s.scalars(select(Order).where(Order.id.in_(ids)))
        }
    assert set(placed_orders) == {env.retailers["nordisk-dentaldepa"], env.retailers["smilo"]}
    assert placed_orders[env.retailers["smilo"]].total == Decimal("369.00")
    assert as_clinic.get("/varukorg").text.count('class="card cart-group"') == 0

    # the retailer confirms with a promised date and ships
    order_id = placed_orders[env.retailers["nordisk-dentaldepa"]].id
    retailer = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    incoming = retailer.get("/portal/ordrar").text
    assert f"/portal/ordrar/{order_id}" in incoming and "Folktandvården" in incoming
    promised = (utc_now() + timedelta(days=3)).date().isoformat()
    html = _post(
        retailer,
        f"/portal/ordrar/{order_id}",
        f"/portal/ordrar/{order_id}/bekrafta",
        promised_delivery_date=promised,
    )
    assert "Ordern är bekräftad" in html and f"Utlovad leverans {promised}" in html
    html = _post(retailer, f"/portal/ordrar/{order_id}", f"/portal/ordrar/{order_id}/skicka")
    assert "Ordern är skickad" in html

    # the clinic confirms delivery (on time), requests a return, reorders
    page = as_clinic.get(f"/ordrar/{order_id}").text
    assert "Bekräfta leverans" in page and "Skickad" in page
    html = _post(as_clinic, f"/ordrar/{order_id}", f"/ordrar/{order_id}/levererad")
    assert "Leveransen är bekräftad" in html and "I tid" in html
    line = re.search(rf'action="/ordrar/{order_id}/rader/(\d+)/reklamation"', html)
    assert line is not None
    html = _post(
        as_clinic,
        f"/ordrar/{order_id}",
        f"/ordrar/{order_id}/rader/{line.group(1)}/reklamation",
        reason="Fel storlek levererad",
    )
    assert "Reklamationen är skickad" in html and "Inskickad" in html

    # the retailer accepts and resolves the return
    cases = retailer.get("/portal/reklamationer").text
    assert "Fel storlek levererad" in cases
    rma_id = re.search(r'action="/portal/reklamationer/(\d+)/beslut"', cases)
    assert rma_id is not None
    html = _post(
        retailer,
        "/portal/reklamationer",
        f"/portal/reklamationer/{rma_id.group(1)}/beslut",
        accept="1",
    )
    assert "Godkänd" in html
    html = _post(
        retailer,
        "/portal/reklamationer",
        f"/portal/reklamationer/{rma_id.group(1)}/los",
        outcome="replacement",
    )
    assert "Ersättningsvara" in html and "Avslutad" in html

    html = _post(as_clinic, f"/ordrar/{order_id}", f"/ordrar/{order_id}/bestall-igen")
    assert "till dagens priser" in html and len(ITEM_ID.findall(html)) == 1

    # the other retailer cancels with a reason
    other = placed_orders[env.retailers["smilo"]].id
    smilo_user = log_in(TestClient(env.app, follow_redirects=False), "retailer2")
    html = _post(
        smilo_user,
        f"/portal/ordrar/{other}",
        f"/portal/ordrar/{other}/avbryt",
        reason="out_of_stock",
        note="Tillfälligt slut",
    )
    assert "Ordern är avbruten" in html and "Slut i lager" in html
    assert "Avbruten" in as_clinic.get(f"/ordrar/{other}").text
    _empty_cart(env)


CART_DIGEST = re.compile(r'name="cart_digest" value="([^"]+)"')
CHECKOUT_TOKEN = re.compile(r'name="checkout_token" value="([^"]+)"')


def _checkout_form(page: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_from(page),
        "checkout_token": CHECKOUT_TOKEN.findall(page)[0],
        "cart_digest": CART_DIGEST.findall(page)[0],
        **extra,
    }


def _order_count(env: UiEnv) -> int:
    with _factory(env)() as s:
        return int(s.scalar(select(func.count()).select_from(Order)) or 0)


FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def test_a_double_clicked_add_to_cart_adds_once_and_a_double_removal_is_no_error(
    env: UiEnv, as_clinic: TestClient
) -> None:
    """A slow connection and a double click on "Lägg i varukorg" ordered 2 instead of 1;
    the second click on "Ta bort" showed "Det finns inte" (404) for an item it removed."""
    _empty_cart(env)
    pid = env.products[GLOVE]
    offer = _offer(env, GLOVE, "smilo")
    page = as_clinic.get(f"/produkt/{pid}").text
    tokens = FORM_TOKEN.findall(page)
    assert len(tokens) == len(set(tokens)) >= 2  # one per add form
    form = {
        "csrf_token": csrf_from(page),
        "offer_id": str(offer.id),
        "quantity": "1",
        "next": f"/produkt/{pid}",
        "form_token": tokens[OFFER_ID.findall(page).index(str(offer.id))],
    }
    first, second = as_clinic.post("/varukorg", data=form), as_clinic.post("/varukorg", data=form)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == f"/produkt/{pid}?notice=added"
    cart_page = as_clinic.get("/varukorg").text
    assert 'value="1"' in cart_page and len(ITEM_ID.findall(cart_page)) == 1
    again = as_clinic.get(f"/produkt/{pid}").text  # a new page: a new token, adds again
    fresh = {**form, "form_token": FORM_TOKEN.findall(again)[0], "csrf_token": csrf_from(again)}
    fresh["offer_id"] = OFFER_ID.findall(again)[0]
    assert as_clinic.post("/varukorg", data=fresh).status_code == 303
    with _factory(env)() as s:
        assert s.scalar(select(func.sum(CartItem.quantity))) == 2
    (item,) = ITEM_ID.findall(cart_page)
    remove = {"csrf_token": csrf_from(cart_page)}
    for _click in range(2):
        gone = as_clinic.post(f"/varukorg/{item}/ta-bort", data=remove)
        assert gone.status_code == 303 and gone.headers["location"] == "/varukorg?notice=removed"
    _empty_cart(env)


def test_checkout_form_places_only_the_cart_it_showed(env: UiEnv, as_clinic: TestClient) -> None:
    """/kassa shows one item; another tab then adds 50 of another retailer's offer. Placing
    the shown form must not order what the clinic never saw (it placed both orders)."""
    _empty_cart(env)
    _add(as_clinic, env, GLOVE, "nordisk-dentaldepa")
    page = as_clinic.get("/kassa").text
    assert "1 återförsäljare" in page
    _add(as_clinic, env, GLOVE, "smilo", 50)  # the other tab
    before = _order_count(env)
    refused = as_clinic.post("/kassa", data=_checkout_form(page))
    assert refused.status_code == 409
    assert "Varukorgen har ändrats sedan sidan visades" in refused.text
    assert "Inget är beställt" in refused.text and "2 återförsäljare" in refused.text
    assert _order_count(env) == before
    placed = as_clinic.post("/kassa", data=_checkout_form(refused.text))  # seen now
    assert placed.status_code == 303 and "notice=placed" in placed.headers["location"]
    assert _order_count(env) == before + 2


def test_checkout_form_accepting_a_price_change_accepts_only_the_price_shown(
    env: UiEnv, as_clinic: TestClient
) -> None:
    """The clinic accepts 123,00; the price changes again before the click: not placed at
    a price it never saw, the page shows the new one."""
    _empty_cart(env)
    _add(as_clinic, env, GLOVE, "smilo")
    smilo = _offer(env, GLOVE, "smilo")
    with transaction(_factory(env)) as s:
        s.execute(update(Offer).where(Offer.id == smilo.id).values(price=Decimal("123.00")))
    page = as_clinic.get("/kassa").text
    assert "123,00" in page
    with transaction(_factory(env)) as s:
        s.execute(update(Offer).where(Offer.id == smilo.id).values(price=Decimal("456.00")))
    before = _order_count(env)
    refused = as_clinic.post("/kassa", data=_checkout_form(page, accept_changes="1"))
    assert refused.status_code == 409 and "Varukorgen har ändrats" in refused.text
    assert "456,00" in refused.text and _order_count(env) == before
    placed = as_clinic.post("/kassa", data=_checkout_form(refused.text, accept_changes="1"))
    assert placed.status_code == 303 and _order_count(env) == before + 1
    with _factory(env)() as s:
        order = s.scalars(select(Order).order_by(Order.id.desc())).first()
        assert order is not None and order.total == Decimal("456.00")
    with transaction(_factory(env)) as s:
        s.execute(update(Offer).where(Offer.id == smilo.id).values(price=smilo.price))


def test_a_retailer_cannot_act_on_another_retailers_order(
    env: UiEnv, as_retailer: TestClient
) -> None:
    with _factory(env)() as s:
        foreign = s.scalar(
            select(Order.id).where(Order.retailer_id != env.retailers["nordisk-dentaldepa"])
        )
    # made by the checkout test earlier in this module (module-scoped environment)
    assert foreign is not None, "run with the module's checkout test: no other retailer's order"
    token = csrf_from(as_retailer.get("/portal/ordrar").text)
    response = as_retailer.post(f"/portal/ordrar/{foreign}/skicka", data={"csrf_token": token})
    assert response.status_code == 404


# ---------------------------------------------------------------- reviews


def test_review_forms_publish_high_and_hold_low_reviews_for_a_response(
    env: UiEnv, as_clinic: TestClient
) -> None:
    pid = env.products["Munspegel plan storlek 4"]
    html = _post(
        as_clinic,
        f"/produkt/{pid}",
        "/omdomen",
        target_type="product",
        target_id=str(pid),
        rating="5",
        text="Bra spegel, tydlig bild.",
        next=f"/produkt/{pid}",
    )
    assert "Ditt omdöme är publicerat" in html
    assert "Bra spegel, tydlig bild." in html and "Anna Lind" in html and "Folktandvården" in html

    rid = env.retailers["lagerbolaget"]
    html = _post(
        as_clinic,
        "/handlare/lagerbolaget",
        "/omdomen",
        target_type="retailer",
        target_id=str(rid),
        rating="1",
        dim_delivery_precision="1",
        dim_treatment="2",
        text="Kom en vecka för sent och ingen hörde av sig.",
        next="/handlare/lagerbolaget",
    )
    assert "går först till återförsäljaren" in html
    assert "Kom en vecka för sent" not in html  # held: not public yet
    with _factory(env)() as s:
        review = s.scalar(select(Review).where(Review.retailer_id == rid))
        assert review is not None and review.status == "held"
        assert review.delivery_precision == 1 and review.treatment == 2

    # a second review of the same target is refused
    again = as_clinic.post(
        "/omdomen",
        data={
            "csrf_token": csrf_from(html),
            "target_type": "retailer",
            "target_id": str(rid),
            "rating": "4",
            "next": "/handlare/lagerbolaget",
        },
    )
    assert again.status_code == 409 and "redan lämnat ett omdöme" in again.text


def test_a_double_clicked_review_form_is_answered_as_saved_not_as_an_error(
    env: UiEnv, as_clinic: TestClient
) -> None:
    """The browser shows the answer to the last of the two submits: it said "Du har redan
    lämnat ett omdöme" (409) for a review that was saved. A different or later review of
    the same target is still refused."""
    pid = env.products["Komposit A2 spruta 4 g"]
    page = as_clinic.get(f"/produkt/{pid}").text
    form = {
        "csrf_token": csrf_from(page),
        "target_type": "product",
        "target_id": str(pid),
        "rating": "4",
        "text": " Bra konsistens. ",
        "next": f"/produkt/{pid}",
    }
    first = as_clinic.post("/omdomen", data=form)
    second = as_clinic.post("/omdomen", data={**form, "text": "Bra konsistens."})
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == f"/produkt/{pid}?notice=review_already_saved#reviews"
    shown = as_clinic.get(second.headers["location"]).text
    assert "Ditt omdöme var redan sparat – det har inte sparats två gånger." in shown
    with _factory(env)() as s:
        assert (
            s.scalar(select(func.count()).select_from(Review).where(Review.target_id == pid)) == 1
        )
    other = as_clinic.post("/omdomen", data={**form, "rating": "3"})
    assert other.status_code == 409 and "redan lämnat ett omdöme" in other.text
    with transaction(_factory(env)) as s:
        s.execute(
            update(Review)
            .where(Review.target_id == pid)
            .values(created_at=utc_now() - timedelta(minutes=5))
        )
    later = as_clinic.post("/omdomen", data=form)
    assert later.status_code == 409 and "redan lämnat ett omdöme" in later.text


def test_the_retailer_answers_a_held_review_and_it_is_published_with_the_answer(
    env: UiEnv, as_clinic: TestClient
) -> None:
    rid = env.retailers["nordisk-dentaldepa"]
    _post(
        as_clinic,
        "/handlare/nordisk-dentaldepa",
        "/omdomen",
        target_type="service",
        target_id=str(rid),
        rating="2",
        text="Utbildningen var rörig.",
        next="/handlare/nordisk-dentaldepa",
    )
    retailer = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    portal = retailer.get("/portal/omdomen").text
    assert "Utbildningen var rörig." in portal and "Anna Lind" in portal
    found = re.search(r'action="/portal/omdomen/(\d+)/svar"', portal)
    assert found is not None
    html = _post(
        retailer,
        "/portal/omdomen",
        f"/portal/omdomen/{found.group(1)}/svar",
        text="Tack, vi har gjort om upplägget.",
    )
    assert "Svaret är publicerat" in html
    with _factory(env)() as s:
        review = s.get(Review, int(found.group(1)))
        assert review is not None and review.status == "published"
        assert review.response == "Tack, vi har gjort om upplägget."
    # a clinic cannot answer
    token = csrf_from(as_clinic.get("/varukorg").text)
    refused = as_clinic.post(
        f"/portal/omdomen/{found.group(1)}/svar", data={"csrf_token": token, "text": "x"}
    )
    assert refused.status_code == 403


def test_a_verified_review_shows_the_badge_and_the_response(
    env: UiEnv, as_clinic: TestClient
) -> None:
    with _factory(env)() as s:
        delivered = s.scalar(
            select(Order.id).where(
                Order.status == "delivered",
                Order.retailer_id == env.retailers["nordisk-dentaldepa"],
            )
        )
    assert delivered is not None, "run with the module's order-flow test: no delivered order"
    page = as_clinic.get(f"/ordrar/{delivered}").text
    assert "Betygsätt Nordisk Dentaldepå AB" in page
    html = _post(
        as_clinic,
        f"/ordrar/{delivered}",
        "/omdomen",
        target_type="retailer",
        target_id=str(env.retailers["nordisk-dentaldepa"]),
        order_id=str(delivered),
        rating="4",
        dim_delivery_precision="5",
        text="Snabbt och rätt.",
        next=f"/ordrar/{delivered}",
    )
    assert "Du har lämnat omdöme om den här ordern" in html
    public = as_clinic.get("/handlare/nordisk-dentaldepa").text
    assert "Snabbt och rätt." in public and "Verifierat köp" in public
    assert "Tack, vi har gjort om upplägget." not in public  # that was a service review


# ---------------------------------------------------------------- campaigns, stats, GDPR


def test_campaigns_live_only_in_their_section(env: UiEnv, as_clinic: TestClient) -> None:
    now = utc_now()
    with transaction(_factory(env)) as s:
        staff = s.scalar(
            select(User).where(User.retailer_id == env.retailers["nordisk-dentaldepa"])
        )
        create_campaign(
            s,
            staff,
            env.retailers["nordisk-dentaldepa"],
            CampaignDraft(
                "Vårkampanj handskar",
                "Fri frakt på handskar i april.",
                [env.products[GLOVE]],
                now - timedelta(days=1),
                now + timedelta(days=10),
            ),
        )
    html = as_clinic.get("/kampanjer").text
    assert "Vårkampanj handskar" in html and "Fri frakt" in html and GLOVE in html
    assert "Vårkampanj" not in as_clinic.get("/?q=nitrilhandske").text
    assert "Vårkampanj" not in as_clinic.get(f"/produkt/{env.products[GLOVE]}").text
    assert "Campaigns" in as_clinic.get("/kampanjer?lang=en").text


def test_searches_and_views_are_recorded_and_shown_in_the_statistics(
    env: UiEnv, as_clinic: TestClient, as_retailer: TestClient
) -> None:
    as_clinic.get("/")
    recorder: DemandRecorder = env.app.state.demand_recorder
    recorder.flush()
    before = _events(env)
    as_clinic.get("/?q=nitrilhandske")
    as_clinic.get(f"/produkt/{env.products[GLOVE]}")
    TestClient(env.app).get("/api/v1/search", params={"q": "komposit"})
    TestClient(env.app).get(f"/api/v1/products/{env.products[COMPOSITE]}")
    assert recorder.pending() >= 6
    recorder.flush()
    after = _events(env)
    assert after["search"] - before.get("search", 0) >= 4  # one per product shown
    assert after["view"] - before.get("view", 0) == 2
    with _factory(env)() as s:
        view = s.scalar(
            select(DemandEvent).where(
                DemandEvent.kind == "view", DemandEvent.product_id == env.products[GLOVE]
            )
        )
        assert view is not None and sorted(rank for _rid, rank in view.retailers) == [1, 2, 3]
        assert view.query is None
    html = as_retailer.get("/portal/statistik?dagar=7").text
    assert '<svg class="chart"' in html and GLOVE in html and "Handskar" in html
    assert "Jämförelser ni är med i" in html and "Förlorar på" in html
    assert 'value="7" selected' in html


def _events(env: UiEnv) -> dict[str, int]:
    with _factory(env)() as s:
        rows = s.execute(
            select(DemandEvent.kind, func.sum(DemandEvent.occurrences)).group_by(DemandEvent.kind)
        )
        return {str(kind): int(n) for kind, n in rows}


def test_recording_a_search_does_no_io_until_flushed(env: UiEnv) -> None:
    """What keeps recording off the search hot path: buffering only, one batched write later."""
    opened = []

    def factory():  # type: ignore[no-untyped-def]
        opened.append(1)
        return _factory(env)()

    recorder = DemandRecorder(factory, batch_size=10**9, max_age=10**9)
    for n in range(50):  # the same search 40 times (a popular query) and 10 others
        query = "nitrilhandske" if n < 40 else f"fråga {n}"
        assert recorder.record(*search_rows(query, [(i, 1) for i in range(20)])) is False
    # Repeats of one impression fold into one row: 20 for the popular query, 20 per other.
    assert opened == [] and recorder.pending() == 11 * 20
    with _factory(env)() as s:
        before_rows = s.scalar(select(func.count()).select_from(DemandEvent))
        before = s.scalar(select(func.sum(DemandEvent.occurrences))) or 0
    written = recorder.flush()
    assert written == 11 * 20 and len(opened) == 1
    with _factory(env)() as s:
        assert s.scalar(select(func.count()).select_from(DemandEvent)) == before_rows + written
        assert s.scalar(select(func.sum(DemandEvent.occurrences))) == before + 50 * 20
        popular = s.scalars(
            select(DemandEvent.occurrences).where(DemandEvent.query == "nitrilhandske")
        ).all()
        assert sorted(popular)[-20:] == [40] * 20


def test_my_data_export_and_account_deletion(env: UiEnv) -> None:
    with transaction(_factory(env)) as s:
        s.add(
            User(
                email="radera@valbar.test",
                name="Per Persson",
                clinic="Tandläkarhuset",
                role="clinic",
                password_hash=hash_password(PASSWORD),
            )
        )
    client = TestClient(env.app, follow_redirects=False)
    page = client.get("/logga-in")
    client.post(
        "/logga-in",
        data={
            "email": "radera@valbar.test",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    html = client.get("/mina-uppgifter?lang=en").text
    assert "Download my data" in html and "Delete my account" in html
    export = client.get("/mina-uppgifter/export")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    data = json.loads(export.text)
    assert data["user"]["email"] == "radera@valbar.test" and "password_hash" not in data["user"]

    token = csrf_from(client.get("/mina-uppgifter").text)
    unconfirmed = client.post(
        "/mina-uppgifter/radera", data={"csrf_token": token, "email": "radera@valbar.test"}
    )
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    wrong = client.post(
        "/mina-uppgifter/radera", data={"csrf_token": token, "confirm": "1", "email": "x@y.z"}
    )
    assert wrong.status_code == 422
    deleted = client.post(
        "/mina-uppgifter/radera",
        data={"csrf_token": token, "confirm": "1", "email": "radera@valbar.test"},
    )
    assert deleted.status_code == 303 and deleted.headers["location"] == "/?notice=account_deleted"
    assert "valbar_device" not in client.cookies  # the known-browser mark goes with the account
    assert "Your account is deleted" in client.get("/?notice=account_deleted").text
    with _factory(env)() as s:
        assert s.scalar(select(User).where(User.email == "radera@valbar.test")) is None
    assert client.get("/mina-uppgifter").status_code == 303


def test_the_cart_and_checkout_pages_say_a_retailer_is_suspended(
    env: UiEnv, as_clinic: TestClient
) -> None:
    from catalog.models import Organisation

    _empty_cart(env)
    _add(as_clinic, env, GLOVE, "smilo")
    rid = env.retailers["smilo"]
    with transaction(_factory(env)) as s:
        org = s.scalar(select(Organisation).where(Organisation.retailer_id == rid))
        if org is None:
            org = Organisation(kind="retailer", name="Smilo", status="active", retailer_id=rid)
            s.add(org)
        before, org.status = org.status, "suspended"
    try:
        assert "Kan inte köpas: handlaren är avstängd" in as_clinic.get("/varukorg").text
        assert "Kan inte köpas: handlaren är avstängd" in as_clinic.get("/kassa").text
    finally:
        with transaction(_factory(env)) as s:
            org = s.scalar(select(Organisation).where(Organisation.retailer_id == rid))
            assert org is not None
            org.status = before
    assert "avstängd" not in as_clinic.get("/varukorg").text
    _empty_cart(env)
