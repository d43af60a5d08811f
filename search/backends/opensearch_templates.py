"""OpenSearch request bodies, all pure (no client, no I/O): the index template, the
indexed document of a product, and the query DSL a :class:`BackendQuery` translates to.

Text analysis happens in Python (``search.analysis``), so the token fields are indexed with
the ``whitespace`` analyzer and scored with BM25, like tantivy's whitespace-tokenized fields.
The raw name and description are also indexed with the built-in ``swedish``/``english``
analyzers (subfields) for ad-hoc queries and highlighting; ranking does not use them.
"""

from __future__ import annotations

import json
from typing import Any

from search.analysis.analyzer import Analyzer
from search.analysis.tokens import suggest_term, tokenize
from search.documents import ProductDocument, StoredProduct
from search.errors import InvalidSearchRequest
from search.protocol import (
    DELIVERY_BUCKETS,
    FACET_FIELDS,
    PRICE_BUCKETS,
    AnalyzedQuery,
    BackendQuery,
    Filters,
    Operator,
    TermGroup,
    TextField,
)

Json = dict[str, Any]

PRODUCT_ID = "product_id"
IDENT = "ident"  # exact identifier keys (GTIN-14, MPN/catalog keys, SKUs)
SUGGEST = "suggest"  # name, brand and category as normalized token strings
WORDS = "words"  # distinct surface tokens of name + brand, for last-word completion
VOCAB = "vocab"  # catalog words of name + category: the next generation's compound parts
TITLE = "title"  # raw name (+ .sv / .en subfields)
DESCRIPTION = "description"  # raw description (+ .sv / .en subfields)
PAYLOAD = "payload"  # the StoredProduct, stored only (not indexed)
MIN_PRICE = "min_price"
MAX_PRICE = "max_price"
DELIVERY = "delivery"  # the fastest buyable offer's delivery days; absent when none
IN_STOCK = "in_stock"
HAS_OFFERS = "has_offers"
OFFERS_COUNT = "offers_count"

TOKEN_ANALYZER = "valbar_tokens"
IDENTIFIER_BOOST = 1000.0
CLAUSE_TIE_BREAKER = 0.1
MAX_RESULT_WINDOW = 10_000  # OpenSearch's default index.max_result_window
IDENTIFIER_LOOKUP_SIZE = 50
BUILTIN_LANGUAGE_ANALYZERS = {"sv": "swedish", "en": "english"}
# The same analyzers rebuilt from their parts, as the OpenSearch docs spell them out
# ("rebuilt" language analyzers). Only used when a server refuses the built-in names in a
# mapping (the osmem emulator does so for "swedish"); see ``OpenSearchBackend``.
REBUILT_LANGUAGE_ANALYZERS = {"sv": "valbar_swedish", "en": "valbar_english"}
_REBUILT_ANALYSIS: dict[str, Any] = {
    "filter": {
        "valbar_swedish_stop": {"type": "stop", "stopwords": "_swedish_"},
        "valbar_swedish_stemmer": {"type": "stemmer", "language": "swedish"},
        "valbar_english_stop": {"type": "stop", "stopwords": "_english_"},
        "valbar_english_possessive": {"type": "stemmer", "language": "possessive_english"},
        "valbar_english_stemmer": {"type": "stemmer", "language": "english"},
    },
    "analyzer": {
        "valbar_swedish": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "valbar_swedish_stop", "valbar_swedish_stemmer"],
        },
        "valbar_english": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": [
                "valbar_english_possessive",
                "lowercase",
                "valbar_english_stop",
                "valbar_english_stemmer",
            ],
        },
    },
}


def _raw_text_with_languages(languages: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "text",
        "analyzer": "standard",
        "fields": {sub: {"type": "text", "analyzer": name} for sub, name in languages.items()},
    }


