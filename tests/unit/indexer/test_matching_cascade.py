from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.enums import MatchMethod
from indexer.matching import CatalogEntry, CatalogIndex, Matcher, PackagedGtin
from indexer.matching.model import PairScorer, Thresholds, default_model
from indexer.matching.synthetic import synthetic_catalog, synthetic_offers
from indexer.records import OfferRecord

GTIN_A = "07350012345679"
GTIN_A_BOX = "17350012345676"
GTIN_B = "07350012345686"


def _offer(name: str, **fields: object) -> OfferRecord:
    return OfferRecord(row=1, sku="S1", name=name, price=Decimal("100"), **fields)  # type: ignore[arg-type]


@pytest.fixture()
def matcher() -> Matcher:
    entries = [
        CatalogEntry(
            1,
            "Filtek Supreme XTE komposit A2 4 g",
            brand="3M ESPE",
            manufacturer="3M",
            mpn="6910A2",
            catalog_number="FS-6910-A2",
            identifiers=(GTIN_A,),
            packaging=(PackagedGtin(GTIN_A_BOX, "package", 10),),
        ),
        CatalogEntry(2, "Filtek Supreme XTE komposit A3 4 g", brand="3M ESPE", mpn="6910A3"),
        CatalogEntry(3, "Tetric EvoCeram komposit A2 3 g", brand="Ivoclar", mpn="595950WW",
                     identifiers=(GTIN_B,)),
        CatalogEntry(4, "Hyflex EDM endofil 25 mm ISO 025", brand="Coltene", mpn="HX6025"),
        CatalogEntry(5, "Hyflex EDM endofil 21 mm ISO 025", brand="Coltene", mpn="HX6021"),
        CatalogEntry(6, "Zorbex Pellon guttaperkastift ISO 040", brand="Kerr", mpn="ZP4040K"),
        CatalogEntry(7, "Zorbex Pellon guttaperkastift ISO 040", brand="Kerr", mpn="ZP4041K"),
    ]  # fmt: skip
    return Matcher(CatalogIndex.build(entries))


def test_gtin_beats_mpn_and_title(matcher: Matcher) -> None:
    # GTIN says product 3 even though MPN and title point at product 1
    result = matcher.match(_offer("Filtek Supreme A2", gtin=GTIN_B, mpn="6910A2", brand="3M"))
    assert (result.product_id, result.method, result.confidence) == (3, MatchMethod.GTIN, 1.0)


def test_package_level_gtin_matches_the_product(matcher: Matcher) -> None:
    result = matcher.match(_offer("Filtek 10-pack", gtin=GTIN_A_BOX))
    assert result.product_id == 1
    assert result.method is MatchMethod.GTIN
    assert (result.pack_level, result.pack_quantity) == ("package", 10)


def test_brand_and_mpn_beat_title(matcher: Matcher) -> None:
    # the title reads like product 2 but brand + MPN identify product 1
    result = matcher.match(_offer("Filtek Supreme XTE A3", mpn="6910-a2", brand="3M Espe AB"))
    assert (result.product_id, result.method) == (1, MatchMethod.BRAND_MPN)
    assert result.confidence == pytest.approx(0.97)


def test_catalog_number_counts_as_mpn(matcher: Matcher) -> None:
    result = matcher.match(_offer("komposit", mpn="fs 6910 a2", brand="3M"))
    assert (result.product_id, result.method) == (1, MatchMethod.BRAND_MPN)


def test_unique_distinctive_mpn_without_brand(matcher: Matcher) -> None:
    result = matcher.match(_offer("Hyflex fil", mpn="HX-6021"))
    assert (result.product_id, result.method) == (5, MatchMethod.MPN)
    assert result.confidence < 0.97


def test_mpn_with_conflicting_brand_is_not_linked(matcher: Matcher) -> None:
    result = matcher.match(_offer("okänd fil", mpn="HX6021", brand="Dentsply"))
    assert result.product_id is None
    assert 5 in {c.product_id for c in result.candidates}


def test_model_number_in_title_is_looked_up(matcher: Matcher) -> None:
    result = matcher.match(_offer("Coltene Hyflex endo file HX6025 kampanj"))
    assert (result.product_id, result.method) == (4, MatchMethod.BRAND_MPN)


