"""Pairwise similarity features between two product descriptions (rapidfuzz + code agreement).

A `Profile` is the pre-digested form of one side (offer, catalog entry, or a benchmark record);
`pair_features` turns two profiles into the fixed-length vector the scorer in `model.py` reads.
The benchmark (`bench.matching`) and the product `Matcher` both go through this one function.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from indexer.matching.attributes import (
    ATTRIBUTE_FEATURES,
    AttributeView,
    attribute_features,
    attribute_view,
)
from indexer.matching.keys import brand_key, codes_related, model_codes, title_tokens
from indexer.matching.lexicon import strip_language_tags
from indexer.matching.text_stats import TextStats, char_grams

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
    "tfidf_cosine",
    "char_tfidf_cosine",
    "soft_tfidf",
    "monge_elkan_min",
    "monge_elkan_max",
    "version_share",
    "version_conflict",
    "version_one_sided",
    "year_conflict",
    "alnum_version_conflict",
    "upgrade_mismatch",
    "academic_mismatch",
    "platform_conflict",
    "edition_conflict",
    "edition_one_sided",
    "rare_unshared_max",
    "rare_unshared_min",
    "price_log_ratio",
    "tokens_min",
    "tokens_max",
    "core_cosine",
    "idf_cover_max",
    "rare_shared",
    "rare_gap",
    "rare_missing_short",
    "rare_missing_long",
    "bigram_share",
    "core_token_set_ratio",
    "core_cover",
    "seat_conflict",
    *ATTRIBUTE_FEATURES,
)

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
    "side": ("left", "right", "vanster", "hoger", "upper", "lower", "over", "under"),
    "size": ("small", "medium", "large", "xs", "xl", "xxl"),
    "sterility": ("sterile", "steril", "nonsterile", "osteril"),
    "colour": (
        "black",
        "white",
        "silver",
        "red",
        "blue",
        "green",
        "pink",
        "grey",
        "yellow",
        "gold",
    ),
}.items():
    for _w in _words:
        _VARIANT_GROUPS[_w] = _group


# Keyword groups for licence / platform / edition mismatches (tokens are canonical already).
_UPGRADE = frozenset({"upgrade", "update", "upsell", "crossgrade"})
_ACADEMIC = frozenset({"academic", "education", "educational", "student", "teacher", "edu"})
_MAC = frozenset({"mac"})
_WINDOWS = frozenset({"windows", "pc"})
_EDITIONS = frozenset(
    {
        "standard", "professional", "pro", "premium", "deluxe", "home", "ultimate", "business",
        "enterprise", "basic", "elements", "express", "plus", "lite", "gold", "platinum",
    }
)  # fmt: skip
# Operating-system words: the numbers after them are requirements, not versions.
_OS_WORDS = frozenset({"windows", "mac", "os", "xp", "vista", "linux"})
_OS_TAIL = frozenset({"xp", "me", "nt", "vista", "x", "2000", "95", "98", "sp2", "and"})
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A licence or seat count in a canonical title: "3 user", "1 u" (from "1u"), "5 pack", "10 clients".
_SEATS = re.compile(
    r"(\d+)\s*(?:-\s*)?(?:u|user|users|pc|pcs|seat|seats|licen[cs]es?|pack|clients?)\b"
)
# A word of letters then a number: "cs3", "x5", "v22"; the letters name the series.
_ALNUM_WORD = re.compile(r"\b([a-z]{1,4})(\d+(?:\.\d+)?)\b")


def _version_numbers(toks: list[str]) -> frozenset[str]:
    """Numbers in the title, also inside words ("cs3" -> 3), skipping OS requirement lists."""
    out: set[str] = set()
    in_os = False
    for tok in toks:
        if tok in _OS_WORDS:
            in_os = True
            continue
        if in_os and (tok in _OS_TAIL or tok.startswith("10.")):
            continue
        in_os = False
        for number in _NUMBER.findall(tok):
            out.add(number[:-2] if number.endswith(".0") else number)
    return frozenset(out)


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
    tokens: tuple[str, ...]  # canonical title tokens in order
    grams: dict[str, int]  # character 3-5-gram counts of `title`
    versions: frozenset[str]  # version-like numbers (see `_version_numbers`)
    years: frozenset[str]
    alnum: frozenset[tuple[str, str]]  # mixed words split into (letters, digits): cs3 -> cs, 3
    keywords: frozenset[str]  # upgrade / academic / platform / edition words present
    bigrams: frozenset[tuple[str, str]]  # adjacent title token pairs
    seats: frozenset[str]  # licence / seat counts ("3 user" -> 3)
    attrs: AttributeView  # model-number field, GTIN, category, description, title head


def make_profile(
    title: str,
    *,
    brand: str | None = None,
    identifiers: tuple[str | None, ...] = (),
    extra_text: str = "",
    price: float | None = None,
    gtin: str | None = None,
    category: str = "",
) -> Profile:
    """Digest one description. `identifiers` (MPN, catalog number) count as title codes and
    are compared as a field of their own; `extra_text` is the description."""
    attrs = attribute_view(
        title, identifiers=identifiers, gtin=gtin, category=category, description=extra_text
    )
    title = strip_language_tags(title)
    toks = title_tokens(title)
    codes = dict.fromkeys(model_codes(title))
    for ident in identifiers:
        if ident:
            codes.update(dict.fromkeys(model_codes(ident)))
    extra = frozenset(model_codes(extra_text)) if extra_text else frozenset()
    lowered = title.lower()
    units = frozenset(
        _base_unit(m.group(1).replace(",", "."), m.group(2)) for m in _UNIT_NUMBER.finditer(lowered)
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
        tokens=tuple(toks),
        grams=dict(Counter(char_grams(" ".join(toks)))),
        versions=_version_numbers(toks),
        years=frozenset(t for t in toks if len(t) == 4 and t[:2] in ("19", "20") and t.isdigit()),
        alnum=frozenset((m.group(1), m.group(2)) for m in _ALNUM_WORD.finditer(lowered)),
        keywords=frozenset(t for t in toks if t in _UPGRADE or t in _ACADEMIC or t in _EDITIONS)
        | frozenset("mac" if t in _MAC else "windows" for t in toks if t in _MAC or t in _WINDOWS),
        bigrams=frozenset(itertools.pairwise(toks)),
        seats=frozenset(m.group(1) for m in _SEATS.finditer(" ".join(toks))),
        attrs=attrs,
    )


# units written in several scales, as (base unit, factor): "2 cm" and "20 mm" are one size
_UNIT_BASE: dict[str, tuple[str, float]] = {
    "cm": ("mm", 10.0), "l": ("ml", 1000.0), "kg": ("g", 1000.0), "tb": ("gb", 1000.0),
    "ghz": ("mhz", 1000.0), "inch": ("in", 1.0), '"': ("in", 1.0), "lbs": ("lb", 1.0),
    "pcs": ("st", 1.0), "pack": ("st", 1.0),
}  # fmt: skip


def _base_unit(value: str, unit: str) -> tuple[str, str]:
    """A number and its unit in the unit's base scale ("2.5", "cm" -> "25", "mm")."""
    base = _UNIT_BASE.get(unit)
    if base is None:
        return value, unit
    try:
        number = float(value) * base[1]
    except ValueError:
        return value, unit
    return f"{number:g}", base[0]


