"""Named cross-process locks with an expiry, in the ``lock_lease`` table.

One row per lock name: whoever inserted it (or took over an expired one) holds the lock until
it releases it or the lease expires. The holder renews while it works; a holder that died on
this host (``kill -9``, an OOM kill) is recognised by its pid and taken over at once, one on
another host when its lease expires. Acquisition is a compare-and-set (an INSERT, or an
UPDATE naming the previous holder), so two processes never both win; it works the same on
SQLite and PostgreSQL.

The search index uses one lock (:data:`SEARCH_INDEX`) for every write: incremental updates
from the outbox and the full rebuild of ``valbar reindex``.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import rows_matched, transaction
from catalog.models import LockLease
from indexer.errors import IndexerError

SEARCH_INDEX = "search-index"
POLL_SECONDS = 0.1


class LockBusy(IndexerError):
    """The lock is held by another live process (named in the message)."""


class LeaseLost(IndexerError):
    """The lease expired and another process took the lock: stop writing."""


def holder_id() -> str:
    """``host:pid:token``: unique per acquisition, with the pid for the liveness check."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet is a zombie: dead
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]


def holder_is_dead(holder: str) -> bool:
    """True when ``holder`` names a process on this host that no longer runs."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    return pid != os.getpid() and not _pid_alive(pid)


@dataclass(slots=True)
class Lease:
    """A held lock. :meth:`renew` while working, :meth:`release` when done."""

    factory: sessionmaker[Session]
    name: str
    holder: str
    seconds: float
    renewed_at: float = field(default_factory=time.monotonic)

    def renew(self, *, force: bool = False) -> None:
        """Extend the lease (at most every quarter of its length unless ``force``)."""
        now_m = time.monotonic()
        if not force and now_m - self.renewed_at < self.seconds / 4:
            return
        now = datetime.now(UTC)
        with transaction(self.factory) as session:
            done = session.execute(
                update(LockLease)
                .where(LockLease.name == self.name, LockLease.holder == self.holder)
                .values(expires_at=now + timedelta(seconds=self.seconds))
                .execution_options(synchronize_session=False)
            )
        if rows_matched(done) != 1:
            raise LeaseLost(f"lock {self.name!r}: the lease expired and was taken over")
        self.renewed_at = now_m

    def release(self) -> None:
        with transaction(self.factory) as session:
            session.execute(
                delete(LockLease)
                .where(LockLease.name == self.name, LockLease.holder == self.holder)
                .execution_options(synchronize_session=False)
            )


def current_holder(factory: sessionmaker[Session], name: str) -> str | None:
    with factory() as session:
        holder: str | None = session.scalar(select(LockLease.holder).where(LockLease.name == name))
        return holder


def try_acquire(factory: sessionmaker[Session], name: str, seconds: float) -> Lease | None:
    """The lock if it is free, expired, or held by a dead process on this host; else None."""
    me = holder_id()
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=seconds)
    try:
        with transaction(factory) as session:
            row = session.execute(
                select(LockLease.holder, LockLease.expires_at).where(LockLease.name == name)
            ).one_or_none()
            if row is None:
                session.execute(
                    insert(LockLease).values(
                        name=name, holder=me, acquired_at=now, expires_at=expires
                    )
                )
            else:
                holder, expires_at = row
                if _aware(expires_at) > now and not holder_is_dead(holder):
                    return None
                taken = session.execute(
                    update(LockLease)
                    .where(LockLease.name == name, LockLease.holder == holder)
                    .values(holder=me, acquired_at=now, expires_at=expires)
                    .execution_options(synchronize_session=False)
                )
                if rows_matched(taken) != 1:
                    return None  # someone else took it over first
    except IntegrityError:
        return None  # inserted concurrently by another process
    except OperationalError as exc:  # SQLite: another writer holds the database
        if "locked" in str(exc).lower():
            return None
        raise
    return Lease(factory, name, me, seconds)


def acquire(
    factory: sessionmaker[Session], name: str, seconds: float, wait: float = 0.0
) -> Lease | None:
    """:func:`try_acquire`, retried for up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        lease = try_acquire(factory, name, seconds)
        if lease is not None or time.monotonic() >= deadline:
            return lease
        time.sleep(POLL_SECONDS)


@contextmanager
def held(
    factory: sessionmaker[Session], name: str, seconds: float, wait: float = 0.0
) -> Iterator[Lease]:
    """Hold the lock for the block; :class:`LockBusy` when it cannot be had in ``wait``."""
    lease = acquire(factory, name, seconds, wait)
    if lease is None:
        raise LockBusy(
            f"lock {name!r} is held by {current_holder(factory, name) or 'another process'}"
        )
    try:
        yield lease
    finally:
        lease.release()
