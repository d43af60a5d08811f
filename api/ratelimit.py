"""Rate limiting per API key (and per client IP for anonymous use).

Interchangeable limiters behind one protocol: a sliding-window log in memory (one
process), a fixed window in Redis (shared by every worker) when ``redis_url`` is set, and
without Redis but with several web workers a fixed window in a small SQLite file in the
data dir (:class:`FileRateLimiter`: each worker counts in memory and adds its hits to the
shared file in batches, so a key over its limit is refused by every worker within a
documented slack of about a tenth of the limit).

A shared store that fails (Redis down) never fails the request: :class:`FallbackRateLimiter`
limits in-process for a few seconds, counts it (``valbar_ratelimit_fallbacks``) and tries
the store again.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

WINDOW_SECONDS = 60
RETRY_STORE_SECONDS = 5.0  # after a store failure, limit in-process this long
SYNC_SECONDS = 0.25  # FileRateLimiter: a worker writes its hits to the shared file this often
MAX_KEYS = 100_000  # FileRateLimiter: keys counted in memory before past windows are dropped
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until a request would be allowed again (0 when allowed)


class RateLimiter(Protocol):
    blocking: bool  # True when ``hit`` may wait on I/O (run it off the event loop)

    def hit(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> Decision:
        """Count one request under ``key``; ``allowed`` is False once ``limit`` is reached."""
        ...

    def ping(self) -> bool: ...


class MemoryRateLimiter:
    """Sliding-window log: exact, per process. Idle keys are dropped as they expire."""

    blocking = False  # microseconds under a lock: called on the event loop

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> Decision:
        now = self._clock()
        with self._lock:
            log = self._hits.setdefault(key, deque())
            while log and log[0] <= now - window:
                log.popleft()
            if len(log) >= limit:
                retry = max(1, math.ceil(log[0] + window - now))
                return Decision(False, limit, 0, retry)
            log.append(now)
            if len(self._hits) > 100_000:
                self._gc(now, window)
            return Decision(True, limit, limit - len(log), 0)

    def _gc(self, now: float, window: int) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - window]:
            del self._hits[key]

    def ping(self) -> bool:
        return True


class RedisRateLimiter:
    """Fixed window (INCR + EXPIRE) shared by all API processes."""

    blocking = True

    def __init__(self, url: str, prefix: str = "valbar:rl:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._prefix = prefix

    def hit(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> Decision:
        now = time.time()
        bucket = int(now // window)
        name = f"{self._prefix}{key}:{bucket}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 1)
        count = int(pipe.execute()[0])
        if count > limit:
            retry = max(1, math.ceil((bucket + 1) * window - now))
            return Decision(False, limit, 0, retry)
        return Decision(True, limit, limit - count, 0)

    def ping(self) -> bool:
        return bool(self._redis.ping())


@dataclass(slots=True)
class _Count:
    """One key's window as one worker knows it (:class:`FileRateLimiter`)."""

    window: int
    bucket: int
    known: int = 0  # the shared count when this worker last wrote (its own hits included)
    pending: int = 0  # hits counted here since, not yet in the file
    synced: float = float("-inf")  # monotonic time of that write
    syncing: bool = False  # a write of this key is under way


