"""The process that runs one feed: ``python -m indexer.run_child`` (started by
``indexer.runner.supervise``, never by hand).

It reads its job from stdin as JSON (``run_id``, the supervisor's claim ``token``, the
settings, where to write the outcome), lowers its own CPU priority, caps its address space
(``RLIMIT_AS`` = ``feed_memory_limit_bytes``), asks Linux to kill it when the supervisor dies,
and only then imports the pipeline and runs the feed. The forked match workers of
``indexer.matching.parallel`` inherit the limit and its process group, which the supervisor
kills as a whole.

It writes its outcome, with the domain events its commits published, to the result file (the
supervisor's process delivers those events, ``indexer.feed_runner``).

Exit codes: 0 the run recorded its result; 1 it failed (recorded); 75 it ran out of memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import signal
import sys
from pathlib import Path
from typing import Any

IOPRIO_SET_X86_64 = 251  # (IOPRIO_WHO_PROCESS=1, this process, IOPRIO_CLASS_BE=2 level 7)
EXIT_FAILED = 1
EXIT_MEMORY = 75


def apply_limits(memory_bytes: int, nice: int, parent_pid: int) -> None:
    """Lower CPU (and on x86-64 Linux disk) priority, cap memory (unless ``memory_bytes`` is
    0), die with the supervisor (Linux ``PR_SET_PDEATHSIG``)."""
    if nice > 0:
        with contextlib.suppress(OSError):
            os.nice(nice)
    if memory_bytes > 0:  # 0: no cap (indexer.outbox_child)
        with contextlib.suppress(ValueError, OSError):
            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        with contextlib.suppress(OSError, AttributeError):
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if nice > 0 and platform.machine() == "x86_64":  # lowest best-effort disk priority
            with contextlib.suppress(OSError, AttributeError):
                libc.syscall(IOPRIO_SET_X86_64, 1, 0, (2 << 13) | 7)
    if os.getppid() != parent_pid:  # the supervisor died before the line above
        os._exit(EXIT_FAILED)


def main() -> int:
    job: dict[str, Any] = json.loads(sys.stdin.read())
    apply_limits(int(job["memory_bytes"]), int(job["nice"]), int(job["parent_pid"]))
    run_id, token = int(job["run_id"]), str(job["token"])
    result_path = Path(job["result_path"])
    try:
        from catalog.enums import FeedRunStatus
        from catalog.events import DomainEvent, bus_for, event_to_json
        from catalog.settings import Settings
        from indexer import run_lease
        from indexer.jobs import factory_for
        from indexer.pipeline import failure_message, run_feed

        settings = Settings(**job["settings"])
        factory = factory_for(settings)
    except MemoryError:  # the limit is below what the code itself needs
        return EXIT_MEMORY
    # what the run's commits published: handed to the supervisor, which delivers them in
    # its own process once the search index has the run's products (indexer.feed_runner)
    committed: list[DomainEvent] = []
    bus_for(factory).subscribe(DomainEvent, committed.append)

    def report(**result: Any) -> None:
        events = [event_to_json(e) for e in committed]
        result_path.write_text(json.dumps({**result, "events": events}), encoding="utf-8")

    try:
        outcome = run_feed(factory, settings, run_id, token=token)
    except run_lease.RunLost:
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - recorded as the run's end (MemoryError too)
        message = failure_message(exc, settings)
        with contextlib.suppress(Exception):
            run_lease.end(factory, run_id, token, FeedRunStatus.FAILED, message)
            report(status=FeedRunStatus.FAILED.value)
        if isinstance(exc, MemoryError):
            return EXIT_MEMORY
        import traceback

        traceback.print_exc()
        return EXIT_FAILED
    report(
        status=outcome.status,
        changed_product_ids=sorted(outcome.changed_product_ids),
        counts=outcome.counts,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
