"""The OpenSearch backend: the same documents, scoring intent and facets as tantivy.

Indices: every generation is a concrete index ``<prefix>-products-<timestamp>`` created from
the ``<prefix>-products`` index template; the alias ``<prefix>-products`` names the live one.
``reindex`` builds a new generation, swaps the alias in one ``_aliases`` call and deletes
the old index (and any generation a killed rebuild left), so searches keep answering
meanwhile. The compound vocabulary a generation
was analyzed with is kept in ``<prefix>-search-meta`` (one document per generation), so
queries are analyzed exactly like the documents of the index they run against.

Writes go through :func:`bulk_write` (``streaming_bulk``): rejected (``429``) documents and
requests are retried with capped exponential backoff, nothing else is; documents that still
fail are reported together as :class:`BulkWriteError`.

Query translation mirrors ``search.backends.tantivy_schema.QueryBuilder``: a term group is a boosted
conjunction of terms (each in any of its fields, ``fuzzy`` edits allowed), a clause a
``dis_max`` of its alternatives (tie breaker 0.1), clauses combine by ``operator`` (and
``minimum_should_match`` when it is "or"); exact
identifiers are a constant-score ``terms`` query boosted far above any text score.

Semantic search on OpenSearch (not wired yet; with tantivy the vectors live in the shared
usearch graph, ``search.semantic.ann``): the product vectors would be indexed in the same
documents, as a ``knn_vector`` field of the index template, with the graph built by the
k-NN plugin (``"settings": {"index": {"knn": true}}``)::

    "embedding": {"type": "knn_vector", "dimension": 384,
                  "method": {"name": "hnsw", "space_type": "innerproduct", "engine": "faiss",
                             "parameters": {"m": 16, "ef_construction": 128}}}

(384 = multilingual-e5-small and MiniLM; vectors are L2-normalized, so inner product is the
cosine; ``m``/``ef_construction`` as the usearch graph's connectivity/expansion). A search
would send the query vector encoded in the web worker as a ``knn`` clause
(``{"knn": {"embedding": {"vector": [...], "k": 50, "filter": <the same filters>}}}``, a
second search of the same ``msearch``) and fuse its hits with the text hits by the same
reciprocal rank fusion (``search.semantic.fusion``), so both backends rank alike.
Merchandisers' synonyms and compound splits (``search.analysis.synonym_rules``, published
in the console) are applied at query time by the same Python analysis: the query's term
groups are expanded before translation, so a new version is live on the next query, with no
reindex and no index setting touched, on the osmem emulator and a real cluster alike. A
cluster whose token fields were analyzed server-side would instead put a ``synonym_graph``
filter with ``"updateable": true`` in the fields' ``search_analyzer`` (synonyms from a
package/file) and reload it after each publish (``POST /_plugins/_refresh_search_analyzers/
<index>`` on Amazon OpenSearch Service; a close/update settings/open cycle elsewhere): that
changes the search side only, so it needs no reindex either. Compound splits have no server
equivalent short of a ``dictionary_decompounder`` filter, which changes the index side.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError, TransportError
from opensearchpy.helpers import streaming_bulk

from catalog.settings import Settings
from search.analysis.analyzer import Analyzer
from search.analysis.synonym_rules import SynonymRules
from search.analysis.tokens import normalize, suggest_display, tokenize
from search.backends.opensearch_templates import (
    PAYLOAD,
    SUGGEST,
    VOCAB,
    WORDS,
    Json,
    completion_body,
    identifier_body,
    index_template,
    meta_mappings,
    parse_facets,
    search_body,
    stored_from_source,
    to_source,
)
from search.documents import ProductDocument, StoredProduct
from search.errors import BackendUnavailable, InvalidSearchRequest, SearchError
from search.protocol import AnalyzedQuery, BackendQuery, BackendResult

ALIAS_CHECK_SECONDS = 1.0
_GENERATION = re.compile(r"\d{14}-[0-9a-f]{8}")  # what _new_index_name appends to the alias


class BulkWriteError(SearchError):
    """Some documents of a bulk write failed (after retrying rejections); lists their ids."""

    def __init__(self, failed_ids: list[str], errors: list[Json]) -> None:
        shown = ", ".join(failed_ids[:20]) + (" ..." if len(failed_ids) > 20 else "")
        super().__init__(f"{len(failed_ids)} document(s) failed: {shown}")
        self.failed_ids = failed_ids
        self.errors = errors


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries of rejected (429) bulk writes: waits ``initial_backoff * 2**(n-1)`` seconds
    before retry n, at most ``max_backoff`` (whole seconds, as ``streaming_bulk`` takes)."""

    max_retries: int = 5
    initial_backoff: int = 1
    max_backoff: int = 30
    chunk_size: int = 500


