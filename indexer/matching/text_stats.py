"""Corpus statistics for pairwise features: token and character n-gram document frequencies.

`TextStats` is a fitted component: the benchmark fits it on the records of its training split,
the `CatalogIndex` fits it on the catalog names as products are added, and the shipped scorer
carries a pruned copy fitted on the synthetic dental catalogue (``default_model.json``) for use
before any catalog is loaded. It also holds a brand vocabulary (brand keys seen in brand /
manufacturer fields), used to infer a missing brand from the first words of a title.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable

from indexer.matching.keys import brand_key, title_tokens

GRAM_SIZES: tuple[int, ...] = (3, 4, 5)
GRAM_MEMO_LIMIT = 250_000  # n-gram IDFs kept between calls (a few dozen MB)
_SPACES = re.compile(r"\s+")


def char_grams(text: str) -> list[str]:
    """Character 3- to 5-grams of a normalized title, padded with one space on each side."""
    padded = " " + _SPACES.sub(" ", text.strip()) + " "
    return [padded[i : i + n] for n in GRAM_SIZES for i in range(len(padded) - n + 1)]


class TextStats:
    """Document frequencies of title tokens and character n-grams, plus brand keys.

    Counts can be added and removed one document at a time (the catalog grows and replaces
    entries); `token_idf` / `gram_idf` are smoothed IDFs, ``log((n + 1) / (df + 1)) + 1``.
    With ``gram_every=k`` only the titles whose CRC32 is divisible by k have their n-grams
    counted (a deterministic 1/k sample): n-gram counting dominates the cost of a large catalog.
    """

    __slots__ = (
        "_brands", "_docs", "_gram_docs", "_gram_every", "_gram_memo", "_grams", "_memo", "_tokens",
        "_version",
    )  # fmt: skip

    def __init__(
        self,
        docs: int = 0,
        token_df: dict[str, int] | None = None,
        gram_df: dict[str, int] | None = None,
        brands: dict[str, int] | None = None,
        *,
        gram_docs: int | None = None,
        gram_every: int = 1,
    ) -> None:
        self._docs = docs
        self._gram_docs = docs if gram_docs is None else gram_docs
        self._gram_every = gram_every
        self._tokens: Counter[str] = Counter(token_df or {})
        self._grams: Counter[str] = Counter(gram_df or {})
        self._brands: Counter[str] = Counter(brands or {})
        self._version = 0
        self._memo: dict[str, float] = {}  # token IDFs already computed
        self._gram_memo: dict[str, float] = {}  # n-gram IDFs already computed

    @property
    def version(self) -> int:
        """Bumped on every change: caches of IDF-derived values compare it to stay fresh."""
        return self._version

    def _changed(self) -> None:
        self._version += 1
        if self._memo:
            self._memo.clear()
        if self._gram_memo:
            self._gram_memo.clear()

    @classmethod
    def fit(cls, titles: Iterable[str], brands: Iterable[str | None] = ()) -> TextStats:
        stats = cls()
        for title in titles:
            stats.add(title)
        for brand in brands:
            stats.add_brand(brand)
        return stats

    def __len__(self) -> int:
        return self._docs

    def add(self, title: str, sign: int = 1) -> None:
        """Count one title (or uncount it with ``sign=-1``)."""
        toks = title_tokens(title)
        self._changed()
        self._docs += sign
        if sign > 0:
            self._tokens.update(set(toks))
        else:
            self._tokens.subtract(set(toks))
        if self._gram_every > 1 and zlib.crc32(title.encode()) % self._gram_every:
            return
        self._gram_docs += sign
        gram_set = set(char_grams(" ".join(toks)))
        if sign > 0:
            self._grams.update(gram_set)
        else:
            self._grams.subtract(gram_set)

    def merge(self, other: TextStats) -> None:
        """Add the counts of `other` (fitted on other documents with the same sampling)."""
        if other._gram_every != self._gram_every:
            raise ValueError("cannot merge statistics sampled differently")
        self._changed()
        self._docs += other._docs
        self._gram_docs += other._gram_docs
        self._tokens.update(other._tokens)
        self._grams.update(other._grams)
        self._brands.update(other._brands)

    def add_brand(self, brand: str | None, sign: int = 1) -> None:
        """Count a brand field, and its first word ("webroot-software-inc" -> also WEBROOT)."""
        key = brand_key(brand)
        if not key:
            return
        self._changed()
        self._brands[key] += sign
        words = title_tokens(brand or "")
        first = brand_key(words[0]) if words else None
        if first and first != key and len(first) >= 2:
            self._brands[first] += sign

    @staticmethod
    def _idf(docs: int, df: int) -> float:
        return math.log((docs + 1) / (max(df, 0) + 1)) + 1.0

    def token_idf(self, token: str) -> float:
        idf = self._memo.get(token)
        if idf is None:
            idf = self._memo[token] = self._idf(self._docs, self._tokens.get(token, 0))
        return idf

    def gram_idf(self, gram: str) -> float:
        idf = self._gram_memo.get(gram)
        if idf is None:
            idf = self._gram_memo[gram] = self._idf(self._gram_docs, self._grams.get(gram, 0))
        return idf

    def gram_weights(self, counts: dict[str, int]) -> dict[str, float]:
        """``{gram: count * gram_idf(gram)}``: a character n-gram TF-IDF vector."""
        memo = self._gram_memo
        missing = [gram for gram in counts if gram not in memo]
        if missing:
            if len(memo) > GRAM_MEMO_LIMIT:  # bounded: matching reads millions of n-grams
                memo.clear()
            grams, docs = self._grams, self._gram_docs
            for gram in missing:
                memo[gram] = self._idf(docs, grams.get(gram, 0))
        return {gram: count * memo[gram] for gram, count in counts.items()}

    def is_brand(self, key: str) -> bool:
        return self._brands.get(key, 0) > 0

    def brand_in_title(self, title: str) -> str | None:
        """A known brand key spelled by the first one to three words of `title`."""
        words = title_tokens(title)[:3]
        for n in (3, 2, 1):
            if len(words) >= n:
                key = brand_key(" ".join(words[:n]))
                if key and self.is_brand(key):
                    return key
        return None

    def to_doc(self, min_df: int = 1) -> dict[str, object]:
        """A JSON-ready document; entries rarer than `min_df` are dropped (they read as unseen)."""
        return {
            "docs": self._docs,
            "gram_docs": self._gram_docs,
            "token_df": {t: c for t, c in sorted(self._tokens.items()) if c >= min_df},
            "gram_df": {g: c for g, c in sorted(self._grams.items()) if c >= min_df},
            "brands": {b: c for b, c in sorted(self._brands.items()) if c > 0},
        }

    @classmethod
    def from_doc(cls, doc: dict[str, object]) -> TextStats:
        def counts(name: str) -> dict[str, int]:
            table = doc.get(name, {})
            if not isinstance(table, dict):
                raise TypeError(f"text_stats.{name} is not an object")
            return {str(k): int(v) for k, v in table.items()}

        docs, gram_docs = doc.get("docs", 0), doc.get("gram_docs", doc.get("docs", 0))
        if not isinstance(docs, int) or not isinstance(gram_docs, int):
            raise TypeError("text_stats.docs / gram_docs is not an integer")
        return cls(
            docs, counts("token_df"), counts("gram_df"), counts("brands"), gram_docs=gram_docs
        )
