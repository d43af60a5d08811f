"""Search-box completions: Swedish search words that find products, then the backend's.

Mixed into ``search.service.SearchService``, which owns the backend and the counts cache.
"""

from __future__ import annotations

import time

from search.analysis.analyzer import shipped_synonyms
from search.analysis.tokens import normalize, tokenize
from search.protocol import BackendQuery, SearchBackend

SUGGEST_MIN_LETTERS = 3  # Swedish search words are offered from the third letter
SUGGEST_COUNT_SECONDS = 60.0  # how long a search word's product count is reused
_WORD_TOTALS_LIMIT = 4096


class Suggestions:
    """Completions of a search service (``backend`` and ``_word_totals`` are its)."""

    backend: SearchBackend
    # how many products each Swedish search word finds, and when it was counted
    _word_totals: dict[str, tuple[float, int]]

    def suggest(self, q: str, limit: int = 8) -> list[str]:
        """Search-box completions: Swedish search words that find products (the catalog is
        mostly English, so "tand" would otherwise complete to nothing), then the backend's
        name/brand/category completions; never just the text typed."""
        typed = " ".join(tokenize(normalize(q)))
        words = self._vocabulary_completions(typed, limit)
        names = self.backend.suggest(q, limit)
        mixed = words[: max(limit // 2, limit - len(names))] + names + words
        shown: dict[str, str] = {typed: ""}  # one completion per normalized form, not the typed
        for text in mixed:
            shown.setdefault(" ".join(tokenize(text)), text)
        return [text for text in shown.values() if text][:limit]

    def _vocabulary_completions(self, typed: str, limit: int) -> list[str]:
        """Swedish headwords of the synonym table beginning with ``typed`` that match at least
        one product, most matches first (checks at most ``2 * limit`` of them)."""
        if len(typed) < SUGGEST_MIN_LETTERS:
            return []
        found = [
            (-total, word)
            for word in shipped_synonyms().swedish_starting_with(typed)[: 2 * limit]
            if word != typed and (total := self._word_total(word))
        ]
        return [word for _, word in sorted(found)]

    def _word_total(self, word: str) -> int:
        """How many products ``word`` finds, counted at most once per ``SUGGEST_COUNT_SECONDS``
        (every keystroke asks again; on OpenSearch each count is a round trip)."""
        now = time.monotonic()
        cached = self._word_totals.get(word)
        if cached is not None and now - cached[0] < SUGGEST_COUNT_SECONDS:
            return cached[1]
        query = BackendQuery(
            query=self.backend.analyze_query(word), limit=1, facets=False, include_documents=False
        )
        total = self.backend.search(query).total
        if len(self._word_totals) >= _WORD_TOTALS_LIMIT:
            self._word_totals.clear()
        self._word_totals[word] = (now, total)
        return total
