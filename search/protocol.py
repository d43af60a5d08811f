"""The backend-neutral search contract: what every engine (tantivy, OpenSearch) implements.

Text analysis happens in Python (``search.analysis``) for every backend, so a query reaches
the engine as an :class:`AnalyzedQuery`: clauses of alternatives, each alternative a group of
already-analyzed terms over named field groups, with a boost and an optional edit distance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol, runtime_checkable

from search.analysis.synonym_rules import SynonymRules
from search.documents import ProductDocument, StoredProduct


class TextField(StrEnum):
    """Analyzed token fields every backend indexes (see ``search.analysis.analyzer``)."""

    NAME = "name"  # lower-cased surface tokens of name + brand (exact and fuzzy matching)
    NAME_SV = "name_sv"  # Swedish stems of name, brand, category
    NAME_EN = "name_en"  # English stems of name, brand, category
    BODY_SV = "body_sv"  # Swedish stems of description, specs, manufacturer
    BODY_EN = "body_en"  # English stems of description, specs, manufacturer
    PARTS = "parts"  # Swedish stems of compound parts of name and category words
    CATEGORY = "category_en"  # English stems of the category (GMDN term) on its own: short,
    # so BM25 rewards a query that names the device type over one that names an accessory
    CATEGORY_HEAD = "category_head"  # one token: the category's English stems before its
    # first comma, joined by "_" ("Rubber dam, non-latex" -> rubber_dam): an exact device type


SortOrder = Literal["relevance", "price_asc", "price_desc", "delivery"]
Operator = Literal["and", "or"]

FACET_FIELDS = ("brand", "manufacturer", "category", "retailer")
PRICE_BUCKETS: tuple[tuple[str, float | None, float | None], ...] = (
    ("<100", None, 100.0),
    ("100-500", 100.0, 500.0),
    ("500-1000", 500.0, 1000.0),
    ("1000-5000", 1000.0, 5000.0),
    (">5000", 5000.0, None),
)  # [from, to) in SEK incl. VAT, over a product's lowest price
DELIVERY_BUCKETS = (1, 3, 7)  # "delivery within N days" (cumulative)


@dataclass(frozen=True, slots=True)
class TermGroup:
    """All ``terms`` must match, each in any of ``fields``; ``fuzzy`` = allowed edits."""

    fields: tuple[TextField, ...]
    terms: tuple[str, ...]
    boost: float = 1.0
    fuzzy: int = 0


@dataclass(frozen=True, slots=True)
class QueryClause:
    """One query word (or phrase): matches when any of its alternatives matches."""

    text: str
    alternatives: tuple[TermGroup, ...]


@dataclass(frozen=True, slots=True)
class AnalyzedQuery:
    text: str = ""
    clauses: tuple[QueryClause, ...] = ()
    identifiers: tuple[str, ...] = ()  # normalized keys (GTIN-14, MPN/catalog/SKU key)

    @property
    def is_match_all(self) -> bool:
        return not self.clauses and not self.identifiers


@dataclass(frozen=True, slots=True)
class Filters:
    """Exact facet filters (any of the values), availability and price/delivery limits."""

    brand: tuple[str, ...] = ()
    manufacturer: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    retailer: tuple[str, ...] = ()
    in_stock: bool | None = None
    max_delivery_days: int | None = None
    min_price: Decimal | None = None  # over the product's lowest VAT-comparable price
    max_price: Decimal | None = None

    def facet_values(self, name: str) -> tuple[str, ...]:
        values: tuple[str, ...] = getattr(self, name)
        return values

    def without(self, name: str) -> Filters:
        """The same filters minus one facet (for disjunctive facet counts)."""
        if name not in FACET_FIELDS:
            raise ValueError(f"not a facet: {name}")
        empty: tuple[str, ...] = ()
        if name == "brand":
            return replace(self, brand=empty)
        if name == "manufacturer":
            return replace(self, manufacturer=empty)
        if name == "category":
            return replace(self, category=empty)
        return replace(self, retailer=empty)


@dataclass(frozen=True, slots=True)
class BackendQuery:
    query: AnalyzedQuery = field(default_factory=AnalyzedQuery)
    filters: Filters = field(default_factory=Filters)
    limit: int = 200
    offset: int = 0
    sort: SortOrder = "relevance"
    operator: Operator = "and"  # how clauses combine
    minimum_should_match: int = 1  # with operator "or": at least this many clauses match
    facets: bool = True
    facet_size: int = 50
    include_documents: bool = True
    # only these products (the semantic neighbours: their filtered documents); None = any
    product_ids: tuple[int, ...] | None = None


@dataclass(slots=True)
class BackendResult:
    """Matched products best first; facets are counted over the whole matched set."""

    total: int
    hits: list[tuple[int, float]]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    documents: Mapping[int, StoredProduct] = field(default_factory=dict)  # may load lazily
    identifier_matches: frozenset[int] = frozenset()  # products matched by an exact id


@runtime_checkable
class SearchBackend(Protocol):
    """One search engine. Implementations: ``TantivyBackend``, ``OpenSearchBackend``."""

    name: str

    def analyze_query(self, text: str, rules: SynonymRules | None = None) -> AnalyzedQuery:
        """User text analyzed with the vocabulary this backend's index was built with, and
        the merchandisers' published synonym ``rules`` (query time: no reindex)."""
        ...

    def index_documents(self, docs: Iterable[ProductDocument]) -> int:
        """Bulk-add documents (upserting by product id); returns how many were written."""
        ...

    def update_documents(self, docs: Iterable[ProductDocument]) -> int:
        """Incremental upsert by product id; returns how many were written."""
        ...

    def delete_documents(self, product_ids: Iterable[int]) -> int:
        """Remove products; returns how many ids were asked for."""
        ...

    def search(self, request: BackendQuery) -> BackendResult: ...

    def suggest(self, prefix: str, limit: int = 8) -> list[str]: ...

    def health(self) -> dict[str, object]: ...

    def reindex(self, docs: Iterable[ProductDocument]) -> int:
        """Rebuild into a new index and swap atomically; searches keep working meanwhile."""
        ...

    def count(self) -> int: ...

    def close(self) -> None: ...
