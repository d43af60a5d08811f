"""Named cross-process locks in ``lock_lease``: expiry, dead holders, renewal."""

from __future__ import annotations

import socket
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from catalog.db import transaction
from catalog.models import LockLease
from indexer.index_lock import LeaseLost, LockBusy, held, holder_is_dead, try_acquire
from tests.factories import migrated_factory


@pytest.fixture()
def factory(tmp_path: Path) -> Any:
    return migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite3'}")


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_held_lock_is_not_given_twice_and_is_free_after_release(factory: Any) -> None:
    first = try_acquire(factory, "x", 60)
    assert first is not None
    assert try_acquire(factory, "x", 60) is None
    assert try_acquire(factory, "other", 60) is not None
    first.release()
    assert try_acquire(factory, "x", 60) is not None


def test_an_expired_lease_is_taken_over_and_its_holder_learns_it(factory: Any) -> None:
    first = try_acquire(factory, "x", 60)
    assert first is not None
    with transaction(factory) as session:
        session.execute(
            update(LockLease).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    second = try_acquire(factory, "x", 60)
    assert second is not None
    with pytest.raises(LeaseLost):
        first.renew(force=True)
    first.release()  # releasing a lease one no longer holds leaves the new holder's
    assert try_acquire(factory, "x", 60) is None


def test_a_dead_holder_on_this_host_is_taken_over_at_once(factory: Any) -> None:
    now = datetime.now(UTC)
    with transaction(factory) as session:
        session.add(
            LockLease(
                name="x",
                holder=f"{socket.gethostname()}:{dead_pid()}:abc",
                acquired_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
    assert try_acquire(factory, "x", 60) is not None


def test_liveness_is_judged_only_for_this_host() -> None:
    assert holder_is_dead(f"{socket.gethostname()}:{dead_pid()}:t")
    assert not holder_is_dead(f"another-host:{dead_pid()}:t")
    assert not holder_is_dead(f"{socket.gethostname()}:1:t")  # init runs


def test_held_raises_lock_busy_naming_the_holder(factory: Any) -> None:
    lease = try_acquire(factory, "x", 60)
    assert lease is not None
    with pytest.raises(LockBusy, match=socket.gethostname()), held(factory, "x", 60):
        pass
    lease.release()
    with held(factory, "x", 60) as mine:
        assert mine.name == "x"
