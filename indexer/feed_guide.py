"""What each recognised feed column means, for the feed template's help sheet and the field
guide: a Swedish and an English description and an example value per canonical field.

The columns themselves are not listed here: they are the detector's vocabulary
(`indexer.columns.ALIASES`), read by `indexer.feed_template`. A field the detector learns
without an entry here still appears in the template, described by `missing_guide`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldGuide:
    sv: str
    en: str
    example: str


FIELD_GUIDE: dict[str, FieldGuide] = {
    "sku": FieldGuide(
        "Ert artikelnummer, unikt per rad. Känner igen samma erbjudande mellan uppladdningar.",
        "Your item number, unique per row. Identifies the same offer between uploads.",
        "TH-40017",
    ),
    "name": FieldGuide(
        "Produktens benämning som den visas för klinikerna.",
        "The product's name as clinics see it.",
        "Turbinhandstycke Pro 400",
    ),
    "price": FieldGuide(
        "Pris per styck inkl. moms, som rubriken säger. Valuta i kolumnen Valuta eller i "
        "cellen (t.ex. 599 SEK). Anger ni priser exkl. moms: lämna den här kolumnen tom (eller "
        "ta bort den) och fyll i Pris exkl. moms.",
        "Price per unit including VAT, as the header says. The currency goes in the Currency "
        "column or in the cell (e.g. 599 SEK). If your prices exclude VAT: leave this column "
        "empty (or delete it) and fill in Pris exkl. moms.",
        "8750,00",
    ),
    "price_excl_vat": FieldGuide(
        "Pris per styck exkl. moms. Där Pris inkl. moms är tom (eller saknas) är detta "
        "priset; annars sparas det som en uppgift bredvid priset.",
        "Price per unit excluding VAT. Where Pris inkl. moms is empty (or missing) this is the "
        "price; otherwise it is kept as a detail beside the price.",
        "7000,00",
    ),
    "stock": FieldGuide(
        "Lagerstatus i ord: I lager, Få kvar, Slut i lager, Beställningsvara. Lagerstatus "
        "eller Lagersaldo måste finnas.",
        "Stock status in words: In stock, Few left, Out of stock, Made to order. Stock status "
        "or Stock quantity must be given.",
        "I lager",
    ),
    "stock_quantity": FieldGuide(
        "Antal styck i lager (ett heltal).",
        "Units in stock (a whole number).",
        "12",
    ),
    "delivery": FieldGuide(
        "Leveranstid i dagar (3) eller text (1-2 dagar).",
        "Delivery time in days (3) or as text (1-2 days).",
        "1-2 dagar",
    ),
    "gtin": FieldGuide(
        "Streckkod (EAN/GTIN, 8-14 siffror). Kopplar erbjudandet till tillverkarens produkt.",
        "Barcode (EAN/GTIN, 8-14 digits). Links the offer to the manufacturer's product.",
        "7312345678909",
    ),
    "mpn": FieldGuide(
        "Tillverkarens artikelnummer. Kopplar erbjudandet när streckkod saknas.",
        "The manufacturer's part number. Links the offer when there is no barcode.",
        "P400-T",
    ),
    "brand": FieldGuide(
        "Varumärke.",
        "Brand.",
        "Dentiva",
    ),
    "manufacturer": FieldGuide(
        "Tillverkarens namn. Används som varumärke om kolumnen Varumärke saknas.",
        "The manufacturer's name. Used as the brand when there is no Brand column.",
        "Dentiva AB",
    ),
    "currency": FieldGuide(
        "Valutakod (ISO 4217), t.ex. SEK eller EUR. Utan den gäller SEK.",
        "Currency code (ISO 4217), e.g. SEK or EUR. SEK when not given.",
        "SEK",
    ),
    "vat": FieldGuide(
        "Momssats i procent (25) eller om priset är inkl. moms (ja/nej).",
        "VAT rate in percent (25) or whether the price includes VAT (yes/no).",
        "25",
    ),
    "url": FieldGuide(
        "Länk till produkten i er webbutik (https://...).",
        "Link to the product in your web shop (https://...).",
        "https://www.example.se/produkt/th-40017",
    ),
    "description": FieldGuide(
        "Er beskrivning av produkten.",
        "Your description of the product.",
        "Turbin med LED-ljus och keramiska kullager.",
    ),
    "category": FieldGuide(
        "Er produktkategori.",
        "Your product category.",
        "Handstycken",
    ),
    "image": FieldGuide(
        "Länk till en produktbild (https://...).",
        "Link to a product image (https://...).",
        "https://www.example.se/bilder/th-40017.jpg",
    ),
    "warranty": FieldGuide(
        "Garanti som ni som återförsäljare lämnar. Visas som er, inte tillverkarens.",
        "Warranty you give as the retailer. Shown as yours, not the manufacturer's.",
        "2 år",
    ),
    "service": FieldGuide(
        "Service ni erbjuder (avtal, reparation, lån under service). Visas som er.",
        "Service you offer (agreement, repair, loan unit). Shown as yours.",
        "Service på plats inom 48 h",
    ),
    "training": FieldGuide(
        "Utbildning ni erbjuder till kliniken. Visas som er.",
        "Training you offer the clinic. Shown as yours.",
        "Introduktion för personalen ingår",
    ),
}


def missing_guide(field: str) -> FieldGuide:
    """The description of a recognised field that has no entry in `FIELD_GUIDE` yet."""
    return FieldGuide(
        f"Fältet {field}.",
        f"The field {field}.",
        "",
    )


def guide_for(field: str) -> FieldGuide:
    return FIELD_GUIDE.get(field) or missing_guide(field)