def index_mappings(rebuilt_languages: bool = False) -> dict[str, Any]:
    """Field mappings of a products index (strict: unknown fields are refused)."""
    languages = REBUILT_LANGUAGE_ANALYZERS if rebuilt_languages else BUILTIN_LANGUAGE_ANALYZERS
    properties: dict[str, Any] = {
        PRODUCT_ID: {"type": "long"},
        IDENT: {"type": "keyword"},
        SUGGEST: {"type": "keyword"},
        WORDS: {"type": "keyword"},
        VOCAB: {"type": "keyword"},
        TITLE: _raw_text_with_languages(languages),
        DESCRIPTION: _raw_text_with_languages(languages),
        MIN_PRICE: {"type": "double"},
        MAX_PRICE: {"type": "double"},
        DELIVERY: {"type": "integer"},
        IN_STOCK: {"type": "boolean"},
        HAS_OFFERS: {"type": "boolean"},
        OFFERS_COUNT: {"type": "integer"},
        PAYLOAD: {"type": "object", "enabled": False},
    }
    for text_field in TextField:
        properties[str(text_field)] = {
            "type": "text",
            "analyzer": TOKEN_ANALYZER,
            "index_options": "freqs",
        }
    for facet in FACET_FIELDS:
        properties[facet] = {"type": "keyword"}
    return {"dynamic": "strict", "properties": properties}


def index_settings(shards: int, replicas: int, rebuilt_languages: bool = False) -> dict[str, Any]:
    # tokens arrive analyzed (lower-cased, stemmed): split on spaces only
    analyzers: dict[str, Any] = {TOKEN_ANALYZER: {"type": "custom", "tokenizer": "whitespace"}}
    analysis: dict[str, Any] = {"analyzer": analyzers}
    if rebuilt_languages:
        analyzers.update(_REBUILT_ANALYSIS["analyzer"])
        analysis["filter"] = dict(_REBUILT_ANALYSIS["filter"])
    return {"number_of_shards": shards, "number_of_replicas": replicas, "analysis": analysis}


def index_template(
    pattern: str, shards: int = 1, replicas: int = 0, rebuilt_languages: bool = False
) -> dict[str, Any]:
    """A composable index template applied to every concrete products index."""
    return {
        "index_patterns": [pattern],
        "priority": 100,
        "template": {
            "settings": index_settings(shards, replicas, rebuilt_languages),
            "mappings": index_mappings(rebuilt_languages),
        },
        "_meta": {"managed_by": "valbar", "schema": 1},
    }


def to_source(doc: ProductDocument, analyzer: Analyzer) -> dict[str, Any]:
    """The indexed source of one product (fields without a value are left out)."""
    source: dict[str, Any] = {PRODUCT_ID: doc.product_id, TITLE: doc.name}
    for text_field, tokens in analyzer.analyze_document(doc).items():
        if tokens:
            source[str(text_field)] = tokens
    if doc.description:
        source[DESCRIPTION] = doc.description
    keys = doc.identifier_keys()
    if keys:
        source[IDENT] = list(keys)
    labels = [suggest_term(tokenize(x), x) for x in (doc.name, doc.brand, doc.category) if x]
    labels = [label for label in dict.fromkeys(labels) if label]
    if labels:
        source[SUGGEST] = labels
    words = list(dict.fromkeys(tokenize(doc.name) + tokenize(doc.brand or "")))
    if words:
        source[WORDS] = words
    vocabulary = sorted(Analyzer.vocabulary_of(doc))
    if vocabulary:
        source[VOCAB] = vocabulary
    for facet, value in (
        ("brand", doc.brand),
        ("manufacturer", doc.manufacturer),
        ("category", doc.category),
    ):
        if value:
            source[facet] = value
    if doc.retailer_slugs:
        source["retailer"] = list(doc.retailer_slugs)
    low, high = doc.min_price, doc.max_price
    if low is not None and high is not None:
        source[MIN_PRICE] = float(low)
        source[MAX_PRICE] = float(high)
    days = doc.delivery_days
    if days is not None:
        source[DELIVERY] = days
    source[IN_STOCK] = doc.in_stock
    source[HAS_OFFERS] = doc.has_offers
    source[OFFERS_COUNT] = doc.offers_count
    source[PAYLOAD] = json.loads(doc.stored().to_json())
    return source


def meta_mappings() -> dict[str, Any]:
    """The side index holding each generation's compound vocabulary (stored, not indexed)."""
    words = {"type": "keyword", "index": False, "doc_values": False}
    return {"dynamic": False, "properties": {"vocabulary": words}}


def stored_from_source(source: dict[str, Any]) -> StoredProduct:
    payload = source[PAYLOAD]
    return StoredProduct.from_json(payload if isinstance(payload, str) else json.dumps(payload))


# ---------------------------------------------------------------- query translation


