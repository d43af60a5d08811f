"""Every explanation code renders in Swedish and English, from ranking's own explanations."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ranking.config import RankingConfig
from ranking.explain import Contribution
from ranking.factor_table import DEFAULT_TABLE
from ranking.messages import CATALOGS, codes, negotiate, referenced_codes, render
from ranking.price_basis import PriceConversion, UncomparedPrice
from ranking.ranker import Ranker, Tier
from ranking.rules import Rule
from ranking.scoring import OfferInput, ProductInput, rank_offers, rank_products, score_product
from ranking.signals import RetailerQuality, rating_signal, share_signal

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
# English words that must not appear in a Swedish sentence
ENGLISH = (
    "over",
    "rated",
    "prior",
    "few",
    "offer",
    "offers",
    "price",
    "stock",
    "cheapest",
    "given",
    "promises",
    "reviews",
    "ratings",
    "cases",
    "checks",
    "days",
    "yet",
    "rule",
    "best",
    "returns",
    "VAT",
    "incl",
    "above",
    "same",
    "only",
    "text",
    "relevance",
    "unrecognized",
    "retailer",
    "boosted",
    "buried",
    "time",
)


def quality(rid: int, count: int, *, value: float = 0.9, stars: float = 4.6) -> RetailerQuality:
    share, rating = share_signal(value, count), rating_signal(stars, count)
    return RetailerQuality(
        rid, f"r{rid}", f"Tandlager {rid}", share, share, rating, rating, rating, share, rating, "t"
    )


MANY = quality(1, 148)  # measured: plural counts
FEW = quality(2, 3, value=0.6, stars=3.2)  # few data: weighted toward the prior
ONE = quality(3, 1, value=0.75, stars=4.0)  # singular counts
NONE = RetailerQuality.unmeasured(4, "r4", "Retailer 4")  # no data: the prior
# 40 reviews, 25 of them verified purchases (weighted in the reviews factor)
VERIFIED = dataclasses.replace(quality(5, 40, stars=4.0), verified_reviews=rating_signal(4.4, 25))


def offer(
    oid: int,
    who: RetailerQuality,
    price: str | None,
    vat: bool | None,
    stock: str,
    days: int | None,
) -> OfferInput:
    return OfferInput(oid, who, None if price is None else Decimal(price), vat, stock, days)


# every branch: counts 148/3/1/none, every stock status and an unrecognized one, promised
# days 1/3/none, VAT included/excluded/unknown, cheapest/above/same/only/no price
PRODUCTS = {
    1: [
        offer(1, MANY, "405.65", True, "in_stock", 1),
        offer(2, FEW, "420.00", False, "limited", 3),
        offer(3, ONE, "500.00", None, "backorder", None),
        offer(4, NONE, None, True, "out_of_stock", 2),
        offer(5, MANY, "450.00", True, "unknown", 5),
        offer(6, FEW, "430.00", True, "soon", 4),
    ],
    2: [offer(7, MANY, "100.00", True, "in_stock", 2), offer(8, ONE, "100.00", True, "limited", 2)],
    3: [offer(9, ONE, "99.90", True, "in_stock", 1)],
    4: [offer(10, MANY, "0.00", True, "in_stock", 1), offer(11, FEW, "10.00", True, "limited", 1)],
    # cheapest but not buyable, at the cheapest buyable price, above it, above the price band
    # (product 0: a text score of 0 keeps the others' relative text scores)
    0: [
        offer(12, MANY, "50.00", True, "out_of_stock", 1),
        offer(13, FEW, "100.00", True, "in_stock", 2),
        offer(14, ONE, "110.00", True, "backorder", 4),
        offer(15, NONE, "400.00", True, "in_stock", 1),
    ],
}
# a price in another currency, compared after conversion with a configured rate
CONVERTED = [
    dataclasses.replace(
        offer(16, MANY, "268.5317", True, "in_stock", 1),
        conversion=PriceConversion(Decimal("599"), "CZK", Decimal("0.4483"), "2026-12-01"),
    ),
    offer(17, FEW, "300.00", True, "in_stock", 2),
    # a price in a currency without a rate: shown, not compared (and said so)
    dataclasses.replace(
        offer(18, FEW, None, True, "in_stock", 2),
        uncompared=UncomparedPrice(Decimal("10"), "USD"),
    ),
]
RULES = [
    Rule(id="campaign", action="boost", retailer="r1", amount=0.1, comment="spring campaign"),
    Rule(id="sunset", action="bury", product_id=2, amount=0.2),
]


def contributions() -> list[Contribution]:
    """The contributions ranking writes for the fixture: offers, products, rules, text."""
    config = RankingConfig(rules=RULES)
    found: list[Contribution] = []
    items = []
    for pid, offers in PRODUCTS.items():
        ranked = rank_offers(offers, config, RULES)
        found += [c for r in ranked for c in r.explanation.contributions]
        slugs = tuple(o.retailer.slug for o in offers)
        items.append((ProductInput(pid, None, None, None, slugs, True), float(pid), ranked[0]))
    items.append((ProductInput(5, None, None, None, (), False), 1.0, None))
    for score in rank_products(items, "", config, NOW):
        found += score.explanation.contributions
    unscored = score_product(items[0][0], 0.0, 0.0, None, config)  # no text score at all
    verified = rank_offers([offer(12, VERIFIED, "55.00", True, "in_stock", 2)], config)
    found += [c for r in verified for c in r.explanation.contributions]
    converted = rank_offers(CONVERTED, config)
    found += [c for r in converted for c in r.explanation.contributions]
    return found + unscored.explanation.contributions + _tiered(config)


@dataclass(frozen=True)
class _Candidate:
    product_id: int
    offers: tuple[OfferInput, ...]
    brand: str | None = None
    category: str | None = None
    manufacturer: str | None = None

    @property
    def retailer_slugs(self) -> tuple[str, ...]:
        return tuple(o.retailer.slug for o in self.offers)

    @property
    def offers_count(self) -> int:
        return len(self.offers)


def _tiered(config: RankingConfig) -> list[Contribution]:
    """A partial match (second text tier) that outscores the full match ranked above it."""
    products = {
        1: _Candidate(1, tuple(PRODUCTS[3])),
        2: _Candidate(2, tuple(PRODUCTS[4])),
    }
    ranker: Ranker[_Candidate] = Ranker(config.updated({"rules": []}), lambda p: list(p.offers))
    ranking = ranker.rank(
        Tier([(1, 1.0)], products),
        5,
        query="",
        now=NOW,
        page=slice(0, 5),
        fill=lambda _wanted: Tier([(2, 9.0)], products),
    )
    return [
        Contribution(**{k: v for k, v in c.items() if k != "text"})
        for item in ranking.page
        for c in item.explanation["contributions"]
    ]


ALL = contributions()


def test_ranking_writes_every_code_of_the_catalog_and_the_table() -> None:
    used = {code for c in ALL for code in referenced_codes(c.code, c.values)}
    assert used == codes("en") == codes("sv")
    assert set(DEFAULT_TABLE.codes()) == used  # the table names every code ranking writes


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_contribution_renders_in_both_languages(lang: str) -> None:
    catalog = CATALOGS[lang]
    for contribution in ALL:
        assert contribution.code in catalog.messages, contribution
        text = contribution.text(lang)
        assert text.strip(), contribution
        assert not re.search(r"[{}\[\]]", text), text  # nothing left unformatted
        if lang == "sv":
            words = set(re.findall(r"[^\W\d_]+", text))
            assert not words & set(ENGLISH), text
            assert not re.search(r"\d\.\d", text), text  # decimal commas


def test_swedish_numbers_and_plurals() -> None:
    by_code = {c.code: c for c in ALL}
    texts = {c.text("sv") for c in ALL}
    assert "betyg 4,6/5 av 148 omdömen" in texts
    assert any(t.startswith("betyg 4,0/5 av 1 omdöme (lite data") for t in texts)
    assert any(
        "i tid 75\u00a0% av 1 order (lite data: vägt mot antaget 85\u00a0%); lovar" in t
        for t in texts
    )
    assert any(t.startswith("i tid 90\u00a0% av 148 ordrar; lovar 1 dag") for t in texts)
    assert any(t.endswith("lovar 3 dagar") for t in texts)
    assert any("(lite data: vägt mot antaget 3,8/5)" in t for t in texts)
    assert any(t.startswith("billigast av 5 erbjudanden (405,65 inkl. moms)") for t in texts)
    assert by_code["price_missing"].text("sv") == "inget pris angivet"
    assert (
        "billigast av 2 erbjudanden (599,00\u00a0CZK ≈ 268,53 inkl. moms, kurs 0,4483 den "
        "2026-12-01)" in texts
    )
    assert "lyft av regel 'campaign' (återförsäljare r1): spring campaign" in texts
    assert "lyft av regel 'campaign' (produktregel): spring campaign" in texts
    assert by_code["rule_buried"].text("en") == "buried by rule 'sunset' (product rule)"
    assert by_code["status_unrecognized"].text("en").startswith("unrecognized status 'soon'; ")


def test_english_is_the_wording_ranking_wrote_before() -> None:
    texts = {c.text("en") for c in ALL}
    assert "rated 4.6/5 over 148 reviews" in texts
    assert any(t.startswith("competence rated 4.0/5 over 1 rating (few data") for t in texts)
    assert "no data yet: prior 3.8/5" in texts
    assert "returns handled well 60% over 3 cases (few data: weighted toward prior 75%)" in texts
    assert any(t.startswith("best offer (Tandlager 1): ") for t in texts)
    assert "text relevance 25% of the best match" in texts
    assert "no text relevance score" in texts
    assert "no retailer offers this product yet" in texts
    assert any(t.endswith("(525.00 incl. VAT, converted at 25%)") for t in texts)
    assert any("(500.00, VAT status unknown: taken as incl. VAT)" in t for t in texts)
    assert "same price as all 2 offers (100.00 incl. VAT)" in texts
    assert "only priced offer (99.90 incl. VAT): neutral" in texts
    assert "10.00 above the cheapest of 2 offers (10.00 incl. VAT)" in texts
    assert (
        "cheapest of 2 offers (CZK 599.00 ≈ 268.53 incl. VAT, rate 0.4483 as of 2026-12-01)"
        in texts
    )


def test_unknown_code_falls_back_to_code_and_values() -> None:
    assert render("eco_label", {"score": 0.8}, "en") == "eco label (score 0.8)"
    assert render("eco_label", {"score": 0.8}, "sv") == "eco label (score 0,8)"
    assert render("reviews_rated", {"stars": 4.0}, "en") == "reviews rated (stars 4)"  # no count


def test_accept_language_negotiation() -> None:
    assert negotiate("sv-SE,sv;q=0.9,en;q=0.8") == "sv"
    assert negotiate("en-GB,en;q=0.9,sv;q=0.8") == "en"
    assert negotiate("de-DE,de;q=0.9,sv;q=0.5") == "sv"
    assert negotiate("de, fr;q=0.5") == "en"
    assert negotiate(None) == negotiate("") == negotiate("*") == "en"
    assert negotiate("sv;q=0, en;q=0.1") == "en"
    assert negotiate("fr", default="sv") == "sv"


def test_a_language_refused_with_q_zero_is_never_chosen() -> None:
    """``q=0`` means "not acceptable" (RFC 9110 12.4.2): the other language is offered."""
    assert negotiate("en;q=0") == "sv"
    assert negotiate("en-GB;q=0, de") == "sv"
    assert negotiate("*, en;q=0") == "sv"
    assert negotiate("sv;q=0", default="sv") == "en"
    assert negotiate("*;q=0.5, sv;q=0") == "en"
    assert negotiate("sv;q=0, en;q=0") == "en"  # nothing acceptable: the default


def test_q_values_outside_zero_to_one_do_not_outrank_valid_ones() -> None:
    assert negotiate("en;q=inf, sv") == "sv"
    assert negotiate("en;q=2, sv;q=0.9") == "sv"
    assert negotiate("en;q=nan, sv;q=0.1") == "sv"
    assert negotiate("sv;q=0.9" + ", x" * 5000) == "sv"  # a long header is read, not refused
