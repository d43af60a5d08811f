"""Offers in another currency are never compared numerically with SEK offers (issue 13, 10)."""

from __future__ import annotations

from decimal import Decimal

from ranking.config import RankingConfig
from ranking.scoring import OfferInput, rank_offers
from ranking.signals import RetailerQuality
from search.documents import ProductDocument, StoredOffer, StoredProduct
from search.prices import NO_RATES, comparable_price


def test_only_marketplace_currency_prices_are_compared() -> None:
    assert comparable_price(Decimal("599.00"), "SEK") == Decimal("599.00")
    assert comparable_price(Decimal("599.00"), None) == Decimal("599.00")
    assert comparable_price(Decimal("599.00"), "CZK") is None
    assert comparable_price(None, "SEK") is None


def test_a_czk_amount_does_not_look_cheaper_than_sek_offers() -> None:
    """599 CZK is a smaller number than 649 SEK: compared as numbers it would win on price."""
    config = RankingConfig()
    offers = [
        OfferInput(
            offer_id=offer_id,
            retailer=RetailerQuality.unmeasured(offer_id, slug, slug.title()),
            price=comparable_price(Decimal(amount), currency),
            vat_included=True,
            stock_status="in_stock",
            delivery_days=2,
        )
        for offer_id, slug, amount, currency in (
            (1, "tandvardsdepan", "649.00", "SEK"),
            (2, "praha-dental", "599.00", "CZK"),
        )
    ]
    ranked = rank_offers(offers, config)
    assert ranked[0].offer.offer_id == 1
    assert ranked[1].offer.price is None


def test_a_czk_offer_is_shown_but_not_in_the_products_sek_price_range() -> None:
    def offer(offer_id: int, price: str, currency: str) -> StoredOffer:
        return StoredOffer(
            offer_id, offer_id, f"r{offer_id}", Decimal(price), True, currency, "in_stock", 2
        )

    sek, czk = offer(1, "649.00", "SEK"), offer(2, "599.00", "CZK")
    assert czk.comparable_price(NO_RATES) is None
    assert sek.comparable_price(NO_RATES) == Decimal("649.00")
    document = ProductDocument(1, "Munspegel nr 5", offers=(sek, czk))
    assert (document.min_price, document.max_price) == (Decimal("649.00"), Decimal("649.00"))
    stored = StoredProduct(1, "Munspegel nr 5", offers=[sek, czk])
    assert [o.currency for o in stored.offers] == ["SEK", "CZK"]  # still listed, with currency