def test_title_match_without_identifiers(matcher: Matcher) -> None:
    result = matcher.match(_offer("3M ESPE komposit Filtek Supreme XTE A3 4g"))
    assert (result.product_id, result.method) == (2, MatchMethod.TITLE)
    assert 0.0 < result.confidence < 1.0


def test_size_conflict_is_never_linked(matcher: Matcher) -> None:
    # 23 mm exists for neither product: both share everything else
    result = matcher.match(_offer("Coltene Hyflex EDM endofil 23 mm ISO 025"))
    assert result.product_id is None


def test_conflicting_model_number_prevents_a_match(matcher: Matcher) -> None:
    result = matcher.match(_offer("Ivoclar Tetric EvoCeram komposit A2 3 g 777123XX"))
    assert result.product_id is None
    assert all(c.score < matcher.model.thresholds.review_low for c in result.candidates)


def test_ambiguous_twins_go_to_review_without_a_link(matcher: Matcher) -> None:
    result = matcher.match(_offer("Kerr Zorbex Pellon guttaperkastift ISO 040"))
    assert result.product_id is None
    assert result.method is None
    assert result.ambiguous
    assert {c.product_id for c in result.candidates} >= {6, 7}


def test_title_score_in_the_review_band_goes_to_review_without_a_link(matcher: Matcher) -> None:
    # product 1 plus a word the catalog does not have: likely, but short of a confident match
    thresholds = matcher.model.thresholds
    result = matcher.match(_offer("3M ESPE Filtek Supreme XTE Universal A2 4 g"))
    assert (result.product_id, result.method, result.confidence) == (None, None, 0.0)
    assert not result.ambiguous  # the review band itself, not the top-two margin rule
    assert result.needs_review
    best = result.candidates[0]
    assert best.product_id == 1
    assert thresholds.review_low <= best.score < thresholds.accept


def test_unrelated_offer_is_unmatched(matcher: Matcher) -> None:
    result = matcher.match(_offer("Kaffebryggare Moccamaster svart"))
    assert (result.product_id, result.candidates) == (None, [])


def test_every_result_names_the_model_version(matcher: Matcher) -> None:
    linked = matcher.match(_offer("x", gtin=GTIN_B))
    by_title = matcher.match(_offer("3M ESPE komposit Filtek Supreme XTE A3 4g"))
    assert linked.model_version == by_title.model_version == matcher.model.version
    assert matcher.model.version.startswith("match-")
    retrained = PairScorer.from_json(matcher.model.to_json()).with_version("match")
    assert retrained.version == matcher.model.version  # a digest of the same document
    other = Matcher(matcher.index, model=retrained.with_thresholds(Thresholds(0.9, 0.6)))
    assert other.model.with_version("match").version != matcher.model.version


def test_match_many_keeps_order(matcher: Matcher) -> None:
    offers = [_offer("x", gtin=GTIN_B), _offer("y", gtin=GTIN_A)]
    assert [r.product_id for r in matcher.match_many(offers)] == [3, 1]


def test_synthetic_title_offers_are_linked_correctly_or_not_at_all() -> None:
    catalog = synthetic_catalog(3000, seed=31)
    matcher = Matcher(CatalogIndex.build(catalog))
    offers = synthetic_offers(catalog, 400, seed=32, identifier_share=0.0)
    results = matcher.match_many(o.offer for o in offers)
    linked = [(o, r) for o, r in zip(offers, results, strict=True) if r.product_id is not None]
    wrong = [o for o, r in linked if r.product_id != o.product_id]
    assert len(linked) >= 0.7 * len(offers)
    assert len(wrong) <= 0.01 * len(linked)


def test_default_model_round_trips_through_json() -> None:
    model = default_model()
    again = PairScorer.from_json(model.to_json())
    assert again == model
    assert 0.0 < model.thresholds.review_low < model.thresholds.accept < 1.0
    # a real review band: titles short of a confident match are reviewed, never guessed
    assert model.thresholds.accept - model.thresholds.review_low >= 0.1 - 1e-9
