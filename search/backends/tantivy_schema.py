"""The tantivy schema, document conversion and query translation (pure, no file I/O)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from typing import Any

import tantivy

from search.analysis.analyzer import Analyzer
from search.analysis.tokens import label_tokens, suggest_term, tokenize
from search.documents import AVAILABLE_STATUSES, ProductDocument, buyable_delivery_days
from search.protocol import (
    DELIVERY_BUCKETS,
    FACET_FIELDS,
    PRICE_BUCKETS,
    AnalyzedQuery,
    Filters,
    Operator,
    TermGroup,
    TextField,
)

PRODUCT_ID = "product_id"
PRODUCT_KEY = "product_key"  # product id as a raw term: tantivy deletes by u64 term do not match
IDENT = "ident"
SUGGEST = "suggest"
PAYLOAD = "payload"
VERSION = "version"  # hash of the payload: parsed payloads are cached by (product, version)
MIN_PRICE = "min_price"
MAX_PRICE = "max_price"
PRICE_ASC = "price_asc"  # min price, missing sorts last ascending
PRICE_DESC = "price_desc"  # min price, missing sorts last descending
DELIVERY = "delivery"  # fastest buyable offer's days, missing = NO_DELIVERY
IN_STOCK = "in_stock"
HAS_OFFERS = "has_offers"
OFFERS_COUNT = "offers_count"

NO_PRICE_ASC = 1e15
NO_PRICE_DESC = -1.0
NO_DELIVERY = 100_000
IDENTIFIER_BOOST = 1000.0
CLAUSE_TIE_BREAKER = 0.1


def payload_version(payload: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(payload, digest_size=8).digest(), "big")


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field(PRODUCT_ID, stored=True, indexed=True, fast=True)
    sb.add_text_field(PRODUCT_KEY, tokenizer_name="raw", index_option="basic")
    for text_field in TextField:
        sb.add_text_field(str(text_field), tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field(IDENT, tokenizer_name="raw", index_option="basic")
    sb.add_text_field(SUGGEST, tokenizer_name="raw", index_option="basic")
    for facet in FACET_FIELDS:
        sb.add_text_field(facet, tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_float_field(MIN_PRICE, indexed=True, fast=True)
    sb.add_float_field(MAX_PRICE, fast=True)
    sb.add_float_field(PRICE_ASC, fast=True)
    sb.add_float_field(PRICE_DESC, fast=True)
    sb.add_integer_field(DELIVERY, indexed=True, fast=True)
    sb.add_boolean_field(IN_STOCK, indexed=True, fast=True)
    sb.add_boolean_field(HAS_OFFERS, indexed=True, fast=True)
    sb.add_unsigned_field(OFFERS_COUNT, fast=True)
    sb.add_bytes_field(PAYLOAD, stored=True)
    sb.add_unsigned_field(VERSION, fast=True)
    return sb.build()


def to_tantivy(doc: ProductDocument, analyzer: Analyzer) -> tantivy.Document:
    out = tantivy.Document()
    out.add_unsigned(PRODUCT_ID, doc.product_id)
    out.add_text(PRODUCT_KEY, str(doc.product_id))
    for field, tokens in analyzer.analyze_document(doc).items():
        if tokens:
            out.add_text(str(field), tokens)
    for key in doc.identifier_keys():
        out.add_text(IDENT, key)
    if doc.name:
        out.add_text(SUGGEST, suggest_term(tokenize(doc.name), doc.name))
    for label in (doc.brand, doc.category):
        if label:
            out.add_text(SUGGEST, suggest_term(label_tokens(label), label))
    for facet, value in (
        ("brand", doc.brand),
        ("manufacturer", doc.manufacturer),
        ("category", doc.category),
    ):
        if value:
            out.add_text(facet, value)
    offers = doc.offers  # one pass for what ProductDocument's properties would each scan
    for slug in sorted({o.retailer_slug for o in offers}):
        out.add_text("retailer", slug)
    rates = doc.rates
    prices = [float(p) for o in offers if (p := o.comparable_price(rates)) is not None]
    if prices:
        low = min(prices)
        out.add_float(MIN_PRICE, low)
        out.add_float(MAX_PRICE, max(prices))
        out.add_float(PRICE_ASC, low)
        out.add_float(PRICE_DESC, low)
    else:
        out.add_float(PRICE_ASC, NO_PRICE_ASC)
        out.add_float(PRICE_DESC, NO_PRICE_DESC)
    days = buyable_delivery_days(offers)
    out.add_integer(DELIVERY, NO_DELIVERY if days is None else days)
    out.add_boolean(IN_STOCK, any(o.stock_status in AVAILABLE_STATUSES for o in offers))
    out.add_boolean(HAS_OFFERS, doc.has_offers)
    out.add_unsigned(OFFERS_COUNT, doc.offers_count)
    payload = doc.stored().to_json().encode("utf-8")
    out.add_bytes(PAYLOAD, payload)
    out.add_unsigned(VERSION, payload_version(payload))
    return out


class QueryBuilder:
    """Translates backend-neutral queries and filters into tantivy queries."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self.schema = schema

    def term_group(self, group: TermGroup) -> tantivy.Query:
        per_term: list[tantivy.Query] = []
        for term in group.terms:
            options = [self._term(str(field), term, group.fuzzy) for field in group.fields]
            per_term.append(options[0] if len(options) == 1 else _any(options))
        query = per_term[0] if len(per_term) == 1 else _all(per_term)
        return tantivy.Query.boost_query(query, group.boost)

    def _term(self, field: str, term: str, fuzzy: int) -> tantivy.Query:
        if fuzzy:
            return tantivy.Query.fuzzy_term_query(self.schema, field, term, distance=fuzzy)
        return tantivy.Query.term_query(self.schema, field, term)

    def text(
        self, query: AnalyzedQuery, operator: Operator, minimum_should_match: int = 1
    ) -> tantivy.Query | None:
        clauses = [
            tantivy.Query.disjunction_max_query(
                [self.term_group(g) for g in clause.alternatives], CLAUSE_TIE_BREAKER
            )
            for clause in query.clauses
            if clause.alternatives
        ]
        if not clauses:
            return None
        if len(clauses) == 1:
            return clauses[0]
        if operator == "and":
            return _all(clauses)
        required = min(max(1, minimum_should_match), len(clauses))
        return _any(clauses, required)

    def identifiers(self, query: AnalyzedQuery) -> tantivy.Query | None:
        if not query.identifiers:
            return None
        return tantivy.Query.term_set_query(self.schema, IDENT, list(query.identifiers))

    def matching(
        self, query: AnalyzedQuery, operator: Operator, minimum_should_match: int = 1
    ) -> tantivy.Query:
        """Text OR exact identifier (boosted far above any text score); empty = match all."""
        text = self.text(query, operator, minimum_should_match)
        ident = self.identifiers(query)
        if ident is None:
            return text if text is not None else tantivy.Query.all_query()
        boosted = tantivy.Query.boost_query(ident, IDENTIFIER_BOOST)
        return boosted if text is None else _any([text, boosted])

    def filters(self, filters: Filters) -> list[tantivy.Query]:
        out: list[tantivy.Query] = []
        for facet in FACET_FIELDS:
            values = filters.facet_values(facet)
            if len(values) == 1:
                out.append(tantivy.Query.term_query(self.schema, facet, values[0]))
            elif values:
                out.append(tantivy.Query.term_set_query(self.schema, facet, list(values)))
        if filters.in_stock is not None:
            out.append(tantivy.Query.term_query(self.schema, IN_STOCK, filters.in_stock))
        if filters.max_delivery_days is not None:
            out.append(
                tantivy.Query.range_query(
                    self.schema,
                    DELIVERY,
                    tantivy.FieldType.Integer,
                    None,
                    int(filters.max_delivery_days),
                )
            )
        if filters.min_price is not None or filters.max_price is not None:
            out.append(
                tantivy.Query.range_query(
                    self.schema,
                    MIN_PRICE,
                    tantivy.FieldType.Float,
                    None if filters.min_price is None else float(filters.min_price),
                    None if filters.max_price is None else float(filters.max_price),
                )
            )
        return out

    def combine(self, matching: tantivy.Query, filters: Filters) -> tantivy.Query:
        """``matching`` restricted by the filters (which add nothing to the score)."""
        parts = [tantivy.Query.const_score_query(f, 0.0) for f in self.filters(filters)]
        if not parts:
            return matching
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, matching), *((tantivy.Occur.Must, p) for p in parts)]
        )


