"""Match a large batch of offers on every core: forked workers share the built catalog index.

Building a `CatalogIndex` for a large catalog takes seconds and hundreds of megabytes, so the
workers are not given a copy: the process forks after the index is built and each child reads
the parent's index copy-on-write. Child ``i`` of ``n`` matches offers ``i, i + n, i + 2n, ...``
(interleaved, so a run of expensive title-only rows is shared out) and sends its results back
through a pipe as one pickle; the parent matches its own share meanwhile and puts the results
back in input order. Results are identical to `Matcher.match_many` on one core.

`os.fork` is used directly rather than `multiprocessing`: a Celery prefork worker is a daemonic
process, and `multiprocessing` refuses to start children from one. A child only runs the pure
matching code over memory it inherited and leaves with `os._exit`, so it never touches the
parent's database connections, buffered output or exit handlers.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.errors import IndexerError
from indexer.matching.matcher import Matcher, MatchResult
from indexer.records import OfferRecord

MIN_PER_WORKER = 2000  # below this many offers per extra worker, forking costs more than it saves
MAX_WORKERS = 8


class MatchWorkerError(IndexerError):
    """A forked matching worker died or failed; the message says which and how."""


@dataclass(frozen=True, slots=True)
class WorkerReport:
    """What one forked worker did: offers matched and its private (unshared) memory in MB."""

    offers: int
    private_mb: float


def default_workers() -> int:
    """The usable cores of this process (its CPU affinity), capped at `MAX_WORKERS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def plan_workers(offers: int, workers: int, min_per_worker: int | None = None) -> int:
    """How many processes to use for `offers`: 1 unless every extra one gets enough work."""
    if workers <= 1 or not hasattr(os, "fork"):
        return 1
    least = MIN_PER_WORKER if min_per_worker is None else max(1, min_per_worker)
    return max(1, min(workers, offers // least))


def _private_mb() -> float:
    """This process's private (not copy-on-write shared) memory, from smaps_rollup; 0 if unknown."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as fh:
            kb = sum(
                int(line.split()[1])
                for line in fh
                if line.startswith(("Private_Clean", "Private_Dirty"))
            )
    except OSError:
        return 0.0
    return kb / 1024


def _child(matcher: Matcher, offers: Sequence[OfferRecord], write_fd: int) -> None:
    try:
        payload: object = (matcher.match_many(offers), _private_mb())
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which re-raises
        payload = MatchWorkerError(f"matching worker failed: {type(exc).__name__}: {exc}")
    with os.fdopen(write_fd, "wb") as out:
        pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)


def match_parallel(
    matcher: Matcher,
    offers: Sequence[OfferRecord],
    workers: int,
    *,
    min_per_worker: int | None = None,
) -> tuple[list[MatchResult], list[WorkerReport]]:
    """`matcher.match_many(offers)` split over up to `workers` processes (this one included).

    Returns the results in input order and a report per forked worker (empty when the batch
    was matched in this process alone).
    """
    n = plan_workers(len(offers), workers, min_per_worker)
    if n == 1:
        return matcher.match_many(offers), []
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    try:
        for i in range(1, n):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker
                os.close(read_fd)
                code = 1
                try:
                    _child(matcher, offers[i::n], write_fd)
                    code = 0
                finally:
                    os._exit(code)
            os.close(write_fd)
            children.append((pid, read_fd))
        own = matcher.match_many(offers[0::n])
        shares: list[list[MatchResult]] = [own]
        reports: list[WorkerReport] = []
        for i, (pid, read_fd) in enumerate(children, start=1):
            with os.fdopen(read_fd, "rb") as inp:
                try:
                    payload = pickle.load(inp)
                except EOFError:
                    payload = None
            children[i - 1] = (pid, -1)
            _, status = os.waitpid(pid, 0)
            if isinstance(payload, MatchWorkerError):
                raise payload
            if payload is None or os.waitstatus_to_exitcode(status) != 0:
                raise MatchWorkerError(
                    f"matching worker {i} of {n} exited with status "
                    f"{os.waitstatus_to_exitcode(status)} before sending its results"
                )
            results, private_mb = payload
            expected = len(range(i, len(offers), n))
            if len(results) != expected:
                raise MatchWorkerError(
                    f"matching worker {i} returned {len(results)} results for {expected} offers"
                )
            shares.append(results)
            reports.append(WorkerReport(expected, round(private_mb, 1)))
    finally:
        for pid, read_fd in children:  # only left here when something above raised
            if read_fd >= 0:
                os.close(read_fd)
                try:
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
    merged: list[MatchResult] = [None] * len(offers)  # type: ignore[list-item]
    for i, share in enumerate(shares):
        merged[i::n] = share
    return merged, reports
