"""Concurrency of the index lock and the outbox, on SQLite and PostgreSQL (20 rounds each).

Threads with their own connections stand for worker processes: exactly one of them gets a
free (or dead holder's) lock, and two outbox passes at once apply every row exactly once.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import IndexOutbox, LockLease
from catalog.outbox import enqueue
from catalog.settings import Settings
from indexer.index_lock import Lease, try_acquire
from indexer.outbox import OutboxReport, apply_outbox, rebuild_index
from search.backends.tantivy_backend import TantivyBackend
from tests.factories import add_product, migrated_factory

pytestmark = pytest.mark.integration
ROUNDS = 20
T = TypeVar("T")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def at_once(n: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``n`` threads released together; re-raise any failure."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def dead_holder() -> str:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return f"{socket.gethostname()}:{proc.pid}:dead"


def test_exactly_one_process_gets_a_free_or_abandoned_lock(database_url: str) -> None:
    factory = migrated_factory(database_url)
    for round_ in range(ROUNDS):
        name = f"free-{round_}"
        won = [x for x in at_once(4, lambda _i, n=name: try_acquire(factory, n, 60)) if x]
        assert len(won) == 1
        abandoned = f"abandoned-{round_}"
        now = datetime.now(UTC)
        with transaction(factory) as session:
            session.add(
                LockLease(
                    name=abandoned,
                    holder=dead_holder(),
                    acquired_at=now,
                    expires_at=now + timedelta(hours=1),
                )
            )
        taken: list[Lease | None] = at_once(4, lambda _i, n=abandoned: try_acquire(factory, n, 60))
        assert len([x for x in taken if x]) == 1


def test_two_outbox_passes_at_once_apply_every_row_once(database_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url, environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    pids = [add_product(factory, key=f"p{i}", name=f"Handske {i}") for i in range(10)]
    rebuild_index(settings, factory=factory)
    backends = [TantivyBackend.from_settings(settings) for _ in range(2)]
    try:
        for round_ in range(ROUNDS):
            with transaction(factory) as session:
                enqueue(session, pids[round_ % 5 : round_ % 5 + 5])
            reports: list[OutboxReport] = at_once(
                2,
                lambda i: apply_outbox(settings, factory=factory, backend=backends[i], wait=0.0),
            )
            assert sum(r.rows for r in reports) == 5
            with factory() as session:
                assert session.scalar(select(func.count()).select_from(IndexOutbox)) == 0
                assert session.scalar(select(func.count()).select_from(LockLease)) == 0
    finally:
        for backend in backends:
            backend.close()
