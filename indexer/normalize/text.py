"""Text cells: product names (HTML and whitespace cleanup), MPN keys and brand keys."""

from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<[^>]*>")
_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|/div|/li|/h\d|/tr)\b[^>]*>", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_MPN_DROP = re.compile(r"[\W_]+")
_BRAND_MARKS = re.compile(r"[®™©℠]")
_BRAND_PUNCT = re.compile(r"[^\w\s]+|_")

# Legal-form words dropped from the end of a brand name ("Dentsply Sirona Inc." -> dentsply sirona).
LEGAL_SUFFIXES = frozenset(
    (
        "inc", "incorporated", "ltd", "limited", "ab", "publ", "gmbh", "co", "corp",
        "corporation", "company", "llc", "plc", "ag", "sa", "oy", "oyj", "as", "asa", "aps",
        "bv", "nv", "srl", "spa", "kg", "kgaa", "sarl", "sas", "pty", "lp", "llp", "mbh",
    )
)  # fmt: skip


def clean_text(text: str) -> str:
    """Strip HTML tags, unescape entities, drop control characters, collapse whitespace."""
    if (
        "<" not in text
        and "&" not in text
        and "  " not in text
        and text.isprintable()
        and text[:1] != " "
        and text[-1:] != " "
    ):
        return text
    if "<" in text:
        text = _BLOCK_TAG.sub(" ", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
        if "<" in text:  # "&lt;b&gt;" decoded into a tag
            text = _TAG.sub("", text)
    text = _CONTROL.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def normalize_mpn(text: str) -> str:
    """An MPN match key: upper case, letters and digits only ("ab-12.3/x" -> "AB123X")."""
    return _MPN_DROP.sub("", clean_text(text)).upper()


def brand_key(text: str) -> str:
    """A brand match key: casefolded, accents and punctuation gone, legal forms dropped.

    "3M Company" -> "3m"; "Hu-Friedy Mfg. Co., LLC" -> "hu friedy mfg"; "Ivoclar Vivadent AG"
    -> "ivoclar vivadent". A name that is only a legal form ("AB") is kept as it is.
    """
    folded = _BRAND_MARKS.sub("", clean_text(text)).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _BRAND_PUNCT.sub(" ", plain.replace("&", " ")).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)
