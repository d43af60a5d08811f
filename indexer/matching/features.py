"""Pairwise similarity features between two product descriptions (rapidfuzz + code agreement).

A `Profile` is the pre-digested form of one side (offer, catalog entry, or a benchmark record);
`pair_features` turns two profiles into the fixed-length vector the scorer in `model.py` reads.
The benchmark (`bench.matching`) and the product `Matcher` both go through this one function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz

from indexer.matching.keys import brand_key, codes_related, model_codes, tokens

FEATURE_NAMES: tuple[str, ...] = (
    "token_set_ratio",
    "token_sort_ratio",
    "partial_ratio",
    "ratio",
    "code_exact",
    "code_related",
    "code_conflict",
    "code_one_sided",
    "code_in_other_text",
    "number_jaccard",
    "unit_conflict",
    "brand_agree",
    "brand_conflict",
    "idf_jaccard",
    "idf_containment",
    "rare_unshared",
    "length_ratio",
    "price_ratio",
    "price_missing",
    "variant_conflict",
    "variant_agree",
    "joined_token_match",
    "code_in_squashed",
)

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


def _canonical(token: str) -> str:
    token = _SYNONYMS.get(token, token)
    version = _VERSION.match(token)
    if version:
        token = version.group(1)
    if token.endswith(".0") and token[:-2].isdigit():
        token = token[:-2]
    return token


_UNIT_NUMBER = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(mm|cm|ml|mg|kg|g|l|st|pcs|pack|x|%|gb|tb|mb|mhz|ghz|mah|w|v|"
    r"inch|in|ft|oz|lbs|lb|\"|')(?![a-z])"
)

# Words that distinguish otherwise identical products; both sides naming a different member of
# one group is strong evidence of two different products.
_VARIANT_GROUPS: dict[str, str] = {}
for _group, _words in {
    "platform": ("mac", "macintosh", "win", "windows", "pc", "linux"),
    "licence": ("upgrade", "full", "academic", "student", "oem", "retail"),
    "edition": ("standard", "professional", "pro", "premium", "deluxe", "home", "ultimate"),
    "side": ("left", "right", "vänster", "höger", "upper", "lower", "över", "under"),
    "size": ("small", "medium", "large", "xs", "xl", "xxl"),
    "sterility": ("sterile", "steril", "nonsterile", "osteril"),
    "colour": ("black", "white", "silver", "red", "blue", "green", "pink", "svart", "vit"),
}.items():
    for _w in _words:
        _VARIANT_GROUPS[_w] = _group


@dataclass(frozen=True, slots=True)
class Profile:
    """One side of a comparison, digested once: title tokens, codes, numbers, brand, price."""

    title: str  # lower-case tokens joined by spaces
    token_set: frozenset[str]
    codes: tuple[str, ...]  # model-number-like keys from the title and identifier fields
    extra_codes: frozenset[str]  # codes seen anywhere else (description, MPN field)
    numbers: frozenset[str]
    unit_numbers: frozenset[tuple[str, str]]
    brand: str | None
    price: float | None
    variants: frozenset[tuple[str, str]]
    squashed: str  # upper-case title without separators, for split/joined spellings


def make_profile(
    title: str,
    *,
    brand: str | None = None,
    identifiers: tuple[str | None, ...] = (),
    extra_text: str = "",
    price: float | None = None,
) -> Profile:
    """Digest one description. `identifiers` (MPN, catalog number) count as title codes."""
    toks = [_canonical(t) for t in tokens(title)]
    codes = dict.fromkeys(model_codes(title))
    for ident in identifiers:
        if ident:
            codes.update(dict.fromkeys(model_codes(ident)))
    extra = frozenset(model_codes(extra_text)) if extra_text else frozenset()
    lowered = title.lower()
    units = frozenset(
        (m.group(1).replace(",", "."), m.group(2)) for m in _UNIT_NUMBER.finditer(lowered)
    )
    numbers = frozenset(t for t in toks if t[0].isdigit())
    variants = frozenset((_VARIANT_GROUPS[t], t) for t in toks if t in _VARIANT_GROUPS)
    return Profile(
        title=" ".join(toks),
        token_set=frozenset(toks),
        codes=tuple(codes),
        extra_codes=extra,
        numbers=numbers,
        unit_numbers=units,
        brand=brand_key(brand),
        price=price if price is not None and price > 0 else None,
        variants=variants,
        squashed="".join(toks).upper(),
    )


def _code_agreement(a: Profile, b: Profile) -> tuple[float, float, float, float, float]:
    exact = related = 0.0
    for ca in a.codes:
        for cb in b.codes:
            if ca == cb:
                exact = 1.0
            elif codes_related(ca, cb):
                related = 1.0
    in_other = 0.0
    if exact == 0.0 and (
        any(c in b.extra_codes for c in a.codes) or any(c in a.extra_codes for c in b.codes)
    ):
        in_other = 1.0
    both = bool(a.codes) and bool(b.codes)
    conflict = 1.0 if both and exact == 0.0 and related == 0.0 and in_other == 0.0 else 0.0
    one_sided = 1.0 if bool(a.codes) != bool(b.codes) else 0.0
    return exact, related, conflict, one_sided, in_other


def _brand_agreement(a: Profile, b: Profile) -> tuple[float, float]:
    if a.brand and b.brand:
        if a.brand == b.brand or a.brand.startswith(b.brand) or b.brand.startswith(a.brand):
            return 1.0, 0.0
        if fuzz.ratio(a.brand, b.brand) >= 85:
            return 1.0, 0.0
        return 0.0, 1.0
    # one side knows its brand: agreement if the brand word appears in the other's title
    known, other = (a, b) if a.brand else (b, a)
    if known.brand:
        squashed = other.title.replace(" ", "").upper()
        if known.brand in squashed:
            return 1.0, 0.0
    return 0.0, 0.0


def _unit_conflict(a: Profile, b: Profile) -> float:
    if not a.unit_numbers or not b.unit_numbers:
        return 0.0
    units_a: dict[str, set[str]] = {}
    for value, unit in a.unit_numbers:
        units_a.setdefault(unit, set()).add(value)
    for value, unit in b.unit_numbers:
        values = units_a.get(unit)
        if values is not None and value not in values:
            # a conflict only if no value of this unit on side b appears on side a
            b_values = {v for v, u in b.unit_numbers if u == unit}
            if not (b_values & values):
                return 1.0
    return 0.0


def _variant_features(a: Profile, b: Profile) -> tuple[float, float]:
    if not a.variants or not b.variants:
        return 0.0, 0.0
    groups_a: dict[str, set[str]] = {}
    for group, word in a.variants:
        groups_a.setdefault(group, set()).add(word)
    conflict = agree = 0.0
    for group, word in b.variants:
        words = groups_a.get(group)
        if words is None:
            continue
        if word in words:
            agree = 1.0
        else:
            conflict = 1.0
    return conflict, agree


def _joined_token_match(a: Profile, b: Profile) -> float:
    """Long words of one side written with separators or glued on the other ("lcs-csl")."""
    found = 0
    for one, other in ((a, b), (b, a)):
        for tok in one.token_set - other.token_set:
            if len(tok) >= 5 and tok.upper() in other.squashed:
                found += 1
    return min(found, 2) / 2.0


def _code_in_squashed(a: Profile, b: Profile) -> float:
    """A model number of one side inside the other's title without separators (SX110 ~ SX110IS)."""
    for one, other in ((a, b), (b, a)):
        for code in one.codes:
            if code in other.squashed:
                return 1.0
    return 0.0


