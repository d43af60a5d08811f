"""Query analysis: user text -> :class:`search.protocol.AnalyzedQuery`.

Each query word becomes a clause matching any of: the exact word, its Swedish and English
stems, its compound parts (all required), its synonyms in the other language, and (for
longer words) fuzzy variants; expansions get lower boosts than the word itself. A compound
with no synonym of its own is translated part by part (``bedövningsspruta`` ->
``bedövning`` + ``spruta`` -> "anaesthesia syringe"), since the catalog is mostly English.
Multi-word synonym phrases ("impression material") become one clause. The category (GMDN
term) is searched on its own, and a word or phrase equal to a category's head ("rubber dam"
for "Rubber dam, non-latex") gets the highest boost: it names the device type, not an
accessory of it. Identifier-looking input is also looked up exactly (GTIN, MPN, catalog
number, retailer SKU).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from search.analysis.compounds import Decompounder
from search.analysis.identifiers import identifier_terms
from search.analysis.swedish import stem_en, stem_sv
from search.analysis.synonym_rules import EMPTY_RULES, SynonymRules
from search.analysis.synonyms import Phrase, SynonymMap
from search.analysis.tokens import is_number, normalize, query_tokens
from search.protocol import AnalyzedQuery, QueryClause, TermGroup, TextField

SV_FIELDS = (TextField.NAME_SV, TextField.PARTS, TextField.BODY_SV)
EN_FIELDS = (TextField.NAME_EN, TextField.CATEGORY, TextField.BODY_EN)
MAX_PART_TRANSLATIONS = 8  # English readings of one compound (product of the parts' senses)


@dataclass(frozen=True, slots=True)
class Boosts:
    """Relative weights of the alternatives of a query word (the word itself is highest)."""

    exact: float = 3.0
    name_stem: float = 2.0
    part: float = 1.2
    body_stem: float = 0.5
    category: float = 2.5
    category_head: float = 3.0
    compound: float = 1.2
    synonym: float = 1.0
    part_synonym: float = 0.9
    synonym_head: float = 1.0
    fuzzy: float = 0.6
    corrected_synonym: float = 0.5
    custom_synonym: float = 0.8


def fuzzy_distance(token: str) -> int:
    """Allowed typos by word length: 0 up to 4 letters, 1 up to 8, then 2."""
    if is_number(token) or len(token) <= 4:
        return 0
    return 1 if len(token) <= 8 else 2


class QueryAnalyzer:
    def __init__(
        self,
        decompounder: Decompounder,
        synonyms: SynonymMap,
        boosts: Boosts | None = None,
        rules: SynonymRules = EMPTY_RULES,
    ) -> None:
        self.decompounder = decompounder
        self.synonyms = synonyms
        self.boosts = boosts or Boosts()
        self.rules = rules

    def with_rules(self, rules: SynonymRules) -> QueryAnalyzer:
        """The same analysis with the merchandisers' ``rules`` applied."""
        return QueryAnalyzer(self.decompounder, self.synonyms, self.boosts, rules)

    def split(self, token: str) -> tuple[str, ...]:
        """A rule's split of ``token`` when there is one, else the decompounder's."""
        ruled = self.rules.split(token)
        return self.decompounder.split(token) if ruled is None else ruled

    def analyze(self, text: str) -> AnalyzedQuery:
        normalized = normalize(text).strip()
        tokens = query_tokens(normalized)
        clauses: list[QueryClause] = []
        i = 0
        while i < len(tokens):
            phrase_clause, used = self._ruled_phrase_clause(tokens, i)
            if phrase_clause is None:
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
            TermGroup((TextField.CATEGORY,), (en,), b.category),
            TermGroup((TextField.CATEGORY_HEAD,), (en,), b.category_head),
            TermGroup((TextField.PARTS,), (sv,), b.part),
            TermGroup((TextField.BODY_SV,), (sv,), b.body_stem),
            TermGroup((TextField.BODY_EN,), (en,), b.body_stem),
        ]
        parts = self.split(token)
        synonyms = self._synonym_groups((token,), b.synonym)
        if parts and not self.synonyms.english_for((token,)):
            # a word with a meaning of its own (a synonym entry: "munskydd" is a face mask)
            # is not matched through its parts: "mun" + "skydd" (mouth + protection) would
            # reach a rubber dam, a generic head matching anything protective
            alts.append(TermGroup(SV_FIELDS, tuple(stem_sv(p) for p in parts), b.compound))
            alts.extend(self.part_translations(parts))
        alts.extend(synonyms)
        distance = fuzzy_distance(token)
        if distance:
            alts.append(TermGroup((TextField.NAME,), (token,), b.fuzzy, fuzzy=distance))
            if not self.synonyms.english_for((token,)) and not self.synonyms.swedish_for((token,)):
                corrected = self.synonyms.closest_swedish(token, distance)
                if corrected is not None:
                    alts.append(TermGroup(SV_FIELDS, (stem_sv(corrected),), b.corrected_synonym))
                    alts.extend(self._synonym_groups((corrected,), b.corrected_synonym))
        alts.extend(self._ruled_groups((token,)))
        return QueryClause(token, _dedupe(alts))

    def _ruled_groups(self, phrase: Phrase) -> list[TermGroup]:
        """What the rules' targets of ``phrase`` match, weighted ``custom_synonym`` times."""
        if not self.rules:
            return []
        plain = self.with_rules(EMPTY_RULES)  # targets are not expanded again
        factor = self.boosts.custom_synonym
        groups: list[TermGroup] = []
        for target in self.rules.expansions(phrase):
            if len(target) == 1 and not is_number(target[0]):
                found = plain._word_clause(target[0]).alternatives
            else:
                clause, used = plain._phrase_clause(list(target), 0)
                found = clause.alternatives if clause is not None and used == len(target) else ()
                found = found or tuple(_literal_groups(target, self.boosts))
            groups.extend(replace(g, boost=g.boost * factor) for g in found if not g.fuzzy)
        return groups

    def _ruled_phrase_clause(self, tokens: list[str], start: int) -> tuple[QueryClause | None, int]:
        """The longest multi-word rule term starting at ``start``, as one clause."""
        longest = min(self.rules.max_phrase_len, len(tokens) - start)
        for n in range(longest, 1, -1):
            phrase = tuple(tokens[start : start + n])
            ruled = self._ruled_groups(phrase)
            if not ruled:
                continue
            shipped, used = self._phrase_clause(list(phrase), 0)
            own = shipped.alternatives if shipped is not None and used == n else ()
            literal = own or tuple(_literal_groups(phrase, self.boosts))
            return QueryClause(" ".join(phrase), _dedupe([*literal, *ruled])), n
        return None, 0

    def part_translations(self, parts: Sequence[str]) -> list[TermGroup]:
        """English readings of a compound, one term group per combination of part senses.

        A part without a synonym is kept as it is (``nitril`` is spelled alike in English
        stems); at least one part must translate, and at most ``MAX_PART_TRANSLATIONS``
        readings are made, the first senses of each part first.
        """
        senses: list[list[Phrase]] = []
        translated = False
        for part in parts:
            english = self.synonyms.english_for((part,))
            translated = translated or bool(english)
            senses.append(english or [(part,)])
        if not translated:
            return []
        groups: list[TermGroup] = []
        for reading in itertools.islice(itertools.product(*senses), MAX_PART_TRANSLATIONS):
            terms = tuple(dict.fromkeys(stem_en(t) for phrase in reading for t in phrase))
            groups.append(TermGroup(EN_FIELDS, terms, self.boosts.part_synonym))
        return groups

    def _synonym_groups(self, phrase: Phrase, boost: float) -> list[TermGroup]:
        groups: list[TermGroup] = []
        for english in self.synonyms.english_for(phrase):
            groups.append(TermGroup(EN_FIELDS, tuple(stem_en(t) for t in english), boost))
            groups.append(_head_group(english, boost * self.boosts.synonym_head))
        for swedish in self.synonyms.swedish_for(phrase):
            groups.append(TermGroup(SV_FIELDS, tuple(stem_sv(t) for t in swedish), boost))
            parts = self.split(swedish[0]) if len(swedish) == 1 else ()
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
            literal = _literal_groups(phrase, b)
            return QueryClause(" ".join(phrase), _dedupe([*literal, *synonyms])), n
        return None, 0


