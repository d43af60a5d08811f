"""The analysis pipeline shared by indexing and querying (one object per index generation)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from search.analysis.compounds import DEFAULT_WORDS_FILE, Decompounder, load_word_list
from search.analysis.query import QueryAnalyzer, head_key
from search.analysis.swedish import stem_en, stem_sv
from search.analysis.synonym_rules import SynonymRules
from search.analysis.synonyms import DEFAULT_SYNONYM_FILE, SynonymMap, load_synonyms
from search.analysis.tokens import label_tokens, tokenize
from search.documents import ProductDocument
from search.protocol import AnalyzedQuery, TextField


@lru_cache(maxsize=4)
def _shipped_words(path: Path) -> tuple[str, ...]:
    return tuple(load_word_list(path))


@lru_cache(maxsize=4)
def _shipped_synonyms(path: Path) -> SynonymMap:
    return load_synonyms(path)


def shipped_synonyms() -> SynonymMap:
    """The synonym table every index generation is analyzed with (loaded once)."""
    return _shipped_synonyms(DEFAULT_SYNONYM_FILE)


def catalog_words(tokens: Iterable[str]) -> set[str]:
    """The tokens worth learning as compound parts: alphabetic, four letters or more."""
    return {t for t in tokens if len(t) >= 4 and t.isalpha()}


@lru_cache(maxsize=65_536)
def category_head(category: str) -> str:
    """The head of a GMDN-style term, before its first comma: "Rubber dam, non-latex" is a
    rubber dam of one kind, "Rubber dam clamp" (no comma) a clamp."""
    return head_key(tokenize(category.split(",", 1)[0]))


class Analyzer:
    """Turns documents into token fields and queries into :class:`AnalyzedQuery`."""

    def __init__(self, decompounder: Decompounder, synonyms: SynonymMap) -> None:
        self.decompounder = decompounder
        self.synonyms = synonyms
        self.query_analyzer = QueryAnalyzer(decompounder, synonyms)
        self._ruled: tuple[str, QueryAnalyzer] | None = None

    @classmethod
    def default(
        cls,
        catalog_vocabulary: Iterable[str] = (),
        words_file: Path = DEFAULT_WORDS_FILE,
        synonym_file: Path = DEFAULT_SYNONYM_FILE,
    ) -> Analyzer:
        """Shipped word list and synonyms, plus words learned from the catalog."""
        return cls(
            Decompounder(_shipped_words(words_file), catalog_vocabulary),
            _shipped_synonyms(synonym_file),
        )

    def analyze_query(self, text: str, rules: SynonymRules | None = None) -> AnalyzedQuery:
        """``text`` analyzed, with the merchandisers' ``rules`` when given (query time only:
        the documents' fields do not depend on them)."""
        if not rules:
            return self.query_analyzer.analyze(text)
        return self._with_rules(rules).analyze(text)

    def _with_rules(self, rules: SynonymRules) -> QueryAnalyzer:
        ruled = self._ruled  # one rule set is live at a time: keep the last one's analyzer
        if ruled is None or ruled[0] != rules.digest:
            ruled = self._ruled = (rules.digest, self.query_analyzer.with_rules(rules))
        return ruled[1]

    def analyze_document(self, doc: ProductDocument) -> dict[TextField, str]:
        """Whitespace-joined token strings per :class:`TextField`."""
        name = tokenize(doc.name) + list(label_tokens(doc.brand or ""))
        category = label_tokens(doc.category or "")
        head = name + list(category)
        body = (
            tokenize(doc.description or "")
            + tokenize(doc.specs_text)
            + list(label_tokens(doc.manufacturer or ""))
        )
        parts: list[str] = []
        split = self.decompounder.split
        for token in dict.fromkeys(head):
            parts.extend(map(stem_sv, split(token)))
        return {
            TextField.NAME: " ".join(name),
            TextField.NAME_SV: " ".join(map(stem_sv, head)),
            TextField.NAME_EN: " ".join(map(stem_en, head)),
            TextField.BODY_SV: " ".join(map(stem_sv, body)),
            TextField.BODY_EN: " ".join(map(stem_en, body)),
            TextField.PARTS: " ".join(parts),
            TextField.CATEGORY: " ".join(map(stem_en, category)),
            TextField.CATEGORY_HEAD: category_head(doc.category or ""),
        }

    @staticmethod
    def vocabulary_of(doc: ProductDocument) -> set[str]:
        """Words of a document's name and category, for the next generation's decompounder."""
        return catalog_words(tokenize(doc.name)) | catalog_words(label_tokens(doc.category or ""))
