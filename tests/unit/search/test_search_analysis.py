"""Swedish/English analysis: stems, compounds, synonyms, typos, identifiers, numbers."""

from __future__ import annotations

import pytest

from catalog.gtin import gtin14, is_valid_gtin
from search.analysis.analyzer import Analyzer
from search.analysis.compounds import Decompounder
from search.analysis.identifiers import (
    identifier_terms,
    normalize_key,
)
from search.analysis.query import fuzzy_distance
from search.analysis.swedish import stem_en, stem_sv
from search.analysis.synonyms import load_synonyms, parse_synonyms
from search.analysis.tokens import query_tokens, tokenize
from search.documents import ProductDocument
from search.errors import SynonymFileError
from search.protocol import TextField


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.default(catalog_vocabulary=["nitril"])


def test_swedish_stemming_joins_inflections() -> None:
    assert stem_sv("handskar") == stem_sv("handske") == stem_sv("handskarna")
    assert stem_sv("borrar") == stem_sv("borr")
    assert stem_en("gloves") == stem_en("glove")
    assert stem_sv("0.5") == "0.5"  # numbers are never stemmed


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("avtrycksmaterial", ("avtryck", "material")),
        ("tandblekning", ("tand", "blekning")),
        ("nitrilhandskar", ("nitril", "handskar")),
        ("diamantborr", ("diamant", "borr")),
        ("munskydd", ("mun", "skydd")),
        ("rotkanalsfil", ("rot", "kanal", "fil")),
    ],
)
def test_compounds_split(analyzer: Analyzer, word: str, parts: tuple[str, ...]) -> None:
    assert analyzer.decompounder.split(word) == parts


@pytest.mark.parametrize("word", ["material", "komposit", "implantat", "spegel", "handskar"])
def test_simple_words_stay_whole(analyzer: Analyzer, word: str) -> None:
    assert analyzer.decompounder.split(word) == ()


def test_decompounder_prefers_fewer_longer_parts() -> None:
    d = Decompounder(["tand", "tandsten", "sten", "borttagning", "bort", "tagning"])
    assert d.split("tandstensborttagning") == ("tandsten", "borttagning")


def test_decompounder_ignores_short_catalog_words() -> None:
    d = Decompounder([], catalog_words=["abc", "abcdef", "ghijkl"])
    assert d.split("abcdefghijkl") == ("abcdef", "ghijkl")
    assert Decompounder([], catalog_words=["abc", "ghijkl"]).split("abcghijkl") == ()


def test_shipped_synonyms_are_curated_and_bidirectional() -> None:
    synonyms = load_synonyms()
    assert len(synonyms) >= 300
    assert ("bur",) in synonyms.english_for(("borr",))
    assert ("gloves",) in synonyms.english_for(("handskarna",))  # any inflection
    assert ("impression", "material") in synonyms.english_for(("avtrycksmaterial",))
    assert ("tandblekning",) in synonyms.swedish_for(("tooth", "whitening"))
    assert ("salivsug",) in synonyms.swedish_for(("saliva", "ejector"))
    assert synonyms.closest_swedish("komposti", 1) == "komposit"  # transposition = 1 edit


def test_malformed_synonym_line_is_reported() -> None:
    with pytest.raises(SynonymFileError, match=r"line\.tsv:2"):
        parse_synonyms(["borr\tbur\n", "no tab here\n"], "line.tsv")


def test_decimal_comma_and_currency_are_normalized() -> None:
    assert tokenize("Borr 0,5 mm") == ["borr", "0.5", "mm"]
    assert query_tokens("handskar 99 kr") == ["handskar", "99"]
    assert query_tokens("0,5mm") == query_tokens("0.5 mm") == ["0.5", "mm"]


def test_fuzzy_distance_scales_with_length() -> None:
    assert [fuzzy_distance(w) for w in ("borr", "spegel", "komposit", "avtrycksmaterial")] == [
        0,
        1,
        1,
        2,
    ]
    assert fuzzy_distance("12345") == 0


def test_query_expansion_has_lower_boosts_for_expansions(analyzer: Analyzer) -> None:
    query = analyzer.analyze_query("borr")
    (clause,) = query.clauses
    exact = next(g for g in clause.alternatives if g.fields == (TextField.NAME,) and not g.fuzzy)
    synonym = next(g for g in clause.alternatives if g.terms == (stem_en("bur"),))
    assert exact.boost > synonym.boost


def test_typo_expands_to_corrected_synonyms(analyzer: Analyzer) -> None:
    (clause,) = analyzer.analyze_query("komposti").clauses
    assert any(g.fuzzy == 1 for g in clause.alternatives)
    assert any(g.terms == (stem_en("composite"),) for g in clause.alternatives)


def test_english_phrase_becomes_one_clause(analyzer: Analyzer) -> None:
    query = analyzer.analyze_query("nitrile gloves large")
    assert [c.text for c in query.clauses] == ["nitrile gloves", "large"]
    terms = {g.terms for g in query.clauses[0].alternatives}
    assert (stem_sv("nitril"), stem_sv("handskar")) in terms  # nitrilhandskar, split


def test_gtin_validation_and_padding() -> None:
    assert is_valid_gtin("7350012345679")
    assert not is_valid_gtin("7350012345678")
    assert gtin14("7350012345679") == "07350012345679"
    assert gtin14("735-0012345679") == "07350012345679"
    assert gtin14("1234") is None
    assert normalize_key("ab-12.3 x") == "AB123X"


def test_identifier_terms() -> None:
    assert identifier_terms("7350012345679") == ("07350012345679", "7350012345679")
    assert identifier_terms("KOM 8837 314") == ("KOM8837314", "8837", "314")
    assert identifier_terms("handskar") == ()


def test_document_analysis_indexes_both_languages(analyzer: Analyzer) -> None:
    doc = ProductDocument(
        product_id=1, name="Nitrilhandskar blå", brand="Abena", category="Handskar"
    )
    fields = analyzer.analyze_document(doc)
    assert fields[TextField.NAME] == "nitrilhandskar blå abena"
    assert stem_sv("handskar") in fields[TextField.PARTS].split()
    assert stem_en("handskar") in fields[TextField.NAME_EN].split()
