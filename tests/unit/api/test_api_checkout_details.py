"""Checkout with what an invoice needs: the cart's totals excl. and incl. VAT per retailer and
in all, the PO number, addresses and a note per retailer on the orders, and the order
confirmation as CSV and PDF (in Swedish or English, to whoever may see the order)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalog.db import transaction
from catalog.models import Organisation, Retailer
from indexer.jobs import factory_for
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

V1 = "/api/v1"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_checkout_details")))
    with transaction(factory_for(built.settings)) as s:
        tand = s.get(Retailer, built.retailers["tandab"])
        clinic = s.get(Organisation, built.orgs["clinic_a"])
        assert tand is not None and clinic is not None
        tand.delivery_fee, tand.free_shipping_from = Decimal("49.00"), Decimal("5000")
        clinic.street, clinic.postal_code, clinic.city = "Storgatan 1", "111 22", "Stockholm"
    yield built
    close_env(built)


def _fill_cart(env: ApiEnv) -> dict[str, Any]:
    for item in env.client.get(f"{V1}/cart", headers=env.headers("clinic")).json()["items"]:
        env.client.delete(f"{V1}/cart/items/{item['id']}", headers=env.headers("clinic"))
    for key, quantity in (("glove_tand", 2), ("glove_nord", 1)):
        r = env.client.post(
            f"{V1}/cart/items",
            json={"offer_id": env.offers[key], "quantity": quantity},
            headers=env.headers("clinic"),
        )
        assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_cart_shows_each_retailers_total_and_the_grand_total(env: ApiEnv) -> None:
    totals = _fill_cart(env)["totals"]
    tand = next(t for t in totals["retailers"] if t["retailer"] == "tandab")
    assert tand["lines"] == {"excl_vat": "158.40", "vat": "39.60", "incl_vat": "198.00"}
    assert tand["delivery_excl_vat"] == "49.00"
    assert tand["total"]["incl_vat"] == "259.25"  # 198.00 + 49.00 + 12.25 VAT on delivery
    nord = next(t for t in totals["retailers"] if t["retailer"] == "dentalnord")
    assert nord["delivery_excl_vat"] is None  # that retailer states no delivery fee
    (grand,) = totals["grand_total"]
    assert grand["currency"] == "SEK"
    assert Decimal(grand["incl_vat"]) == Decimal("259.25") + Decimal(nord["total"]["incl_vat"])
    assert totals["delivery_not_stated"] is True


def test_checkout_details_reach_each_order_and_the_retailer(env: ApiEnv) -> None:
    _fill_cart(env)
    nord_id = env.retailers["dentalnord"]
    r = env.client.post(
        f"{V1}/checkout",
        json={
            "accept_changes": True,
            "po_number": "IO-2026-118",
            "invoice_address": "Folktand AB\nEkonomi, Box 7\n111 20 Stockholm",
            "notes": {str(nord_id): "Ring före leverans"},
        },
        headers=env.headers("clinic"),
    )
    assert r.status_code == 201, r.text
    placed = {o["retailer_id"]: o for o in r.json()["data"]}
    nord, tand = placed[nord_id], placed[env.retailers["tandab"]]
    assert {o["po_number"] for o in placed.values()} == {"IO-2026-118"}
    assert nord["note"] == "Ring före leverans" and tand["note"] is None
    assert tand["delivery_address"] == "Folktand\nStorgatan 1\n111 22 Stockholm"
    assert tand["amounts"]["total"]["incl_vat"] == "259.25"
    # the retailer reads the same on its order
    seen = env.client.get(f"{V1}/orders/{nord['id']}", headers=env.headers("retailer_other"))
    assert seen.status_code == 200
    assert seen.json()["po_number"] == "IO-2026-118"
    assert seen.json()["note"] == "Ring före leverans"


def test_a_note_to_a_retailer_outside_the_cart_or_a_long_po_is_refused_naming_it(
    env: ApiEnv,
) -> None:
    _fill_cart(env)
    wrong = env.client.post(
        f"{V1}/checkout",
        json={"accept_changes": True, "notes": {"999999": "x"}},
        headers=env.headers("clinic"),
    )
    assert "notes.999999" in assert_problem(wrong, 422)["detail"]
    long_po = env.client.post(
        f"{V1}/checkout", json={"po_number": "x" * 51}, headers=env.headers("clinic")
    )
    assert long_po.status_code == 422 and "po_number" in long_po.text
    # nothing was placed: the cart is as it was
    assert len(env.client.get(f"{V1}/cart", headers=env.headers("clinic")).json()["items"]) == 2


def test_the_confirmation_csv_has_the_lines_delivery_and_total(env: ApiEnv) -> None:
    _fill_cart(env)
    r = env.client.post(
        f"{V1}/checkout",
        json={"accept_changes": True, "po_number": "=HYPERLINK(1)"},
        headers=env.headers("clinic"),
    )
    tand = next(o for o in r.json()["data"] if o["retailer_id"] == env.retailers["tandab"])
    url = f"{V1}/orders/{tand['id']}/confirmation.csv"
    swedish = env.client.get(url, headers=env.headers("retailer_own"))
    assert swedish.status_code == 200 and swedish.headers["content-language"] == "sv"
    assert swedish.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(swedish.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Order", "Er referens (PO)", "Handlare"]
    assert rows[1][1] == "'=HYPERLINK(1)"  # a formula is written as text
    assert rows[1][3:] == [
        "T-1",
        "Nitrilhandske M",
        "2",
        "99,00",
        "ej angivet",  # the feed did not say: counted as VAT-included
        "158,40",
        "39,60",
        "198,00",
    ]
    assert rows[-2][4] == "Frakt exkl. moms" and rows[-2][-3:] == ["49,00", "12,25", "61,25"]
    assert rows[-1][4] == "Summa" and rows[-1][-1] == "259,25"
    english = env.client.get(url + "?lang=en", headers=env.headers("clinic"))
    assert english.text.splitlines()[0].startswith("Order,Your reference (PO),Retailer")


def test_the_confirmation_pdf_is_a_pdf_with_the_order(env: ApiEnv) -> None:
    _fill_cart(env)
    r = env.client.post(
        f"{V1}/checkout",
        json={"accept_changes": True, "po_number": "IO (7) \\ x"},
        headers=env.headers("clinic"),
    )
    tand = next(o for o in r.json()["data"] if o["retailer_id"] == env.retailers["tandab"])
    pdf = env.client.get(
        f"{V1}/orders/{tand['id']}/confirmation.pdf", headers=env.headers("clinic")
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    body = pdf.content
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    assert "Orderbekräftelse".encode("cp1252") in body
    assert b"IO \\(7\\) \\\\ x" in body  # escaped: the text cannot end its string
    assert b"259,25" in body
    # the cross-reference table points at each object
    xref = int(body.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert body[xref:].startswith(b"xref")
    other = env.client.get(
        f"{V1}/orders/{tand['id']}/confirmation.pdf", headers=env.headers("clinic_other")
    )
    assert other.status_code == 404
