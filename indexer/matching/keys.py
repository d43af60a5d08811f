"""Identifier keys: GTIN, MPN / catalog number, brand, model-number-like tokens, title tokens.

Every function here is pure and cheap; the matcher and the blocking index call them on every
offer and every catalog entry, so they avoid anything heavier than one compiled regex pass.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from catalog.gtin import gtin14
from indexer.matching.lexicon import canonical_word, strip_language_tags

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_NON_DIGIT = re.compile(r"\D+")
# Whitespace and punctuation that separate words; '-', '/', '.' and '_' stay inside a word
# so that "KDL-46V5100" or "mb13-pnk-see-v2" reach the model-number extractor whole.
_WORD_SPLIT = re.compile(r"[\s,;:()\[\]{}\"'+*|!?<>=]+")
_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)?|[^\W\d_]+", re.UNICODE)
_HAS_DIGIT = re.compile(r"\d")
_HAS_ALPHA = re.compile(r"[A-Z]")
_TRAILING_LETTERS = re.compile(r"[A-Z]{1,3}$")
# Quantities that look like codes but are sizes or pack counts: 25MM, 10ML, 2X50, 100ST, 3PK.
_QUANTITY = re.compile(
    r"^(?:\d+(?:X\d+)*(?:MM|CM|M|ML|CL|DL|L|MG|G|KG|ST|STK|PCS|PC|PK|PACK|X|GB|TB|MB|MHZ|GHZ|"
    r"MAH|W|V|IN|INCH|FT|OZ|LB|LBS|K|P|HZ)?(?:X\d+)*|X\d+)$"
)

# Legal-form and filler words dropped from brand keys ("Dentsply Sirona Inc." -> DENTSPLYSIRONA).
_BRAND_FILLER = frozenset(
    {
        "AB",
        "AG",
        "AS",
        "BV",
        "CO",
        "COMPANY",
        "CORP",
        "CORPORATION",
        "GMBH",
        "INC",
        "INCORPORATED",
        "KG",
        "LLC",
        "LTD",
        "LIMITED",
        "NV",
        "OY",
        "PLC",
        "SA",
        "SAS",
        "SPA",
        "SRL",
        "THE",
        "CE",
    }
)

MIN_CODE_LENGTH = 4


def fold(text: str) -> str:
    """Strip accents and upper-case ("Säker Å" -> "SAKER A"); Swedish letters fold to ASCII."""
    if text.isascii():
        return text.upper()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def code_key(value: str | None) -> str | None:
    """Normalize an MPN or catalog number: upper-case, accents folded, separators removed.

    >>> code_key(" kdl-46.v5100 ")
    'KDL46V5100'
    """
    if value is None:
        return None
    key = _NON_ALNUM.sub("", fold(value))
    return key or None


def gtin_key(value: str | None) -> str | None:
    """A GTIN-8/12/13/14 as 14 digits with a valid check digit, else None."""
    if value is None:
        return None
    return gtin14(_NON_DIGIT.sub("", value))


@lru_cache(maxsize=65536)
def brand_key(value: str | None) -> str | None:
    """A brand or manufacturer name reduced for comparison ("3M ESPE AG" -> "3MESPE")."""
    if value is None:
        return None
    words = [w for w in _NON_ALNUM.split(fold(value)) if w and w not in _BRAND_FILLER]
    key = "".join(words)
    return key or None


def tokens(text: str) -> list[str]:
    """Lower-case word and number tokens; decimal commas become points ("2,5" -> "2.5")."""
    found = _TOKEN.findall(text.lower())
    return [t.replace(",", ".") for t in found] if "," in text else found


# Spellings that feeds shorten; applied to title tokens before any comparison.
_SYNONYMS: dict[str, str] = {
    "upg": "upgrade",
    "upgrd": "upgrade",
    "pbupgrd": "upgrade",
    "prof": "professional",
    "std": "standard",
    "svr": "server",
    "win": "windows",
    "macintosh": "mac",
    "osx": "mac",
    "macosx": "mac",
    "pkg": "package",
    "ed": "edition",
    "st": "st",
    "stk": "st",
    "pcs": "st",
    "styck": "st",
}
_VERSION = re.compile(r"^v(\d+(?:\.\d+)?)$")


@lru_cache(maxsize=1 << 18)
def _canonical(token: str) -> str:
    token = canonical_word(token)
    token = _SYNONYMS.get(token, token)
    version = _VERSION.match(token)
    if version:
        token = version.group(1)
    if token.endswith(".0") and token[:-2].isdigit():
        token = token[:-2]
    return token


def title_tokens(text: str) -> list[str]:
    """`tokens` with feed abbreviations spelled out, versions unified ("v2.0" -> "2"), accents
    folded and common words of other languages in English (`lexicon`); language tags of
    web-crawled titles dropped."""
    return [_canonical(t) for t in tokens(strip_language_tags(text))]


def is_code_like(key: str) -> bool:
    """A model-number-like key: letters and digits mixed, at least MIN_CODE_LENGTH long."""
    return (
        len(key) >= MIN_CODE_LENGTH
        and _HAS_DIGIT.search(key) is not None
        and _HAS_ALPHA.search(key) is not None
        and _QUANTITY.match(key) is None
    )


def model_codes(text: str) -> tuple[str, ...]:
    """Model-number-like tokens in free text, as code keys, in order of appearance.

    A word with separators inside ("KDL-46V5100") is taken whole; a space-separated pair where
    one half is letters and the other digits ("SX 130") is not, because sizes and units
    ("3 mm") look the same.
    """
    seen: dict[str, None] = {}
    for word in _WORD_SPLIT.split(fold(text)):
        key = _NON_ALNUM.sub("", word)
        if is_code_like(key):
            seen.setdefault(key, None)
        elif len(key) >= MIN_CODE_LENGTH and key.isdigit() and len(key) >= 5:
            # long pure numbers are catalogue numbers too (e.g. "1234-56" catalog refs)
            seen.setdefault(key, None)
    return tuple(seen)


def code_stem(key: str) -> str | None:
    """The code without a short trailing letter suffix (colour/variant: LDS4821WW -> LDS4821)."""
    stem = _TRAILING_LETTERS.sub("", key)
    if stem != key and len(stem) >= MIN_CODE_LENGTH and _HAS_DIGIT.search(stem):
        return stem
    return None


def codes_related(a: str, b: str) -> bool:
    """Two different code keys that name the same model with a variant suffix or prefix."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < MIN_CODE_LENGTH + 1:
        return False
    if long_.startswith(short) or long_.endswith(short):
        return len(long_) - len(short) <= 3
    stem_a, stem_b = code_stem(a) or a, code_stem(b) or b
    return stem_a == stem_b