class FileRateLimiter:
    """Fixed window in a SQLite file, shared by the worker processes of one host.

    Each worker counts its own hits in memory and adds them to the file's shared count in
    batches (one upsert ``.. count = count + ? .. RETURNING count``, which also tells it
    what the other workers added). A worker writes a key's pending hits, before it decides
    on the request, at the key's first request in a window and then when either

    * ``sync_seconds`` (default 0.25 s) passed since it last wrote the key, or
    * they reach :meth:`batch_size`, ``max(1, limit // (10 * workers))``: a key with a low
      limit (under 20 a minute with 2 workers) is written on every hit, exactly as before.

    Between writes it decides on the count it knows: the shared count at its last write
    plus its own pending hits, which is never more than the true count, so a key under its
    limit is never refused. The slack: a worker admits at most ``batch_size - 1`` hits the
    others have not seen yet, so all workers together admit at most ``workers *
    (batch_size - 1)`` (about a tenth of the limit) more than the limit in one window. Once
    a worker knows the key reached its limit it refuses without writing; a refusal it
    decided on unwritten hits is written at once, so the others learn it at their next
    write. A request that needs no write is answered by :meth:`hit_in_memory`, a dict
    lookup on the event loop; one that does goes to :meth:`hit` in the threadpool, which
    writes outside the counts' lock (a write waiting on a busy disk holds up nobody else).
    The per-request upsert this replaces (every request of every worker taking SQLite's file
    lock, through the threadpool) cost a search more than its rate limit is worth. The
    counts are disposable (synchronous=OFF)."""

    # ``hit`` may write the file, and a write can wait on the disk (a feed run's commit on
    # the same disk): the threadpool, only when :meth:`hit_in_memory` has no answer
    blocking = True

    def __init__(
        self,
        path: Path,
        *,
        workers: int = 2,
        sync_seconds: float = SYNC_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = str(path)
        self._workers = max(1, workers)
        self._sync_seconds = sync_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()  # the counts: callers on the event loop and in threads
        self._io_lock = threading.Lock()  # the connection: held while a write waits on the file
        self._conn: sqlite3.Connection | None = None
        self._counts: dict[str, _Count] = {}
        self._gc_bucket: dict[int, int] = {}
        self.writes = 0  # upserts made (tests, bench)
        with self._io_lock:
            self._connect().execute(
                "CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, bucket INTEGER NOT NULL,"
                " count INTEGER NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                self._path, timeout=5.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            self._conn = conn
        return self._conn

    def batch_size(self, limit: int) -> int:
        """Hits a worker may count before it writes them (its share of the slack + 1)."""
        return max(1, limit // (10 * self._workers))

    def hit(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> Decision:
        now = self._clock()
        bucket = int(now // window)
        name = f"{key}:{window}"
        with self._lock:
            count = self._counts.get(name)
            if count is None or count.bucket != bucket:
                if len(self._counts) >= MAX_KEYS:
                    self._forget(now)
                count = self._counts[name] = _Count(window, bucket)
            if count.known >= limit:
                return self._refusal(limit, bucket, window, now)
            count.pending += 1
            due = self._monotonic() - count.synced >= self._sync_seconds
            if not due and count.pending < self.batch_size(limit):
                seen = count.known + count.pending
                if seen <= limit:
                    return Decision(True, limit, limit - seen, 0)
                # else refused on unwritten hits: write them, so the others learn it now
            adding, count.pending = count.pending, 0
            count.syncing = True
        try:
            total = self._write(name, bucket, adding)  # outside the lock: it may wait
        except BaseException:
            with self._lock:
                count.pending += adding
                count.syncing = False
            raise
        with self._lock:
            count.known = max(count.known, total)  # concurrent writes may return out of order
            count.synced = self._monotonic()
            count.syncing = False
            seen = count.known + count.pending
        if seen <= limit:
            return Decision(True, limit, limit - seen, 0)
        return self._refusal(limit, bucket, window, now)

    @staticmethod
    def _refusal(limit: int, bucket: int, window: int, now: float) -> Decision:
        return Decision(False, limit, 0, max(1, math.ceil((bucket + 1) * window - now)))

    def hit_in_memory(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> Decision | None:
        """The decision on this request when it needs no write (most requests: a dict
        lookup under a lock no write holds, fit for the event loop), else ``None`` without
        counting it: then call :meth:`hit` (in the threadpool)."""
        now = self._clock()
        bucket = int(now // window)
        with self._lock:
            count = self._counts.get(f"{key}:{window}")
            if count is None or count.bucket != bucket:
                return None  # the key's first request in this window writes
            if count.known >= limit:
                return self._refusal(limit, bucket, window, now)
            # a write of this key already under way counts as the timely one
            due = not count.syncing and self._monotonic() - count.synced >= self._sync_seconds
            seen = count.known + count.pending + 1
            if due or count.pending + 1 >= self.batch_size(limit) or seen > limit:
                return None
            count.pending += 1
            return Decision(True, limit, limit - seen, 0)

    def _write(self, name: str, bucket: int, adding: int) -> int:
        """Add ``adding`` hits to the file's count of ``name`` in ``bucket``; the new total
        (what every worker added)."""
        with self._io_lock:  # one connection, one write at a time
            conn = self._connect()
            row = conn.execute(
                "INSERT INTO hits (key, bucket, count) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET "
                "count = CASE WHEN bucket = excluded.bucket THEN count + excluded.count "
                "ELSE excluded.count END, "
                "bucket = excluded.bucket RETURNING count",
                (name, bucket, adding),
            ).fetchone()
            self.writes += 1
            window = int(name.rsplit(":", 1)[1])
            if self._gc_bucket.get(window) != bucket:  # a new window: old rows go
                self._gc_bucket[window] = bucket
                conn.execute(
                    "DELETE FROM hits WHERE key LIKE ? AND bucket < ?",
                    (f"%:{window}", bucket - 1),
                )
            return int(row[0])

    def _forget(self, now: float) -> None:
        """Drop the counts of past windows (their pending hits no longer matter)."""
        self._counts = {k: c for k, c in self._counts.items() if c.bucket >= int(now // c.window)}

    def ping(self) -> bool:
        return True


class FallbackRateLimiter:
    """A shared limiter that falls back to an in-process one while it fails.

    A failing call is answered by ``fallback`` and counted (``on_fallback``); for
    ``retry_seconds`` after it the store is not asked (no 1 s socket timeout per request
    while Redis is down), then it is tried again."""

    def __init__(
        self,
        primary: RateLimiter,
        fallback: RateLimiter | None = None,
        *,
        on_fallback: Callable[[], None] | None = None,
        retry_seconds: float = RETRY_STORE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.fallback = fallback or MemoryRateLimiter()
        self.blocking = primary.blocking
        self._on_fallback = on_fallback
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._down_until = 0.0

    def hit_in_memory(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> Decision | None:
        """The primary's answer without I/O when it has one (see
        :meth:`FileRateLimiter.hit_in_memory`); ``None``: call :meth:`hit`."""
        if self._clock() < self._down_until:
            return None  # hit() answers from the fallback, and counts that
        quick = getattr(self.primary, "hit_in_memory", None)
        return quick(key, limit, window) if callable(quick) else None

    def hit(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> Decision:
        if self._clock() >= self._down_until:
            try:
                return self.primary.hit(key, limit, window)
            except Exception as exc:  # noqa: BLE001 - any store failure: limit locally
                log.warning("rate limit store failed (%s); limiting in-process", exc)
                self._down_until = self._clock() + self._retry_seconds
        if self._on_fallback is not None:
            self._on_fallback()
        return self.fallback.hit(key, limit, window)

    def ping(self) -> bool:
        return self.primary.ping()


def make_rate_limiter(
    redis_url: str,
    *,
    shared_file: Path | None = None,
    workers: int = 2,
    on_fallback: Callable[[], None] | None = None,
) -> RateLimiter:
    """Redis when configured; else the shared file when given (several workers); else
    in memory. A shared store falls back to memory while it fails."""
    if redis_url:
        return FallbackRateLimiter(RedisRateLimiter(redis_url), on_fallback=on_fallback)
    if shared_file is not None:
        return FallbackRateLimiter(
            FileRateLimiter(shared_file, workers=workers), on_fallback=on_fallback
        )
    return MemoryRateLimiter()
