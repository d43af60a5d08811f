"""The checkout page shows each retailer's amounts excl. and incl. VAT with its delivery and the
grand total, takes the PO number, addresses and a note per retailer (kept when refused), and
the clinic's and the retailer's order pages show them with the confirmation downloads."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from catalog.db import transaction
from catalog.models import Offer, Retailer
from indexer.jobs import factory_for
from marketplace.models import Cart, Order
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv, csrf_from

GLOVE = "Nitrilhandske blå storlek M"


def _fill(env: UiEnv, client: TestClient) -> str:
    factory = factory_for(env.settings)
    with transaction(factory) as s:
        s.execute(delete(Cart))
        smilo = s.get(Retailer, env.retailers["smilo"])
        assert smilo is not None
        smilo.delivery_fee, smilo.free_shipping_from = Decimal("49.00"), None
    for slug in ("nordisk-dentaldepa", "smilo"):
        with factory() as s:
            offer = s.scalar(
                select(Offer).where(
                    Offer.product_id == env.products[GLOVE],
                    Offer.retailer_id == env.retailers[slug],
                )
            )
            assert offer is not None
            offer_id = offer.id
        page = client.get(f"/produkt/{env.products[GLOVE]}")
        added = client.post(
            "/varukorg",
            data={"csrf_token": csrf_from(page.text), "offer_id": str(offer_id), "quantity": "2"},
        )
        assert added.status_code == 303
    return client.get("/kassa").text


def _form(page: str, **fields: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "csrf_token": csrf_from(page),
        "checkout_token": re.search(r'name="checkout_token" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        "cart_digest": re.search(r'name="cart_digest" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        "accept_changes": "1",
    }
    data.update(fields)
    return data


def test_the_checkout_shows_amounts_excl_and_incl_vat_and_the_grand_total(
    env: UiEnv, as_clinic: TestClient
) -> None:
    page = _fill(env, as_clinic)
    assert 'id="checkout-totals"' in page
    assert "Varor exkl. moms" in page and "Att betala inkl. moms" in page
    assert "Totalt för alla handlare" in page
    assert "enligt handlarens villkor" in page  # Nordisk states no delivery fee
    assert "49,00" in page  # Smilo's
    assert 'name="po_number"' in page and page.count('name="note_text"') == 2
    english = as_clinic.get("/kassa?lang=en").text
    assert "To pay incl. VAT" in english and "Your reference (PO number)" in english


def test_details_go_on_the_orders_and_the_retailer_sees_them(
    env: UiEnv, as_clinic: TestClient
) -> None:
    page = _fill(env, as_clinic)
    smilo_id = env.retailers["smilo"]
    nordisk_id = env.retailers["nordisk-dentaldepa"]
    placed = as_clinic.post(
        "/kassa",
        data=_form(
            page,
            po_number="IO-77",
            delivery_address="Kliniken\nGatan 2\n222 22 Lund",
            note_retailer=[str(nordisk_id), str(smilo_id)],
            note_text=["", "Lämna vid bakdörren"],
        ),
    )
    assert placed.status_code == 303, placed.text
    with factory_for(env.settings)() as s:
        found = {
            o.retailer_id: o for o in s.scalars(select(Order).where(Order.po_number == "IO-77"))
        }
    assert set(found) == {smilo_id, nordisk_id}
    assert found[smilo_id].note == "Lämna vid bakdörren" and found[nordisk_id].note is None
    assert found[smilo_id].delivery_cost == Decimal("49.00")
    order_page = as_clinic.get(f"/ordrar/{found[smilo_id].id}").text
    assert 'id="po-number">IO-77' in order_page and "Gatan 2<br>222 22 Lund" in order_page
    assert f"/api/v1/orders/{found[smilo_id].id}/confirmation.pdf?lang=sv" in order_page
    pdf = as_clinic.get(f"/api/v1/orders/{found[smilo_id].id}/confirmation.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_bad_detail_is_refused_on_the_page_with_what_was_typed_kept(
    env: UiEnv, as_clinic: TestClient
) -> None:
    page = _fill(env, as_clinic)
    refused = as_clinic.post(
        "/kassa", data=_form(page, po_number="IO\x0118", invoice_address="Box 7, Lund")
    )
    assert refused.status_code == 422
    assert 'id="details-error"' in refused.text and "po_number" in refused.text
    assert "Box 7, Lund</textarea>" in refused.text
    with factory_for(env.settings)() as s:
        assert s.scalar(select(Cart)) is not None  # nothing placed: the cart is still full


def test_the_retailer_portal_order_shows_the_po_and_note(env: UiEnv) -> None:
    with factory_for(env.settings)() as s:
        order = s.scalar(select(Order).where(Order.po_number == "IO-77", Order.note.is_not(None)))
    if order is None:  # run alone: place one first
        clinic = log_in(TestClient(env.app, follow_redirects=False), "clinic")
        test_details_go_on_the_orders_and_the_retailer_sees_them(env, clinic)
        with factory_for(env.settings)() as s:
            order = s.scalar(
                select(Order).where(Order.po_number == "IO-77", Order.note.is_not(None))
            )
    assert order is not None
    retailer = log_in(TestClient(env.app, follow_redirects=False), "retailer2")
    page = retailer.get(f"/portal/ordrar/{order.id}")
    assert page.status_code == 200, page.text
    assert "IO-77" in page.text and "Lämna vid bakdörren" in page.text
    assert "Orderbekräftelse" in page.text


def test_a_forged_note_retailer_id_is_ignored_not_a_server_error(
    env: UiEnv, as_clinic: TestClient
) -> None:
    page = _fill(env, as_clinic)
    smilo_id = env.retailers["smilo"]
    # "²".isdigit() holds but int("²") fails; 5000 digits are past int()'s limit
    placed = as_clinic.post(
        "/kassa",
        data=_form(
            page,
            po_number="IO-FORGED",
            note_retailer=["²", "9" * 5000, str(smilo_id)],
            note_text=["x", "y", "Till Smilo"],
        ),
    )
    assert placed.status_code == 303, placed.text
    with factory_for(env.settings)() as s:
        notes = {
            o.retailer_id: o.note
            for o in s.scalars(select(Order).where(Order.po_number == "IO-FORGED"))
        }
    assert notes[smilo_id] == "Till Smilo" and set(notes.values()) == {"Till Smilo", None}


def test_the_cart_counts_a_price_stated_excl_vat_with_its_vat(
    env: UiEnv, as_clinic: TestClient
) -> None:
    _fill(env, as_clinic)  # 2 × Smilo's glove at 95.00
    factory = factory_for(env.settings)
    query = select(Offer).where(
        Offer.product_id == env.products[GLOVE], Offer.retailer_id == env.retailers["smilo"]
    )
    with transaction(factory) as s:
        offer = s.scalar(query)
        assert offer is not None and offer.price == Decimal("95.00")
        offer.vat_included = False
    try:
        page = as_clinic.get("/varukorg").text
        group = page.split("Summa hos Smilo Dentalhandel", 1)[1].split("</tr>", 1)[0]
        assert "237,50" in group  # 190.00 excl. VAT + 25 %, as the checkout says; not 190,00
        checkout = as_clinic.get("/kassa").text  # 190.00 + 49.00 delivery, then 25 % VAT
        assert "190,00" in checkout and "298,75" in checkout
    finally:
        with transaction(factory) as s:
            offer = s.scalar(query)
            assert offer is not None
            offer.vat_included = None
