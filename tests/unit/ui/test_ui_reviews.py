"""Review integrity on the pages (issue 13 items 1-3): only clinics get the form; a refused
review keeps what was typed; low reviews are held; orders already reviewed are not offered;
a report reaches the admins' queue, whose removal (with a reason) hides the review and tells
its author on "Mina uppgifter"."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import Offer, User
from indexer.jobs import factory_for
from marketplace.dates import utc_now
from marketplace.models import Order, OrderLine, Review, ReviewReport
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, UiEnv, csrf_from

MIRROR = "Munspegel plan storlek 4"
COMPOSITE = "Komposit A2 spruta 4 g"


def _form(client: TestClient, page: str, url: str, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **data})


@pytest.mark.parametrize("role", ["retailer", "merchandiser", "admin"])
def test_only_clinics_get_the_review_form_and_may_post_it(
    env: UiEnv, client: TestClient, role: str
) -> None:
    """Before, every logged-in user got the form and a competitor's review was published."""
    log_in(client, role)
    rid = env.retailers["lagerbolaget"]
    page = client.get("/handlare/lagerbolaget").text
    assert 'action="/omdomen"' not in page
    assert "Bara kliniker skriver omdömen" in page
    posted = _form(
        client,
        "/handlare/lagerbolaget",
        "/omdomen",
        target_type="retailer",
        target_id=str(rid),
        rating="1",
        text="Konkurrentens omdöme",
        next="/handlare/lagerbolaget",
    )
    assert posted.status_code == 403
    with factory_for(env.settings)() as s:
        assert s.scalar(select(Review).where(Review.text == "Konkurrentens omdöme")) is None


def test_a_refused_review_comes_back_with_what_was_typed(env: UiEnv, as_clinic: TestClient) -> None:
    """Before, a refusal was an error page and the clinic's text was lost."""
    rid = env.retailers["smilo"]
    first = _form(
        as_clinic,
        "/handlare/smilo",
        "/omdomen",
        target_type="retailer",
        target_id=str(rid),
        rating="4",
        text="Bra service.",
        next="/handlare/smilo",
    )
    assert first.status_code == 303
    typed = "Andra gången: leveransen kom i tid men fakturan var fel & <b>dubbel</b>."
    again = _form(
        as_clinic,
        "/handlare/smilo",
        "/omdomen",
        target_type="retailer",
        target_id=str(rid),
        rating="3",
        dim_treatment="2",
        text=typed,
        next="/handlare/smilo",
    )
    assert again.status_code == 409
    html = again.text
    assert "redan lämnat ett omdöme" in html and "Det du skrev finns kvar" in html
    escaped = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f">{escaped}</textarea>" in html
    assert re.search(r'name="rating" value="3" required checked', html)
    assert re.search(r'<option value="2" selected>2</option>', html)
    assert 'name="next" value="/handlare/smilo"' in html


def test_a_two_star_product_review_is_held_not_shown(env: UiEnv, as_clinic: TestClient) -> None:
    """Before, a 2-star product review without an order was published at once, under a
    text that said low reviews are held."""
    pid = env.products[COMPOSITE]
    posted = _form(
        as_clinic,
        f"/produkt/{pid}",
        "/omdomen",
        target_type="product",
        target_id=str(pid),
        rating="2",
        text="Klumpar sig i sprutan.",
        next=f"/produkt/{pid}",
    )
    assert posted.status_code == 303 and "notice=review_held" in posted.headers["location"]
    page = as_clinic.get(posted.headers["location"]).text
    assert "Klumpar sig i sprutan." not in page
    assert "publiceras inte direkt" in page


def _offered_orders(html: str) -> set[int]:
    found = re.search(r'<select id="review-order" name="order_id">(.*?)</select>', html, re.S)
    assert found is not None
    return {int(v) for v in re.findall(r'<option value="(\d+)"', found.group(1))}


def test_orders_already_reviewed_are_not_offered(env: UiEnv, as_clinic: TestClient) -> None:
    rid = env.retailers["nordisk-dentaldepa"]
    with transaction(factory_for(env.settings)) as s:
        clinic = s.scalar(select(User).where(User.email == EMAILS["clinic"]))
        assert clinic is not None
        made = [
            Order(
                checkout_ref=f"ui-reviewed-{n}",
                retailer_id=rid,
                clinic_user_id=clinic.id,
                buyer_name=clinic.name,
                clinic_name=clinic.clinic or "",
                status="delivered",
                total=Decimal("100.00"),
                delivered_at=utc_now(),
            )
            for n in range(2)
        ]
        s.add_all(made)
        s.flush()
        reviewed, open_order = made[0].id, made[1].id
    offered = _offered_orders(as_clinic.get("/handlare/nordisk-dentaldepa").text)
    assert {reviewed, open_order} <= offered
    posted = _form(
        as_clinic,
        "/handlare/nordisk-dentaldepa",
        "/omdomen",
        target_type="retailer",
        target_id=str(rid),
        order_id=str(reviewed),
        rating="5",
        text="Snabbt!",
        next="/handlare/nordisk-dentaldepa",
    )
    assert posted.status_code == 303
    offered = _offered_orders(as_clinic.get("/handlare/nordisk-dentaldepa").text)
    assert reviewed not in offered and open_order in offered


