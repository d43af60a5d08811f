"""Checkout details an invoice needs (PO number, addresses, a note per retailer) and the amounts
excluding and including VAT with each retailer's delivery cost and the grand total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from catalog.models import Offer, Organisation, Retailer
from marketplace import cart, orders
from marketplace.checkout_details import CheckoutDetails, clean_details, organisation_address
from marketplace.errors import InvalidInput
from marketplace.order_totals import (
    Amounts,
    LinePrice,
    delivery_cost,
    grand_total,
    line_amounts,
    order_amounts,
)
from tests.unit.marketplace.mp_support import NOW, Market

VAT = Decimal("0.25")


def test_a_vat_included_price_is_split_and_an_excluded_one_gets_vat_added() -> None:
    assert line_amounts(LinePrice(Decimal("99.00"), 2, True), VAT) == Amounts(
        Decimal("158.40"), Decimal("39.60")
    )
    excluded = line_amounts(LinePrice(Decimal("10.01"), 3, False), VAT)
    assert (excluded.excl_vat, excluded.vat, excluded.incl_vat) == (
        Decimal("30.03"),
        Decimal("7.51"),  # 7.5075 rounded half up to the öre
        Decimal("37.54"),
    )
    # a price whose VAT basis the feed did not state counts as VAT-included, as ranking does
    assert line_amounts(LinePrice(Decimal("125.00"), 1, None), VAT).excl_vat == Decimal("100.00")


def test_delivery_is_free_from_the_threshold_and_unknown_when_no_fee_is_stated() -> None:
    assert delivery_cost(Decimal("999.99"), Decimal("49"), Decimal("1000")) == Decimal("49.00")
    assert delivery_cost(Decimal("1000.00"), Decimal("49"), Decimal("1000")) == Decimal("0.00")
    assert delivery_cost(Decimal("10"), None, Decimal("1000")) is None
    assert delivery_cost(Decimal("10"), None, None) is None
    assert delivery_cost(Decimal("0"), Decimal("0"), None) == Decimal("0.00")


def test_the_grand_total_adds_orders_per_currency_and_says_when_a_delivery_is_missing() -> None:
    sek = order_amounts("SEK", [LinePrice(Decimal("125"), 2, True)], VAT, fee=Decimal("49"))
    more = order_amounts("SEK", [LinePrice(Decimal("80"), 1, False)], VAT)
    eur = order_amounts("EUR", [LinePrice(Decimal("10"), 1, True)], VAT, fee=Decimal("5"))
    assert sek.total(VAT) == Amounts(Decimal("249.00"), Decimal("62.25"))
    total = grand_total([(sek, VAT), (more, VAT), (eur, VAT)])
    assert total.by_currency["SEK"] == Amounts(Decimal("329.00"), Decimal("82.25"))
    assert total.by_currency["EUR"].incl_vat == Decimal("16.25")
    assert total.delivery_not_stated  # ``more``'s retailer states no fee
    assert not grand_total([(sek, VAT)]).delivery_not_stated


@pytest.mark.parametrize(
    ("field", "values", "code"),
    [
        ("po_number", {"po_number": "x" * 51}, "field_length"),
        ("po_number", {"po_number": "IO\n17"}, "field_control"),
        ("delivery_address", {"delivery_address": "a" * 501}, "field_length"),
        ("invoice_address", {"invoice_address": "Gatan 1\x00"}, "field_control"),
        ("notes.3", {"notes": {3: "n" * 1001}}, "field_length"),
        # a bidi override shows "PO-1\u202egpj.exe" as "PO-1exe.jpg" on the retailer's screen
        ("po_number", {"po_number": "PO-1\u202egpj.exe"}, "field_control"),
        ("delivery_address", {"delivery_address": "Gatan 1\u2028111 22"}, "field_control"),
        ("notes.4", {"notes": {4: "Ring\u2066 oss"}}, "field_control"),
    ],
)
def test_bad_details_name_their_field(field: str, values: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_details(**values)  # type: ignore[arg-type]
    assert refused.value.code == code and refused.value.values["field"] == field


def test_details_are_trimmed_and_empty_ones_are_none() -> None:
    details = clean_details(
        po_number="  IO-118 ",
        delivery_address="Folktand\r\nStorgatan 1\r\n111 22 Stockholm\n",
        invoice_address="   ",
        notes={1: " Lastkajen ", 2: ""},
    )
    assert details == CheckoutDetails(
        "IO-118", "Folktand\nStorgatan 1\n111 22 Stockholm", None, {1: "Lastkajen"}
    )


def _clinic_with_address(s: Session, m: Market) -> None:
    user = m.user(s, "clinic")
    org = Organisation(
        kind="clinic",
        name="Folktand AB",
        org_number="5560360793",
        street="Storgatan 1",
        postal_code="111 22",
        city="Stockholm",
        status="approved",
    )
    s.add(org)
    s.flush()
    user.organisation_id = org.id
    s.flush()


def test_checkout_puts_the_details_on_every_order_and_each_note_on_its_retailers(
    session: Session, market: Market
) -> None:
    _clinic_with_address(session, market)
    tand = session.get(Retailer, market.retailers["tand"])
    assert tand is not None
    tand.delivery_fee, tand.free_shipping_from = Decimal("49.00"), Decimal("5000")
    clinic = market.user(session, "clinic")
    cart.add_item(session, clinic, market.offers["glove_tand"], 2, now=NOW)
    cart.add_item(session, clinic, market.offers["glove_nord"], 1, now=NOW)
    nord_id = market.retailers["nord"]
    placed = orders.checkout(
        session,
        clinic,
        now=NOW,
        details=clean_details(
            po_number="IO-118",
            invoice_address="Ekonomi\nBox 7\n111 20 Stockholm",
            notes={nord_id: "Ring före leverans"},
        ),
    )
    by_retailer = {o.retailer_id: o for o in placed}
    tand_order, nord_order = by_retailer[tand.id], by_retailer[nord_id]
    for order in placed:
        assert order.po_number == "IO-118"
        # not given: the clinic organisation's address
        assert order.delivery_address == "Folktand AB\nStorgatan 1\n111 22 Stockholm"
        assert order.invoice_address == "Ekonomi\nBox 7\n111 20 Stockholm"
        assert order.vat_rate == Decimal("0.25")
    assert nord_order.note == "Ring före leverans" and tand_order.note is None
    assert tand_order.delivery_cost == Decimal("49.00")
    assert nord_order.delivery_cost is None  # that retailer states no fee
    session.flush()
    amounts = orders.amounts_of(tand_order)
    assert amounts.lines.incl_vat == Decimal("198.00")
    assert amounts.total(Decimal("0.25")).incl_vat == Decimal("198.00") + Decimal("61.25")
    total = orders.checkout_total(placed)
    assert total.delivery_not_stated
    assert total.by_currency["SEK"].incl_vat == Decimal("198.00") + Decimal("61.25") + Decimal(
        "79.00"
    )


def test_a_note_to_a_retailer_with_nothing_in_the_cart_is_refused(
    session: Session, market: Market
) -> None:
    clinic = market.user(session, "clinic")
    cart.add_item(session, clinic, market.offers["glove_tand"], 1, now=NOW)
    with pytest.raises(InvalidInput) as refused:
        orders.checkout(
            session, clinic, now=NOW, details=clean_details(notes={market.retailers["nord"]: "x"})
        )
    assert refused.value.values["field"] == f"notes.{market.retailers['nord']}"
    assert len(cart.get_cart(session, clinic).items) == 1  # nothing was placed


def test_a_vat_excluded_offer_is_kept_so_the_invoice_adds_vat(
    session: Session, market: Market
) -> None:
    offer = session.get(Offer, market.offers["glove_tand"])
    assert offer is not None
    offer.vat_included = False
    clinic = market.user(session, "clinic")
    cart.add_item(session, clinic, offer.id, 1, now=NOW)
    (placed,) = orders.checkout(session, clinic, now=NOW)
    assert placed.lines[0].vat_included is False
    session.flush()
    assert orders.amounts_of(placed).lines.incl_vat == Decimal("123.75")  # 99.00 + 25 %
    # the order's total (its pages' "Summa", the e-mails) is the goods incl. VAT too, not the
    # price stated excl. VAT
    assert placed.total == Decimal("123.75")


def test_an_orders_total_never_adds_prices_of_different_vat_bases(
    session: Session, market: Market
) -> None:
    excluded = session.get(Offer, market.offers["glove_tand"])
    assert excluded is not None
    excluded.vat_included = False
    clinic = market.user(session, "clinic")
    cart.add_item(session, clinic, excluded.id, 2, now=NOW)  # 2 × 99.00 excl. VAT
    cart.add_item(session, clinic, market.offers["comp_tand"], 1, now=NOW)  # 450.00 incl.
    (placed,) = orders.checkout(session, clinic, now=NOW)
    session.flush()
    assert placed.total == Decimal("247.50") + Decimal("450.00")  # not 198.00 + 450.00
    assert placed.total == orders.amounts_of(placed).lines.incl_vat


def test_an_address_needs_a_street() -> None:
    assert organisation_address(None) is None
    assert organisation_address(Organisation(kind="clinic", name="X", street=None)) is None


def test_delivery_terms_in_sek_do_not_apply_to_an_order_in_another_currency(
    session: Session, market: Market
) -> None:
    tand = session.get(Retailer, market.retailers["tand"])
    offer = session.get(Offer, market.offers["glove_tand"])
    assert tand is not None and offer is not None
    tand.delivery_fee = Decimal("49.00")
    offer.currency = "EUR"
    clinic = market.user(session, "clinic")
    cart.add_item(session, clinic, offer.id, 1, now=NOW)
    pairs = cart.cart_offers(session, cart.get_cart(session, clinic))
    assert orders.cart_totals(session, pairs)[tand.id].delivery_excl_vat is None
    (placed,) = orders.checkout(session, clinic, now=NOW)
    assert placed.currency == "EUR" and placed.delivery_cost is None
