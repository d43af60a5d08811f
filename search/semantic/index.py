"""The semantic index: products -> cached vectors, nearest neighbours by cosine.

Unfiltered look-ups go to the shared HNSW index (:mod:`search.semantic.ann`), published by
the writer after every change and followed by the other processes; look-ups within a given
set of products (and any before a graph is published) are exact, by dot product.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from search.documents import ProductDocument
from search.errors import SemanticIndexError
from search.semantic.ann import AnnIndex, ann_available
from search.semantic.embedders import DEFAULT_BATCH_SIZE, Embedder
from search.semantic.texts import content_key, embedding_text
from search.semantic.vector_cache import EmbeddingCache, join_keys, split_keys

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from catalog.settings import Settings
    from search.semantic.embedders import Matrix

_PRODUCTS_FILE = "products.npz"
QUERY_CACHE_SIZE = 2048  # query vectors kept per process (LRU)


@dataclass(frozen=True, slots=True)
class IndexStats:
    products: int  # documents seen
    embedded: int  # distinct texts sent to the embedder (cache misses)
    reused: int  # documents whose vector came from the cache


class SemanticIndex:
    """Products -> cached vectors; nearest neighbours by brute-force cosine.

    The product map (id -> content key) is saved beside the cache after every change
    (``products.npz``, atomic rename), so a server opens the index without the database or
    the embedder doing any work; :meth:`refresh` follows changes saved by another process.
    Search runs over a float32 matrix rebuilt lazily after changes (200,000 x 384 = 307 MB).
    """

    def __init__(
        self,
        embedder: Embedder,
        cache: EmbeddingCache,
        batch_size: int = DEFAULT_BATCH_SIZE,
        check_seconds: float = 1.0,
        query_cache_size: int = QUERY_CACHE_SIZE,
    ) -> None:
        if cache.dim != embedder.dim or cache.model_id != embedder.model_id:
            raise SemanticIndexError("the cache belongs to another model")
        self.embedder, self.cache, self.batch_size = embedder, cache, batch_size
        self._lock = threading.RLock()
        self._keys: dict[int, bytes] = {}
        self._snapshot: tuple[NDArray[np.int64], Matrix] | None = None
        self._products_path = cache.dir / _PRODUCTS_FILE
        self._loaded_stamp: tuple[int, int] | None = None
        self.check_seconds = check_seconds
        self._checked = time.monotonic()
        self._queries: OrderedDict[str, Matrix] = OrderedDict()
        self.query_cache_size = query_cache_size
        # the shared graph needs usearch (extra ``semantic``); without it search is exact
        self.ann = AnnIndex(cache.dir, embedder.dim, check_seconds=0.0) if ann_available() else None
        self.refresh()

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder) -> SemanticIndex:
        """The index under ``<data_dir>/embeddings/<model-id>/``."""
        cache = EmbeddingCache(settings.data_dir / "embeddings", embedder.model_id, embedder.dim)
        return cls(embedder, cache)

    def __len__(self) -> int:
        return len(self._keys)

    # -------------------------------------------------------- writes

    def update(self, docs: Iterable[ProductDocument]) -> IndexStats:
        """Upsert products: only texts whose content hash is not cached are embedded."""
        return self._apply(docs, replace=False)

    def rebuild(self, docs: Iterable[ProductDocument]) -> IndexStats:
        """Exactly these products (others are forgotten); cached vectors are reused."""
        return self._apply(docs, replace=True)

    def remove(self, product_ids: Iterable[int]) -> int:
        with self._lock:
            removed = sum(self._keys.pop(pid, None) is not None for pid in product_ids)
            if removed:
                self._changed()
            return removed

    def compact_cache(self) -> int:
        """Drop cached vectors no product uses any more (after a rebuild)."""
        with self._lock:
            return self.cache.compact(set(self._keys.values()))

    def _apply(self, docs: Iterable[ProductDocument], replace: bool) -> IndexStats:
        keys: dict[int, bytes] = {}
        pending: dict[bytes, str] = {}
        seen = reused = embedded = 0
        for doc in docs:
            seen += 1
            text = embedding_text(doc)
            key = content_key(text)
            keys[doc.product_id] = key
            if key in self.cache:
                reused += 1
            elif key not in pending:
                pending[key] = text
                if len(pending) >= self.batch_size:
                    embedded += self._embed(pending)
        embedded += self._embed(pending)
        with self._lock:
            if replace:
                self._keys = keys
            else:
                self._keys.update(keys)
            if keys or replace:
                self._changed()
        return IndexStats(products=seen, embedded=embedded, reused=reused)

    def _embed(self, pending: dict[bytes, str]) -> int:
        if not pending:
            return 0
        vectors = self.embedder.embed(list(pending.values()))
        if vectors.shape != (len(pending), self.embedder.dim):
            raise SemanticIndexError(f"embedder returned shape {vectors.shape}")
        self.cache.add(list(pending), vectors)
        count = len(pending)
        pending.clear()
        return count

    def _changed(self) -> None:
        import numpy as np

        self._snapshot = None
        ids = np.fromiter(self._keys, dtype=np.int64, count=len(self._keys))
        keys = join_keys(list(self._keys.values()))
        tmp = self._products_path.with_name(f".{_PRODUCTS_FILE}.{os.getpid()}.tmp.npz")
        np.savez(tmp, ids=ids, keys=keys)
        os.replace(tmp, self._products_path)
        self._loaded_stamp = _stamp(self._products_path)
        if self.ann is not None:
            self.ann.publish(dict(self._keys), self.cache.get)

    def refresh_if_due(self) -> bool:
        """:meth:`refresh` at most every ``check_seconds`` (called before each search)."""
        now = time.monotonic()
        if now - self._checked < self.check_seconds:
            return False
        self._checked = now
        return self.refresh()

    def refresh(self) -> bool:
        """Load the product map saved by another process, if it changed; True if loaded."""
        import numpy as np

        graph_changed = self.ann is not None and self.ann.refresh()
        stamp = _stamp(self._products_path)
        if stamp is None or stamp == self._loaded_stamp:
            return graph_changed
        with np.load(self._products_path) as saved:
            keys = dict(zip(saved["ids"].tolist(), split_keys(saved["keys"]), strict=True))
        with self._lock:
            self.cache.read_appended()  # vectors the other process appended
            missing = sum(k not in self.cache for k in keys.values())
            if missing:
                raise SemanticIndexError(f"{missing} products have no cached vector")
            self._keys, self._snapshot, self._loaded_stamp = keys, None, stamp
        return True

    # -------------------------------------------------------- reads

    def _matrix(self) -> tuple[NDArray[np.int64], Matrix]:
        snapshot = self._snapshot
        if snapshot is None:
            import numpy as np

            with self._lock:
                ids = np.array(sorted(self._keys), dtype=np.int64)
                matrix = self.cache.get([self._keys[int(pid)] for pid in ids])
                snapshot = self._snapshot = (ids, matrix.reshape(len(ids), self.embedder.dim))
        return snapshot

    def embed_query(self, text: str) -> Matrix:
        """One query vector, from the per-process LRU cache when the text was seen."""
        with self._lock:
            found = self._queries.get(text)
            if found is not None:
                self._queries.move_to_end(text)
                return found
        vector: Matrix = self.embedder.embed_query(text)
        with self._lock:
            self._queries[text] = vector
            while len(self._queries) > self.query_cache_size:
                self._queries.popitem(last=False)
        return vector

    def forget_queries(self) -> None:
        """Empty the query-vector cache (benchmarks measure encoding this way)."""
        with self._lock:
            self._queries.clear()

    def nearest(
        self, query_vector: Matrix, k: int, allowed_ids: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` products most similar to the vector, best first: (product id, cosine).

        Without ``allowed_ids`` the shared HNSW graph answers (approximate) once one is
        published; with them only those products are considered, exactly (the filter set).
        Ties are broken by product id, so the answer is deterministic.
        """
        import numpy as np

        if allowed_ids is None and self.ann is not None and len(self.ann):
            query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
            if query.shape[0] != self.embedder.dim:
                raise ValueError(
                    f"query has {query.shape[0]} dimensions, index {self.embedder.dim}"
                )
            return self.ann.search(query, k)

        ids, matrix = self._matrix()
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != matrix.shape[1]:
            raise ValueError(f"query has {query.shape[0]} dimensions, index {matrix.shape[1]}")
        if k <= 0 or not len(ids):
            return []
        if allowed_ids is None:
            candidates, scores = ids, matrix @ query
        else:
            wanted = np.fromiter(allowed_ids, dtype=np.int64, count=len(allowed_ids))
            positions = np.searchsorted(ids, wanted)
            positions = positions[positions < len(ids)]
            positions = np.unique(positions[np.isin(ids[positions], wanted)])
            if 2 * len(positions) > len(ids):  # most rows: one BLAS pass, then select
                scores = (matrix @ query)[positions]
            else:
                scores = matrix[positions] @ query
            candidates = ids[positions]
        if k < len(scores):
            top = np.argpartition(-scores, k - 1)[:k]
            candidates, scores = candidates[top], scores[top]
        order = np.lexsort((candidates, -scores))
        return list(zip(candidates[order].tolist(), scores[order].tolist(), strict=True))


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size