# ---------------------------------------------------------------- bulk writes


def bulk_write(client: OpenSearch, actions: Iterable[Json], policy: RetryPolicy) -> int:
    """Send ``actions`` in chunks; returns how many succeeded, raises for any that failed.

    A ``delete`` of a missing document counts as done. Transport failures other than 429
    mean the cluster is unreachable or refused the request: :class:`BackendUnavailable`.
    """
    written = 0
    failed_ids: list[str] = []
    errors: list[Json] = []
    results = streaming_bulk(
        client,
        actions,
        chunk_size=policy.chunk_size,
        max_retries=policy.max_retries,
        initial_backoff=policy.initial_backoff,
        max_backoff=policy.max_backoff,
        raise_on_error=False,  # collect per-document failures instead of stopping
        raise_on_exception=True,  # a failed request (not 429) stops the write
    )
    try:
        for ok, item in results:
            op_type, info = next(iter(item.items()))
            if ok or (op_type == "delete" and info.get("status") == 404):
                written += 1
            else:
                failed_ids.append(str(info.get("_id")))
                errors.append({"op": op_type, "status": info.get("status"), **_reason(info)})
    except TransportError as exc:  # includes ConnectionError
        raise BackendUnavailable(f"bulk write failed: {exc}") from exc
    if failed_ids:
        raise BulkWriteError(failed_ids, errors)
    return written


def _reason(info: Json) -> Json:
    error = info.get("error")
    if isinstance(error, dict):
        return {"type": error.get("type"), "reason": error.get("reason")}
    return {"reason": str(error)}


# ---------------------------------------------------------------- the backend


@dataclass(frozen=True, slots=True)
class Generation:
    """The live concrete index and the analyzer its documents were analyzed with."""

    index: str
    vocabulary: frozenset[str]
    analyzer: Analyzer


@contextmanager
def _guard(what: str) -> Iterator[None]:
    """Client failures (unreachable, refused, failing cluster) as :class:`BackendUnavailable`."""
    try:
        yield
    except TransportError as exc:  # ConnectionError is a TransportError too
        raise BackendUnavailable(f"cannot {what}: {exc}") from exc


def _is_unknown_language_analyzer(exc: TransportError) -> bool:
    return exc.status_code == 400 and any(
        f"analyzer [{name}]" in str(exc.info) for name in ("swedish", "english")
    )


def client_from_settings(settings: Settings) -> OpenSearch:
    """A client for ``settings.opensearch_url``: basic auth when a user is set, TLS from an
    ``https://`` URL with the certificate checked (against ``opensearch_ca_certs`` when set)
    unless ``opensearch_verify_certs`` is off."""
    options: dict[str, Any] = {}
    if settings.opensearch_username:
        options["http_auth"] = (settings.opensearch_username, settings.opensearch_password)
    if settings.opensearch_url.lower().startswith("https://"):
        options["use_ssl"] = True
        options["verify_certs"] = settings.opensearch_verify_certs
        options["ssl_show_warn"] = settings.opensearch_verify_certs
        if settings.opensearch_ca_certs:
            options["ca_certs"] = settings.opensearch_ca_certs
    return OpenSearch(
        hosts=[settings.opensearch_url],
        timeout=30,
        retry_on_status=(),  # bulk writes retry 429 themselves; nothing else is retried
        **options,
    )


