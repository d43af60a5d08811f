"""Feed runs in a supervised child process, with faults injected: ``kill -9`` before and after
commit, of the child and of its supervisor; cancellation and the time and memory limits of a
run that would otherwise go on. No run is left ``running``; nothing is half-committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import Settings
from indexer import faults, run_lease
from indexer.run_child import apply_limits
from indexer.runner import supervise
from tests.factories import add_retailer, migrated_factory
from tests.unit.indexer.run_support import offers, queue_run, run_row

Env = tuple[Settings, sessionmaker[Session], Path]
WAIT_SECONDS = 60.0  # generous: a loaded two-core machine starts Python slowly


def make_env(tmp_path: Path, **overrides: object) -> Env:
    options: dict[str, object] = {
        "data_dir": tmp_path / "var",
        "database_url": "",
        "environment": "test",
        "feed_heartbeat_seconds": 0.2,
        "feed_lease_seconds": 30.0,
        **overrides,
    }
    settings = Settings(**options)  # type: ignore[arg-type]
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    return settings, factory, tmp_path / "feeds"


@pytest.fixture()
def env(tmp_path: Path) -> Env:
    return make_env(tmp_path)


def wait_for(check: Callable[[], object], what: str) -> object:
    deadline = time.monotonic() + WAIT_SECONDS
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


def paused_at(marker: Path) -> int:
    """The pid of the child once it reached its fault point."""
    text = wait_for(lambda: marker.exists() and marker.read_text(), f"the marker {marker}")
    return int(str(text).split()[1])


def fault_env(tmp_path: Path, point: str) -> tuple[dict[str, str], Path]:
    marker = tmp_path / f"{point}.marker"
    return {faults.PAUSE_ENV: point, faults.MARKER_ENV: str(marker)}, marker


def niceness(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])  # field 19, after the command's name


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def supervise_in_thread(env: Env, run_id: int, **kw: object) -> tuple[threading.Thread, list]:  # type: ignore[type-arg]
    settings, factory, _ = env
    out: list = []  # type: ignore[type-arg]
    thread = threading.Thread(
        target=lambda: out.append(supervise(settings, factory, run_id, **kw)),  # type: ignore[arg-type]
        daemon=True,
    )
    thread.start()
    return thread, out


def test_a_run_succeeds_in_a_child_and_reports_the_changed_products(env: Env) -> None:
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    dispatched: list[int] = []
    following = queue_run(factory, settings, folder)  # waits for the first one
    result = supervise(settings, factory, run_id, dispatch=dispatched.append)
    assert result.status == "succeeded" and result.counts["inserted"] == 5
    run = run_row(factory, run_id)
    assert run.worker is not None and str(os.getpid()) in run.worker
    assert run.lease_expires_at is None and run.attempts == 1
    assert offers(factory) == 5
    assert dispatched == [following]  # the retailer's next queued run is sent on


def test_the_child_runs_at_lower_priority_under_the_memory_limit() -> None:
    code = (
        "import os, resource, sys; from indexer.run_child import apply_limits; "
        "apply_limits(512 << 20, 10, os.getppid()); "
        "print(os.nice(0), resource.getrlimit(resource.RLIMIT_AS)[0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    niceness, limit = out.stdout.split()
    assert int(niceness) >= os.nice(0) + 10 or int(niceness) == 19
    assert int(limit) == 512 << 20
    assert apply_limits.__module__ == "indexer.run_child"


def test_cancelling_a_long_run_kills_its_process_and_commits_nothing(
    env: Env, tmp_path: Path
) -> None:
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    extra, marker = fault_env(tmp_path, "before_write")  # the run hangs before it writes
    thread, out = supervise_in_thread(env, run_id, extra_env=extra)
    pid = paused_at(marker)
    # a process group of its own (killed as a whole) in the supervisor's session (so its
    # nice value counts against the server's processes under autogroup scheduling)
    assert os.getpgid(pid) == pid and os.getsid(pid) == os.getsid(0)
    assert niceness(pid) >= min(19, niceness(os.getpid()) + 10)
    assert run_lease.request_cancel(factory, run_id) == "running"
    thread.join(WAIT_SECONDS)
    assert not thread.is_alive()
    assert out[0].status == "cancelled"
    assert run_row(factory, run_id).message == "cancelled on request; nothing was changed"
    assert offers(factory) == 0
    assert not alive(pid)


def test_a_run_over_the_time_limit_fails_with_the_reason(tmp_path: Path) -> None:
    env = make_env(tmp_path, feed_time_limit_seconds=1.0)
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    extra, _ = fault_env(tmp_path, "before_write")
    result = supervise(settings, factory, run_id, extra_env=extra)
    assert result.status == "failed"
    assert result.message == "the run took longer than the limit of 1 s; nothing was changed"
    assert offers(factory) == 0


def test_a_run_over_the_memory_limit_fails_with_the_reason(tmp_path: Path) -> None:
    env = make_env(tmp_path, feed_memory_limit_bytes=512 << 20)
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    extra = {faults.HOG_ENV: "before_commit"}  # allocates until the limit refuses
    result = supervise(settings, factory, run_id, extra_env=extra)
    assert result.status == "failed"
    assert result.message == (
        "the file needed more memory than the limit of 512 MB; nothing was changed"
    )
    assert offers(factory) == 0


def test_kill_9_of_the_child_before_commit_fails_the_run_and_commits_nothing(
    env: Env, tmp_path: Path
) -> None:
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    extra, marker = fault_env(tmp_path, "before_commit")
    thread, out = supervise_in_thread(env, run_id, extra_env=extra)
    os.kill(paused_at(marker), signal.SIGKILL)
    thread.join(WAIT_SECONDS)
    assert out[0].status == "failed"
    assert out[0].message == (
        "the process running the feed ended unexpectedly (killed by SIGKILL); nothing was changed"
    )
    assert offers(factory) == 0


def test_kill_9_of_the_child_after_commit_keeps_the_committed_run(env: Env, tmp_path: Path) -> None:
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    extra, marker = fault_env(tmp_path, "after_commit")
    thread, out = supervise_in_thread(env, run_id, extra_env=extra)
    os.kill(paused_at(marker), signal.SIGKILL)
    thread.join(WAIT_SECONDS)
    assert out[0].status == "succeeded"
    assert run_row(factory, run_id).status == "succeeded" and offers(factory) == 5


def test_kill_9_of_the_supervisor_leaves_the_run_to_the_lease_sweep(tmp_path: Path) -> None:
    """``valbar ingest`` (supervisor) and its child die together; the lease expires; the
    sweep re-queues the run once, and a new runner completes it."""
    settings, factory, folder = make_env(tmp_path, feed_lease_seconds=1.0)
    feed = folder / "lager.csv"
    folder.mkdir(parents=True)
    from tests.factories import swedish_feed

    swedish_feed(feed, 5)
    extra, marker = fault_env(tmp_path, "before_commit")
    environ = {
        **os.environ,
        **extra,
        "VALBAR_DATA_DIR": str(settings.data_dir),
        "VALBAR_DATABASE_URL": "",
        "VALBAR_ENVIRONMENT": "test",
        "VALBAR_FEED_LEASE_SECONDS": "1",
        "VALBAR_FEED_HEARTBEAT_SECONDS": "0.2",
    }
    cli = subprocess.Popen(
        [sys.executable, "-m", "valbar.cli", "ingest", str(feed), "--retailer", "tandab", "--json"],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    child = paused_at(marker)
    cli.kill()  # kill -9 of the supervisor only: the child dies with it (PDEATHSIG)
    cli.wait()
    wait_for(lambda: not alive(child), "the child to die with its supervisor")
    requeued = wait_for(
        lambda: run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=60).requeued,
        "the lease to expire",
    )
    assert isinstance(requeued, list) and len(requeued) == 1
    run_id = int(requeued[0])
    assert run_row(factory, run_id).status == "queued" and offers(factory) == 0
    result = supervise(settings, factory, run_id)
    assert result.status == "succeeded" and offers(factory) == 5
    assert run_row(factory, run_id).attempts == 2


FORKED_WORKERS = """
import os, sys, time
from indexer.matching.parallel import run_forked

