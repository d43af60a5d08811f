"""Fault injection: the search index converges to the database after any crash.

A ``valbar ingest`` subprocess is killed with SIGKILL (``VALBAR_FAULT_INJECT``, see
``indexer/faults.py``) before its transaction commits, right after it commits, while the
index is being written, and after the index committed but before the outbox was cleared.
Then the start-up recovery runs (the outbox replay of ``valbar serve`` / the Celery worker)
and the offers in the database and the index documents must agree: count and content hash
of (product, offer, retailer, sku, price, stock).

Redis (a redis-server this test starts on a free port, never the shared one) is stopped
during search (no 5xx) and during a Celery job (the job completes, the index follows); the
Celery worker replays what a crash left in the outbox when it starts.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from catalog.db import transaction
from catalog.models import FeedRun, IndexOutbox, Offer
from catalog.outbox import enqueue
from catalog.settings import Settings
from indexer.jobs import make_celery
from indexer.outbox import apply_outbox, pending, rebuild_index
from indexer.pipeline import FeedOptions, run_feed, submit_feed
from search.registry import get_backend
from tests.conftest import IN_CI
from tests.factories import add_product, add_retailer, migrated_factory, swedish_feed
from tests.index_agreement import database_state, index_state

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = 30


def gtin13(n: int) -> str:
    body = f"735{n:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VALBAR_DATA_DIR": str(settings.data_dir),
        "VALBAR_DATABASE_URL": settings.database_url,
        "VALBAR_BROKER_URL": "",
        "VALBAR_ENVIRONMENT": "test",
        "VALBAR_MATCH_WORKERS": "1",
        **extra,
    }


class Shop:
    """A small catalog, one retailer, an index that agrees with the database."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp = tmp_path
        self.settings = Settings(
            data_dir=tmp_path / "var",
            database_url=database_url,
            environment="test",
            match_workers=1,
        )
        self.factory = migrated_factory(self.settings.sqlalchemy_url)
        add_retailer(self.factory)
        for i in range(PRODUCTS):
            add_product(self.factory, key=f"p{i}", name=f"Nitrilhandske M {i}", gtin=gtin13(i))
        rebuild_index(self.settings, factory=self.factory)
        gtins = {i: gtin13(i) for i in range(PRODUCTS)}
        self.ingest_here(swedish_feed(tmp_path / "first.csv", PRODUCTS, gtins=gtins))
        apply_outbox(self.settings, factory=self.factory)
        assert self.agree()
        # the next feed: new prices, 5 offers gone (withdrawn), 3 products without offers
        self.next_feed = swedish_feed(
            tmp_path / "second.csv", PRODUCTS - 5, price="249,00 kr", gtins=gtins
        )

    def ingest_here(self, path: Path) -> None:
        run_id = submit_feed(self.factory, self.settings, path, "tandab", FeedOptions())
        assert run_feed(self.factory, self.settings, run_id).status == "succeeded"

    def ingest_killed_at(self, point: str) -> subprocess.CompletedProcess[bytes]:
        cmd = [sys.executable, "-m", "valbar.cli", "ingest", str(self.next_feed)]
        return subprocess.run(
            [*cmd, "--retailer", "tandab", "--json"],
            env=_env(self.settings, VALBAR_FAULT_INJECT=point),
            cwd=ROOT,
            capture_output=True,
            timeout=60,
        )

    def states(self) -> tuple[tuple[int, str], tuple[int, str]]:
        backend = get_backend(self.settings)  # a fresh reader, as a restarted process
        try:
            return database_state(self.factory), index_state(backend, self.factory)
        finally:
            backend.close()

    def agree(self) -> bool:
        db, index = self.states()
        return db == index

    def running_runs(self) -> int:
        return self._runs("running")

    def queued_runs(self) -> int:
        return self._runs("queued")

    def _runs(self, status: str) -> int:
        with self.factory() as session:
            return len(session.scalars(select(FeedRun.id).where(FeedRun.status == status)).all())


@pytest.fixture()
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Shop:
    if getattr(request, "param", "sqlite") == "sqlite":
        return Shop(tmp_path, "")
    return Shop(tmp_path, request.getfixturevalue("postgres_url"))


# (database, point, does the database hold the new feed afterwards, does the index already
# agree, how the restart replays: "serve" = the start-up of the app, "replay" = the pass the
# serve and Celery start-ups run); the points where a committed transaction's index write
# died run on both databases, the others on SQLite only (the suite stays short)
CASES = [
    ("sqlite", "before_commit", False, True, "replay"),
    ("sqlite", "after_commit", True, False, "serve"),
    ("postgresql", "after_commit", True, False, "replay"),
    ("sqlite", "during_indexing", True, False, "replay"),
    ("postgresql", "during_indexing", True, False, "replay"),
    ("sqlite", "after_index_commit", True, True, "replay"),
]


