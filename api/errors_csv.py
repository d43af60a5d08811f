"""A feed run's row errors as a CSV file a spreadsheet opens in columns.

Swedish Excel splits a CSV on ``;`` (the list separator of a locale whose decimal mark is a
comma) and reads it as UTF-8 only after a byte order mark, so the Swedish file is
``;``-separated, starts with a BOM and has Swedish headers, field names and severities.
The English file is what it always was: ``,``-separated UTF-8 without a BOM, the API's
column and field names. Cells go through :func:`api.csv_export.csv_text` (no formulas).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from api.csv_export import csv_text

BOM = "\ufeff"
COLUMNS = ("row", "field", "value", "message", "severity")

# the Swedish words; English keeps the API's names
SV_HEADERS = {
    "row": "Rad",
    "field": "Fält",
    "value": "Värde",
    "message": "Meddelande",
    "severity": "Allvarlighet",
}
SV_SEVERITIES = {"error": "fel", "warning": "varning"}
SV_FIELDS = {
    "sku": "Artikelnummer",
    "name": "Benämning",
    "price": "Pris",
    "price_excl_vat": "Pris exkl. moms",
    "stock": "Lagerstatus",
    "stock_quantity": "Lagersaldo",
    "delivery": "Leveranstid",
    "gtin": "GTIN/EAN",
    "mpn": "Tillverkarens art.nr",
    "brand": "Varumärke",
    "manufacturer": "Tillverkare",
    "currency": "Valuta",
    "vat": "Moms",
    "url": "Länk",
    "image": "Bild",
    "category": "Kategori",
    "description": "Beskrivning",
    "warranty": "Garanti",
    "training": "Utbildning",
    "encoding": "Teckenkodning",
}


def field_name(field: object) -> str:
    """Pure: the field column's cell: a field's name; a whole-row problem stored before its
    field was recorded (as the word "row") has none, so its cell is empty."""
    text = "" if field is None else str(field)
    return "" if text == "row" else text


def errors_csv(rows: Iterable[Sequence[object]], lang: str) -> bytes:
    """Pure: rows of (row, field, value, message, severity), messages already in ``lang``,
    as the bytes of the download in ``lang`` (``sv``: ``;``, BOM, Swedish words). The field
    column holds a field's name, never "row"; every cell goes through ``safe_cell``."""
    if lang != "sv":
        english = ([row, field_name(field), *rest] for row, field, *rest in rows)
        return csv_text(COLUMNS, english).encode("utf-8")
    swedish = (
        [
            row,
            SV_FIELDS.get(field_name(field), field_name(field)),
            value,
            message,
            SV_SEVERITIES.get(str(severity or ""), severity),
        ]
        for row, field, value, message, severity in rows
    )
    text = csv_text([SV_HEADERS[c] for c in COLUMNS], swedish, delimiter=";")
    return (BOM + text).encode("utf-8")