def task():
    open(os.path.join(sys.argv[1], str(os.getpid())), "w").close()
    time.sleep(600)

run_forked([lambda: time.sleep(600), task, task], "test")
"""


def test_forked_match_workers_die_with_the_process_that_forked_them(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", FORKED_WORKERS, str(tmp_path)])
    try:
        wait_for(lambda: len(list(tmp_path.iterdir())) == 2, "the workers")
        pids = [int(p.name) for p in tmp_path.iterdir()]
    finally:
        parent.kill()  # kill -9, as the supervisor does after its grace period
        parent.wait()
    wait_for(lambda: not any(alive(pid) for pid in pids), "the workers to die")


def test_a_child_that_cannot_start_fails_the_run_instead_of_leaving_it_running(env: Env) -> None:
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    result = supervise(settings, factory, run_id, command=[str(folder / "no-such-python")])
    assert result.status == "failed" and "could not be started" in str(result.message)
    assert run_row(factory, run_id).status == "failed"


def test_a_celery_warm_shutdown_stops_the_run_and_queues_it_again(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker's warm shutdown (``worker_shutting_down``, sent in its main process) stops the
    feed run its task supervises within seconds: the run is queued again, not waited for."""
    from celery.signals import worker_shutting_down

    from indexer import jobs

    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    extra, marker = fault_env(tmp_path, "before_write")  # the run hangs before it writes
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(jobs, "get_settings", lambda: settings)
    monkeypatch.setattr(jobs, "WORKER_STOP", jobs.multiprocessing.get_context("fork").Event())
    out: list[dict[str, object]] = []
    task = threading.Thread(target=lambda: out.append(jobs.ingest_feed_run.run(run_id)))
    task.start()
    pid = paused_at(marker)
    started = time.monotonic()
    worker_shutting_down.send(sender="celery@test", sig="SIGTERM", how="Warm", exitcode=0)
    task.join(WAIT_SECONDS)
    assert not task.is_alive()
    assert time.monotonic() - started < 10.0  # SIGTERM, SIGKILL after 3 s: not the run's time
    assert not alive(pid)
    run = run_row(factory, run_id)
    assert run.status == "queued" and run.worker is None
    assert run.message == "queued again: the server was restarted during the run"
    assert out[0]["status"] == "queued" and offers(factory) == 0
    # the next worker's start sweep sends it; it runs to the end then
    monkeypatch.delenv(faults.PAUSE_ENV)
    assert run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=120).dispatch == [run_id]
    assert supervise(settings, factory, run_id).status == "succeeded"
    assert run_row(factory, run_id).attempts == 2


