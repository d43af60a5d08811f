"""Run one feed in a child process, bounded, cancellable and never left ``running``.

``supervise`` claims a queued run (``run_lease.claim``), starts ``python -m
indexer.run_child`` in a process group of its own (lower CPU priority, ``RLIMIT_AS``), and
while it runs renews the run's lease every ``feed_heartbeat_seconds``. It stops the child
(SIGTERM to the group, SIGKILL after ``KILL_GRACE_SECONDS``) when

- a cancellation is requested (the run ends ``cancelled``),
- the wall-clock limit ``feed_time_limit_seconds`` passes (``failed``, with the reason),
- ``stop`` is set: the server is shutting down (the run goes back to the queue),
- the lease was taken from it (the sweep decided it was dead): it lets go.

A child that dies without recording a result (killed, out of memory, crashed) ends the run
``failed`` with the reason. Nothing is committed by a run that did not finish: its offers and
its final status commit in one transaction, fenced by the claim token. When the run ends the
retailer's next queued run is handed to ``dispatch``.

The domain events the child's commits published come back in its result (``events``);
``indexer.feed_runner`` (the one way every entry point runs a feed) delivers them in this
process after the search index has the run's products.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from catalog.enums import FeedRunStatus
from catalog.events import DomainEvent, event_from_json
from catalog.models import FeedRun
from catalog.settings import Settings
from indexer import faults, run_lease, run_messages
from indexer.run_child import EXIT_MEMORY

log = logging.getLogger("valbar.runner")
KILL_GRACE_SECONDS = 3.0
EXIT_GRACE_SECONDS = 30.0  # for a child that recorded its result to report it and exit
POLL_SECONDS = 0.2
CHILD_COMMAND: tuple[str, ...] = (sys.executable, "-m", "indexer.run_child")
OUTBOX_COMMAND: tuple[str, ...] = (sys.executable, "-m", "indexer.outbox_child")


class StopFlag(Protocol):
    """What tells a supervisor to stop: a ``threading.Event`` (the web server's runner) or a
    ``multiprocessing`` event (a Celery worker's warm shutdown, set in its main process)."""

    def is_set(self) -> bool: ...


@dataclass(slots=True)
class RunResult:
    """How a supervised run ended (``claim`` says whether it ran at all)."""

    run_id: int
    claim: run_lease.Claim
    status: str | None = None
    message: str | None = None
    changed_product_ids: set[int] = field(default_factory=set)
    counts: dict[str, object] = field(default_factory=dict)
    # what the child's commits published (not yet delivered here: ``indexer.feed_runner``)
    events: list[DomainEvent] = field(default_factory=list)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's process group (it and its match workers), SIGKILL after a grace."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(KILL_GRACE_SECONDS)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _child_env(extra_env: dict[str, str] | None) -> dict[str, str]:
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", **(extra_env or {})}
    env[faults.SUPERVISOR_ENV] = str(os.getpid())  # a crash test kills both (indexer.faults)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


class OutboxChildFailed(RuntimeError):
    """The process applying the index outbox did not finish (its rows stay for a retry)."""


def apply_outbox_in_child(
    settings: Settings,
    wait: float = 0.0,
    *,
    command: Sequence[str] = OUTBOX_COMMAND,
    extra_env: dict[str, str] | None = None,
) -> dict[str, object]:
    """Apply the search index outbox in ``python -m indexer.outbox_child``: a process of its
    own at ``feed_nice``, so rebuilding a run's documents never competes for this process's
    GIL (a web worker's event loop). Waits for it (at most ``feed_time_limit_seconds``) and
    returns its report; :class:`OutboxChildFailed` when it fails or takes too long."""
    job = {
        "parent_pid": os.getpid(),
        "nice": settings.feed_nice,
        "wait": wait,
        "settings": settings.model_dump(mode="json"),
    }
    process = subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=_child_env(extra_env),
        process_group=0,  # killed as a whole; the same session (see _start_child)
        close_fds=True,
    )
    try:
        out, _err = process.communicate(
            json.dumps(job).encode(), timeout=settings.feed_time_limit_seconds
        )
    except subprocess.TimeoutExpired as exc:
        _kill_group(process)
        raise OutboxChildFailed("the index outbox process took too long") from exc
    except BaseException:
        _kill_group(process)
        raise
    lines = out.decode("utf-8", "replace").strip().splitlines()
    if process.returncode != 0 or not lines:
        raise OutboxChildFailed(f"the index outbox process exited with {process.returncode}")
    report: dict[str, object] = json.loads(lines[-1])
    return report


def _start_child(
    settings: Settings,
    run_id: int,
    token: str,
    result_path: Path,
    command: Sequence[str],
    extra_env: dict[str, str] | None,
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE,
        env=_child_env(extra_env),
        # Its own process group (killed as a whole) but the supervisor's session: with Linux
        # autogroup scheduling a new session would be a CPU group of its own, sharing the CPU
        # equally with the web server whatever its nice value (bench.http --with-ingest).
        process_group=0,
        close_fds=True,
    )
    job = {
        "run_id": run_id,
        "token": token,
        "parent_pid": os.getpid(),
        "memory_bytes": settings.feed_memory_limit_bytes,
        "nice": settings.feed_nice,
        "result_path": str(result_path),
        "settings": settings.model_dump(mode="json"),
    }
    assert process.stdin is not None
    try:
        process.stdin.write(json.dumps(job).encode())
        process.stdin.close()
    except BrokenPipeError:
        pass  # it died at once; its exit code says how
    return process


def supervise(
    settings: Settings,
    factory: sessionmaker[Session],
    run_id: int,
    *,
    stop: StopFlag | None = None,
    dispatch: Callable[[int], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
    command: Sequence[str] = CHILD_COMMAND,
    extra_env: dict[str, str] | None = None,
) -> RunResult:
    """Claim and run ``run_id`` in a child process; see the module docstring."""
    token = run_lease.new_token()
    claimed = run_lease.claim(factory, run_id, token, settings.feed_lease_seconds)
    if claimed is not run_lease.Claim.CLAIMED:
        log.info("feed run %s not started: %s", run_id, claimed.value)
        return RunResult(run_id, claimed)
    with factory() as session:
        run = session.get(FeedRun, run_id)
        retailer_id = run.retailer_id if run is not None else None
    fd, name = tempfile.mkstemp(prefix=f"valbar-run-{run_id}-", suffix=".json")
    os.close(fd)
    result_path = Path(name)
    try:
        try:
            process = _start_child(settings, run_id, token, result_path, command, extra_env)
        except OSError as exc:  # no process, no run: say so rather than leave it running
            message = run_messages.start_failed(exc)
            run_lease.end(factory, run_id, token, FeedRunStatus.FAILED, message)
            return RunResult(run_id, claimed, FeedRunStatus.FAILED.value, message)
        ended = _watch(settings, factory, run_id, token, process, stop, on_progress)
        result = _result(factory, run_id, token, process, ended, result_path, settings)
    finally:
        result_path.unlink(missing_ok=True)
    if dispatch is not None and retailer_id is not None and ended != "stop":
        following = run_lease.next_queued(factory, retailer_id)
        if following is not None:
            dispatch(following)
    return result


def _watch(
    settings: Settings,
    factory: sessionmaker[Session],
    run_id: int,
    token: str,
    process: subprocess.Popen[bytes],
    stop: StopFlag | None,
    on_progress: Callable[[float], None] | None,
) -> str:
    """Wait for the child, renewing the lease; returns why the wait ended: ``exited``,
    ``cancelled``, ``time``, ``stop`` or ``lost`` (the child is dead in every case)."""
    started = time.monotonic()
    next_beat = started + settings.feed_heartbeat_seconds
    while True:
        try:
            process.wait(POLL_SECONDS)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # match workers it left behind
            return "exited"
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        reason = None
        if stop is not None and stop.is_set():
            reason = "stop"
        elif now - started > settings.feed_time_limit_seconds:
            reason = "time"
        elif now >= next_beat:
            next_beat = now + settings.feed_heartbeat_seconds
            try:
                lease = run_lease.renew(factory, run_id, token, settings.feed_lease_seconds)
            except Exception:  # e.g. SQLite locked by the child's commit
                # Not a reason to stop it: if the lease expires meanwhile, the sweep re-queues
                # the run and the child's commit is refused by the fence; the time limit
                # bounds the wait.
                log.warning("feed run %s: lease renewal failed", run_id, exc_info=True)
                continue
            if lease.finished:  # it recorded its result and is on its way out
                try:
                    process.wait(EXIT_GRACE_SECONDS)
                    return "exited"
                except subprocess.TimeoutExpired:
                    reason = "lost"
            elif not lease.held:
                reason = "lost"
            elif lease.cancel_requested:
                reason = "cancelled"
            elif on_progress is not None:
                on_progress(lease.progress)
        if reason is not None:
            log.info("feed run %s: stopping its process (%s)", run_id, reason)
            _kill_group(process)
            return reason


def _result(
    factory: sessionmaker[Session],
    run_id: int,
    token: str,
    process: subprocess.Popen[bytes],
    ended: str,
    result_path: Path,
    settings: Settings,
) -> RunResult:
    """Record how the run ended unless the child did, and read what it reported."""
    if ended == "stop":
        run_lease.requeue(factory, run_id, token, run_messages.requeued_after_restart())
    elif ended == "cancelled":
        run_lease.end(factory, run_id, token, FeedRunStatus.CANCELLED, run_messages.cancelled())
    elif ended == "time":
        message = run_messages.time_limit(settings.feed_time_limit_seconds)
        run_lease.end(factory, run_id, token, FeedRunStatus.FAILED, message)
    elif ended == "exited":
        code = process.returncode
        message = (
            run_messages.memory_limit(settings.feed_memory_limit_bytes)
            if code == EXIT_MEMORY
            else run_messages.process_died(code)
        )
        # a no-op when the child recorded its result (the run is no longer ``running``)
        run_lease.end(factory, run_id, token, FeedRunStatus.FAILED, message)
    with factory() as session:
        run = session.get(FeedRun, run_id)
        result = RunResult(
            run_id,
            run_lease.Claim.CLAIMED,
            run.status if run is not None else None,
            run.message if run is not None else None,
        )
    if ended == "exited" and result_path.stat().st_size:
        reported = json.loads(result_path.read_text(encoding="utf-8"))
        result.changed_product_ids = set(reported.get("changed_product_ids") or [])
        result.counts = dict(reported.get("counts") or {})
        result.events = [event_from_json(e) for e in reported.get("events") or []]
    return result
