"""The embedding cache: one vector per content hash, in an append-only file of records."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import threading
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from catalog.private_files import private_dir
from search.errors import SemanticIndexError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from search.semantic.embedders import Matrix

KEY_BYTES = 32  # sha256 digest
_CACHE_FILE = "vectors.f16"
_META_FILE = "meta.json"


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

    def read_appended(self) -> None:
        """Read the records other processes appended since the last read."""
        self._sync()

    def _append_memory(self, records: NDArray[np.void]) -> None:
        import numpy as np

        needed = self._size + len(records)
        if needed > len(self._records):
            grown = np.zeros(max(needed, 2 * len(self._records), 1024), dtype=self._dtype)
            grown[: self._size] = self._records[: self._size]
            self._records = grown
        self._records[self._size : needed] = records
        for offset, key in enumerate(split_keys(records["key"])):
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
            records["key"] = join_keys(list(fresh))
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


def join_keys(keys: Sequence[bytes]) -> NDArray[np.uint8]:
    """Digests as one ``(n, KEY_BYTES)`` array of bytes (the on-disk form of keys)."""
    import numpy as np

    return np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)


def split_keys(keys: NDArray[np.uint8]) -> list[bytes]:
    """The digests of a :func:`join_keys` array."""
    blob = keys.tobytes()
    return [blob[i : i + KEY_BYTES] for i in range(0, len(blob), KEY_BYTES)]


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
