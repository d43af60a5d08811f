"""Attribute-aware pair features: every field a record carries, not only its title.

A record may carry a model / part number field, a GTIN, a category, a description, besides
its title, brand and price (``make_profile`` digests the first four into an `AttributeView`;
brand and price have their own features). Each comparison below is made only when both
sides carry the attribute, with a separate "missing" indicator, so a model trained on sets
that have an attribute does not read its absence in another set as disagreement:

* a model number on both sides that differs (and is no variant of the other, nor written in
  the other's title) is strong evidence of two products; a model number on one side only is
  neutral (the other shop simply did not fill the field);
* GTINs on both sides agree or conflict;
* categories are compared by word overlap;
* the share of one title's words found in the other side's title or description.

The title-only view adds the first title segment (web offers append shop and category names
after it) and the first word (usually the brand when there is no brand field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.matching.keys import codes_related, gtin_key, model_codes, title_tokens

ATTRIBUTE_FEATURES: tuple[str, ...] = (
    "field_code_agree",
    "field_code_conflict",
    "field_code_one_sided",
    "gtin_agree",
    "gtin_conflict",
    "category_jaccard",
    "category_missing",
    "description_cover",
    "description_missing",
    "head_jaccard",
    "first_word_agree",
    "numbers_unshared_min",
    "numbers_unshared_max",
)

# a title's first segment ends at a shop / category separator
_SEGMENT = re.compile(r"\s(?:\||-|–|::|»)\s|\"\s*@|@[a-z]{2}\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AttributeView:
    """The attributes of one record besides its title text, digested once."""

    field_codes: tuple[str, ...]  # model numbers from model / MPN fields
    gtin: str | None  # GTIN as 14 digits, when valid
    category: frozenset[str]
    description: frozenset[str]  # description words
    head: frozenset[str]  # words of the title's first segment
    first_word: str | None


def attribute_view(
    title: str,
    *,
    identifiers: tuple[str | None, ...] = (),
    gtin: str | None = None,
    category: str = "",
    description: str = "",
) -> AttributeView:
    codes: dict[str, None] = {}
    for ident in identifiers:
        if ident:
            codes.update(dict.fromkeys(model_codes(ident)))
    stripped = title.strip().lstrip('"').strip()
    head_text = _SEGMENT.split(stripped, maxsplit=1)[0]
    head = title_tokens(head_text)
    words = head or title_tokens(title)
    return AttributeView(
        field_codes=tuple(codes),
        gtin=gtin_key(gtin),
        category=frozenset(title_tokens(category)) if category else frozenset(),
        description=frozenset(title_tokens(description)) if description else frozenset(),
        head=frozenset(head),
        first_word=words[0] if words else None,
    )


def field_code_agreement(
    a: AttributeView, b: AttributeView, title_codes_a: tuple[str, ...], squashed_a: str,
    title_codes_b: tuple[str, ...], squashed_b: str,
) -> tuple[float, float, float]:  # fmt: skip
    """(agree, conflict, one_sided) for the model-number fields.

    Both sides' fields are compared with each other; a field value written in the other's
    title (as a code or inside its squashed title) also agrees. A conflict needs a field on
    both sides and no agreement of any kind; one field alone is only noted."""
    if not a.field_codes and not b.field_codes:
        return 0.0, 0.0, 0.0
    agree = any(codes_related(x, y) for x in a.field_codes for y in b.field_codes)
    agree = (
        agree
        or any(c in title_codes_b or c in squashed_b for c in a.field_codes)
        or any(c in title_codes_a or c in squashed_a for c in b.field_codes)
    )
    if agree:
        return 1.0, 0.0, 0.0
    if a.field_codes and b.field_codes:
        return 0.0, 1.0, 0.0
    return 0.0, 0.0, 1.0


def _cover(words: frozenset[str], other: frozenset[str]) -> float:
    return len(words & other) / len(words) if words else 0.0


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def attribute_features(
    a: AttributeView,
    b: AttributeView,
    *,
    tokens_a: frozenset[str],
    tokens_b: frozenset[str],
    codes_a: tuple[str, ...],
    codes_b: tuple[str, ...],
    squashed_a: str,
    squashed_b: str,
    numbers_a: frozenset[str],
    numbers_b: frozenset[str],
) -> tuple[float, ...]:
    """The features named in ATTRIBUTE_FEATURES, in order."""
    field = field_code_agreement(a, b, codes_a, squashed_a, codes_b, squashed_b)
    if a.gtin and b.gtin:
        gtin_agree, gtin_conflict = (1.0, 0.0) if a.gtin == b.gtin else (0.0, 1.0)
    else:
        gtin_agree = gtin_conflict = 0.0
    if a.category and b.category:
        category, category_missing = _jaccard(a.category, b.category), 0.0
    else:
        category, category_missing = 0.0, 1.0
    if a.description or b.description:
        # the larger share of one title's words found in the other's title or description
        cover = max(
            _cover(tokens_a, tokens_b | b.description), _cover(tokens_b, tokens_a | a.description)
        )
        description_missing = 0.0
    else:
        cover, description_missing = 0.0, 1.0
    first = 1.0 if a.first_word is not None and a.first_word == b.first_word else 0.0
    return (
        *field,
        gtin_agree,
        gtin_conflict,
        category,
        category_missing,
        cover,
        description_missing,
        _jaccard(a.head, b.head),
        first,
        float(min(len(numbers_a - numbers_b), len(numbers_b - numbers_a), 3)),
        float(min(max(len(numbers_a - numbers_b), len(numbers_b - numbers_a)), 5)),
    )
