"""Swedish and English texts of the checkout's invoice details, totals and order documents."""

from __future__ import annotations

CHECKOUT_MESSAGES: dict[str, tuple[str, str]] = {
    "checkout.details_title": ("Uppgifter till fakturan", "Details for the invoice"),
    "checkout.po_number": ("Er referens (PO-nummer)", "Your reference (PO number)"),
    "checkout.po_hint": (
        "Står på varje handlares order och faktura.",
        "Shown on every retailer's order and invoice.",
    ),
    "checkout.delivery_address": ("Leveransadress", "Delivery address"),
    "checkout.invoice_address": ("Fakturaadress", "Invoice address"),
    "checkout.address_default": (
        "Lämna tomt för klinikens adress: {address}",
        "Leave empty for the clinic's address: {address}",
    ),
    "checkout.address_missing": (
        "Kliniken har ingen adress sparad: fyll i leveransadressen.",
        "The clinic has no address on file: fill in the delivery address.",
    ),
    "checkout.note_to": ("Meddelande till {retailer}", "Note to {retailer}"),
    "checkout.lines_excl_vat": ("Varor exkl. moms", "Goods excl. VAT"),
    "checkout.delivery": ("Frakt exkl. moms", "Delivery excl. VAT"),
    "checkout.delivery_free": ("fri frakt", "free delivery"),
    "checkout.delivery_not_stated": (
        "enligt handlarens villkor (ingår inte i summan)",
        "by the retailer's terms (not in the total)",
    ),
    "checkout.vat": ("Moms 25 %", "VAT 25 %"),
    "checkout.incl_vat": ("Att betala inkl. moms", "To pay incl. VAT"),
    "checkout.grand_total": ("Totalt för alla handlare", "Total for all retailers"),
    "checkout.grand_excl_vat": ("Summa exkl. moms", "Total excl. VAT"),
    "checkout.some_delivery_not_stated": (
        "Någon handlare anger ingen fraktavgift: den tillkommer enligt handlarens villkor.",
        "A retailer states no delivery fee: it is added by the retailer's terms.",
    ),
    "checkout.details_invalid": (
        "Kontrollera uppgifterna till fakturan: {detail}",
        "Check the details for the invoice: {detail}",
    ),
    "order.details_title": ("Fakturauppgifter", "Invoice details"),
    "order.note": ("Meddelande från kliniken", "Note from the clinic"),
    "order.confirmation": ("Orderbekräftelse", "Order confirmation"),
    "order.confirmation_pdf": ("Ladda ner som PDF", "Download as PDF"),
    "order.confirmation_csv": ("Ladda ner som CSV", "Download as CSV"),
    "error_detail.field_control": (
        "Fältet ”{field}” innehåller ett otillåtet tecken.",
        "The field “{field}” contains a character that is not allowed.",
    ),
    "profile.delivery_fee": (
        "Fraktavgift exkl. moms (kr, lämna tomt om ni inte anger någon)",
        "Delivery fee excl. VAT (SEK; leave empty if you state none)",
    ),
    "retailer.delivery_fee": ("Frakt {amount} exkl. moms", "Delivery {amount} excl. VAT"),
}