def pair_attributes(a: Profile, b: Profile) -> tuple[float, ...]:
    """`attributes.attribute_features` for two profiles (features after seat_conflict)."""
    return attribute_features(
        a.attrs,
        b.attrs,
        tokens_a=a.token_set,
        tokens_b=b.token_set,
        codes_a=a.codes,
        codes_b=b.codes,
        squashed_a=a.squashed,
        squashed_b=b.squashed,
        numbers_a=a.numbers,
        numbers_b=b.numbers,
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


def identity_features(a: Profile, b: Profile) -> tuple[float, ...]:
    """The pair's title ratios, model-number, number, unit and brand agreement (features 0-12)."""
    if a.numbers and b.numbers:
        number_jaccard = len(a.numbers & b.numbers) / len(a.numbers | b.numbers)
    else:
        number_jaccard = 0.5
    return (
        fuzz.token_set_ratio(a.title, b.title) / 100.0,
        fuzz.token_sort_ratio(a.title, b.title) / 100.0,
        fuzz.partial_ratio(a.title, b.title) / 100.0,
        fuzz.ratio(a.title, b.title) / 100.0,
        *_code_agreement(a, b),
        number_jaccard,
        _unit_conflict(a, b),
        *_brand_agreement(a, b),
    )


def idf_overlap(w_shared: float, w_a: float, w_b: float) -> tuple[float, float, float]:
    """IDF-weighted Jaccard, containment and unshared share from the summed word IDFs."""
    w_union = w_a + w_b - w_shared
    smaller = min(w_a, w_b)
    return (
        w_shared / w_union if w_union > 0 else 0.0,
        w_shared / smaller if smaller > 0 else 0.0,
        (w_union - w_shared) / (w_union + 1.0),
    )


def shape_features(a: Profile, b: Profile) -> tuple[float, ...]:
    """Length and price ratios, variant words, joined spellings, codes inside the other title."""
    len_a, len_b = len(a.token_set), len(b.token_set)
    if a.price is not None and b.price is not None:
        price_ratio, price_missing = min(a.price, b.price) / max(a.price, b.price), 0.0
    else:
        price_ratio, price_missing = 0.0, 1.0
    return (
        min(len_a, len_b) / max(len_a, len_b) if len_a and len_b else 0.0,
        price_ratio,
        price_missing,
        *_variant_features(a, b),
        _joined_token_match(a, b),
        _code_in_squashed(a, b),
    )


def size_features(a: Profile, b: Profile) -> tuple[float, float, float]:
    """Absolute log price ratio (-1 when a price is missing), then the smaller and larger
    number of distinct title words."""
    len_a, len_b = len(a.token_set), len(b.token_set)
    log_price = (
        abs(math.log(a.price / b.price)) if a.price is not None and b.price is not None else -1.0
    )
    return log_price, float(min(len_a, len_b)), float(max(len_a, len_b))


def seats_conflict(a: Profile, b: Profile) -> float:
    return 1.0 if a.seats and b.seats and not a.seats & b.seats else 0.0


def pair_features(a: Profile, b: Profile, stats: TextStats) -> list[float]:
    """The feature vector for one pair, in the order of FEATURE_NAMES; `stats` gives the IDFs.
    `batch_features.fast_pair_features` computes the same vector from precomputed text vectors;
    everything that does not depend on the IDFs comes from the helpers both share."""
    idf = stats.token_idf
    # fsum: exact, so the result does not depend on set iteration order (the hash seed)
    w_shared = math.fsum(idf(t) for t in a.token_set & b.token_set)
    w_a = math.fsum(idf(t) for t in a.token_set)
    w_b = math.fsum(idf(t) for t in b.token_set)
    return [
        *identity_features(a, b),
        *idf_overlap(w_shared, w_a, w_b),
        *shape_features(a, b),
        *_text_similarity(a, b, stats),
        *_version_agreement(a, b),
        *_keyword_conflicts(a, b),
        *_rare_unshared(a, b, idf),
        *size_features(a, b),
        _core_cosine(a, b, stats),
        w_shared / max(w_a, w_b) if max(w_a, w_b) > 0 else 0.0,
        *_rarity(a, b, idf, idf),
        _bigram_share(a, b),
        *_core_overlap(core_tokens(a, stats), core_tokens(b, stats)),
        seats_conflict(a, b),
        *pair_attributes(a, b),
    ]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    norm_a = math.sqrt(sum(v * v for v in a.values()))
    norm_b = math.sqrt(sum(v * v for v in b.values()))
    if not norm_a or not norm_b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items()) / (norm_a * norm_b)


