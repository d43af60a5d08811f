"""The feed template retailers are promised: every column the detector recognises, with
Swedish headers, an example row and a help sheet, as CSV (``;``) and XLSX.

The columns are the detector's own vocabulary (`indexer.columns.ALIASES`, in the order of
`indexer.records.CANONICAL_FIELDS`), so a column the detector learns is in the template
without further work; each header is a Swedish alias of its field
(`indexer.columns.template_header`), so a file filled in from the template is read with no
mapping. What each column means comes from `indexer.feed_guide`.

The product sheet comes first in the workbook: the feed reader takes the first sheet holding a
table (`indexer.feeds.excel_reader.find_table`); the help sheet is passed over wherever it is.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

from indexer import columns
from indexer.feed_guide import guide_for
from indexer.records import CANONICAL_FIELDS, REQUIRED_FIELDS

CSV_DELIMITER = ";"
PRODUCT_SHEET = "Produkter"
HELP_SHEET = "Hjälp"
HELP_HEADERS = (
    "Kolumn",
    "Fält",
    "Obligatorisk",
    "Beskrivning",
    "Exempel",
    "Läses även från",
    "Description (English)",
)
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_STEM = "valbar-flodesmall"
# identifiers kept as typed: a whole column formatted as text, so the rows a retailer types
# or pastes (after deleting the example row) keep "000123" and a leading-zero EAN as text
TEXT_FIELDS = frozenset(("sku", "gtin", "mpn"))


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    """One column of the template: its header, the field it fills and what it means."""

    field: str
    header: str
    required: bool
    example: str
    description_sv: str
    description_en: str
    also_read: tuple[str, ...]  # the field's other recognised headers

    def as_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "header": self.header,
            "required": self.required,
            "example": self.example,
            "description": {"sv": self.description_sv, "en": self.description_en},
            "also_read": list(self.also_read),
        }


def template_columns() -> list[TemplateColumn]:
    """Every field the detector recognises, in canonical order (others after)."""
    order = {name: i for i, name in enumerate(CANONICAL_FIELDS)}
    fields = sorted(columns.ALIASES, key=lambda name: order.get(name, len(order)))
    out = []
    for name in fields:
        header = columns.template_header(name)
        guide = guide_for(name)
        out.append(
            TemplateColumn(
                field=name,
                header=header,
                required=name in REQUIRED_FIELDS,
                example=guide.example,
                description_sv=guide.sv,
                description_en=guide.en,
                also_read=tuple(a for a in columns.ALIASES[name] if a != header),
            )
        )
    return out


def template_csv() -> bytes:
    """The template as CSV: ``;``-separated, UTF-8 with a byte order mark (Excel opens it
    as UTF-8), the header row and the example row."""
    cols = template_columns()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    writer.writerow([c.example for c in cols])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The template as an Excel workbook: the product sheet (header and example row), then
    the help sheet saying what each column means and which are required."""
    cols = template_columns()
    book = Workbook()
    products = book.active
    assert products is not None
    products.title = PRODUCT_SHEET
    products.append([c.header for c in cols])
    products.append([c.example for c in cols])
    bold = Font(bold=True)
    for cell in products[1]:
        cell.font = bold
    for index, column in enumerate(cols, start=1):
        letter = products.cell(row=1, column=index).column_letter
        width = max(len(column.header), len(column.example)) + 2
        products.column_dimensions[letter].width = min(width, 48)
        if column.field in TEXT_FIELDS:
            products.column_dimensions[letter].number_format = "@"
        products.cell(row=2, column=index).number_format = "@"  # text: EAN keeps its digits
    products.freeze_panes = "A2"
    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.append(list(HELP_HEADERS))
    for cell in help_sheet[1]:
        cell.font = bold
    for c in cols:
        help_sheet.append(
            [
                c.header,
                c.field,
                "Ja" if c.required else "Nej",
                c.description_sv,
                c.example,
                ", ".join(c.also_read),
                c.description_en,
            ]
        )
    for letter, width in zip("ABCDEFG", (28, 16, 12, 70, 36, 60, 70), strict=True):
        help_sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