def _any(queries: Sequence[tantivy.Query], required: int = 1) -> tantivy.Query:
    should = [(tantivy.Occur.Should, q) for q in queries]
    if required <= 1:
        return tantivy.Query.boolean_query(should)
    return tantivy.Query.boolean_query(should, minimum_number_should_match=required)


def _all(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


def facet_aggregations(names: Sequence[str], size: int) -> dict[str, Any]:
    aggs: dict[str, Any] = {name: {"terms": {"field": name, "size": size}} for name in names}
    return aggs


def range_aggregations() -> dict[str, Any]:
    price_ranges: list[dict[str, float]] = []
    for _label, low, high in PRICE_BUCKETS:
        bucket: dict[str, float] = {}
        if low is not None:
            bucket["from"] = low
        if high is not None:
            bucket["to"] = high
        price_ranges.append(bucket)
    edges = [float(days) + 1 for days in DELIVERY_BUCKETS]  # days <= N  <=>  days < N + 1
    delivery_ranges: list[dict[str, float]] = [{"to": edges[0]}]
    delivery_ranges.extend({"from": a, "to": b} for a, b in itertools.pairwise(edges))
    return {
        "price": {"range": {"field": MIN_PRICE, "ranges": price_ranges}},
        "delivery": {"range": {"field": DELIVERY, "ranges": delivery_ranges}},
        IN_STOCK: {"terms": {"field": IN_STOCK, "size": 2}},
    }


def parse_terms(raw: dict[str, Any]) -> list[tuple[str, int]]:
    return [(str(b["key"]), int(b["doc_count"])) for b in raw.get("buckets", [])]


def parse_ranges(raw: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    """Price buckets as labelled; delivery buckets made cumulative ("within N days")."""
    # tantivy answers with one bucket per range (plus open ends it adds), keyed by "from"
    by_from: dict[float | None, int] = {}
    for b in raw["price"]["buckets"]:
        by_from[b.get("from")] = int(b["doc_count"])
    price = [(label, by_from.get(low, 0)) for label, low, _high in PRICE_BUCKETS]
    running = 0
    delivery: list[tuple[str, int]] = []
    buckets = sorted(
        (b for b in raw["delivery"]["buckets"] if "to" in b),
        key=lambda b: float(b["to"]),
    )
    for days, bucket in zip(DELIVERY_BUCKETS, buckets, strict=False):
        running += int(bucket["doc_count"])
        delivery.append((str(days), running))
    in_stock = 0
    for b in raw[IN_STOCK].get("buckets", []):
        if b.get("key_as_string") == "true" or b.get("key") in (1, True, "true"):
            in_stock = int(b["doc_count"])
    return {"price": price, "delivery": delivery, "in_stock": [("true", in_stock)]}
