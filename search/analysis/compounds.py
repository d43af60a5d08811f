"""Swedish compound splitting by dynamic programming over a known-word vocabulary.

``avtrycksmaterial`` -> ``avtryck`` + ``material`` (linking ``s`` dropped),
``nitrilhandskar`` -> ``nitril`` + ``handskar``. A part is known when it, or its Swedish
stem, is in the vocabulary: the shipped word list plus words seen in the catalog. Among all
splits into known parts the one with the fewest parts wins, ties going to longer parts.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from search.analysis.swedish import stem_sv

LINKING_MORPHEMES = frozenset("seauo")
DEFAULT_WORDS_FILE = Path(__file__).resolve().parents[2] / "configs" / "synonyms" / "sv_words.txt"

_Split = tuple[str, ...]


def load_word_list(path: Path = DEFAULT_WORDS_FILE) -> list[str]:
    """Words of a one-word-per-line file; ``#`` starts a comment."""
    words: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip().lower()
        if word:
            words.append(word)
    return words


class Decompounder:
    """Splits compounds into known words; results are cached per token.

    ``words`` are trusted (curated list) and may be as short as ``min_part``; ``catalog_words``
    (learned from product names) must be at least ``min_catalog_part`` letters, since short
    catalog tokens (units, abbreviations) would otherwise produce nonsense splits.
    """

    def __init__(
        self,
        words: Iterable[str],
        catalog_words: Iterable[str] = (),
        min_part: int = 3,
        min_catalog_part: int = 4,
    ) -> None:
        self.min_part = min_part
        known = {w.lower() for w in words if len(w) >= min_part and w.isalpha()}
        known.update(w.lower() for w in catalog_words if len(w) >= min_catalog_part and w.isalpha())
        self._words = frozenset(known)
        self._stems = frozenset(stem_sv(w) for w in known)
        self.split = lru_cache(maxsize=200_000)(self._split)

    @property
    def vocabulary_size(self) -> int:
        return len(self._words)

    def is_known(self, part: str) -> bool:
        return part in self._words or (len(part) >= self.min_part and stem_sv(part) in self._stems)

    def _split(self, token: str) -> _Split:
        """The parts of ``token`` (two or more), or ``()`` when it is not a known compound."""
        if not token.isalpha() or len(token) < 2 * self.min_part:
            return ()
        best = self._best(token, 0, whole_allowed=False, memo={})
        if best is None or len(best) < 2:
            return ()
        return (*tuple(self._strip_link(p) for p in best[:-1]), best[-1])

    def _strip_link(self, part: str) -> str:
        # "avtrycks" is known through its stem, but the bare word is the better part.
        if part[-1] in LINKING_MORPHEMES and len(part) - 1 >= self.min_part:
            bare = part[:-1]
            if bare in self._words:
                return bare
        return part

    def _best(
        self, word: str, start: int, whole_allowed: bool, memo: dict[int, _Split | None]
    ) -> _Split | None:
        if whole_allowed and start in memo:
            return memo[start]
        n = len(word)
        best: _Split | None = None
        for end in range(start + self.min_part, n + 1):
            part = word[start:end]
            if end == n:
                if whole_allowed and self.is_known(part):
                    best = _better(best, (part,))
                continue
            if not self.is_known(part):
                continue
            rest = self._best(word, end, True, memo)
            if rest is not None:
                best = _better(best, (part, *rest))
            if word[end] in LINKING_MORPHEMES and end + 1 < n:
                rest = self._best(word, end + 1, True, memo)
                if rest is not None:
                    best = _better(best, (part, *rest))
        if whole_allowed:
            memo[start] = best
        return best


def _better(current: _Split | None, candidate: _Split) -> _Split:
    if current is None:
        return candidate
    if len(candidate) != len(current):
        return candidate if len(candidate) < len(current) else current
    score_c = sum(len(p) ** 2 for p in candidate)
    score_o = sum(len(p) ** 2 for p in current)
    return candidate if score_c > score_o else current
