"""Search documents: aggregates over offers, identifier keys, stored payload round trip."""

from __future__ import annotations

import json
from decimal import Decimal

from search.documents import ProductDocument, StoredOffer, StoredProduct, specs_to_text

OFFERS = (
    StoredOffer(1, 7, "dentalab", Decimal("80.00"), False, "SEK", "out_of_stock", 5),
    StoredOffer(2, 8, "tandab", Decimal("120.00"), True, "SEK", "limited", None),
    StoredOffer(3, 8, "tandab", None, None, "SEK", "unknown", 2),
)


def test_offer_aggregates_are_vat_comparable() -> None:
    doc = ProductDocument(product_id=1, name="Komposit A2", offers=OFFERS)
    assert doc.offers_count == 3
    assert doc.min_price == Decimal("100.0000")  # 80.00 excl. VAT * 1.25
    assert doc.max_price == Decimal("120.00")
    assert doc.in_stock  # "limited" counts as available
    assert doc.delivery_days is None  # 5 days is out of stock, 2 days of unknown stock
    assert doc.retailer_slugs == ("dentalab", "tandab")
    empty = ProductDocument(product_id=2, name="Spegel")
    assert (empty.has_offers, empty.min_price, empty.in_stock) == (False, None, False)


def test_delivery_is_the_fastest_buyable_offers() -> None:
    """Issue 13 item 6: an out-of-stock offer's promise never makes a product fast."""

    def days(*offers: tuple[str, int | None]) -> int | None:
        stored = tuple(
            StoredOffer(i, 1, "r", Decimal("10"), True, "SEK", status, d)
            for i, (status, d) in enumerate(offers, start=1)
        )
        return ProductDocument(product_id=1, name="Borr", offers=stored).delivery_days

    assert days(("out_of_stock", 1), ("in_stock", 4)) == 4
    assert days(("out_of_stock", 1), ("limited", None), ("backorder", 9)) == 9
    assert days(("unknown", 1), ("out_of_stock", 0)) is None
    assert days(("in_stock", 3), ("limited", 2)) == 2


def test_identifier_keys_normalize_every_scheme() -> None:
    doc = ProductDocument(
        product_id=1,
        name="Borr",
        gtins=("7350012345679", "not-a-gtin"),
        mpn="ab-12.3",
        catalog_number="CAT 9",
        skus=("sku-001",),
    )
    assert doc.identifier_keys() == ("07350012345679", "AB123", "CAT9", "SKU001")


def test_stored_product_round_trips_through_json() -> None:
    doc = ProductDocument(
        product_id=5, name="Nitrilhandskar", brand="Abena", gtins=("7350012345679",), offers=OFFERS
    )
    stored = doc.stored()
    again = StoredProduct.from_json(stored.to_json())
    assert again == stored
    assert again.offers == OFFERS
    assert again.gtin == "7350012345679"
    assert again.offers_count == 3
    assert again.retailer_slugs == ("dentalab", "tandab")
    assert hash(again) == hash(stored)


def test_specs_flatten_to_text() -> None:
    specs = [{"name": "Storlek", "value": "M"}, {"name": "Längd", "value": 25, "unit": "mm"}, {}]
    assert specs_to_text(specs) == "Storlek M ; Längd 25 mm"


def test_stored_offers_are_compact_rows_and_the_older_objects_still_read() -> None:
    stored = ProductDocument(product_id=5, name="Borr", offers=OFFERS).stored()
    raw = json.loads(stored.to_json())
    assert all(isinstance(row, list) for row in raw["offers"])
    raw["offers"] = [o.to_json() for o in OFFERS]  # payloads written before the rows
    assert StoredProduct.from_json(json.dumps(raw)) == stored
