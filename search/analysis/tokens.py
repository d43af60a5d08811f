"""Text normalization and tokenization shared by indexing and querying."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# "0,5 mm" == "0.5 mm": a comma between digits is a decimal separator.
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
# Numbers (with a decimal point) and runs of letters are separate tokens: "0.5mm" -> 0.5, mm.
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+")

QUERY_STOPWORDS = frozenset(
    {
        # Swedish
        "och", "i", "på", "för", "med", "till", "av", "en", "ett", "som", "att", "den", "det",
        "de", "om", "eller", "från", "utan", "st", "kr", "sek", "pris", "köp", "billig",
        # English
        "and", "the", "for", "with", "of", "to", "a", "an", "or", "in", "on", "without",
    }
)  # fmt: skip


def normalize(text: str) -> str:
    """NFC, lower case, decimal commas to points."""
    text = unicodedata.normalize("NFC", text).lower()
    return _DECIMAL_COMMA.sub(".", text) if "," in text else text


def tokenize(text: str) -> list[str]:
    """Lower-cased word and number tokens of ``text``."""
    return _TOKEN.findall(normalize(text))


@lru_cache(maxsize=65_536)
def label_tokens(text: str) -> tuple[str, ...]:
    """:func:`tokenize` for short values repeated across products (brand, manufacturer,
    category), cached: indexing 200,000 products tokenizes a few thousand distinct ones."""
    return tuple(tokenize(text))


SUGGEST_SEPARATOR = "\x1f"


def suggest_term(tokens: Iterable[str], display: str) -> str:
    """An indexed completion: the normalized tokens (what a prefix is matched against), then
    the text as written (what the search box shows), e.g. ``"3 m espe\x1f3M ESPE"``."""
    key = " ".join(tokens)
    shown = " ".join(display.split())
    return f"{key}{SUGGEST_SEPARATOR}{shown}" if key and shown else key


def suggest_display(term: str) -> str:
    """What the search box shows for an indexed completion (an older bare key as it is)."""
    return term.rpartition(SUGGEST_SEPARATOR)[2]


def is_number(token: str) -> bool:
    return token[:1].isdigit()


def query_tokens(text: str) -> list[str]:
    """Tokens of a user query: stop words (and "kr") dropped unless nothing else is left."""
    tokens = tokenize(text)
    kept = [t for t in tokens if t not in QUERY_STOPWORDS]
    return kept if kept else [t for t in tokens if t not in {"kr", "sek"}]