def restart(shop: Shop, how: str) -> None:
    if how == "replay":
        report = apply_outbox(shop.settings, factory=shop.factory)
        assert not report.busy  # the dead ingest's lock (if it held it) was taken over at once
        return
    from valbar.app import create_app

    with TestClient(create_app(shop.settings)):  # its start-up replays the outbox
        deadline = time.monotonic() + 20
        while pending(shop.factory) and time.monotonic() < deadline:
            time.sleep(0.1)


@pytest.mark.parametrize(
    ("shop", "point", "committed", "index_current", "how"), CASES, indirect=["shop"]
)
def test_kill_9_then_restart_converges(
    shop: Shop, point: str, committed: bool, index_current: bool, how: str
) -> None:
    before = shop.states()[0]
    done = shop.ingest_killed_at(point)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    db, index = shop.states()
    assert (db != before) is committed
    assert (db == index) is index_current
    assert (pending(shop.factory) > 0) is committed

    restart(shop, how)
    assert pending(shop.factory) == 0
    db, index = shop.states()
    assert db == index
    assert db[0] == PRODUCTS


@pytest.mark.parametrize("point", ["before_commit", "after_commit", "during_indexing"])
def test_no_run_is_left_running_after_a_kill(tmp_path: Path, point: str) -> None:
    """The killed ingest's run is swept at the next start (its holder is a dead process), run
    again by the restarted server, and offers and index agree with nothing left running."""
    shop = Shop(tmp_path, "")
    assert shop.ingest_killed_at(point).returncode == -signal.SIGKILL
    from valbar.app import create_app

    with TestClient(create_app(shop.settings)):  # start-up: run sweep and outbox replay
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            shop.running_runs() or shop.queued_runs() or pending(shop.factory)
        ):
            time.sleep(0.2)
    assert shop.running_runs() == 0
    assert shop.queued_runs() == 0
    assert shop.agree()


# ---------------------------------------------------------------- Redis stopped


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OwnRedis:
    """A redis-server of this test alone (no persistence) on a free port."""

    def __init__(self, tmp: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            msg = "redis-server is not installed"
            if IN_CI:
                pytest.fail(msg)
            pytest.skip(msg)
        self.binary = binary
        self.tmp = tmp
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.tmp)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the test's redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture()
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def test_search_answers_while_redis_is_down(tmp_path: Path, own_redis: OwnRedis) -> None:
    from valbar.app import create_app

    shop = Shop(tmp_path, "")
    settings = shop.settings.model_copy(update={"redis_url": own_redis.url})
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/search", params={"q": "nitrilhandske"}).status_code == 200
        own_redis.stop()
        for _ in range(3):
            response = client.get("/api/v1/search", params={"q": "nitrilhandske"})
            assert response.status_code == 200, response.text
            assert response.json()["count"] == PRODUCTS


def _wait_for(factory: Any, run_id: int, statuses: set[str], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    status = ""
    while time.monotonic() < deadline:
        with factory() as session:
            status = session.scalar(select(FeedRun.status).where(FeedRun.id == run_id)) or ""
        if status in statuses:
            return status
        time.sleep(0.1)
    return status


def test_celery_job_completes_when_redis_stops_during_it(
    tmp_path: Path, own_redis: OwnRedis, postgres_url: str
) -> None:
    shop = Shop(tmp_path, postgres_url)
    settings = shop.settings.model_copy(update={"broker_url": own_redis.url})
    with transaction(shop.factory) as session:  # what a process killed after its commit left
        session.execute(update(Offer).where(Offer.sku == "SKU-0").values(price=1))
        enqueue(session, session.scalars(select(Offer.product_id).where(Offer.sku == "SKU-0")))
    assert not shop.agree()
    run_id = submit_feed(shop.factory, settings, shop.next_feed, "tandab", FeedOptions())
    queue = f"valbar-fault-{os.getpid()}"
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "indexer.jobs:celery_app", "worker"),
                *("--pool=solo", "-Q", queue, "--loglevel=WARNING", "--without-heartbeat"),
                *("--without-gossip", "--without-mingle"),
            ],
            env=_env(
                settings,
                VALBAR_BROKER_URL=own_redis.url,
                VALBAR_FAULT_INJECT="pause:before_commit:3",
            ),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        # a Celery app of its own: the shared one may hold a producer pool connected to
        # another broker by an earlier test
        sender = make_celery(settings)
        try:
            deadline = time.monotonic() + 40
            while pending(shop.factory) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert shop.agree(), "the worker's start-up did not replay the outbox"
            sender.send_task("valbar.ingest_feed_run", args=(run_id,), queue=queue)
            started = _wait_for(shop.factory, run_id, {"running"}, 40)
            assert started == "running", log_path.read_text()[-3000:]
            own_redis.stop()  # the job is inside its transaction, paused before the commit
            time.sleep(4)
            own_redis.start()
            status = _wait_for(shop.factory, run_id, {"succeeded", "failed"}, 40)
            assert status == "succeeded", log_path.read_text()[-3000:]
            deadline = time.monotonic() + 20
            while pending(shop.factory) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert pending(shop.factory) == 0
            assert shop.agree()
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
            sender.close()
    with transaction(shop.factory) as session:
        assert session.scalar(select(IndexOutbox.id).limit(1)) is None
