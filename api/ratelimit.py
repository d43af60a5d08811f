"""Rate limiting per API key (and per client IP for anonymous use).

Two interchangeable limiters behind one protocol: a sliding-window log in memory (one
process) and a fixed window in Redis (shared by every worker) when ``redis_url`` is set.
When Redis cannot be reached, the Redis limiter limits in this process's memory for a few
seconds and then tries Redis again: requests are never refused because Redis is down.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

WINDOW_SECONDS = 60
REDIS_RETRY_SECONDS = 5.0  # after a Redis failure, limit in memory this long before retrying
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
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._prefix = prefix
        # Redis unreachable: this process limits on its own instead of failing the request
        self._local = MemoryRateLimiter()
        self._down_until = 0.0

    def hit(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> Decision:
        now = time.time()
        if now < self._down_until:
            return self._local.hit(key, limit, window)
        bucket = int(now // window)
        name = f"{self._prefix}{key}:{bucket}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, window + 1)
            count = int(pipe.execute()[0])
        except self._errors:
            log.warning("rate limiter: Redis unreachable, limiting per process for a while")
            self._down_until = now + REDIS_RETRY_SECONDS
            return self._local.hit(key, limit, window)
        if count > limit:
            retry = max(1, math.ceil((bucket + 1) * window - now))
            return Decision(False, limit, 0, retry)
        return Decision(True, limit, limit - count, 0)

    def ping(self) -> bool:
        return bool(self._redis.ping())


def make_rate_limiter(redis_url: str) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
