"""Plain BM25: the evaluation baseline with no synonyms, compounds, stemming or typo repair.

A separate tantivy index over the same :class:`~search.documents.ProductDocument` text
(name, brand, category, description), each a text field with tantivy's ``default``
tokenizer (split on non-alphanumerics, lower-case, drop tokens over 40 bytes; no stemming).
A query is the raw string cut by that same tokenizer into terms, OR-ed over the four fields
with equal weight: no identifier handling, no fuzzy terms, no ranking config. It measures
what Valbar's analysis and ranking add on top of an off-the-shelf engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import tantivy

from search.documents import ProductDocument

TEXT_FIELDS = ("name", "brand", "category", "description")
GTIN = "gtin"
DEFAULT_TOKENIZER_MAX_BYTES = 40  # tantivy's "default" tokenizer: RemoveLongFilter(40)


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    for name in TEXT_FIELDS:
        sb.add_text_field(name, tokenizer_name="default", index_option="freq")
    sb.add_text_field(GTIN, stored=True, tokenizer_name="raw", index_option="basic")
    return sb.build()


def default_tokens(text: str) -> list[str]:
    """``text`` cut exactly as tantivy's ``default`` tokenizer cuts indexed text."""
    analyzer = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(DEFAULT_TOKENIZER_MAX_BYTES))
        .filter(tantivy.Filter.lowercase())
        .build()
    )
    return list(analyzer.analyze(text))


class Bm25Baseline:
    """A throw-away BM25 index: build it from documents, query it with raw text."""

    def __init__(self, directory: Path | None = None) -> None:
        """An empty index in ``directory`` (created if missing) or in memory."""
        self._schema = _schema()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        path = None if directory is None else str(directory)
        self._index = tantivy.Index(self._schema, path=path)

    def index(self, docs: Iterable[ProductDocument]) -> int:
        """Add every document that has a primary GTIN (the evaluation key); returns how many."""
        writer = self._index.writer(heap_size=50_000_000, num_threads=1)
        written = 0
        for doc in docs:
            gtin = doc.primary_gtin or (doc.gtins[0] if doc.gtins else None)
            if not gtin:
                continue
            out = tantivy.Document()
            values = (doc.name, doc.brand, doc.category, doc.description)
            for name, value in zip(TEXT_FIELDS, values, strict=True):
                if value:
                    out.add_text(name, value)
            out.add_text(GTIN, gtin)
            writer.add_document(out)
            written += 1
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        return written

    def search(self, query: str, limit: int = 50) -> list[str]:
        """Primary GTINs of the best ``limit`` documents for ``query`` (OR of its terms)."""
        terms = list(dict.fromkeys(default_tokens(query)))
        if not terms or limit <= 0:
            return []
        clauses = [
            (
                tantivy.Occur.Should,
                tantivy.Query.term_query(self._schema, name, term, index_option="freq"),
            )
            for term in terms
            for name in TEXT_FIELDS
        ]
        searcher = self._index.searcher()
        result = searcher.search(tantivy.Query.boolean_query(clauses), limit)
        out: list[str] = []
        for _score, address in result.hits:
            gtin = searcher.doc(address).get_first(GTIN)
            if isinstance(gtin, str):
                out.append(gtin)
        return out
