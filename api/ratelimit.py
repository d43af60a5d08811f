"""Rate limiting per API key (and per client IP for anonymous use).

Interchangeable limiters behind one protocol: a sliding-window log in memory (one
process), a fixed window in Redis (shared by every worker) when ``redis_url`` is set, and
without Redis but with several web workers a fixed window in a small SQLite file in the
data dir (:class:`FileRateLimiter`, shared by the workers through SQLite's file locks).

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
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until a request would be allowed again (0 when allowed)


class RateLimiter(Protocol):
    blocking: bool  # True when ``hit`` waits on the network (run it off the event loop)

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


class FileRateLimiter:
    """Fixed window in a SQLite file: shared by the worker processes of one host.

    One upsert per request (``INSERT .. ON CONFLICT DO UPDATE .. RETURNING``); SQLite's
    file lock serialises the workers. The counts are disposable (synchronous=OFF)."""

    blocking = True

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = str(path)
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, bucket INTEGER NOT NULL,"
                " count INTEGER NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=5.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            self._local.conn = conn
        return conn

    def hit(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> Decision:
        now = time.time()
        bucket = int(now // window)
        name = f"{key}:{window}"
        row = (
            self._connect()
            .execute(
                "INSERT INTO hits (key, bucket, count) VALUES (?, ?, 1) "
                "ON CONFLICT(key) DO UPDATE SET "
                "count = CASE WHEN bucket = excluded.bucket THEN count + 1 ELSE 1 END, "
                "bucket = excluded.bucket RETURNING count",
                (name, bucket),
            )
            .fetchone()
        )
        count = int(row[0])
        if count > limit:
            retry = max(1, math.ceil((bucket + 1) * window - now))
            return Decision(False, limit, 0, retry)
        if count == 1 and bucket % 10 == 0:
            self._gc(bucket)
        return Decision(True, limit, limit - count, 0)

    def _gc(self, bucket: int) -> None:
        self._connect().execute("DELETE FROM hits WHERE bucket < ?", (bucket - 1,))

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
    on_fallback: Callable[[], None] | None = None,
) -> RateLimiter:
    """Redis when configured; else the shared file when given (several workers); else
    in memory. A shared store falls back to memory while it fails."""
    if redis_url:
        return FallbackRateLimiter(RedisRateLimiter(redis_url), on_fallback=on_fallback)
    if shared_file is not None:
        return FallbackRateLimiter(FileRateLimiter(shared_file), on_fallback=on_fallback)
    return MemoryRateLimiter()
