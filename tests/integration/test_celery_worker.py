"""Ingestion as a Celery task on a real Redis broker, executed by a real worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from catalog.models import FeedRun
from catalog.settings import Settings
from indexer.pipeline import FeedOptions, submit_feed
from tests.factories import add_retailer, migrated_factory, swedish_feed

pytestmark = pytest.mark.integration


def test_worker_runs_feed_by_id(postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    env = {
        **os.environ,
        "VALBAR_DATABASE_URL": postgres_url,
        "VALBAR_BROKER_URL": redis_url,
        "VALBAR_DATA_DIR": str(data_dir),
        "VALBAR_ENVIRONMENT": "test",
    }
    settings = Settings(
        data_dir=data_dir, database_url=postgres_url, broker_url=redis_url, environment="test"
    )
    factory = migrated_factory(postgres_url)
    add_retailer(factory)
    run_id = submit_feed(
        factory, settings, swedish_feed(tmp_path / "a.csv", 20), "tandab", FeedOptions()
    )
    queue = f"valbar-test-{os.getpid()}"
    log_path = tmp_path / "worker.log"
    log = log_path.open("wb")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "indexer.jobs:celery_app",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        from indexer import jobs

        jobs.configure(settings)
        # a delivered message stays invisible for longer than the longest run can take
        options = jobs.celery_app.conf.broker_transport_options
        assert options["visibility_timeout"] > settings.feed_time_limit_seconds
        jobs.ingest_feed_run.apply_async(args=(run_id,), queue=queue)
        deadline = time.monotonic() + 60
        status = "queued"
        while time.monotonic() < deadline:
            with factory() as s:
                status = s.scalar(select(FeedRun.status).where(FeedRun.id == run_id)) or ""
            if status in {"succeeded", "failed", "rejected"}:
                break
            time.sleep(0.3)
        assert status == "succeeded", (
            f"feed run ended as {status!r}; worker log:\n{log_path.read_text()[-3000:]}"
        )
        with factory() as s:
            run = s.get(FeedRun, run_id)
            assert run is not None and run.counts["inserted"] == 20
            # run by the worker's supervisor in a child process of its own, holding the lease
            assert run.worker is not None and str(worker.pid) in run.worker
            assert run.attempts == 1 and run.lease_expires_at is None
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
        from indexer import jobs

        jobs.configure(Settings(environment="test"))


def _worker(env: dict[str, str], queue: str, log: Any, pool: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "indexer.jobs:celery_app",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _status(factory: Any, run_id: int) -> str:
    with factory() as s:
        return s.scalar(select(FeedRun.status).where(FeedRun.id == run_id)) or ""


@pytest.mark.parametrize("pool", ["prefork", "solo"])
def test_a_warm_shutdown_does_not_wait_for_a_running_feed(
    postgres_url: str, redis_url: str, tmp_path: Path, pool: str
) -> None:
    """SIGTERM to a worker running a long feed: the worker exits within seconds, the run's
    process is stopped, the run is queued again, and the next worker's start sweep runs it."""
    from indexer import faults

    data_dir = tmp_path / "var"
    marker = tmp_path / "paused.marker"
    env = {
        **os.environ,
        "VALBAR_DATABASE_URL": postgres_url,
        "VALBAR_BROKER_URL": redis_url,
        "VALBAR_DATA_DIR": str(data_dir),
        "VALBAR_ENVIRONMENT": "test",
        faults.PAUSE_ENV: "before_write",  # the run hangs before it writes: a long run
        faults.MARKER_ENV: str(marker),
    }
    settings = Settings(
        data_dir=data_dir, database_url=postgres_url, broker_url=redis_url, environment="test"
    )
    factory = migrated_factory(postgres_url)
    add_retailer(factory)
    run_id = submit_feed(
        factory, settings, swedish_feed(tmp_path / "a.csv", 20), "tandab", FeedOptions()
    )
    queue = f"valbar-test-{os.getpid()}-{pool}"
    log_path = tmp_path / "worker.log"
    log = log_path.open("wb")
    from indexer import jobs

    worker = _worker(env, queue, log, pool)
    second = None
    try:
        jobs.configure(settings)
        jobs.ingest_feed_run.apply_async(args=(run_id,), queue=queue)
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text()):
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.1)
        child = int(marker.read_text().split()[1])
        assert _status(factory, run_id) == "running"
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)  # warm shutdown
        worker.wait(timeout=20)  # used to wait for the run (here: for ever)
        assert time.monotonic() - started < 15, log_path.read_text()[-3000:]
        with pytest.raises(ProcessLookupError):
            os.kill(child, 0)
        with factory() as s:
            run = s.get(FeedRun, run_id)
            assert run is not None and run.status == "queued", log_path.read_text()[-3000:]
            assert run.message == "queued again: the server was restarted during the run"
            assert run.worker is None
        # the next worker (no fault this time) sends it again at start (to the default queue,
        # which it also listens to here) and runs it
        env.pop(faults.PAUSE_ENV)
        second = _worker(env, f"{queue},valbar", log, pool)
        deadline = time.monotonic() + 90
        while _status(factory, run_id) not in {"succeeded", "failed", "rejected"}:
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.3)
        with factory() as s:
            run = s.get(FeedRun, run_id)
            assert run is not None and run.status == "succeeded", run.message
            assert run.attempts == 2 and run.counts["inserted"] == 20
    finally:
        for proc in (worker, second):
            if proc is None:
                continue
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()
        jobs.configure(Settings(environment="test"))