def _token_weights(toks: tuple[str, ...], stats: TextStats) -> dict[str, float]:
    weights: dict[str, float] = {}
    for tok in toks:
        weights[tok] = weights.get(tok, 0.0) + stats.token_idf(tok)
    return weights


def _soft_tfidf(wa: dict[str, float], wb: dict[str, float], threshold: float = 0.9) -> float:
    """Soft TF-IDF (Cohen et al.): TF-IDF cosine where tokens match by Jaro-Winkler."""
    norm_a = math.sqrt(sum(v * v for v in wa.values()))
    norm_b = math.sqrt(sum(v * v for v in wb.values()))
    if not norm_a or not norm_b:
        return 0.0
    total = 0.0
    for ta, va in wa.items():
        best, weight = 0.0, 0.0
        for tb, vb in wb.items():
            sim = 1.0 if ta == tb else JaroWinkler.similarity(ta, tb)
            if sim > best:
                best, weight = sim, vb
        if best >= threshold:
            total += va * weight * best
    return min(total / (norm_a * norm_b), 1.0)


def _monge_elkan(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 0.0
    return math.fsum(max(JaroWinkler.similarity(x, y) for y in b) for x in a) / len(a)


def _text_similarity(a: Profile, b: Profile, stats: TextStats) -> tuple[float, ...]:
    """Token TF-IDF cosine, character n-gram TF-IDF cosine, soft TF-IDF, Monge-Elkan both ways."""
    wa, wb = _token_weights(a.tokens, stats), _token_weights(b.tokens, stats)
    ga = {g: c * stats.gram_idf(g) for g, c in a.grams.items()}
    gb = {g: c * stats.gram_idf(g) for g, c in b.grams.items()}
    set_a, set_b = tuple(a.token_set), tuple(b.token_set)
    me_ab, me_ba = _monge_elkan(set_a, set_b), _monge_elkan(set_b, set_a)
    return (
        _cosine(wa, wb),
        _cosine(ga, gb),
        _soft_tfidf(wa, wb),
        min(me_ab, me_ba),
        max(me_ab, me_ba),
    )


def _version_agreement(a: Profile, b: Profile) -> tuple[float, ...]:
    """Shared version numbers, conflicts (cs3 / cs4, 2007 / 2008) and one-sided versions."""
    if a.versions and b.versions:
        shared = a.versions & b.versions
        share = len(shared) / min(len(a.versions), len(b.versions))
        conflict, one_sided = (0.0 if shared else 1.0), 0.0
    else:
        share, conflict = 0.5, 0.0
        one_sided = 1.0 if a.versions or b.versions else 0.0
    year_conflict = 1.0 if a.years and b.years and not a.years & b.years else 0.0
    prefixes = {prefix: digits for prefix, digits in a.alnum}
    alnum_conflict = 0.0
    for prefix, digits in b.alnum:
        if prefix in prefixes and prefixes[prefix] != digits and (prefix, digits) not in a.alnum:
            alnum_conflict = 1.0
    return share, conflict, one_sided, year_conflict, alnum_conflict


def _keyword_conflicts(a: Profile, b: Profile) -> tuple[float, ...]:
    """Upgrade / academic named on one side only; different platform; different edition."""
    ka, kb = a.keywords, b.keywords
    upgrade = 1.0 if bool(ka & _UPGRADE) != bool(kb & _UPGRADE) else 0.0
    academic = 1.0 if bool(ka & _ACADEMIC) != bool(kb & _ACADEMIC) else 0.0
    plat_a, plat_b = ka & {"mac", "windows"}, kb & {"mac", "windows"}
    platform = 1.0 if len(plat_a) == 1 and len(plat_b) == 1 and plat_a != plat_b else 0.0
    ed_a, ed_b = ka & _EDITIONS, kb & _EDITIONS
    edition = 1.0 if ed_a and ed_b and not ed_a & ed_b else 0.0
    return upgrade, academic, platform, edition, 1.0 if bool(ed_a) != bool(ed_b) else 0.0


def _rare_unshared(a: Profile, b: Profile, idf: Callable[[str], float]) -> tuple[float, float]:
    """The IDF of the rarest word only one side has, per side: larger and smaller of the two."""
    left = max((idf(t) for t in a.token_set - b.token_set), default=0.0)
    right = max((idf(t) for t in b.token_set - a.token_set), default=0.0)
    return max(left, right), min(left, right)


def core_tokens(profile: Profile, stats: TextStats) -> tuple[str, ...]:
    """Title tokens without brand words (titles repeat the brand inconsistently)."""
    return tuple(t for t in profile.tokens if not stats.is_brand(t.upper()))


def _core_cosine(a: Profile, b: Profile, stats: TextStats) -> float:
    """Token TF-IDF cosine without brand words."""
    ca, cb = core_tokens(a, stats), core_tokens(b, stats)
    return _cosine(_token_weights(ca, stats), _token_weights(cb, stats))


def _rarity(
    a: Profile, b: Profile, idf_a: Callable[[str], float], idf_b: Callable[[str], float]
) -> tuple[float, float, float, float]:
    """How distinctive the shared words are, and the rarest word each side has alone.

    rare_shared: IDF of the rarest shared word; rare_gap: how much rarer the shorter title's
    rarest word is than that; rare_missing_short / _long: IDF of the rarest word of the shorter
    / longer title found neither among the other's words nor inside its squashed title (so
    "word perfect" ~ "wordperfect" is not missing). Long titles add category words ("software",
    "pc"), so a missing word weighs differently on the two sides."""
    if len(a.token_set) <= len(b.token_set):
        short, long_, idf_short, idf_long = a, b, idf_a, idf_b
    else:
        short, long_, idf_short, idf_long = b, a, idf_b, idf_a
    shared = max((idf_short(t) for t in short.token_set & long_.token_set), default=0.0)
    rarest_short = max((idf_short(t) for t in short.token_set), default=0.0)
    missing_short = max(
        (
            idf_short(t)
            for t in short.token_set - long_.token_set
            if t.upper() not in long_.squashed
        ),
        default=0.0,
    )
    missing_long = max(
        (idf_long(t) for t in long_.token_set - short.token_set if t.upper() not in short.squashed),
        default=0.0,
    )
    return shared, rarest_short - shared, missing_short, missing_long


def _bigram_share(a: Profile, b: Profile) -> float:
    """Shared adjacent word pairs over the fewer of the two ("remix tools" vs "world music")."""
    if not a.bigrams or not b.bigrams:
        return 0.0
    return len(a.bigrams & b.bigrams) / min(len(a.bigrams), len(b.bigrams))


def _core_overlap(ca: tuple[str, ...], cb: tuple[str, ...]) -> tuple[float, float]:
    """Token-set ratio of the titles without brand words, and the share of the smaller word set
    found in the other."""
    set_a, set_b = set(ca), set(cb)
    smaller, larger = (set_a, set_b) if len(set_a) <= len(set_b) else (set_b, set_a)
    cover = len(smaller & larger) / len(smaller) if smaller else 0.0
    return fuzz.token_set_ratio(" ".join(ca), " ".join(cb)) / 100.0, cover
