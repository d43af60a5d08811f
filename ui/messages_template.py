"""UI text of the feed template, the field guide, the preview's VAT and clear notes and the
retailer's own terms on offers; Swedish first and English; merged into ``ui.i18n.MESSAGES``."""

from __future__ import annotations

TEMPLATE_MESSAGES: dict[str, tuple[str, str]] = {
    # the portal's template box
    "template.title": ("Flödesmall", "Feed template"),
    "template.intro": (
        "Fyll i mallen så läses filen utan kolumnmappning: den har varje kolumn vi känner "
        "igen, svenska rubriker och en exempelrad.",
        "Fill in the template and the file is read with no column mapping: it has every "
        "column we recognise, Swedish headers and an example row.",
    ),
    "template.csv": ("Ladda ner mallen (CSV, semikolon)", "Download the template (CSV, semicolon)"),
    "template.xlsx": ("Ladda ner mallen (Excel)", "Download the template (Excel)"),
    "template.guide": (
        "Fältguide: vad varje kolumn betyder",
        "Field guide: what each column means",
    ),
    # the field guide page
    "guide.title": ("Fältguide för produktflöden", "Field guide for product feeds"),
    "guide.intro": (
        "Kolumnerna i flödesmallen. Obligatoriska kolumner måste finnas och vara ifyllda; "
        "övriga får utelämnas. En kolumn som saknas i filen ändrar aldrig det ni lagrat "
        "tidigare. Ta bort exempelraden innan ni laddar upp.",
        "The columns of the feed template. Required columns must be present and filled in; the "
        "others may be left out. A column missing from the file never changes what you stored "
        "before. Remove the example row before you upload.",
    ),
    "guide.column": ("Kolumn", "Column"),
    "guide.required": ("Obligatorisk", "Required"),
    "guide.meaning": ("Betydelse", "Meaning"),
    "guide.example": ("Exempel", "Example"),
    "guide.also_read": ("Läses även från", "Also read from"),
    "guide.yes": ("ja", "yes"),
    "guide.no": ("nej", "no"),
    # the preview
    "portal.recognised": (
        "Alla kolumner kändes igen: ingen kolumnmappning behövs.",
        "Every column was recognised: no column mapping needed.",
    ),
    "portal.show_mapping": ("Visa kolumnerna", "Show the columns"),
    "portal.price_vat_incl": (
        "Priskolumnen ”{header}” anger priser inkl. moms.",
        "The price column “{header}” gives prices including VAT.",
    ),
    "portal.price_vat_excl": (
        "Priskolumnen ”{header}” anger priser exkl. moms.",
        "The price column “{header}” gives prices excluding VAT.",
    ),
    "portal.price_vat_none": (
        "Priskolumnen ”{header}” säger inget om moms: cellen, kolumnen Moms eller "
        "standardinställningen avgör.",
        "The price column “{header}” says nothing of VAT: the cell, the VAT column or the "
        "default decides.",
    ),
    "portal.price_excl_fallback": (
        "Rader där ”{header}” är tom får sitt pris ur ”{excl}”, exkl. moms.",
        "Rows where “{header}” is empty take their price from “{excl}”, excluding VAT.",
    ),
    "portal.would_clear": (
        "Tomma celler skulle rensa lagrade värden: {fields}.",
        "Empty cells would clear stored values: {fields}.",
    ),
    "portal.clear_count": ("{field} {n}", "{field} {n}"),
    "portal.no_clears": (
        "Inga lagrade värden rensas.",
        "No stored values would be cleared.",
    ),
    "portal.item": ("Artikel", "Item"),
    "portal.item_ref": ("artikel {index} (id {id})", "item {index} (id {id})"),
    "portal.item_ref_bare": ("artikel {index}", "item {index}"),
    # the retailer's own terms on an offer
    "offer.retailer_terms": (
        "Återförsäljarens åtaganden ({retailer}, inte tillverkarens)",
        "The retailer's commitments ({retailer}, not the manufacturer's)",
    ),
    "compare.retailer_term": ("{term} (återförsäljarens)", "{term} (retailer's)"),
}
