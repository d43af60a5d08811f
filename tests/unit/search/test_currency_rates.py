"""A configured rate table compares offers in other currencies by their SEK equivalent
(issue 13, 10): ranking order, price basis, price range and the explanation (sv and en)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ranking.config import RankingConfig
from ranking.explain import Contribution
from ranking.messages import render
from ranking.scoring import OfferInput, RankedOffer, rank_offers
from ranking.signals import RetailerQuality
from search.documents import ProductDocument, StoredOffer
from search.prices import NO_RATES, RateTable, comparable_price, conversion, uncompared
from search.results import price_range

RATES = RateTable({"EUR": Decimal("11.42"), "CZK": Decimal("0.4483")}, date(2026, 12, 1))


def _inputs(rates: RateTable, *offers: tuple[int, str, str, bool]) -> list[OfferInput]:
    return [
        OfferInput(
            offer_id=offer_id,
            retailer=RetailerQuality.unmeasured(offer_id, f"r{offer_id}", f"Retailer {offer_id}"),
            price=comparable_price(Decimal(amount), currency, rates),
            vat_included=vat,
            stock_status="in_stock",
            delivery_days=2,
            conversion=conversion(Decimal(amount), currency, rates),
            uncompared=uncompared(Decimal(amount), currency, rates),
        )
        for offer_id, amount, currency, vat in offers
    ]


def _price(ranked: RankedOffer) -> Contribution:
    return ranked.explanation.by_factor()["price"]


def test_a_rate_converts_and_no_rate_leaves_the_price_uncompared() -> None:
    assert comparable_price(Decimal("599"), "CZK", RATES) == Decimal("268.5317")
    assert comparable_price(Decimal("50"), "EUR", RATES) == Decimal("571.00")
    assert comparable_price(Decimal("50"), "NOK", RATES) is None  # no rate for NOK
    assert comparable_price(Decimal("50"), "EUR", NO_RATES) is None
    assert comparable_price(Decimal("649"), "SEK", RATES) == Decimal("649")
    assert conversion(Decimal("649"), "SEK", RATES) is None
    assert conversion(Decimal("50"), "NOK", RATES) is None
    found = conversion(Decimal("599"), "CZK", RATES)
    assert found is not None
    assert (found.amount, found.currency, found.rate, found.as_of) == (
        Decimal("599"),
        "CZK",
        Decimal("0.4483"),
        "2026-12-01",
    )


def test_a_eur_offer_cheaper_after_conversion_ranks_and_prices_as_the_cheapest() -> None:
    """50 EUR = 571 SEK beats 649 SEK; the bare numbers (50 < 649) would say so too, so the
    SEK offer is also set against 60 EUR = 685.20 SEK, dearer after conversion only."""
    config = RankingConfig()
    ranked = rank_offers(
        _inputs(RATES, (1, "649.00", "SEK", True), (2, "50.00", "EUR", True)), config
    )
    assert [r.offer.offer_id for r in ranked] == [2, 1]
    assert _price(ranked[0]).code == "price_cheapest"
    assert _price(ranked[1]).code == "price_above_share"
    assert _price(ranked[1]).values["above"] == pytest.approx(649 / 571 - 1)
    dearer = rank_offers(
        _inputs(RATES, (1, "649.00", "SEK", True), (2, "60.00", "EUR", True)), config
    )
    assert [r.offer.offer_id for r in dearer] == [1, 2]
    assert _price(dearer[1]).values["gross"] == 685.2
    # without a rate the EUR offer is unpriced, as before
    unpriced = rank_offers(
        _inputs(NO_RATES, (1, "649.00", "SEK", True), (2, "50.00", "EUR", True)), config
    )
    assert [r.offer.offer_id for r in unpriced] == [1, 2]
    assert _price(unpriced[1]).code == "price_no_rate"  # shown at 50 EUR: not "no price"
    assert unpriced[1].offer.conversion is None


def test_the_price_explanation_shows_the_conversion_in_swedish_and_english() -> None:
    ranked = rank_offers(
        _inputs(RATES, (1, "649.00", "SEK", True), (2, "599.00", "CZK", True)), RankingConfig()
    )
    czk = next(r for r in ranked if r.offer.offer_id == 2)
    price = _price(czk)
    assert price.code == "price_cheapest"
    assert price.values["vat"] == "price_converted"
    assert render(price.code, price.values, "sv", "SEK") == (
        "billigast av 2 erbjudanden (599,00\u00a0CZK ≈ 268,53\u00a0kr inkl. moms, "
        "kurs 0,4483 den 2026-12-01)"
    )
    assert render(price.code, price.values, "en", "SEK") == (
        "cheapest of 2 offers (CZK 599.00 ≈ SEK\u00a0268.53 incl. VAT, rate 0.4483 as of "
        "2026-12-01)"
    )
    sek = next(r for r in ranked if r.offer.offer_id == 1)
    assert "kurs" not in _price(sek).text("sv")  # a SEK price is not explained as converted


def test_a_price_excluding_vat_is_converted_then_given_vat() -> None:
    ranked = rank_offers(_inputs(RATES, (1, "100.00", "EUR", False)), RankingConfig())
    price = _price(ranked[0])
    assert price.values["gross"] == 1427.5  # 100 EUR * 11.42 * 1.25
    assert price.text("en") == (
        "only priced offer (EUR 100.00 ≈ 1427.50 incl. VAT, converted at 25%, rate 11.42 as "
        "of 2026-12-01): neutral"
    )


def test_price_range_and_index_prices_use_the_sek_equivalent() -> None:
    def offer(offer_id: int, price: str, currency: str) -> StoredOffer:
        return StoredOffer(
            offer_id, offer_id, f"r{offer_id}", Decimal(price), True, currency, "in_stock", 2
        )

    offers = (offer(1, "649.00", "SEK"), offer(2, "50.00", "EUR"), offer(3, "9.00", "NOK"))
    assert price_range(offers, RATES) == {
        "min": Decimal("571.00"),
        "max": Decimal("649.00"),
        "currency": "SEK",
        "vat_included": True,
    }
    assert price_range(offers, NO_RATES)["min"] == Decimal("649.00")  # type: ignore[index]
    # a converted price is a SEK amount in öre, as the API shows it (599 CZK, not 268.5317)
    czk = (offer(1, "649.00", "SEK"), offer(4, "599", "CZK"))
    assert price_range(czk, RATES)["min"] == Decimal("268.53")  # type: ignore[index]
    assert str(price_range(czk, RATES)["min"]) == "268.53"  # type: ignore[index]
    document = ProductDocument(1, "Munspegel nr 5", offers=offers, rates=RATES)
    assert (document.min_price, document.max_price) == (Decimal("571.00"), Decimal("649.00"))
    assert ProductDocument(1, "Munspegel nr 5", offers=offers).min_price == Decimal("649.00")


def test_a_converted_offer_counts_in_the_median_buyable_price_and_the_band() -> None:
    """SEK 100, EUR 10 (114.20 SEK), SEK 400: the median buyable price is 114.20, so the
    400 SEK offer is 3.5x it; without the rate the median is 100 (4.0x)."""
    config = RankingConfig()
    offers = ((1, "100.00", "SEK", True), (2, "10.00", "EUR", True), (3, "400.00", "SEK", True))
    ranked = {r.offer.offer_id: r for r in rank_offers(_inputs(RATES, *offers), config)}
    band = ranked[3].explanation.by_factor()["price_band"]
    assert band.values["median"] == pytest.approx(114.2)
    assert band.values["ratio"] == 3.5
    without = {r.offer.offer_id: r for r in rank_offers(_inputs(NO_RATES, *offers), config)}
    assert without[3].explanation.by_factor()["price_band"].values["median"] == 100.0


def test_a_price_without_a_rate_is_explained_as_not_compared_not_as_missing() -> None:
    """10 USD without a USD rate: shown at 10 USD, unpriced for ranking, and its explanation
    said "no price given" / "inget pris angivet" beside the shown price."""
    ranked = rank_offers(
        _inputs(RATES, (1, "649.00", "SEK", True), (2, "10.00", "USD", True)), RankingConfig()
    )
    usd = next(r for r in ranked if r.offer.offer_id == 2)
    price = _price(usd)
    assert price.code == "price_no_rate"
    assert price.values == {"original": 10.0, "original_currency": "USD"}
    unpriced = rank_offers(
        _inputs(NO_RATES, (1, "649.00", "SEK", True), (2, "10.00", "EUR", True)), RankingConfig()
    )
    assert price.value == _price(unpriced[1]).value  # scored as unpriced, as before
    assert render(price.code, price.values, "sv", "SEK") == (
        "10,00\u00a0USD jämförs inte: ingen växelkurs för USD"
    )
    assert render(price.code, price.values, "en", "SEK") == (
        "USD 10.00 not compared: no exchange rate for USD"
    )
    assert uncompared(Decimal("10"), "EUR", RATES) is None  # a rate: converted instead
    assert uncompared(Decimal("10"), "SEK", RATES) is None
    assert uncompared(None, "USD", RATES) is None  # no price at all: price_missing
    sek = next(r for r in ranked if r.offer.offer_id == 1)
    assert _price(sek).code == "price_only"  # the USD offer is not counted as priced
