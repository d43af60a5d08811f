from __future__ import annotations

from indexer.matching.keys import (
    brand_key,
    code_key,
    codes_related,
    gtin_key,
    is_code_like,
    model_codes,
)


def test_code_key_uppercases_and_drops_separators() -> None:
    assert code_key(" kdl-46.v5100 ") == "KDL46V5100"
    assert code_key("ab 12/34_x") == "AB1234X"
    assert code_key("--") is None
    assert code_key(None) is None


def test_gtin_key_pads_and_checks_digit() -> None:
    assert gtin_key("4006381333931") == "04006381333931"
    assert gtin_key("4006381333932") is None  # wrong check digit
    assert gtin_key("1234567890123") is None
    assert gtin_key("abc") is None


def test_brand_key_drops_legal_forms_and_accents() -> None:
    assert brand_key("3M ESPE AG") == "3MESPE"
    assert brand_key("Dürr Dental GmbH") == "DURRDENTAL"
    assert brand_key("Dentsply Sirona Inc.") == brand_key("dentsply sirona")


def test_model_codes_extracts_mixed_tokens_and_skips_sizes() -> None:
    codes = model_codes("Sony Bravia KDL-46V5100 46' LCD TV 1080p, 25mm 10ml 2x50")
    assert codes == ("KDL46V5100",)
    assert model_codes("denon dvd3800bdci player") == ("DVD3800BDCI",)
    assert model_codes("plain words only 2.5 mm") == ()


def test_is_code_like_requires_letters_digits_and_length() -> None:
    assert is_code_like("A123")
    assert not is_code_like("A12")
    assert not is_code_like("ABCDEF")
    assert not is_code_like("100ML")


def test_codes_related_accepts_variant_suffixes_only() -> None:
    assert codes_related("LDS4821WW", "LDS4821WH")
    assert codes_related("KDL46V5100", "KDL46V5100B")
    assert not codes_related("KDL46V5100", "KDL40V5100")
