"""Swedish <-> English dental synonyms from ``configs/synonyms/*.tsv``.

Each line: ``swedish<TAB>english[|english2...]``; ``#`` starts a comment. Lookups go by
stem, so inflected forms (``handskarna``, ``borrar``) find their entry, and both directions
are served: a Swedish query term expands to English phrases and vice versa.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import OSA

from search.analysis.swedish import stem_en, stem_sv
from search.analysis.tokens import tokenize
from search.errors import SynonymFileError

SYNONYM_DIR = Path(__file__).resolve().parents[2] / "configs" / "synonyms"
DEFAULT_SYNONYM_FILE = SYNONYM_DIR / "sv_en_dental.tsv"

Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SynonymEntry:
    swedish: Phrase
    english: tuple[Phrase, ...]


def parse_synonyms(lines: Iterable[str], source: str = "<memory>") -> list[SynonymEntry]:
    entries: list[SynonymEntry] = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].rstrip("\n")
        if not text.strip():
            continue
        cols = text.split("\t")
        if len(cols) != 2:
            raise SynonymFileError(f"{source}:{number}: expected 'swedish<TAB>english[|...]'")
        swedish = tuple(tokenize(cols[0]))
        english = tuple(p for p in (tuple(tokenize(e)) for e in cols[1].split("|")) if p)
        if not swedish or not english:
            raise SynonymFileError(f"{source}:{number}: empty term")
        entries.append(SynonymEntry(swedish, english))
    return entries


def load_synonyms(path: Path = DEFAULT_SYNONYM_FILE) -> SynonymMap:
    with path.open(encoding="utf-8") as fh:
        return SynonymMap(parse_synonyms(fh, str(path)))


class SynonymMap:
    """Both directions of the synonym table, keyed by stems."""

    def __init__(self, entries: Iterable[SynonymEntry]) -> None:
        self._sv: dict[str, list[Phrase]] = defaultdict(list)
        self._en: dict[str, list[Phrase]] = defaultdict(list)
        self._sv_surface: dict[str, str] = {}
        self.entries = list(entries)
        for entry in self.entries:
            sv_key = _key(entry.swedish, stem_sv)
            for english in entry.english:
                _add(self._sv[sv_key], english)
                _add(self._en[_key(english, stem_en)], entry.swedish)
            if len(entry.swedish) == 1:
                self._sv_surface.setdefault(entry.swedish[0], sv_key)
        # Swedish headwords as typed (the table's surface forms), sorted for prefix lookups
        self._sv_sorted = sorted({" ".join(e.swedish) for e in self.entries})
        self.max_phrase_len = max(
            [len(e.swedish) for e in self.entries]
            + [len(p) for e in self.entries for p in e.english]
            + [1]
        )

    def __len__(self) -> int:
        return len(self.entries)

    def english_for(self, swedish: Phrase) -> list[Phrase]:
        """English phrases for a Swedish word or phrase (any inflection)."""
        return list(self._sv.get(_key(swedish, stem_sv), ()))

    def swedish_for(self, english: Phrase) -> list[Phrase]:
        """Swedish words/phrases for an English word or phrase (any inflection)."""
        return list(self._en.get(_key(english, stem_en), ()))

    def swedish_starting_with(self, prefix: str) -> list[str]:
        """The Swedish headwords (words and phrases) that begin with ``prefix``, sorted."""
        start = bisect.bisect_left(self._sv_sorted, prefix)
        out = []
        for word in self._sv_sorted[start:]:
            if not word.startswith(prefix):
                break
            out.append(word)
        return out

    def closest_swedish(self, token: str, max_distance: int) -> str | None:
        """The Swedish headword within ``max_distance`` edits of ``token`` (typo repair)."""
        if max_distance <= 0:
            return None
        best: tuple[int, str] | None = None
        for word in self._sv_surface:
            if abs(len(word) - len(token)) > max_distance:
                continue
            dist = OSA.distance(token, word, score_cutoff=max_distance)
            if dist <= max_distance and (best is None or dist < best[0]):
                best = (dist, word)
        return None if best is None else best[1]


def _key(phrase: Phrase, stem: Callable[[str], str]) -> str:
    return " ".join(stem(t) for t in phrase)


def _add(target: list[Phrase], phrase: Phrase) -> None:
    if phrase not in target:
        target.append(phrase)