def test_report_then_admin_removes_with_reason_and_the_author_is_told(
    env: UiEnv, client: TestClient
) -> None:
    pid = env.products[MIRROR]
    clinic = TestClient(env.app, follow_redirects=False)
    log_in(clinic, "clinic")
    text = "Säljaren är en bedragare och borde sitta inne."
    posted = _form(
        clinic,
        f"/produkt/{pid}",
        "/omdomen",
        target_type="product",
        target_id=str(pid),
        rating="4",
        text=text,
        next=f"/produkt/{pid}",
    )
    assert posted.status_code == 303
    with factory_for(env.settings)() as s:
        review_id = s.scalar(select(Review.id).where(Review.text == text))
    assert review_id is not None

    log_in(client, "retailer")
    page = client.get(f"/produkt/{pid}").text
    assert f'action="/omdomen/{review_id}/anmal"' in page  # the report button
    reported = _form(
        client,
        f"/produkt/{pid}",
        f"/omdomen/{review_id}/anmal",
        reason="Ärekränkning",
        next=f"/produkt/{pid}",
    )
    assert reported.status_code == 303 and "notice=review_reported" in reported.headers["location"]
    assert client.get("/admin/omdomen").status_code == 403

    admin = TestClient(env.app, follow_redirects=False)
    log_in(admin, "admin")
    queue = admin.get("/admin/omdomen").text
    assert text in queue and "Ärekränkning" in queue
    # what the review is about, named and linked (before: "product #7")
    assert f'om produkten <a href="/produkt/{pid}">{MIRROR}</a>' in queue
    assert f"product #{pid}" not in queue
    # a dismissal tells the author nothing: the reason's label no longer says it does
    assert "författaren får läsa den om omdömet tas bort" in queue
    english = admin.get("/admin/omdomen?lang=en").text
    assert f'of the product <a href="/produkt/{pid}">{MIRROR}</a>' in english
    admin.get("/admin/omdomen?lang=sv")  # back to Swedish (the choice is remembered)
    with factory_for(env.settings)() as s:
        report_id = s.scalar(select(ReviewReport.id).where(ReviewReport.review_id == review_id))
    for outcome in ("", "delete"):  # before: anything but "removed" dismissed the report
        forged = _form(
            admin,
            "/admin/omdomen",
            f"/admin/omdomen/anmalan/{report_id}",
            outcome=outcome,
            reason="Inget fel",
        )
        assert forged.status_code == 422
    assert "Ärekränkning" in admin.get("/admin/omdomen").text  # still open
    empty = _form(admin, "/admin/omdomen", f"/admin/omdomen/anmalan/{report_id}", outcome="removed")
    assert empty.status_code == 422 and "reason" in empty.text  # a reason is required
    removed = _form(
        admin,
        "/admin/omdomen",
        f"/admin/omdomen/anmalan/{report_id}",
        outcome="removed",
        reason="Personangrepp mot säljaren",
    )
    assert removed.status_code == 303
    history = admin.get("/admin/omdomen").text
    assert "Personangrepp mot säljaren" in history and "borttaget" in history
    twice = _form(
        admin,
        "/admin/omdomen",
        f"/admin/omdomen/anmalan/{report_id}",
        outcome="dismissed",
        reason="ok",
    )
    assert twice.status_code == 409 and "redan beslutat" in twice.text

    assert text not in clinic.get(f"/produkt/{pid}").text
    me = clinic.get("/mina-uppgifter").text
    assert "har tagits bort" in me and "Personangrepp mot säljaren" in me
    assert 'class="notification new"' in me
    assert 'class="notification new"' not in clinic.get("/mina-uppgifter").text  # read now
    english = clinic.get("/mina-uppgifter?lang=en").text
    assert "was removed by Valbar&#39;s admins" in english


