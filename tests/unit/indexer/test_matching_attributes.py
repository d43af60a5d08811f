"""Attribute-aware pair features: model-number fields, GTIN, category, description, languages."""

from __future__ import annotations

import pytest

from indexer.matching.batch_features import fast_pair_features, text_vectors
from indexer.matching.features import FEATURE_NAMES, make_profile, pair_features
from indexer.matching.keys import title_tokens
from indexer.matching.lexicon import canonical_word, strip_language_tags
from indexer.matching.text_stats import TextStats

STATS = TextStats.fit(["canon eos 80d body", "nikon d750 body", "tissot t-race watch"] * 3)


def _features(a: dict[str, str], b: dict[str, str]) -> dict[str, float]:
    pa = make_profile(a.pop("title"), **a)  # type: ignore[arg-type]
    pb = make_profile(b.pop("title"), **b)  # type: ignore[arg-type]
    values = pair_features(pa, pb, STATS)
    fast = fast_pair_features(pa, text_vectors(pa, STATS), pb, text_vectors(pb, STATS))
    assert fast == values  # the matcher's batch path computes the same vector
    return dict(zip(FEATURE_NAMES, values, strict=True))


def test_model_number_fields_on_both_sides_that_differ_conflict() -> None:
    f = _features(
        {"title": "Canon EOS camera body", "identifiers": ("EOS-80D",)},
        {"title": "Canon EOS camera body", "identifiers": ("EOS-90D",)},
    )
    assert (f["field_code_agree"], f["field_code_conflict"], f["field_code_one_sided"]) == (
        0.0,
        1.0,
        0.0,
    )
    assert f["code_conflict"] == 1.0  # and the title-level code comparison agrees


def test_a_model_number_on_one_side_only_is_neutral() -> None:
    f = _features(
        {"title": "Canon EOS camera body", "identifiers": ("EOS-80D",)},
        {"title": "Canon EOS camera body"},
    )
    assert f["field_code_conflict"] == 0.0 and f["code_conflict"] == 0.0
    assert f["field_code_one_sided"] == 1.0 and f["code_one_sided"] == 1.0


def test_a_model_number_field_written_in_the_other_title_agrees() -> None:
    f = _features(
        {"title": "Canon camera body", "identifiers": ("EOS-80D",)},
        {"title": "Canon EOS 80D camera body (EOS80D)"},
    )
    assert f["field_code_agree"] == 1.0 and f["field_code_conflict"] == 0.0


def test_gtin_category_and_description_are_compared_only_when_both_carry_them() -> None:
    f = _features(
        {"title": "Nikon D750", "gtin": "4006381333931", "category": "cameras digital"},
        {"title": "Nikon D750 body", "gtin": "4006381333931", "category": "digital cameras"},
    )
    assert (f["gtin_agree"], f["gtin_conflict"]) == (1.0, 0.0)
    assert (f["category_jaccard"], f["category_missing"]) == (1.0, 0.0)
    assert f["description_missing"] == 1.0
    f = _features(
        {"title": "Nikon D750", "gtin": "4006381333931"},
        {"title": "Nikon camera", "extra_text": "full frame D750 body", "gtin": "07350012345679"},
    )
    assert (f["gtin_agree"], f["gtin_conflict"]) == (0.0, 1.0)
    assert f["category_missing"] == 1.0
    assert f["description_cover"] == 1.0 and f["description_missing"] == 0.0


def test_multilingual_offers_read_alike() -> None:
    italian = '"Nike Tiempo Genio II Pelle FG - Nero/Bianco"@it " Nike Scarpe Uomo "@it'
    english = '"Nike Tiempo Genio II Leather FG - Black/White"@en " Nike Mens Shoes "@en'
    assert set(title_tokens(italian)) == set(title_tokens(english))
    assert strip_language_tags('"Cámara"@es-ES x').split() == ["Cámara", "x"]
    assert canonical_word("cámara") == "camera" and canonical_word("weiß") == "white"
    assert canonical_word("schwarz") == canonical_word("svart") == "black"
    f = _features({"title": italian}, {"title": english})
    assert f["idf_jaccard"] == pytest.approx(1.0)
    assert f["head_jaccard"] == pytest.approx(1.0)  # "Pelle" is "Leather"
    assert f["first_word_agree"] == 1.0


def test_sizes_in_different_units_are_one_size() -> None:
    same = _features({"title": "Ruler 2 cm"}, {"title": "Ruler 20 mm"})
    other = _features({"title": "Ruler 2 cm"}, {"title": "Ruler 25 mm"})
    assert same["unit_conflict"] == 0.0 and other["unit_conflict"] == 1.0


def test_numbers_unshared_count_both_sides() -> None:
    f = _features({"title": "Lens 18 55 mm"}, {"title": "Lens 18 135 mm 3"})
    assert f["numbers_unshared_min"] == 1.0 and f["numbers_unshared_max"] == 2.0
