"""Query analysis: user text -> :class:`search.protocol.AnalyzedQuery`.

Each query word becomes a clause matching any of: the exact word, its Swedish and English
stems, its compound parts (all required), its synonyms in the other language, and (for
longer words) fuzzy variants; expansions get lower boosts than the word itself. Multi-word
synonym phrases ("impression material") become one clause. Identifier-looking input is
also looked up exactly (GTIN, MPN, catalog number, retailer SKU).
"""

from __future__ import annotations

from dataclasses import dataclass

from search.analysis.compounds import Decompounder
from search.analysis.identifiers import identifier_terms
from search.analysis.swedish import stem_en, stem_sv
from search.analysis.synonyms import Phrase, SynonymMap
from search.analysis.tokens import is_number, normalize, query_tokens
from search.protocol import AnalyzedQuery, QueryClause, TermGroup, TextField

SV_FIELDS = (TextField.NAME_SV, TextField.PARTS, TextField.BODY_SV)
EN_FIELDS = (TextField.NAME_EN, TextField.BODY_EN)


@dataclass(frozen=True, slots=True)
class Boosts:
    """Relative weights of the alternatives of a query word (the word itself is highest)."""

    exact: float = 3.0
    name_stem: float = 2.0
    part: float = 1.2
    body_stem: float = 0.5
    compound: float = 1.2
    synonym: float = 1.0
    fuzzy: float = 0.6
    corrected_synonym: float = 0.5


def fuzzy_distance(token: str) -> int:
    """Allowed typos by word length: 0 up to 4 letters, 1 up to 8, then 2."""
    if is_number(token) or len(token) <= 4:
        return 0
    return 1 if len(token) <= 8 else 2


class QueryAnalyzer:
    def __init__(
        self, decompounder: Decompounder, synonyms: SynonymMap, boosts: Boosts | None = None
    ) -> None:
        self.decompounder = decompounder
        self.synonyms = synonyms
        self.boosts = boosts or Boosts()

    def analyze(self, text: str) -> AnalyzedQuery:
        normalized = normalize(text).strip()
        tokens = query_tokens(normalized)
        clauses: list[QueryClause] = []
        i = 0
        while i < len(tokens):
            phrase_clause, used = self._phrase_clause(tokens, i)
            if phrase_clause is not None:
                clauses.append(phrase_clause)
                i += used
                continue
            clauses.append(self._word_clause(tokens[i]))
            i += 1
        return AnalyzedQuery(
            text=normalized, clauses=tuple(clauses), identifiers=identifier_terms(text)
        )

    def _word_clause(self, token: str) -> QueryClause:
        b = self.boosts
        if is_number(token):
            fields = (TextField.NAME, TextField.NAME_SV, TextField.BODY_SV)
            return QueryClause(token, (TermGroup(fields, (token,), b.exact),))
        sv, en = stem_sv(token), stem_en(token)
        alts: list[TermGroup] = [
            TermGroup((TextField.NAME,), (token,), b.exact),
            TermGroup((TextField.NAME_SV,), (sv,), b.name_stem),
            TermGroup((TextField.NAME_EN,), (en,), b.name_stem),
            TermGroup((TextField.PARTS,), (sv,), b.part),
            TermGroup((TextField.BODY_SV,), (sv,), b.body_stem),
            TermGroup((TextField.BODY_EN,), (en,), b.body_stem),
        ]
        parts = self.decompounder.split(token)
        if parts:
            alts.append(TermGroup(SV_FIELDS, tuple(stem_sv(p) for p in parts), b.compound))
        alts.extend(self._synonym_groups((token,), b.synonym))
        distance = fuzzy_distance(token)
        if distance:
            alts.append(TermGroup((TextField.NAME,), (token,), b.fuzzy, fuzzy=distance))
            if not self.synonyms.english_for((token,)) and not self.synonyms.swedish_for((token,)):
                corrected = self.synonyms.closest_swedish(token, distance)
                if corrected is not None:
                    alts.append(TermGroup(SV_FIELDS, (stem_sv(corrected),), b.corrected_synonym))
                    alts.extend(self._synonym_groups((corrected,), b.corrected_synonym))
        return QueryClause(token, _dedupe(alts))

    def _synonym_groups(self, phrase: Phrase, boost: float) -> list[TermGroup]:
        groups = [
            TermGroup(EN_FIELDS, tuple(stem_en(t) for t in english), boost)
            for english in self.synonyms.english_for(phrase)
        ]
        for swedish in self.synonyms.swedish_for(phrase):
            groups.append(TermGroup(SV_FIELDS, tuple(stem_sv(t) for t in swedish), boost))
            parts = self.decompounder.split(swedish[0]) if len(swedish) == 1 else ()
            if parts:  # "nitrile gloves" -> nitrilhandskar -> nitril + handskar
                groups.append(TermGroup(SV_FIELDS, tuple(stem_sv(p) for p in parts), boost))
        return groups

    def _phrase_clause(self, tokens: list[str], start: int) -> tuple[QueryClause | None, int]:
        """The longest multi-word synonym phrase starting at ``start``, as one clause."""
        b = self.boosts
        longest = min(self.synonyms.max_phrase_len, len(tokens) - start)
        for n in range(longest, 1, -1):
            phrase = tuple(tokens[start : start + n])
            synonyms = self._synonym_groups(phrase, b.synonym)
            if not synonyms:
                continue
            literal = [
                TermGroup((TextField.NAME,), phrase, b.exact),
                TermGroup(SV_FIELDS, tuple(stem_sv(t) for t in phrase), b.name_stem),
                TermGroup(EN_FIELDS, tuple(stem_en(t) for t in phrase), b.name_stem),
            ]
            return QueryClause(" ".join(phrase), _dedupe([*literal, *synonyms])), n
        return None, 0


def _dedupe(groups: list[TermGroup]) -> tuple[TermGroup, ...]:
    """Drop repeated (fields, terms, fuzzy) groups, keeping the highest boost."""
    best: dict[tuple[tuple[TextField, ...], tuple[str, ...], int], TermGroup] = {}
    for group in groups:
        key = (group.fields, group.terms, group.fuzzy)
        if key not in best or best[key].boost < group.boost:
            best[key] = group
    return tuple(best.values())