class OpenSearchBackend:
    """:class:`search.protocol.SearchBackend` over an OpenSearch cluster."""

    name = "opensearch"

    def __init__(
        self,
        client: OpenSearch,
        prefix: str = "valbar",
        *,
        shards: int = 1,
        replicas: int = 0,
        retry: RetryPolicy | None = None,
        analyzer_factory: type[Analyzer] = Analyzer,
    ) -> None:
        self.client = client
        self.alias = f"{prefix}-products"
        self.meta_index = f"{prefix}-search-meta"
        self.template_name = f"{prefix}-products"
        self.shards = shards
        self.replicas = replicas
        self.retry = retry or RetryPolicy()
        self._analyzer_factory = analyzer_factory
        self._write_lock = threading.RLock()
        self._closed = False
        self._alias_checked = 0.0
        # Built-in "swedish"/"english" analyzers unless the server refused them (see
        # ``_create_index``); then their rebuilt equivalents from the OpenSearch docs.
        self.rebuilt_languages = False
        with _guard("open the search index"):
            self._ensure_meta_index()
            live = self._resolve_alias()
            if live is not None:
                self._gen = self._open(live)  # learns which language analyzers it uses
                self._put_template()
            else:
                self._put_template()
                live = self._new_index_name()
                self._create_index(live, frozenset())
                self.client.indices.update_aliases(
                    body={"actions": [{"add": {"index": live, "alias": self.alias}}]}
                )
                self._gen = self._open(live)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenSearchBackend:
        """The backend at ``settings.opensearch_url`` (what the registry calls), its index
        with ``opensearch_shards`` primary shards and ``opensearch_replicas`` replicas."""
        return cls(
            client_from_settings(settings),
            settings.opensearch_index_prefix,
            shards=settings.opensearch_shards,
            replicas=settings.opensearch_replicas,
        )

    # ---------------------------------------------------------------- indices

    def _put_template(self) -> None:
        body = index_template(
            f"{self.alias}-*", self.shards, self.replicas, rebuilt_languages=self.rebuilt_languages
        )
        self.client.indices.put_index_template(name=self.template_name, body=body)

    def _ensure_meta_index(self) -> None:
        if not self.client.indices.exists(index=self.meta_index):
            self.client.indices.create(
                index=self.meta_index,
                body={"settings": {"number_of_shards": 1}, "mappings": meta_mappings()},
            )

    def _new_index_name(self) -> str:
        return f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"

    def _create_index(self, index: str, vocabulary: frozenset[str]) -> None:
        """A concrete index from the template, and its vocabulary in the meta index.

        Fallback: a server that refuses the built-in ``swedish``/``english`` analyzer names
        in a mapping (the osmem emulator) gets the template with the same analyzers rebuilt
        from tokenizer and filters; it is used only after the server reported the refusal.
        """
        try:
            self.client.indices.create(index=index)
        except TransportError as exc:
            if not _is_unknown_language_analyzer(exc):
                raise
            self.rebuilt_languages = True  # (re)put: another instance may have replaced it
            self._put_template()
            self.client.indices.create(index=index)
        self.client.index(
            index=self.meta_index,
            id=index,
            body={"vocabulary": sorted(vocabulary)},
            refresh=True,
        )

    def _resolve_alias(self) -> str | None:
        try:
            found = self.client.indices.get_alias(name=self.alias)
        except NotFoundError:
            return None
        names = sorted(found)
        if len(names) != 1:
            raise BackendUnavailable(f"alias {self.alias} names {len(names)} indices: {names}")
        return str(names[0])

    def _open(self, index: str) -> Generation:
        try:
            meta = self.client.get(index=self.meta_index, id=index)
            words = frozenset(meta["_source"].get("vocabulary") or ())
        except NotFoundError:  # created by someone else: no learned vocabulary
            words = frozenset()
        if self._uses_rebuilt_languages(index):
            self.rebuilt_languages = True
        return Generation(index, words, self._analyzer_factory.default(words))

    def _uses_rebuilt_languages(self, index: str) -> bool:
        settings = self.client.indices.get_settings(index=index)
        analysis = settings[index]["settings"]["index"].get("analysis", {})
        return "valbar_swedish" in analysis.get("analyzer", {})

    def _live(self, fresh: bool = False) -> Generation:
        """The live generation, following an alias swap made by another process."""
        if self._closed:
            raise BackendUnavailable("backend is closed")
        now = time.monotonic()
        if fresh or now - self._alias_checked >= ALIAS_CHECK_SECONDS:
            self._alias_checked = now
            with _guard("resolve the search alias"):
                name = self._resolve_alias()
                if name is None:
                    raise BackendUnavailable(f"alias {self.alias} is missing")
                if name != self._gen.index:
                    self._gen = self._open(name)
        return self._gen

    @property
    def index(self) -> str:
        """The concrete index the alias names."""
        return self._live().index

    @property
    def analyzer(self) -> Analyzer:
        return self._live().analyzer

    def analyze_query(self, text: str, rules: SynonymRules | None = None) -> AnalyzedQuery:
        """Analyzed here, in Python, like the documents (see the module docstring): the
        merchandisers' synonym ``rules`` expand the query's term groups, so a published
        rule set applies on the next query without touching the index."""
        return self._live().analyzer.analyze_query(text, rules)

    # ---------------------------------------------------------------- writes

    def _write(self, gen: Generation, actions: Iterable[Json]) -> int:
        try:
            return bulk_write(self.client, actions, self.retry)
        finally:  # what was written is visible on return, like a tantivy commit
            with _guard("refresh the search index"):
                self.client.indices.refresh(index=gen.index)

    def index_documents(self, docs: Iterable[ProductDocument]) -> int:
        with self._write_lock:
            gen = self._live(fresh=True)
            return self._write(gen, self._actions(gen, docs))

    def _actions(self, gen: Generation, docs: Iterable[ProductDocument]) -> Iterator[Json]:
        for doc in docs:
            yield {
                "_op_type": "index",  # create or replace by product id: an upsert
                "_index": gen.index,
                "_id": str(doc.product_id),
                "_source": to_source(doc, gen.analyzer),
            }

    def update_documents(self, docs: Iterable[ProductDocument]) -> int:
        """Upserts: each document replaces the indexed one with its id (or is added).

        Whole-document ``index`` operations, not partial updates: a partial update would
        keep fields the product no longer has (a removed category, a withdrawn retailer).
        """
        return self.index_documents(docs)

    def delete_documents(self, product_ids: Iterable[int]) -> int:
        ids = [int(pid) for pid in product_ids]
        with self._write_lock:
            gen = self._live(fresh=True)
            actions = ({"_op_type": "delete", "_index": gen.index, "_id": str(p)} for p in ids)
            self._write(gen, actions)
        return len(ids)

    def _learned_words(self, index: str) -> set[str]:
        """Catalog words of the indexed documents (the next generation's vocabulary)."""
        words: set[str] = set()
        after: Json | None = None
        while True:
            composite: Json = {"size": 5000, "sources": [{"w": {"terms": {"field": VOCAB}}}]}
            if after is not None:
                composite["after"] = after
            raw = self.client.search(
                index=index, body={"size": 0, "aggs": {"words": {"composite": composite}}}
            )
            agg = raw["aggregations"]["words"]
            words.update(str(b["key"]["w"]) for b in agg["buckets"])
            after = agg.get("after_key")
            if not agg["buckets"] or after is None:
                return words

    def reindex(self, docs: Iterable[ProductDocument]) -> int:
        """Build a new index from ``docs``, swap the alias to it, delete the old one.

        The new index splits compounds with the words of the old one. Searches keep
        answering from the old index until the swap; writes wait for the rebuild.
        """
        with self._write_lock:
            old = self._live(fresh=True)
            self._drop_abandoned(keep=old.index)
            with _guard("prepare the new index"):
                vocabulary = frozenset(old.vocabulary | self._learned_words(old.index))
                name = self._new_index_name()
                self._create_index(name, vocabulary)
            new = Generation(name, vocabulary, self._analyzer_factory.default(vocabulary))
            try:
                written = self._write(new, self._actions(new, docs))
            except BaseException:
                self._drop(name)
                raise
            with _guard("swap the search alias"):
                self.client.indices.update_aliases(
                    body={
                        "actions": [
                            {"remove": {"index": old.index, "alias": self.alias}},
                            {"add": {"index": name, "alias": self.alias}},
                        ]
                    }
                )
            self._gen = new
            self._drop(old.index)
            return written

    def _drop_abandoned(self, keep: str) -> None:
        """Generations a killed rebuild left half-built. Replaced ones are deleted at the
        swap; the caller holds the index lock (``indexer.outbox.rebuild_index``), so no other
        process is building one."""
        with _guard("list the index generations"):
            names = list(self.client.indices.get(index=f"{self.alias}-*"))
        for name in names:
            if name != keep and _GENERATION.fullmatch(name[len(self.alias) + 1 :]):
                self._drop(name)

    def _drop(self, index: str) -> None:
        with _guard(f"delete index {index}"):
            self.client.indices.delete(index=index, ignore_unavailable=True)
            self.client.delete(index=self.meta_index, id=index, ignore=[404])

    # ---------------------------------------------------------------- reads

    def count(self) -> int:
        self._live()
        with _guard("count documents"):
            return int(self.client.count(index=self.alias)["count"])

    def search(self, request: BackendQuery) -> BackendResult:
        self._live()
        bodies = [search_body(request)]
        ident = identifier_body(request)
        if ident is not None:
            bodies.append(ident)
        lines: list[Json] = []
        for body in bodies:
            lines.extend(({"index": self.alias}, body))
        with _guard("search"):
            responses = self.client.msearch(body=lines)["responses"]
        for response in responses:
            if "error" in response:
                raise _response_error(response)
        main = responses[0]
        hits: list[tuple[int, float]] = []
        documents: dict[int, StoredProduct] = {}
        for hit in main["hits"]["hits"]:
            pid = int(hit["_id"])
            hits.append((pid, _hit_score(hit, request.sort)))
            source = hit.get("_source")
            if request.include_documents and source and PAYLOAD in source:
                documents[pid] = stored_from_source(source)
        identifier_matches: frozenset[int] = frozenset()
        if ident is not None:
            identifier_matches = frozenset(int(h["_id"]) for h in responses[1]["hits"]["hits"])
        facets = parse_facets(main["aggregations"]) if request.facets else {}
        return BackendResult(
            total=int(main["hits"]["total"]["value"]),
            hits=hits,
            facets=facets,
            documents=documents,
            identifier_matches=identifier_matches,
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions: names/brands/categories starting with the prefix, then the last
        word completed among products that contain the earlier words (as tantivy does)."""
        text = normalize(prefix)
        tokens = tokenize(text)
        if not tokens or limit <= 0:
            return []
        self._live()
        out: dict[str, None] = {}
        joined = " ".join(tokens)
        requests: list[tuple[list[str], Json]] = [([], completion_body(SUGGEST, joined, [], limit))]
        if not text.endswith(" "):
            head, last = tokens[:-1], tokens[-1]
            requests.append((head, completion_body(WORDS, last, head, limit)))
        lines: list[Json] = []
        for _head, body in requests:
            lines.extend(({"index": self.alias}, body))
        with _guard("suggest"):
            responses = self.client.msearch(body=lines)["responses"]
        for (head, _body), response in zip(requests, responses, strict=True):
            if "error" in response:
                raise _response_error(response)
            for bucket in response["aggregations"]["values"]["buckets"]:
                value = suggest_display(str(bucket["key"]))
                out.setdefault(" ".join([*head, value]), None)
        return list(out)[:limit]

    def health(self) -> dict[str, object]:
        gen = self._live()
        with _guard("read cluster health"):
            cluster = self.client.cluster.health()
            documents = int(self.client.count(index=self.alias)["count"])
        status = str(cluster.get("status", "red"))
        if status == "red":
            raise BackendUnavailable(f"OpenSearch cluster {cluster.get('cluster_name')} is red")
        return {
            "backend": self.name,
            "status": "ok",
            "cluster": cluster.get("cluster_name"),
            "cluster_status": status,
            "alias": self.alias,
            "index": gen.index,
            "documents": documents,
            "vocabulary": gen.analyzer.decompounder.vocabulary_size,
            "language_analyzers": "rebuilt" if self.rebuilt_languages else "built-in",
        }

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.client.close()


def _hit_score(hit: Json, sort: str) -> float:
    """The text score, or (for the other orders) the sort key, as tantivy reports them."""
    if sort == "relevance":
        return float(hit.get("_score") or 0.0)
    key = (hit.get("sort") or [None])[0]
    return float(key) if isinstance(key, int | float) else 0.0


def _response_error(response: Json) -> SearchError:
    error = response.get("error")
    reason = error.get("reason") if isinstance(error, dict) else error
    if int(response.get("status", 500)) == 400:
        return InvalidSearchRequest(f"OpenSearch refused the search: {reason}")
    return BackendUnavailable(f"OpenSearch search failed: {reason}")
