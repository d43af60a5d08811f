"""What a clinic adds at checkout for its invoice: its order reference (PO number), the delivery
and invoice addresses and a note to each retailer. Pure validation; defaults from the clinic
organisation's address.

Every text is trimmed and bounded; control characters (other than the line breaks of an
address or a note), Unicode line separators and bidi overrides are refused, so nothing
unprintable or disguised reaches a retailer's system, the CSV or the PDF. A bad value
raises :class:`~marketplace.errors.InvalidInput` naming its field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from catalog.models import Organisation
from marketplace.errors import InvalidInput

MAX_PO = 50
MAX_ADDRESS = 500
MAX_NOTE = 1000
# the Unicode line and paragraph separators and the bidi embeddings, overrides and isolates
# too: an override turns "PO-1\u202egpj.exe" into what it is not on the retailer's screen
_INVISIBLE = "\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_INVISIBLE}]")
_ONE_LINE_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_INVISIBLE}]")


@dataclass(frozen=True, slots=True)
class CheckoutDetails:
    """The checkout's details (each None when not given); ``notes`` by retailer id."""

    po_number: str | None = None
    delivery_address: str | None = None
    invoice_address: str | None = None
    notes: Mapping[int, str] = field(default_factory=dict)


def _text(value: str | None, name: str, limit: int, *, lines: bool) -> str | None:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        return None
    if len(text) > limit:
        raise InvalidInput(
            f"{name} has {len(text)} characters; at most {limit}",
            code="field_length",
            field=name,
            high=limit,
        )
    if (_CONTROL if lines else _ONE_LINE_CONTROL).search(text):
        raise InvalidInput(f"{name} contains a control character", code="field_control", field=name)
    return text


def clean_details(
    *,
    po_number: str | None = None,
    delivery_address: str | None = None,
    invoice_address: str | None = None,
    notes: Mapping[int, str | None] | None = None,
) -> CheckoutDetails:
    """The details as given, trimmed and checked (notes to no retailer of the cart are
    refused by :func:`check_notes`, which knows the cart)."""
    cleaned: dict[int, str] = {}
    for retailer_id, note in (notes or {}).items():
        text = _text(note, f"notes.{retailer_id}", MAX_NOTE, lines=True)
        if text is not None:
            cleaned[retailer_id] = text
    return CheckoutDetails(
        po_number=_text(po_number, "po_number", MAX_PO, lines=False),
        delivery_address=_text(delivery_address, "delivery_address", MAX_ADDRESS, lines=True),
        invoice_address=_text(invoice_address, "invoice_address", MAX_ADDRESS, lines=True),
        notes=cleaned,
    )


def check_notes(details: CheckoutDetails, retailer_ids: set[int]) -> None:
    """A note addressed to a retailer with nothing in the cart is a mistake, not dropped."""
    for retailer_id in details.notes:
        if retailer_id not in retailer_ids:
            raise InvalidInput(
                f"notes.{retailer_id}: no item of the cart is from retailer {retailer_id}",
                code="field_unknown",
                field=f"notes.{retailer_id}",
            )


def organisation_address(organisation: Organisation | None) -> str | None:
    """The organisation's postal address as lines (name, street, postcode and city), or None
    when it has no street."""
    if organisation is None or not organisation.street:
        return None
    place = " ".join(p for p in (organisation.postal_code, organisation.city) if p)
    return "\n".join(p for p in (organisation.name, organisation.street, place) if p)


def with_defaults(details: CheckoutDetails, organisation: Organisation | None) -> CheckoutDetails:
    """Addresses not given are the clinic organisation's; the invoice goes where the goods
    go when only a delivery address is given."""
    home = organisation_address(organisation)
    delivery = details.delivery_address or home
    invoice = details.invoice_address or home or delivery
    return CheckoutDetails(details.po_number, delivery, invoice, details.notes)