def _term(field: str, term: str, fuzzy: int) -> Json:
    if fuzzy:
        return {"fuzzy": {field: {"value": term, "fuzziness": fuzzy, "transpositions": True}}}
    return {"term": {field: {"value": term}}}


def term_group_query(group: TermGroup) -> Json:
    """All terms must match, each in any of the group's fields; the group carries its boost."""
    per_term: list[Json] = []
    for term in group.terms:
        options = [_term(str(field), term, group.fuzzy) for field in group.fields]
        per_term.append(
            options[0]
            if len(options) == 1
            else {"bool": {"should": options, "minimum_should_match": 1}}
        )
    return {"bool": {"must": per_term, "boost": group.boost}}


def text_query(
    query: AnalyzedQuery, operator: Operator, minimum_should_match: int = 1
) -> Json | None:
    clauses = [
        {
            "dis_max": {
                "queries": [term_group_query(g) for g in clause.alternatives],
                "tie_breaker": CLAUSE_TIE_BREAKER,
            }
        }
        for clause in query.clauses
        if clause.alternatives
    ]
    if not clauses:
        return None
    if len(clauses) == 1:
        return clauses[0]
    if operator == "and":
        return {"bool": {"must": clauses}}
    required = min(max(1, minimum_should_match), len(clauses))
    return {"bool": {"should": clauses, "minimum_should_match": required}}


def identifier_query(query: AnalyzedQuery) -> Json | None:
    """Exact identifier keys: constant score ``IDENTIFIER_BOOST`` (above any text score)."""
    if not query.identifiers:
        return None
    return {"terms": {IDENT: list(query.identifiers), "boost": IDENTIFIER_BOOST}}


def matching_query(query: AnalyzedQuery, operator: Operator, minimum_should_match: int = 1) -> Json:
    """Text OR exact identifier; an empty query matches everything."""
    text = text_query(query, operator, minimum_should_match)
    ident = identifier_query(query)
    if ident is None:
        return text if text is not None else {"match_all": {}}
    if text is None:
        return ident
    return {"bool": {"should": [text, ident], "minimum_should_match": 1}}


def facet_filters(filters: Filters) -> dict[str, Json]:
    """One ``terms`` filter per facet with selected values (any of them matches)."""
    return {
        facet: {"terms": {facet: list(filters.facet_values(facet))}}
        for facet in FACET_FIELDS
        if filters.facet_values(facet)
    }


def other_filters(filters: Filters) -> list[Json]:
    """Availability, delivery and price limits (products without a value never match)."""
    out: list[Json] = []
    if filters.in_stock is not None:
        out.append({"term": {IN_STOCK: filters.in_stock}})
    if filters.max_delivery_days is not None:
        out.append({"range": {DELIVERY: {"lte": int(filters.max_delivery_days)}}})
    if filters.min_price is not None or filters.max_price is not None:
        bounds: Json = {}
        if filters.min_price is not None:
            bounds["gte"] = float(filters.min_price)
        if filters.max_price is not None:
            bounds["lte"] = float(filters.max_price)
        out.append({"range": {MIN_PRICE: bounds}})
    return out


def _all_of(queries: list[Json]) -> Json:
    return {"bool": {"filter": queries}} if queries else {"match_all": {}}


def facet_aggregations(filters: Filters, size: int) -> Json:
    """Counts per product over the whole match; a facet ignores its own filter (disjunctive).

    The facet filters are applied as ``post_filter`` (see :func:`search_body`), so each
    aggregation re-applies the facet filters it must respect in a ``filter`` aggregation.
    """
    selected = facet_filters(filters)
    aggs: Json = {}
    for facet in FACET_FIELDS:
        others = [q for name, q in selected.items() if name != facet]
        aggs[f"facet_{facet}"] = {
            "filter": _all_of(others),
            "aggs": {"values": {"terms": {"field": facet, "size": size}}},
        }
    price_ranges: list[Json] = []
    for label, low, high in PRICE_BUCKETS:
        bucket: Json = {"key": label}
        if low is not None:
            bucket["from"] = low
        if high is not None:
            bucket["to"] = high
        price_ranges.append(bucket)
    # "within N days" buckets are cumulative: days <= N  <=>  days < N + 1
    delivery_ranges = [{"key": str(days), "to": days + 1} for days in DELIVERY_BUCKETS]
    aggs["ranges"] = {
        "filter": _all_of(list(selected.values())),
        "aggs": {
            "price": {"range": {"field": MIN_PRICE, "ranges": price_ranges}},
            "delivery": {"range": {"field": DELIVERY, "ranges": delivery_ranges}},
            IN_STOCK: {"filter": {"term": {IN_STOCK: True}}},
        },
    }
    return aggs