def head_key(tokens: Iterable[str]) -> str:
    """English stems joined by ``_``: one term naming a device type (``rubber_dam``)."""
    return "_".join(stem_en(t) for t in tokens)


def _literal_groups(phrase: Phrase, b: Boosts) -> list[TermGroup]:
    """A multi-word phrase as written: every word required, in the name or by stems."""
    return [
        _head_group(phrase, b.category_head),
        TermGroup((TextField.NAME,), phrase, b.exact),
        TermGroup(SV_FIELDS, tuple(stem_sv(t) for t in phrase), b.name_stem),
        TermGroup(EN_FIELDS, tuple(stem_en(t) for t in phrase), b.name_stem),
    ]


def _head_group(phrase: Phrase, boost: float) -> TermGroup:
    """The phrase as a whole category head (``rubber dam`` -> ``rubber_dam``)."""
    return TermGroup((TextField.CATEGORY_HEAD,), (head_key(phrase),), boost)


def _dedupe(groups: list[TermGroup]) -> tuple[TermGroup, ...]:
    """Drop repeated (fields, terms, fuzzy) groups, keeping the highest boost."""
    best: dict[tuple[tuple[TextField, ...], tuple[str, ...], int], TermGroup] = {}
    for group in groups:
        key = (group.fields, group.terms, group.fuzzy)
        if key not in best or best[key].boost < group.boost:
            best[key] = group
    return tuple(best.values())
