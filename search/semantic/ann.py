"""The approximate nearest-neighbour index: HNSW (usearch) on disk, shared by processes.

Layout under the model's directory (beside the embedding cache)::

    ann.json                   the pointer: {"version": 7, "index": ..., "map": ..., ...}
    ann-00000007.usearch       the HNSW graph + vectors (float16, inner product)
    ann-00000007.npz           product id -> content key the graph was built from

A writer (the process that indexes) publishes a new version under an exclusive ``flock``:
it loads the last version, removes the products that left or changed, adds the new ones,
saves the next version's files and only then replaces the pointer (atomic rename), so a
reader never sees a half-written graph. Readers open the file the pointer names with
``view=True`` (memory-mapped: every process on the machine shares the page cache) and
re-open when the pointer changes (checked at most every ``check_seconds``). Old versions are
deleted two publications later; a reader still holding one keeps its mapping (POSIX unlink).
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalog.external import import_external
from search.errors import SemanticIndexError, SemanticUnavailable
from search.semantic.vector_cache import join_keys, split_keys

if TYPE_CHECKING:
    from search.semantic.embedders import Matrix

POINTER = "ann.json"
KEEP_VERSIONS = 2  # the live one and the one before (readers switching over)
REBUILD_SHARE = 0.25  # more changes than this share of the products: build afresh
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 96


def ann_available() -> bool:
    """Whether usearch (extra ``semantic``) is installed."""
    return importlib.util.find_spec("usearch") is not None


def _usearch_index() -> Any:
    try:
        return import_external("usearch.index").Index
    except ImportError as exc:
        raise SemanticUnavailable(
            "the nearest-neighbour index needs usearch: pip install 'valbar[semantic]'"
        ) from exc


class AnnIndex:
    """HNSW over product vectors, versioned on disk; see the module docstring."""

    def __init__(self, directory: Path, dim: int, check_seconds: float = 1.0) -> None:
        self.dir = Path(directory)
        self.dim = dim
        self.check_seconds = check_seconds
        self._lock = threading.RLock()
        self._graph: Any = None
        self._version = 0
        self._stamp: tuple[int, int, int] | None = None
        self._checked = float("-inf")
        self.refresh(force=True)

    # ---------------------------------------------------------------- reads

    @property
    def version(self) -> int:
        """The version this process has open (0 = none published yet)."""
        return self._version

    def __len__(self) -> int:
        graph = self._graph
        return 0 if graph is None else len(graph)

    def refresh(self, force: bool = False) -> bool:
        """Open the version the pointer names if it changed; True when one was opened."""
        now = time.monotonic()
        if not force and now - self._checked < self.check_seconds:
            return False
        self._checked = now
        stamp = _stamp(self.dir / POINTER)
        if stamp is None or stamp == self._stamp:
            return False
        with self._lock:
            for _attempt in range(3):  # a writer may delete an old file while we read
                pointer = self._read_pointer()
                if pointer is None:
                    return False
                path = self.dir / str(pointer["index"])
                try:
                    graph = _usearch_index().restore(str(path), view=True)
                except (FileNotFoundError, RuntimeError, ValueError):
                    time.sleep(0.01)
                    continue
                if graph is None:
                    raise SemanticIndexError(f"{path}: not a usearch index")
                if graph.ndim != self.dim:
                    raise SemanticIndexError(f"{path} holds {graph.ndim}-d vectors, not {self.dim}")
                self._graph, self._version, self._stamp = graph, int(pointer["version"]), stamp
                return True
        raise SemanticIndexError(f"{self.dir}: the published index could not be opened")

    def search(self, vector: Matrix, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest products, best first: (product id, cosine); ties by id."""
        graph = self._graph
        if graph is None or k <= 0 or not len(graph):
            return []
        matches = graph.search(vector, min(k, len(graph)), threads=1)
        pairs = [
            (int(key), 1.0 - float(distance))
            for key, distance in zip(matches.keys, matches.distances, strict=True)
        ]
        return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))

    # ---------------------------------------------------------------- writes

    def publish(
        self, products: Mapping[int, bytes], vectors: Callable[[Sequence[bytes]], Matrix]
    ) -> int:
        """Make the published graph hold exactly ``products`` (id -> content key).

        ``vectors`` returns the vectors of content keys. Returns the new version (the same
        version when nothing changed). Safe against concurrent writers (``flock``).
        """
        import numpy as np

        with self._writing():
            pointer = self._read_pointer()
            graph, built = None, {}
            if pointer is not None:
                built = self._read_map(self.dir / str(pointer["map"]))
                changed = sum(1 for pid, key in built.items() if products.get(pid) != key)
                changed += sum(1 for pid in products if pid not in built)
                if not changed:
                    return int(pointer["version"])
                if changed <= REBUILD_SHARE * max(len(products), 1):
                    graph = _usearch_index().restore(str(self.dir / str(pointer["index"])))
            if graph is None:
                graph, built = self._empty(), {}
            stale = [pid for pid, key in built.items() if products.get(pid) != key]
            if stale:
                graph.remove(np.asarray(stale, dtype=np.uint64))
            fresh = [pid for pid, key in products.items() if built.get(pid) != key]
            if fresh:
                matrix = vectors([products[pid] for pid in fresh])
                graph.add(np.asarray(fresh, dtype=np.uint64), matrix, threads=1)
            version = (int(pointer["version"]) if pointer else 0) + 1
            name = f"ann-{version:08d}"
            tmp = self.dir / f".{name}.{os.getpid()}.tmp"
            graph.save(str(tmp))
            os.replace(tmp, self.dir / f"{name}.usearch")
            ids = np.fromiter(products, dtype=np.int64, count=len(products))
            map_tmp = self.dir / f".{name}.{os.getpid()}.tmp.npz"
            np.savez(map_tmp, ids=ids, keys=join_keys(list(products.values())))
            os.replace(map_tmp, self.dir / f"{name}.npz")
            self._write_pointer(
                {
                    "version": version,
                    "index": f"{name}.usearch",
                    "map": f"{name}.npz",
                    "products": len(products),
                    "dim": self.dim,
                }
            )
            self._drop_old(version)
        self.refresh(force=True)
        return version

    def _empty(self) -> Any:
        return _usearch_index()(
            ndim=self.dim,
            metric="ip",  # vectors are L2-normalized: inner product = cosine
            dtype="f16",
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
            expansion_search=EXPANSION_SEARCH,
        )

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._lock, (self.dir / ".ann.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_pointer(self) -> dict[str, Any] | None:
        path = self.dir / POINTER
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError as exc:
            raise SemanticIndexError(f"{path}: not JSON ({exc})") from exc
        if not isinstance(data, dict) or not {"version", "index", "map"} <= data.keys():
            raise SemanticIndexError(f"{path}: needs version, index and map")
        return data

    def _write_pointer(self, data: dict[str, Any]) -> None:
        tmp = self.dir / f".{POINTER}.{os.getpid()}.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.dir / POINTER)

    @staticmethod
    def _read_map(path: Path) -> dict[int, bytes]:
        import numpy as np

        with np.load(path) as saved:
            return dict(zip(saved["ids"].tolist(), split_keys(saved["keys"]), strict=True))

    def _drop_old(self, version: int) -> None:
        for path in self.dir.glob("ann-*.*"):
            try:
                number = int(path.name[4:12])
            except ValueError:
                continue
            if number <= version - KEEP_VERSIONS:
                path.unlink(missing_ok=True)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size