def test_refusals_on_swedish_pages_carry_no_english_detail(
    env: UiEnv, as_clinic: TestClient
) -> None:
    """Before, the review form and the admins' queue showed the service's English message
    ("duplicate review: …", "report 3 was already resolved …") under the Swedish sentence."""
    pid = env.products["Nitrilhandske blå storlek M"]
    page = f"/produkt/{pid}"
    review = {"target_type": "product", "target_id": str(pid), "next": page}
    first = _form(as_clinic, page, "/omdomen", rating="4", text="Bra.", **review)
    assert first.status_code == 303
    again = _form(as_clinic, page, "/omdomen", rating="3", text="Igen.", **review)
    assert again.status_code == 409
    assert "redan lämnat ett omdöme" in again.text and "duplicate review" not in again.text
    english = as_clinic.post(
        "/omdomen?lang=en",
        data={
            "csrf_token": csrf_from(as_clinic.get(page).text),
            "rating": "2",
            "text": "Again.",
            **review,
        },
    )
    assert english.status_code == 409 and "duplicate review" in english.text

    with factory_for(env.settings)() as s:
        review_id = s.scalar(select(Review.id).where(Review.text == "Bra."))
    retailer = TestClient(env.app, follow_redirects=False)
    log_in(retailer, "retailer")
    reported = _form(retailer, page, f"/omdomen/{review_id}/anmal", reason="Spam", next="/")
    assert reported.status_code == 303
    admin = TestClient(env.app, follow_redirects=False)
    log_in(admin, "admin")
    with factory_for(env.settings)() as s:
        report_id = s.scalar(select(ReviewReport.id).where(ReviewReport.review_id == review_id))
    url = f"/admin/omdomen/anmalan/{report_id}"
    done = _form(admin, "/admin/omdomen", url, outcome="dismissed", reason="Inget fel")
    assert done.status_code == 303
    twice = _form(admin, "/admin/omdomen", url, outcome="dismissed", reason="Inget fel")
    assert twice.status_code == 409 and "redan beslutat" in twice.text
    assert "already resolved" not in twice.text


def test_no_report_button_on_your_own_review(env: UiEnv, as_clinic: TestClient) -> None:
    """Before, the author got a report button on their own review and the report reached
    the admins' queue; now the button is not there and a forged post is refused."""
    pid = env.products["Sugslang engångs 100 st"]
    page = f"/produkt/{pid}"
    posted = _form(
        as_clinic,
        page,
        "/omdomen",
        target_type="product",
        target_id=str(pid),
        rating="4",
        text="Mitt eget omdöme.",
        next=page,
    )
    assert posted.status_code == 303
    with factory_for(env.settings)() as s:
        review_id = s.scalar(select(Review.id).where(Review.text == "Mitt eget omdöme."))
    action = f'action="/omdomen/{review_id}/anmal"'
    assert action not in as_clinic.get(page).text
    other = TestClient(env.app, follow_redirects=False)
    log_in(other, "retailer")
    assert action in other.get(page).text
    forged = _form(as_clinic, page, f"/omdomen/{review_id}/anmal", reason="x", next="/")
    assert forged.status_code == 403
    with factory_for(env.settings)() as s:
        assert s.scalar(select(ReviewReport.id).where(ReviewReport.review_id == review_id)) is None


def test_a_product_review_can_be_tied_to_a_delivered_order_with_the_product(
    env: UiEnv, as_clinic: TestClient
) -> None:
    """Before, the product page's form offered no order, so a clinic that had bought the
    product could not write a verified review of it and its low review waited for the
    admins instead of going to the retailer it bought from."""
    pid = env.products[COMPOSITE]
    page = f"/produkt/{pid}"
    with transaction(factory_for(env.settings)) as s:
        clinic = s.scalar(select(User).where(User.email == EMAILS["clinic"]))
        offer = s.scalar(select(Offer).where(Offer.product_id == pid).limit(1))
        other = s.scalar(select(Offer).where(Offer.product_id != pid).limit(1))
        assert clinic is not None and offer is not None and other is not None

        def order(ref: str, sold: Offer) -> Order:
            made = Order(
                checkout_ref=ref,
                retailer_id=sold.retailer_id,
                clinic_user_id=clinic.id,
                buyer_name=clinic.name,
                clinic_name=clinic.clinic or "",
                status="delivered",
                total=Decimal("100.00"),
                delivered_at=utc_now(),
            )
            made.lines.append(
                OrderLine(
                    offer_id=sold.id,
                    product_id=sold.product_id,
                    sku=sold.sku,
                    name="x",
                    unit_price=Decimal("100.00"),
                    quantity=1,
                    stock_status_at_checkout="in_stock",
                )
            )
            s.add(made)
            return made

        with_it, without = order("ui-product-1", offer), order("ui-product-2", other)
        s.flush()
        with_id, without_id, retailer_id = with_it.id, without.id, offer.retailer_id
    offered = _offered_orders(as_clinic.get(page).text)
    assert with_id in offered and without_id not in offered
    posted = _form(
        as_clinic,
        page,
        "/omdomen",
        target_type="product",
        target_id=str(pid),
        order_id=str(with_id),
        rating="1",
        text="Sprutan läckte.",
        next=page,
    )
    assert posted.status_code == 303 and "notice=review_held" in posted.headers["location"]
    with factory_for(env.settings)() as s:
        review = s.scalar(select(Review).where(Review.text == "Sprutan läckte."))
        assert review is not None
        assert (review.verified_purchase, review.retailer_id) == (True, retailer_id)
    after = as_clinic.get(page).text  # the only order is reviewed: no order to choose
    assert 'id="review-order"' not in after and "Sprutan läckte." not in after
