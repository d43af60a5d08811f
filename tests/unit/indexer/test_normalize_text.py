"""Names, MPN keys and brand keys."""

from __future__ import annotations

import pytest

from indexer.normalize.text import brand_key, clean_text, normalize_mpn


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plain name", "Plain name"),
        ("  Tandborste   Mjuk \n", "Tandborste Mjuk"),
        ("<b>Komposit</b> A2&nbsp;4 g", "Komposit A2 4 g"),
        ("Line<br>break", "Line break"),
        ("<p>One</p><p>Two</p>", "One Two"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("&lt;b&gt;bold&lt;/b&gt;", "bold"),
        ("Zero\u200bwidth\ufeff", "Zerowidth"),
        ("Tab\tand\x00nul", "Tab andnul"),
        ("Öron & näsa", "Öron & näsa"),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ab-12.3/x", "AB123X"),
        ("AB 12_3", "AB123"),
        ("6010-B", "6010B"),
        ("  k-file.25/mm ", "KFILE25MM"),
        ("---", ""),
    ],
)
def test_normalize_mpn(text: str, expected: str) -> None:
    assert normalize_mpn(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3M Company", "3m"),
        ("Dentsply Sirona Inc.", "dentsply sirona"),
        ("Hu-Friedy Mfg. Co., LLC", "hu friedy mfg"),
        ("HU-FRIEDY", "hu friedy"),
        ("Ivoclar Vivadent AG", "ivoclar vivadent"),
        ("Kulzer GmbH & Co. KG", "kulzer"),
        ("Directa AB", "directa"),
        ("Plandent Ltd", "plandent"),
        ("GC Corp", "gc"),
        ("Coltène/Whaledent", "coltene whaledent"),
        ("Oral-B®", "oral b"),
        ("AB", "ab"),
    ],
)
def test_brand_key(text: str, expected: str) -> None:
    assert brand_key(text) == expected
