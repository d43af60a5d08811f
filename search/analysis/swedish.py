"""Swedish and English stemming (Snowball), cached per word.

Numbers are never stemmed; every other token gets a Swedish and an English stem, and the
index holds both representations so a query in either language matches.
"""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

_SWEDISH = snowballstemmer.stemmer("swedish")
_ENGLISH = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem_sv(token: str) -> str:
    """Swedish Snowball stem: ``handskar`` and ``handske`` -> ``handsk``."""
    if token[:1].isdigit():
        return token
    return str(_SWEDISH.stemWord(token))


@lru_cache(maxsize=200_000)
def stem_en(token: str) -> str:
    """English Snowball (Porter2) stem: ``gloves`` -> ``glove``."""
    if token[:1].isdigit():
        return token
    return str(_ENGLISH.stemWord(token))