def test_the_worker_stop_event_reaches_a_forked_pool_process() -> None:
    """The event is made before the prefork pool forks: the pool process sees the main
    process's signal handler set it."""
    import multiprocessing

    from indexer import jobs

    stop = jobs.multiprocessing.get_context("fork").Event()
    ctx = multiprocessing.get_context("fork")
    seen = ctx.Queue()

    def pool_process() -> None:
        seen.put(stop.wait(30))

    child = ctx.Process(target=pool_process)
    child.start()
    time.sleep(0.2)
    stop.set()
    assert seen.get(timeout=30) is True
    child.join(30)
    assert isinstance(jobs.WORKER_STOP, type(stop))


def test_stopping_the_web_server_does_not_wait_for_the_index_update_of_a_run(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's runner, told to shut down while a run is in progress, stops it and leaves
    the search index update to the next start (the outbox is applied then): shutdown takes
    seconds, whatever the index update would have taken."""
    from api.routers import feeds

    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    extra, marker = fault_env(tmp_path, "before_write")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    reindexed: list[float] = []

    def slow_reindex(wait: float) -> int:
        reindexed.append(wait)
        time.sleep(60)  # a large outbox behind a held index lock
        return 0

    runner = feeds.FeedRunner(settings, factory, reindex=slow_reindex)
    runner.submit(run_id)
    pid = paused_at(marker)
    started = time.monotonic()
    runner.shutdown()
    assert time.monotonic() - started < 10.0
    assert reindexed == [] and not alive(pid)
    assert run_row(factory, run_id).status == "queued"