def pair_features(a: Profile, b: Profile, idf: Callable[[str], float]) -> list[float]:
    """The feature vector for one pair, in the order of FEATURE_NAMES; `idf` weighs a token."""
    exact, related, conflict, one_sided, in_other = _code_agreement(a, b)
    brand_agree, brand_conflict = _brand_agreement(a, b)
    variant_conflict, variant_agree = _variant_features(a, b)

    shared = a.token_set & b.token_set
    w_shared = sum(idf(t) for t in shared)
    w_a = sum(idf(t) for t in a.token_set)
    w_b = sum(idf(t) for t in b.token_set)
    w_union = w_a + w_b - w_shared
    idf_jaccard = w_shared / w_union if w_union > 0 else 0.0
    smaller = min(w_a, w_b)
    idf_containment = w_shared / smaller if smaller > 0 else 0.0
    rare_unshared = (w_union - w_shared) / (w_union + 1.0)

    if a.numbers and b.numbers:
        number_jaccard = len(a.numbers & b.numbers) / len(a.numbers | b.numbers)
    else:
        number_jaccard = 0.5
    len_a, len_b = len(a.token_set), len(b.token_set)
    length_ratio = min(len_a, len_b) / max(len_a, len_b) if len_a and len_b else 0.0
    if a.price is not None and b.price is not None:
        price_ratio = min(a.price, b.price) / max(a.price, b.price)
        price_missing = 0.0
    else:
        price_ratio, price_missing = 0.0, 1.0

    return [
        fuzz.token_set_ratio(a.title, b.title) / 100.0,
        fuzz.token_sort_ratio(a.title, b.title) / 100.0,
        fuzz.partial_ratio(a.title, b.title) / 100.0,
        fuzz.ratio(a.title, b.title) / 100.0,
        exact,
        related,
        conflict,
        one_sided,
        in_other,
        number_jaccard,
        _unit_conflict(a, b),
        brand_agree,
        brand_conflict,
        idf_jaccard,
        idf_containment,
        rare_unshared,
        length_ratio,
        price_ratio,
        price_missing,
        variant_conflict,
        variant_agree,
        _joined_token_match(a, b),
        _code_in_squashed(a, b),
    ]


def idf_table(documents: list[frozenset[str]]) -> tuple[dict[str, float], float]:
    """Smoothed IDF per token over a list of token sets, and the IDF of an unseen token."""
    counts: dict[str, int] = {}
    for doc in documents:
        for tok in doc:
            counts[tok] = counts.get(tok, 0) + 1
    n = len(documents)
    table = {tok: math.log((n + 1) / (df + 1)) + 1.0 for tok, df in counts.items()}
    return table, math.log(n + 1) + 1.0