def parse_facets(aggregations: Json) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for facet in FACET_FIELDS:
        buckets = aggregations[f"facet_{facet}"]["values"]["buckets"]
        out[facet] = [(str(b["key"]), int(b["doc_count"])) for b in buckets]
    ranges = aggregations["ranges"]
    for name in ("price", "delivery"):
        out[name] = [(str(b["key"]), int(b["doc_count"])) for b in ranges[name]["buckets"]]
    out["in_stock"] = [("true", int(ranges[IN_STOCK]["doc_count"]))]
    return out


_SORTS: dict[str, list[Json]] = {
    "relevance": [{"_score": {"order": "desc"}}, {PRODUCT_ID: {"order": "asc"}}],
    "price_asc": [{MIN_PRICE: {"order": "asc", "missing": "_last"}}, {PRODUCT_ID: "asc"}],
    "price_desc": [{MIN_PRICE: {"order": "desc", "missing": "_last"}}, {PRODUCT_ID: "asc"}],
    "delivery": [{DELIVERY: {"order": "asc", "missing": "_last"}}, {PRODUCT_ID: "asc"}],
}


def search_body(request: BackendQuery) -> Json:
    """The main request: hits, total and (optionally) facets in one round trip."""
    if request.sort not in _SORTS:
        raise InvalidSearchRequest(f"unknown sort {request.sort!r}")
    if request.offset < 0 or request.limit < 0:
        raise InvalidSearchRequest("offset and limit must not be negative")
    if request.offset + request.limit > MAX_RESULT_WINDOW:
        raise InvalidSearchRequest(f"cannot page beyond {MAX_RESULT_WINDOW} results")
    matching = matching_query(request.query, request.operator, request.minimum_should_match)
    selected = list(facet_filters(request.filters).values())
    rest = other_filters(request.filters)
    if request.product_ids is not None:  # the semantic neighbours (see the module docs)
        rest = [*rest, {"terms": {PRODUCT_ID: list(request.product_ids)}}]
    body: Json = {
        "from": request.offset,
        "size": request.limit,
        "track_total_hits": True,
        "sort": _SORTS[request.sort],
        "_source": [PAYLOAD] if request.include_documents else False,
    }
    if request.facets:
        body["query"] = {"bool": {"must": [matching], "filter": rest}}
        if selected:
            body["post_filter"] = _all_of(selected)
        body["aggs"] = facet_aggregations(request.filters, request.facet_size)
    else:
        body["query"] = {"bool": {"must": [matching], "filter": rest + selected}}
    return body


def identifier_body(request: BackendQuery) -> Json | None:
    """Products matched by an exact identifier under the same filters (at most 50)."""
    ident = identifier_query(request.query)
    if ident is None:
        return None
    filters = other_filters(request.filters) + list(facet_filters(request.filters).values())
    return {
        "size": IDENTIFIER_LOOKUP_SIZE,
        "_source": False,
        "query": {"bool": {"must": [ident], "filter": filters}},
    }


def _lucene_regex_prefix(prefix: str) -> str:
    """``prefix.*`` as a Lucene regular expression (reserved characters escaped)."""
    reserved = set('.?+*|{}[]()"\\#@&<>~^$')
    return "".join("\\" + ch if ch in reserved else ch for ch in prefix) + ".*"


def completion_body(field: str, prefix: str, context: list[str], limit: int) -> Json:
    """Indexed values of ``field`` starting with ``prefix`` among products with ``context``."""
    filters: list[Json] = [{"term": {WORDS: word}} for word in context]
    filters.append({"prefix": {field: prefix}})
    return {
        "size": 0,
        "query": {"bool": {"filter": filters}},
        "aggs": {
            "values": {
                "terms": {
                    "field": field,
                    "include": _lucene_regex_prefix(prefix),
                    "size": limit,
                    "order": {"_key": "asc"},
                }
            }
        },
    }
