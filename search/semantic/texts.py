"""What is embedded: a product's text and its cache key; a Swedish query read in English."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from search.documents import ProductDocument

if TYPE_CHECKING:
    from search.analysis.analyzer import Analyzer


def embedding_text(doc: ProductDocument) -> str:
    """What is embedded for a product: name, brand, category, description."""
    parts = (doc.name, doc.brand, doc.category, doc.description)
    return "\n".join(p.strip() for p in parts if p and p.strip())


def content_key(text: str) -> bytes:
    """The cache key of an embedded text (sha256 of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def expand_query_text(text: str, analyzer: Analyzer) -> str:
    """The query with English readings of its Swedish words appended (the model is English).

    Longest synonym phrases first; a compound without an entry of its own is read part by
    part (``latexhandskar`` -> "latex gloves"). ``"nitrilhandskar"`` ->
    ``"nitrilhandskar (nitrile gloves)"``.
    """
    from search.analysis.tokens import query_tokens

    synonyms = analyzer.synonyms
    tokens = query_tokens(text)
    readings: list[str] = []
    i = 0
    while i < len(tokens):
        used = 1
        for n in range(min(synonyms.max_phrase_len, len(tokens) - i), 0, -1):
            english = synonyms.english_for(tuple(tokens[i : i + n]))
            if english:
                readings.extend(" ".join(phrase) for phrase in english[:2])
                used = n
                break
        else:
            parts = analyzer.decompounder.split(tokens[i])
            senses = [synonyms.english_for((part,)) for part in parts]
            if any(senses):
                readings.append(
                    " ".join(" ".join(s[0]) if s else p for p, s in zip(parts, senses, strict=True))
                )
        i += used
    readings = list(dict.fromkeys(r for r in readings if r not in tokens))
    return f"{text} ({'; '.join(readings)})" if readings else text
