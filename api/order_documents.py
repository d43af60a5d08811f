"""An order's confirmation as a document: CSV (one row per line, the totals after) and PDF,
in Swedish or English. Served to whoever may see the order (``GET
/api/v1/orders/{id}/confirmation.csv|pdf`` and the order pages' links)."""

from __future__ import annotations

from decimal import Decimal

from api.csv_export import csv_text
from api.pdf_text import Line, pdf_document
from marketplace.dates import LOCAL_TZ, as_utc
from marketplace.models import Order
from marketplace.order_totals import Amounts, LinePrice, line_amounts
from marketplace.orders import amounts_of, order_vat_rate

LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Orderbekräftelse",
        "order": "Order",
        "checkout": "Köp",
        "placed": "Lagd",
        "status": "Status",
        "retailer": "Handlare",
        "clinic": "Klinik",
        "buyer": "Beställare",
        "po": "Er referens (PO)",
        "delivery_address": "Leveransadress",
        "invoice_address": "Fakturaadress",
        "note": "Meddelande till handlaren",
        "sku": "Artikelnr",
        "name": "Benämning",
        "quantity": "Antal",
        "unit_price": "À-pris",
        "vat_basis": "Pris inkl. moms",
        "excl_vat": "Belopp exkl. moms",
        "vat": "Moms",
        "incl_vat": "Belopp inkl. moms",
        "delivery": "Frakt exkl. moms",
        "delivery_not_stated": "enligt handlarens villkor (ingår ej)",
        "total": "Summa",
        "yes": "ja",
        "no": "nej",
        "unknown": "ej angivet",
        "vat_rate": "Momssats",
    },
    "en": {
        "title": "Order confirmation",
        "order": "Order",
        "checkout": "Checkout",
        "placed": "Placed",
        "status": "Status",
        "retailer": "Retailer",
        "clinic": "Clinic",
        "buyer": "Ordered by",
        "po": "Your reference (PO)",
        "delivery_address": "Delivery address",
        "invoice_address": "Invoice address",
        "note": "Note to the retailer",
        "sku": "SKU",
        "name": "Name",
        "quantity": "Quantity",
        "unit_price": "Unit price",
        "vat_basis": "Price incl. VAT",
        "excl_vat": "Amount excl. VAT",
        "vat": "VAT",
        "incl_vat": "Amount incl. VAT",
        "delivery": "Delivery excl. VAT",
        "delivery_not_stated": "by the retailer's terms (not included)",
        "total": "Total",
        "yes": "yes",
        "no": "no",
        "unknown": "not stated",
        "vat_rate": "VAT rate",
    },
}


def _money(amount: Decimal, lang: str) -> str:
    text = f"{amount:.2f}"
    return text.replace(".", ",") if lang == "sv" else text


def _three(amounts: Amounts, lang: str) -> list[object]:
    return [_money(a, lang) for a in (amounts.excl_vat, amounts.vat, amounts.incl_vat)]


def _basis(vat_included: bool | None, labels: dict[str, str]) -> str:
    return labels["unknown"] if vat_included is None else labels["yes" if vat_included else "no"]


def confirmation_csv(order: Order, retailer_name: str, lang: str = "sv") -> str:
    """One row per order line; then the delivery and the totals as rows of their own."""
    labels = LABELS.get(lang, LABELS["sv"])
    rate = order_vat_rate(order)
    amounts = amounts_of(order)
    header = [
        labels["order"],
        labels["po"],
        labels["retailer"],
        labels["sku"],
        labels["name"],
        labels["quantity"],
        labels["unit_price"],
        labels["vat_basis"],
        labels["excl_vat"],
        labels["vat"],
        labels["incl_vat"],
    ]
    head: list[object] = [order.id, order.po_number or "", retailer_name]
    rows: list[list[object]] = []
    for line in order.lines:
        each = line_amounts(LinePrice(line.unit_price, line.quantity, line.vat_included), rate)
        rows.append(
            [
                *head,
                line.sku,
                line.name,
                line.quantity,
                _money(line.unit_price, lang),
                _basis(line.vat_included, labels),
                *_three(each, lang),
            ]
        )
    if amounts.delivery_excl_vat is None:
        rows.append(
            [*head, "", labels["delivery"], "", "", "", labels["delivery_not_stated"], "", ""]
        )
    else:
        rows.append(
            [*head, "", labels["delivery"], "", "", "", *_three(amounts.delivery(rate), lang)]
        )
    rows.append([*head, "", labels["total"], "", "", "", *_three(amounts.total(rate), lang)])
    if lang == "sv":  # Swedish Excel opens ;-separated UTF-8 with a BOM in columns
        return "\ufeff" + csv_text(header, rows, delimiter=";")
    return csv_text(header, rows)


def confirmation_pdf(order: Order, retailer_name: str, lang: str = "sv") -> bytes:
    """The confirmation as a one- or several-page PDF."""
    labels = LABELS.get(lang, LABELS["sv"])
    rate = order_vat_rate(order)
    amounts = amounts_of(order)
    placed = as_utc(order.placed_at).astimezone(LOCAL_TZ)
    lines = [
        Line(f"{labels['title']} – {labels['order']} {order.id}", 16, True),
        Line(""),
        Line(f"{labels['retailer']}: {retailer_name}"),
        Line(f"{labels['clinic']}: {order.clinic_name}   {labels['buyer']}: {order.buyer_name}"),
        Line(
            f"{labels['placed']}: {placed:%Y-%m-%d %H:%M}   {labels['status']}: {order.status}"
            f"   {labels['checkout']}: {order.checkout_ref}"
        ),
    ]
    if order.po_number:
        lines.append(Line(f"{labels['po']}: {order.po_number}", 10, True))
    for key, text in (
        ("delivery_address", order.delivery_address),
        ("invoice_address", order.invoice_address),
        ("note", order.note),
    ):
        if text:
            lines += [Line(""), Line(labels[key], 10, True)]
            lines += [Line(part) for part in text.splitlines()]
    lines += [Line(""), Line(f"{labels['sku']} · {labels['name']}", 10, True)]
    for line in order.lines:
        each = line_amounts(LinePrice(line.unit_price, line.quantity, line.vat_included), rate)
        lines.append(Line(f"{line.sku} · {line.name}"))
        lines.append(
            Line(
                f"    {line.quantity} × {_money(line.unit_price, lang)} {order.currency} "
                f"({labels['vat_basis'].lower()}: {_basis(line.vat_included, labels)}) = "
                f"{_money(each.incl_vat, lang)} {labels['incl_vat'].lower()}",
                9,
            )
        )
    lines.append(Line(""))
    if amounts.delivery_excl_vat is None:
        lines.append(Line(f"{labels['delivery']}: {labels['delivery_not_stated']}"))
    else:
        lines.append(
            Line(
                f"{labels['delivery']}: {_money(amounts.delivery_excl_vat, lang)} {order.currency}"
            )
        )
    total = amounts.total(rate)
    lines += [
        Line(f"{labels['excl_vat']}: {_money(total.excl_vat, lang)} {order.currency}"),
        Line(
            f"{labels['vat']} ({labels['vat_rate'].lower()} {rate * 100:.0f} %): "
            f"{_money(total.vat, lang)} {order.currency}"
        ),
        Line(f"{labels['incl_vat']}: {_money(total.incl_vat, lang)} {order.currency}", 12, True),
    ]
    return pdf_document(lines, title=f"{labels['title']} {order.id}")
