"""The merchandisers' rule text: parsing, refusals naming the line, and query-time effect."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.analysis.analyzer import Analyzer
from search.analysis.compounds import Decompounder
from search.analysis.query import QueryAnalyzer
from search.analysis.synonym_rules import (
    EMPTY_RULES,
    MAX_LINE_CHARS,
    MAX_TEXT_CHARS,
    parse_rules,
)
from search.analysis.synonyms import SynonymMap
from search.backends.tantivy_backend import TantivyBackend
from search.documents import ProductDocument
from search.errors import SynonymRulesError
from search.protocol import BackendQuery, TextField


def _terms(analyzer: QueryAnalyzer, text: str) -> set[tuple[str, ...]]:
    return {g.terms for c in analyzer.analyze(text).clauses for g in c.alternatives}


def test_two_way_one_way_and_compound_rules_are_read() -> None:
    rules = parse_rules(
        "# comment\n"
        "anestesi, bedövning  # two-way\n"
        "Karpul => cylinderampull, cartridge\n"
        "lokalanestesi = lokal anestesi\n"
        "munskydd =\n"
        "kofferdam = kofferdam\n"
    )
    assert len(rules) == 5
    assert rules.expansions(("anestesi",)) == [("bedövning",)]
    assert rules.expansions(("bedövning",)) == [("anestesi",)]
    assert rules.expansions(("karpul",)) == [("cylinderampull",), ("cartridge",)]
    assert rules.expansions(("cylinderampull",)) == []  # one-way
    assert rules.expansions(("karpuler",)) == [("cylinderampull",), ("cartridge",)]  # stem
    assert rules.split("lokalanestesi") == ("lokal", "anestesi")
    assert rules.split("munskydd") == () and rules.split("kofferdam") == ()
    assert rules.split("handske") is None
    again = parse_rules(rules.text())
    assert again.text() == rules.text() and again.digest == rules.digest


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a, b\nensam\n", 2, "two-way rule needs two terms"),
        ("a, , b", 1, "empty term"),
        ("a => b => c", 1, "more than one '=>'"),
        ("=> b", 1, "before '=>'"),
        ("\n\nlokalanestesi = lokal bedövning", 3, "do not spell it"),
        ("tand borste = tand borste", 1, "must be one word"),
        ("munskydd = munskydd skydd", 1, "do not spell it"),
        ("tandborste = tandborste\ntandborste = tand borste", 2, "already split on line 1"),
        ("avtrycksmaterial = avtryck", 1, "two parts or more"),
        ("x" * (MAX_LINE_CHARS + 1), 1, "longer than"),
        # the console's text box breaks lines at line feeds only: a pasted form feed or
        # U+2028 must not shift the line a refusal names
        ("a, b\n\x0cc\nensam", 2, "two-way rule needs two terms"),
        ("a, b\u2028c\r\nensam", 2, "two-way rule needs two terms"),
        ("a, b\rensam", 2, "two-way rule needs two terms"),
    ],
)
def test_bad_rules_are_refused_naming_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(SynonymRulesError) as caught:
        parse_rules(text)
    assert caught.value.line == line and words in str(caught.value), str(caught.value)
    assert caught.value.code  # a translated message can say why


def test_a_refusal_carries_what_a_translation_needs() -> None:
    with pytest.raises(SynonymRulesError) as caught:
        parse_rules("lokalanestesi = lokal bedövning")
    assert caught.value.code == "compound_spelling"
    assert caught.value.values == {"word": "lokalanestesi", "parts": "lokal + bedövning"}


def test_oversized_text_is_refused_before_parsing() -> None:
    with pytest.raises(SynonymRulesError, match="longer than"):
        parse_rules("a, b\n" * (MAX_TEXT_CHARS // 5 + 1))


def test_linking_letters_may_be_left_out_of_a_split() -> None:
    assert parse_rules("avtrycksmaterial = avtryck material").split("avtrycksmaterial") == (
        "avtryck",
        "material",
    )


def test_a_rule_target_is_matched_like_a_query_word() -> None:
    base = QueryAnalyzer(Decompounder(["nitril", "handske", "handskar"]), SynonymMap([]))
    plain = _terms(base, "vante")
    assert ("handsk",) not in plain
    ruled = base.with_rules(parse_rules("vante => nitrilhandske"))
    clause = ruled.analyze("vantar").clauses[0]  # inflected: matched by stem
    groups = {(g.fields, g.terms): g.boost for g in clause.alternatives}
    assert groups[((TextField.NAME,), ("nitrilhandske",))] == pytest.approx(3.0 * 0.8)
    # the target's compound parts come along, as for a typed word
    assert any(terms == ("nitril", "handsk") for _f, terms in groups)
    assert not any(g.fuzzy for g in clause.alternatives if "nitrilhandske" in g.terms)


def test_multi_word_rule_terms_become_one_clause() -> None:
    base = QueryAnalyzer(Decompounder([]), SynonymMap([]))
    ruled = base.with_rules(parse_rules("gummi duk => rubber dam"))
    clauses = ruled.analyze("gummi duk latexfri").clauses
    assert [c.text for c in clauses] == ["gummi duk", "latexfri"]
    terms = {g.terms for g in clauses[0].alternatives}
    assert ("gummi", "duk") in terms and ("rubber", "dam") in terms


def test_a_never_split_rule_keeps_the_word_whole() -> None:
    base = QueryAnalyzer(Decompounder(["mun", "skydd"]), SynonymMap([]))
    assert base.split("munskydd") == ("mun", "skydd")
    ruled = base.with_rules(parse_rules("munskydd ="))
    assert ruled.split("munskydd") == ()
    assert ("mun", "skydd") not in _terms(ruled, "munskydd")
    assert ("mun", "skydd") in _terms(base, "munskydd")


def test_the_analyzer_applies_rules_only_when_given() -> None:
    analyzer = Analyzer.default()
    rules = parse_rules("xyzzy => kofferdam")
    plain = analyzer.analyze_query("xyzzy")
    assert analyzer.analyze_query("xyzzy", EMPTY_RULES) == plain
    ruled = analyzer.analyze_query("xyzzy", rules)
    assert ruled != plain
    assert ("rubber_dam",) in {g.terms for g in ruled.clauses[0].alternatives}


def test_munskydd_finds_no_rubber_dam_through_its_parts_or_scattered_words(
    tmp_path: Path,
) -> None:
    """Seen on the demo: "munskydd" (a face mask) returned a rubber dam. A word with a
    meaning of its own is not matched through its parts ("mun" + "skydd": mouth +
    protection), and its translations are whole device names, none of a generic modifier
    that a description uses for something else ("procedure mask" met "procedures ... mask")."""
    backend = TantivyBackend(tmp_path / "idx")
    backend.index_documents(
        [
            ProductDocument(
                product_id=1,
                name="Kofferdam skydd för mun och tandkött",
                category="Rubber dam, non-latex",
            ),
            ProductDocument(
                product_id=2,
                name="SoundSeal gingival barrier",
                description="Used during bleaching procedures; can be used to mask undercuts.",
                category="Rubber dam, non-latex",
            ),
            ProductDocument(product_id=3, name="Face mask type IIR", category="Face mask"),
        ]
    )
    parts = {g.terms for c in backend.analyze_query("munskydd").clauses for g in c.alternatives}
    assert ("mun", "skyd") not in parts
    found = backend.search(BackendQuery(query=backend.analyze_query("munskydd")))
    assert [pid for pid, _ in found.hits] == [3]
    # a compound without a meaning of its own is still found through its parts
    assert backend.analyze_query("tandskydd").clauses[0].alternatives
    backend.close()
