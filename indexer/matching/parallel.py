"""Match a large batch of offers on every core: forked workers share the built catalog index.

Building a `CatalogIndex` for a large catalog takes seconds and hundreds of megabytes, so the
workers are not given a copy: the process forks after the index is built and each child reads
the parent's index copy-on-write. The offers are dealt out in a fixed pseudo-random order (a
run or a cycle of expensive title-only rows is shared out evenly); each child sends its results
back through a pipe as one pickle; the parent matches its own share meanwhile and puts the results
back in input order. Results are identical to `Matcher.match_many` on one core.

`os.fork` is used directly rather than `multiprocessing`: a Celery prefork worker is a daemonic
process, and `multiprocessing` refuses to start children from one. A child only runs the pure
matching code over memory it inherited and leaves with `os._exit`, so it never touches the
parent's database connections, buffered output or exit handlers, and dies with the parent
(`die_with_parent`: a killed feed run leaves no workers behind). The catalog index build uses
the same mechanism (`build_parallel`): workers digest contiguous slices of the catalog and the
parent merges their tables.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import random
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from indexer.errors import IndexerError
from indexer.matching.catalog_index import CatalogEntry, CatalogIndex, IndexTables
from indexer.matching.matcher import Matcher, MatchResult
from indexer.records import OfferRecord

MIN_PER_WORKER = 2000  # below this many offers per extra worker, forking costs more than it saves
MAX_WORKERS = 4  # each worker ends up copying much of the index (CPython refcounts)
T = TypeVar("T")


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


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """In a forked worker: be killed (SIGKILL) when the process that forked it dies.

    Linux ``prctl(PR_SET_PDEATHSIG)`` via ctypes; elsewhere nothing (the worker then outlives a
    killed parent until its share is done). A parent that died before the call is noticed
    by its pid having changed, and the worker leaves at once.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        os._exit(1)


def _child(task: Callable[[], T], write_fd: int, what: str) -> None:
    try:
        payload: object = (task(), _private_mb())
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which re-raises
        payload = MatchWorkerError(f"{what} worker failed: {type(exc).__name__}: {exc}")
    with os.fdopen(write_fd, "wb") as out:
        pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)


def run_forked(tasks: Sequence[Callable[[], T]], what: str) -> tuple[list[T], list[float]]:
    """Run ``tasks[0]`` here and every other task in a forked child, at the same time.

    Returns the tasks' results in order and each child's private memory in MB. A child that
    raises or dies makes this raise `MatchWorkerError` (after the others are stopped).
    """
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe); -1 once collected
    # Objects alive at the fork stay out of the children's garbage collection: a child never
    # finalizes something of the parent's (a database connection shared through the fork) and
    # never writes to the pages of objects it only reads.
    gc.freeze()
    parent = os.getpid()
    try:
        for i in range(1, len(tasks)):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker
                code = 1
                try:
                    die_with_parent(parent)
                    os.close(read_fd)
                    _child(tasks[i], write_fd, what)
                    code = 0
                finally:
                    os._exit(code)
            os.close(write_fd)
            children.append((pid, read_fd))
        gc.unfreeze()
        results: list[T] = [tasks[0]()]
        private: list[float] = []
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
            code = os.waitstatus_to_exitcode(status)
            if payload is None or code != 0:
                raise MatchWorkerError(
                    f"{what} worker {i} of {len(tasks)} exited with status {code} "
                    "before sending its results"
                )
            results.append(payload[0])
            private.append(round(payload[1], 1))
    finally:
        gc.unfreeze()
        for pid, read_fd in children:  # only left here when something above raised
            if read_fd >= 0:
                os.close(read_fd)
                try:
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
    return results, private


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
    # A deterministic shuffle, then every n-th: feeds are often periodic (a retailer's rows
    # cycle through kinds), and plain interleaving once gave one worker twice the title rows.
    order = list(range(len(offers)))
    random.Random(len(offers)).shuffle(order)
    positions = [order[i::n] for i in range(n)]
    shares = [[offers[j] for j in where] for where in positions]
    tasks = [partial(matcher.match_many, share) for share in shares]
    results, private = run_forked(tasks, "matching")
    reports = []
    for i, (share, got) in enumerate(zip(shares, results, strict=True)):
        if len(got) != len(share):
            raise MatchWorkerError(
                f"matching worker {i} returned {len(got)} results for {len(share)} offers"
            )
        if i:
            reports.append(WorkerReport(len(share), private[i - 1]))
    del shares, tasks, order
    merged: list[MatchResult] = [None] * len(offers)  # type: ignore[list-item]
    for i in range(n):  # each share's lists are dropped once merged: a lower peak
        for j, result in zip(positions[i], results[i], strict=True):
            merged[j] = result
        positions[i], results[i] = [], []
    return merged, reports


def build_parallel(
    entries: Sequence[CatalogEntry], workers: int, *, min_per_worker: int | None = None
) -> tuple[CatalogIndex, list[float]]:
    """`CatalogIndex.build(entries)` with contiguous slices digested by forked workers.

    `entries` must be in ascending product id order (as `iter_catalog_entries` reads them):
    each worker builds the index of its slice, and the slices are merged in order so every
    postings list stays sorted. Returns the index and each worker's private memory in MB.
    """
    n = plan_workers(len(entries), workers, min_per_worker)
    if n == 1:
        return CatalogIndex.build(entries), []
    size = -(-len(entries) // n)
    slices = [entries[i * size : (i + 1) * size] for i in range(n)]
    tasks: list[Callable[[], object]] = [partial(CatalogIndex.build, slices[0])]
    tasks += [partial(_slice_tables, part) for part in slices[1:]]
    built, private = run_forked(tasks, "catalog index")
    index = built[0]
    assert isinstance(index, CatalogIndex)
    for part, tables in zip(slices[1:], built[1:], strict=True):
        assert isinstance(tables, IndexTables)
        index.merge_tables(part, tables)
    return index, private


def _slice_tables(entries: Sequence[CatalogEntry]) -> IndexTables:
    return CatalogIndex.build(entries).tables()
