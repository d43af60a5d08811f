"""What the checkout page shows beyond the cart: each retailer's amounts excl. and incl. VAT
with its delivery, the grand total, the invoice details form (PO number, addresses, a note per
retailer) with what the clinic typed kept when the page is shown again."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from catalog.models import Offer, Organisation, User
from marketplace import orders
from marketplace.checkout_details import CheckoutDetails, clean_details, organisation_address
from marketplace.models import CartItem
from marketplace.order_totals import SWEDISH_VAT, grand_total

_RETAILER_ID = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True, slots=True)
class DetailsForm:
    """The details fields as posted (kept as typed, for the page shown again)."""

    po_number: str = ""
    delivery_address: str = ""
    invoice_address: str = ""
    notes: dict[int, str] = field(default_factory=dict)

    @classmethod
    def posted(
        cls,
        po_number: str,
        delivery_address: str,
        invoice_address: str,
        note_retailer: Sequence[str],
        note_text: Sequence[str],
    ) -> DetailsForm:
        """The form's fields; notes come as pairs (a hidden retailer id, its text)."""
        notes: dict[int, str] = {}
        for retailer, text in zip(note_retailer, note_text, strict=False):
            # ASCII digits only: "²".isdigit() holds but int("²") fails
            if _RETAILER_ID.fullmatch(retailer) and text.strip():
                notes[int(retailer)] = text
        return cls(po_number, delivery_address, invoice_address, notes)

    def details(self) -> CheckoutDetails:
        """Checked details (:func:`~marketplace.checkout_details.clean_details` raises
        ``InvalidInput`` naming the field)."""
        return clean_details(
            po_number=self.po_number,
            delivery_address=self.delivery_address,
            invoice_address=self.invoice_address,
            notes=dict(self.notes),
        )


def totals_context(
    session: Session, user: User, pairs: Sequence[tuple[CartItem, Offer]]
) -> dict[str, Any]:
    """The amounts per retailer id, the grand total per currency and the clinic's address."""
    by_retailer = orders.cart_totals(session, pairs)
    grand = grand_total([(amounts, SWEDISH_VAT) for amounts in by_retailer.values()])
    organisation = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return {
        "amounts": by_retailer,
        "vat_rate": SWEDISH_VAT,
        "grand": grand,
        "home_address": organisation_address(organisation),
    }
