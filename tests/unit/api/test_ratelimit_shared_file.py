"""The shared-file rate limiter (several web workers, no Redis): batched writes, bounded slack."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from api.ratelimit import FallbackRateLimiter, FileRateLimiter


class Clock:
    def __init__(self, now: float = 6_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _pair(path: Path, clock: Clock) -> tuple[FileRateLimiter, FileRateLimiter]:
    """Two workers' limiters on one file, on a clock the test moves."""
    return (
        FileRateLimiter(path, workers=2, clock=clock, monotonic=clock),
        FileRateLimiter(path, workers=2, clock=clock, monotonic=clock),
    )


def test_a_key_far_from_its_limit_is_not_written_on_every_request(tmp_path: Path) -> None:
    clock = Clock()
    worker, _other = _pair(tmp_path / "rl.sqlite3", clock)
    for _ in range(1000):
        assert worker.hit("key:1", 10_000_000).allowed
    assert worker.writes == 1  # its first request in the window; the rest are counted here
    clock.now += 0.3  # sync_seconds later the pending hits go to the file in one write
    decision = worker.hit("key:1", 10_000_000)
    assert worker.writes == 2 and decision.remaining == 10_000_000 - 1001


def test_workers_refuse_a_key_over_its_limit_within_the_documented_slack(tmp_path: Path) -> None:
    clock = Clock()
    a, b = _pair(tmp_path / "rl.sqlite3", clock)
    limit = 200
    assert a.batch_size(limit) == 10  # limit // (10 * workers)
    allowed = 0
    for i in range(400):  # both workers busy, alternating, far within sync_seconds
        worker = a if i % 2 == 0 else b
        allowed += worker.hit("key:7", limit).allowed
    slack = 2 * (a.batch_size(limit) - 1)
    assert limit <= allowed <= limit + slack
    assert not a.hit("key:7", limit).allowed and not b.hit("key:7", limit).allowed
    clock.now += 60  # the next window
    assert a.hit("key:7", limit).allowed and b.hit("key:7", limit).allowed


def test_a_key_refused_by_one_worker_is_refused_by_the_other_after_its_next_write(
    tmp_path: Path,
) -> None:
    clock = Clock()
    a, b = _pair(tmp_path / "rl.sqlite3", clock)
    assert b.hit("ip:1.2.3.4", 1000).allowed  # b knows the key (1 hit)
    for _ in range(1000):
        a.hit("ip:1.2.3.4", 1000)
    assert not a.hit("ip:1.2.3.4", 1000).allowed
    # b's next write (at most batch_size hits or sync_seconds away) learns the count
    refused = [not b.hit("ip:1.2.3.4", 1000).allowed for _ in range(b.batch_size(1000))]
    assert refused[-1]


def test_a_low_limit_is_exact_across_workers(tmp_path: Path) -> None:
    clock = Clock()
    a, b = _pair(tmp_path / "rl.sqlite3", clock)
    results = [(a if i % 2 else b).hit("key:2", 15).allowed for i in range(30)]
    assert results.count(True) == 15 and results[:15] == [True] * 15


def test_a_refused_request_is_answered_without_a_write(tmp_path: Path) -> None:
    clock = Clock()
    a, _b = _pair(tmp_path / "rl.sqlite3", clock)
    for _ in range(3):
        a.hit("key:3", 3)
    writes = a.writes
    for _ in range(100):
        decision = a.hit("key:3", 3)
        assert not decision.allowed and decision.retry_after >= 1
    assert a.writes == writes


def test_most_requests_are_answered_in_memory_and_only_writes_go_off_the_loop(
    tmp_path: Path,
) -> None:
    clock = Clock()
    a, _b = _pair(tmp_path / "rl.sqlite3", clock)
    assert a.hit_in_memory("key:4", 1000) is None  # the first request in a window writes
    assert a.hit("key:4", 1000).allowed and a.writes == 1
    answered = [a.hit_in_memory("key:4", 1000) for _ in range(a.batch_size(1000) - 1)]
    assert all(d is not None and d.allowed for d in answered) and a.writes == 1
    assert a.hit_in_memory("key:4", 1000) is None  # the batch is full: a write is due
    assert a.hit("key:4", 1000).remaining == 1000 - 1 - a.batch_size(1000)
    clock.now += 0.3
    assert a.hit_in_memory("key:4", 1000) is None  # sync_seconds passed: a write is due


def test_the_shared_limiter_of_the_app_answers_from_memory_unless_the_store_failed(
    tmp_path: Path,
) -> None:
    clock = Clock()
    limiter = FallbackRateLimiter(FileRateLimiter(tmp_path / "rl.sqlite3"), clock=clock)
    assert limiter.blocking  # hit() may write: the threadpool
    assert limiter.hit_in_memory("k", 10**6) is None
    limiter.hit("k", 10**6)
    decision = limiter.hit_in_memory("k", 10**6)
    assert decision is not None and decision.allowed


def test_a_write_waiting_on_the_file_does_not_hold_up_answers_from_memory(
    tmp_path: Path,
) -> None:
    clock = Clock()
    a, _b = _pair(tmp_path / "rl.sqlite3", clock)
    a.hit("key:5", 10**6)
    started, release = threading.Event(), threading.Event()
    real = a._write

    def slow_write(name: str, bucket: int, adding: int) -> int:
        started.set()
        release.wait(5)  # the disk is busy (a feed run's commit)
        return real(name, bucket, adding)

    a._write = slow_write  # type: ignore[method-assign]
    clock.now += 0.3  # a write is due
    writer = threading.Thread(target=a.hit, args=("key:5", 10**6))
    writer.start()
    assert started.wait(5)
    began = time.monotonic()
    decision = a.hit_in_memory("key:5", 10**6)  # the write under way counts as the timely one
    waited = time.monotonic() - began
    release.set()
    writer.join()
    assert decision is not None and decision.allowed and waited < 1.0
