"""The embedded tantivy backend: generations on disk, atomic swap on reindex.

Layout under ``<index_dir>/tantivy/``::

    CURRENT               # name of the live generation (replaced atomically)
    <generation>/         # one tantivy index, plus
        vocabulary.txt    #   catalog words its decompounder was built with
        learned.txt       #   catalog words seen while indexing it (next build's vocabulary)

Writes take one in-process lock and an exclusive lock file (``write.lock``) and open a
short-lived writer, so separate processes take turns writing. Readers follow a pointer
change made by another process (checked at most once a second) and reload on commits.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import tantivy

from catalog.private_files import private_dir
from catalog.settings import Settings
from search.analysis.analyzer import Analyzer
from search.analysis.synonym_rules import SynonymRules
from search.analysis.tokens import normalize, suggest_display, tokenize
from search.backends.tantivy_schema import (
    DELIVERY,
    PAYLOAD,
    PRICE_ASC,
    PRICE_DESC,
    PRODUCT_ID,
    PRODUCT_KEY,
    SUGGEST,
    VERSION,
    QueryBuilder,
    build_schema,
    facet_aggregations,
    parse_ranges,
    parse_terms,
    range_aggregations,
    to_tantivy,
)
from search.documents import ProductDocument, StoredProduct
from search.errors import BackendUnavailable, IndexCorrupted, SchemaOutdated
from search.protocol import FACET_FIELDS, AnalyzedQuery, BackendQuery, BackendResult, Operator

POINTER = "CURRENT"
WRITE_LOCK = "write.lock"
_GENERATION = re.compile(r"\d{8}T\d{6}-[0-9a-f]{8}")  # see _new_generation_name
VOCABULARY = "vocabulary.txt"
LEARNED = "learned.txt"
POINTER_CHECK_SECONDS = 1.0
FACET_CACHE_SIZE = 2048
_SORTS: dict[str, tuple[str, tantivy.Order]] = {
    "price_asc": (PRICE_ASC, tantivy.Order.Asc),
    "price_desc": (PRICE_DESC, tantivy.Order.Desc),
    "delivery": (DELIVERY, tantivy.Order.Asc),
}


@dataclass(slots=True)
class Generation:
    """One opened on-disk index with the analyzer it was built with."""

    name: str
    path: Path
    index: tantivy.Index
    analyzer: Analyzer
    queries: QueryBuilder
    learned: set[str] = field(default_factory=set)
    # Per generation (the analyzer is fixed for its life), bounded: what popular queries
    # analyze to, and the tantivy queries they build (pure functions of their keys).
    analyzed: dict[tuple[str, str], AnalyzedQuery] = field(default_factory=dict)
    built: dict[tuple[AnalyzedQuery, str, int], tantivy.Query] = field(default_factory=dict)

    def analyze_query(self, text: str, rules: SynonymRules | None = None) -> AnalyzedQuery:
        key = (rules.digest if rules else "", text)
        found = self.analyzed.get(key)
        if found is None:
            found = self.analyzer.analyze_query(text, rules)
            _remember(self.analyzed, key, found)
        return found

    def matching(
        self, query: AnalyzedQuery, operator: Operator, minimum_should_match: int
    ) -> tantivy.Query:
        key = (query, operator, minimum_should_match)
        found = self.built.get(key)
        if found is None:
            found = self.queries.matching(query, operator, minimum_should_match)
            _remember(self.built, key, found)
        return found


QUERY_MEMO_SIZE = 4096


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= QUERY_MEMO_SIZE:
        memo.clear()
    memo[key] = value


def _count(result: tantivy.SearchResult) -> int:
    count: int | None = getattr(result, "count", None)  # absent from tantivy's type stubs
    return int(count or 0)


def _read_words(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {w for w in path.read_text(encoding="utf-8").split() if w}


def _write_words(path: Path, words: Iterable[str]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class StoredDocuments(Mapping[int, StoredProduct]):
    """The stored products of a result's hits, parsed on first access.

    The service ranks candidates best-text-first and may stop early, so payloads are read
    and parsed only for the products it looks at; parsed payloads are shared between
    searches through the backend's cache, keyed by (product id, payload version).
    """

    def __init__(
        self,
        backend: TantivyBackend,
        searcher: tantivy.Searcher,
        ids: Sequence[int | float | bool | None],
        versions: Sequence[int | float | bool | None],
        addresses: Sequence[tantivy.DocAddress],
    ) -> None:
        self._backend = backend
        self._searcher = searcher
        self._where: dict[int, tuple[int, tantivy.DocAddress]] = {
            int(pid): (int(version or 0), addr)
            for pid, version, addr in zip(ids, versions, addresses, strict=True)
            if pid is not None
        }
        self._parsed: dict[int, StoredProduct | None] = {}

    def __getitem__(self, product_id: int) -> StoredProduct:
        if product_id not in self._parsed:
            self._parsed[product_id] = self._load(product_id)
        product = self._parsed[product_id]
        if product is None:
            raise KeyError(product_id)
        return product

    def _load(self, product_id: int) -> StoredProduct | None:
        where = self._where.get(product_id)
        if where is None:
            return None
        version, addr = where
        cache = self._backend._stored
        key = (product_id, version)
        product = cache.get(key)
        if product is None:
            payload = self._searcher.doc(addr).get_first(PAYLOAD)
            if not isinstance(payload, bytes):
                return None
            product = StoredProduct.from_json(payload.decode("utf-8"))
            if len(cache) >= self._backend.document_cache_size:
                for stale in list(islice(cache, len(cache) // 4 + 1)):
                    del cache[stale]  # drop the oldest quarter
            cache[key] = product
        return product

    def __iter__(self) -> Iterator[int]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class TantivyBackend:
    """:class:`search.protocol.SearchBackend` over an embedded tantivy index."""

    name = "tantivy"

    def __init__(
        self,
        root: Path,
        heap_size: int = 256_000_000,
        writer_threads: int = 0,
        analyzer_factory: type[Analyzer] = Analyzer,
        document_cache_size: int = 100_000,
        facet_cache_seconds: float = 10.0,
    ) -> None:
        self.root = Path(root)
        self.heap_size = heap_size
        self.writer_threads = writer_threads
        self._analyzer_factory = analyzer_factory
        self._write_lock = threading.RLock()
        self._schema = build_schema()
        self._pointer_checked = 0.0
        self._closed = False
        self.document_cache_size = document_cache_size
        self._stored: dict[tuple[int, int], StoredProduct] = {}
        self.facet_cache_seconds = facet_cache_seconds
        self._commits = 0  # in-process commits (part of the facet cache key)
        self._facet_cache: dict[tuple[object, ...], tuple[float, dict[str, list[tuple[str, int]]]]]
        self._facet_cache = {}  # key -> (expiry on time.monotonic(), facets)
        self._jitter = random.Random()
        try:
            private_dir(self.root)  # 0700 when made here (the data dir with it)
        except OSError as exc:
            raise BackendUnavailable(f"cannot create index directory {self.root}: {exc}") from exc
        with self._write_lock:
            live = self._read_pointer()
            if live is None:
                live = self._new_generation_name()
                self._gen = self._open(live, vocabulary=set())
                self._write_pointer(live)
            else:
                try:
                    self._gen = self._open(live)
                except SchemaOutdated:
                    self._gen = self._replace_outdated(live)

    @classmethod
    def from_settings(cls, settings: Settings) -> TantivyBackend:
        """The backend under ``<index_dir>/tantivy`` (what the registry calls)."""
        return cls(settings.index_dir / "tantivy")

    # ---------------------------------------------------------------- generations

    def _new_generation_name(self) -> str:
        return f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"

    def _read_pointer(self) -> str | None:
        pointer = self.root / POINTER
        if not pointer.exists():
            return None
        name = pointer.read_text(encoding="utf-8").strip()
        if not name or not (self.root / name).is_dir():
            raise IndexCorrupted(f"{pointer} names a missing generation {name!r}")
        return name

    def _write_pointer(self, name: str) -> None:
        tmp = self.root / f"{POINTER}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(name + "\n", encoding="utf-8")
        os.replace(tmp, self.root / POINTER)

    def _replace_outdated(self, name: str) -> Generation:
        """An empty generation in place of one built with an older schema.

        The old index cannot be queried with this code's schema (field ids differ), so it
        is replaced by an empty one that keeps its compound vocabulary; ``valbar reindex``
        fills it. Searches answer nothing until then, ``health()`` shows 0 documents.
        """
        old = self.root / name
        vocabulary = _read_words(old / VOCABULARY) | _read_words(old / LEARNED)
        fresh = self._new_generation_name()
        gen = self._open(fresh, vocabulary=vocabulary)
        self._write_pointer(fresh)
        shutil.rmtree(old, ignore_errors=True)
        return gen

    def _open(self, name: str, vocabulary: set[str] | None = None) -> Generation:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        if vocabulary is not None:
            _write_words(path / VOCABULARY, vocabulary)
        words = _read_words(path / VOCABULARY)
        try:
            index = tantivy.Index(self._schema, path=str(path), reuse=True)
        except (OSError, ValueError) as exc:
            if "schema does not match" in str(exc):
                raise SchemaOutdated(f"{path} was built with another schema") from exc
            raise BackendUnavailable(f"cannot open tantivy index at {path}: {exc}") from exc
        index.config_reader("OnCommit")
        return Generation(
            name=name,
            path=path,
            index=index,
            analyzer=self._analyzer_factory.default(words),
            queries=QueryBuilder(self._schema),
            learned=_read_words(path / LEARNED),
        )

    def _live(self, fresh: bool = False) -> Generation:
        """The live generation, following a swap made by another process (checked at most
        once a second; always when ``fresh``, as writers do under the lock file)."""
        if self._closed:
            raise BackendUnavailable("backend is closed")
        now = time.monotonic()
        if fresh or now - self._pointer_checked >= POINTER_CHECK_SECONDS:
            self._pointer_checked = now
            name = self._read_pointer()
            if name is not None and name != self._gen.name:
                with self._write_lock:
                    if name != self._gen.name:
                        try:
                            self._gen = self._open(name)
                        except SchemaOutdated:
                            self._gen = self._replace_outdated(name)
        return self._gen

    def follow_writes(self) -> None:
        """See what another process committed (``indexer.outbox_child``) now, not at the
        reader's next automatic reload."""
        gen = self._live(fresh=True)
        gen.index.reload()
        self._commits += 1  # the facet cache is keyed by it

    @property
    def generation(self) -> str:
        return self._live().name

    @property
    def analyzer(self) -> Analyzer:
        """The analyzer of the live generation (queries must use the index's own)."""
        return self._live().analyzer

    def analyze_query(self, text: str, rules: SynonymRules | None = None) -> AnalyzedQuery:
        return self._live().analyze_query(text, rules)

    # ---------------------------------------------------------------- writes

    def _write(self, gen: Generation, docs: Iterable[ProductDocument], upsert: bool) -> int:
        writer = gen.index.writer(heap_size=self.heap_size, num_threads=self.writer_threads)
        written = 0
        try:
            for doc in docs:
                if upsert:
                    writer.delete_documents_by_term(PRODUCT_KEY, str(doc.product_id))
                writer.add_document(to_tantivy(doc, gen.analyzer))
                gen.learned.update(Analyzer.vocabulary_of(doc))
                written += 1
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        writer.wait_merging_threads()
        _write_words(gen.path / LEARNED, gen.learned)
        gen.index.reload()
        self._commits += 1
        return written

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The in-process write lock, then an exclusive lock file in the index directory:
        writers in other processes wait their turn (tantivy itself would refuse a second
        writer at once), and a rebuild's swap never lands between another process's writes."""
        with self._write_lock, (self.root / WRITE_LOCK).open("a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def index_documents(self, docs: Iterable[ProductDocument]) -> int:
        with self._writing():
            return self._write(self._live(fresh=True), docs, upsert=True)

    def update_documents(self, docs: Iterable[ProductDocument]) -> int:
        return self.index_documents(docs)

    def delete_documents(self, product_ids: Iterable[int]) -> int:
        with self._writing():
            gen = self._live(fresh=True)
            writer = gen.index.writer(heap_size=15_000_000, num_threads=1)
            count = 0
            for pid in product_ids:
                writer.delete_documents_by_term(PRODUCT_KEY, str(int(pid)))
                count += 1
            writer.commit()
            writer.wait_merging_threads()
            gen.index.reload()
            self._commits += 1
            return count

    def reindex(self, docs: Iterable[ProductDocument]) -> int:
        """Build a new generation from ``docs``, then swap it in and drop the old one.

        The new generation splits compounds with the words learned by the old one. Searches
        keep answering from the old generation until the swap. Writes wait for the rebuild,
        in this process and (by the lock file) in others.
        """
        with self._writing():
            old = self._live(fresh=True)
            self._drop_abandoned(keep=old.name)
            vocabulary = set(old.learned) | _read_words(old.path / VOCABULARY)
            name = self._new_generation_name()
            new = self._open(name, vocabulary=vocabulary)
            new.learned = set()
            try:
                written = self._write(new, docs, upsert=False)
            except BaseException:
                shutil.rmtree(new.path, ignore_errors=True)
                raise
            self._write_pointer(name)
            self._gen = new
            shutil.rmtree(old.path, ignore_errors=True)
            return written

    def _drop_abandoned(self, keep: str) -> None:
        """Generations a killed rebuild left half-built (the caller holds the lock file, so
        no other process is building one; replaced generations are deleted at the swap)."""
        for child in self.root.iterdir():
            if child.is_dir() and child.name != keep and _GENERATION.fullmatch(child.name):
                shutil.rmtree(child, ignore_errors=True)

    # ---------------------------------------------------------------- reads

    def count(self) -> int:
        return int(self._live().index.searcher().num_docs)

    def search(self, request: BackendQuery) -> BackendResult:
        gen = self._live()
        searcher = gen.index.searcher()
        qb = gen.queries
        matching = gen.matching(request.query, request.operator, request.minimum_should_match)
        query = qb.combine(matching, request.filters)
        if request.product_ids is not None:
            only = tantivy.Query.term_set_query(self._schema, PRODUCT_ID, list(request.product_ids))
            query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, query),
                    (tantivy.Occur.Must, tantivy.Query.const_score_query(only, 0.0)),
                ]
            )
        if request.sort == "relevance":
            result = searcher.search(query, request.limit, count=True, offset=request.offset)
        else:
            field_name, order = _SORTS[request.sort]
            result = searcher.search(
                query,
                request.limit,
                count=True,
                order_by_field=field_name,
                offset=request.offset,
                order=order,
            )
        addresses = [addr for _key, addr in result.hits]
        ids = searcher.fast_field_values(PRODUCT_ID, addresses) if addresses else []
        hits = [
            (int(pid), float(key))
            for (key, _addr), pid in zip(result.hits, ids, strict=True)
            if pid is not None
        ]
        documents: Mapping[int, StoredProduct] = {}
        if request.include_documents and addresses:
            versions = searcher.fast_field_values(VERSION, addresses)
            documents = StoredDocuments(self, searcher, ids, versions, addresses)
        identifier_matches: frozenset[int] = frozenset()
        ident = qb.identifiers(request.query)
        if ident is not None:
            found = searcher.search(qb.combine(ident, request.filters), 50, count=False)
            exact = searcher.fast_field_values(PRODUCT_ID, [a for _s, a in found.hits])
            identifier_matches = frozenset(int(p) for p in exact if p is not None)
        facets = self._cached_facets(gen, searcher, matching, request) if request.facets else {}
        return BackendResult(
            total=_count(result),
            hits=hits,
            facets=facets,
            documents=documents,
            identifier_matches=identifier_matches,
        )

    def _cached_facets(
        self,
        gen: Generation,
        searcher: tantivy.Searcher,
        matching: tantivy.Query,
        request: BackendQuery,
    ) -> dict[str, list[tuple[str, int]]]:
        """Facet counts, reused for the same query and filters while the index is unchanged.

        Aggregating a broad match (a browse page over 200k products) costs tens of
        milliseconds; the same browse request is common. Entries are keyed by the
        generation's last commit (meta.json) and expire after between half and all of
        ``facet_cache_seconds``, at random: entries made together (a warm-up, the popular
        queries after a commit) must not all expire together, or one process recomputes
        them all at once while its other requests wait (bench.http saw 100-200 ms stalls
        every ``facet_cache_seconds`` before the expiry was spread).
        """
        try:
            stamp = (gen.path / "meta.json").stat().st_mtime_ns
        except OSError:
            stamp = -1
        key = (
            gen.name,
            stamp,
            request.query,
            request.operator,
            request.minimum_should_match,
            request.filters,
            request.facet_size,
        )
        now = time.monotonic()
        cached = self._facet_cache.get(key)
        if cached is not None and now < cached[0]:
            return cached[1]
        facets = self._facets(searcher, gen.queries, matching, request)
        if len(self._facet_cache) >= FACET_CACHE_SIZE:
            self._facet_cache.clear()
        expires = now + self.facet_cache_seconds * self._jitter.uniform(0.5, 1.0)
        self._facet_cache[key] = (expires, facets)
        return facets

    def _facets(
        self,
        searcher: tantivy.Searcher,
        qb: QueryBuilder,
        matching: tantivy.Query,
        request: BackendQuery,
    ) -> dict[str, list[tuple[str, int]]]:
        """Counts per product over the whole matched set.

        A facet with an active filter is counted without its own filter (disjunctive
        faceting), so the other values of that facet stay visible and countable.
        """
        filters = request.filters
        plain = [f for f in FACET_FIELDS if not filters.facet_values(f)]
        aggs: dict[str, Any] = facet_aggregations(plain, request.facet_size)
        aggs.update(range_aggregations())
        raw = searcher.aggregate(qb.combine(matching, filters), aggs)
        out: dict[str, list[tuple[str, int]]] = {name: parse_terms(raw[name]) for name in plain}
        for facet in FACET_FIELDS:
            if facet in plain:
                continue
            own = searcher.aggregate(
                qb.combine(matching, filters.without(facet)),
                facet_aggregations([facet], request.facet_size),
            )
            out[facet] = parse_terms(own[facet])
        out.update(parse_ranges(raw))
        return out

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions: names/brands/categories starting with the prefix, then the last
        word completed among products that contain the earlier words."""
        text = normalize(prefix)
        tokens = tokenize(text)
        if not tokens or limit <= 0:
            return []
        gen = self._live()
        searcher = gen.index.searcher()
        joined = " ".join(tokens)
        out: dict[str, None] = {}
        for term, _count in searcher.terms_with_prefix(SUGGEST, joined, limit=limit):
            out.setdefault(suggest_display(str(term)), None)
        if not text.endswith(" "):
            head, last = tokens[:-1], tokens[-1]
            context = None
            if head:
                context = tantivy.Query.boolean_query(
                    [
                        (tantivy.Occur.Must, tantivy.Query.term_query(self._schema, "name", t))
                        for t in head
                    ]
                )
            for term, _count in searcher.terms_with_prefix(
                "name", last, filter_query=context, limit=limit
            ):
                out.setdefault(" ".join([*head, str(term)]), None)
        return list(out)[:limit]

    def health(self) -> dict[str, object]:
        gen = self._live()
        searcher = gen.index.searcher()
        return {
            "backend": self.name,
            "status": "ok",
            "generation": gen.name,
            "path": str(gen.path),
            "documents": int(searcher.num_docs),
            "segments": int(searcher.num_segments),
            "vocabulary": gen.analyzer.decompounder.vocabulary_size,
        }

    def close(self) -> None:
        self._closed = True
