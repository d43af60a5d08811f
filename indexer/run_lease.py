"""A feed run's life in the database: claim, lease, cancel, end, sweep.

A run is claimed by a conditional update ``queued -> running`` that records a token naming the
claiming process (``worker``) and a lease (``lease_expires_at``) its supervisor renews every
``feed_heartbeat_seconds``. At most one run per retailer is running (the partial unique index
``uq_feed_run_one_running``): a claim that would make a second one fails with an
``IntegrityError`` and the run stays queued; it is sent again when the running one ends (or by
the sweep). A second upload while one runs is therefore accepted and queued after it.

Every later write (progress aside) is fenced by the token: a process whose run was taken from
it (lease expired, re-queued, claimed by another worker) or cancelled cannot commit.
``sweep`` ends or re-queues runs whose lease expired and finds queued runs nobody claimed
(a lost broker message, a restart).

For a *queued* run ``heartbeat_at`` is when it was last sent to a runner (None: never, or
given back to the queue), so the sweep can tell a lost message from one waiting in a queue.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, exists, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from catalog.db import rows_matched, transaction
from catalog.enums import FeedRunStatus
from catalog.models import FeedRun
from indexer import run_messages
from indexer.errors import IndexerError
from indexer.index_lock import holder_is_dead
from indexer.messages import Message, stored
from indexer.run_events import publish_run_end
from indexer.run_progress import READ_START

RUNNING = FeedRunStatus.RUNNING.value
QUEUED = FeedRunStatus.QUEUED.value
# a run back in the queue: no phase until it is claimed again
NOT_STARTED: dict[str, object] = {
    "progress": 0.0,
    "phase": None,
    "rows_done": 0,
    "rows_total": None,
}
FINISHED = frozenset(
    {
        FeedRunStatus.SUCCEEDED.value,
        FeedRunStatus.REJECTED.value,
        FeedRunStatus.FAILED.value,
        FeedRunStatus.CANCELLED.value,
    }
)


class RunLost(IndexerError):
    """This process no longer holds the run (its lease expired and it was taken)."""


class RunCancelled(IndexerError):
    """The run was cancelled before it committed."""


class RunBusy(IndexerError):
    """Another run of the same retailer is running; this one stays queued."""


class RunFinished(IndexerError):
    """The run has ended already; it cannot be cancelled."""


class Claim(StrEnum):
    CLAIMED = "claimed"
    BUSY = "busy"  # another run of the retailer is running: stays queued
    GONE = "gone"  # not queued (running elsewhere, finished)
    CANCELLED = "cancelled"  # cancelled while queued


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_token() -> str:
    """Names the claiming process and this claim: ``host:pid:random``."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def claim(
    factory: sessionmaker[Session],
    run_id: int,
    token: str,
    lease_seconds: float,
    now: datetime | None = None,
) -> Claim:
    """``queued -> running`` for ``token``, atomically; see :class:`Claim` for the outcomes."""
    now = now or utcnow()
    with factory() as session:
        try:
            result = session.execute(
                update(FeedRun)
                .where(
                    FeedRun.id == run_id,
                    FeedRun.status == QUEUED,
                    FeedRun.cancel_requested_at.is_(None),
                )
                .values(
                    status=RUNNING,
                    worker=token,
                    started_at=now,
                    heartbeat_at=now,
                    lease_expires_at=now + timedelta(seconds=lease_seconds),
                    attempts=FeedRun.attempts + 1,
                    # the first phase from the start: reading the file, no row read yet
                    progress=READ_START,
                    phase="read",
                    rows_done=0,
                    rows_total=None,
                    **stored(None),
                )
                .execution_options(synchronize_session=False)
            )
            session.commit()
        except IntegrityError:
            session.rollback()
            return Claim.BUSY
        if rows_matched(result) == 1:
            return Claim.CLAIMED
    if cancel_queued(factory, run_id, now):
        return Claim.CANCELLED
    return Claim.GONE


def cancel_queued(factory: sessionmaker[Session], run_id: int, now: datetime) -> bool:
    """End a queued run whose cancellation was requested (or is requested now)."""
    with transaction(factory) as session:
        result = session.execute(
            update(FeedRun)
            .where(FeedRun.id == run_id, FeedRun.status == QUEUED)
            .where(FeedRun.cancel_requested_at.is_not(None))
            .values(
                status=FeedRunStatus.CANCELLED.value,
                **stored(run_messages.cancelled()),
                finished_at=now,
                lease_expires_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(rows_matched(result))


@dataclass(frozen=True, slots=True)
class Lease:
    """What a renewal found: whether the token still holds the run, whether the run ended
    under this token (the child recorded its result), a pending cancellation, and the run's
    progress (for a CLI progress bar)."""

    held: bool
    finished: bool
    cancel_requested: bool
    progress: float


def renew(
    factory: sessionmaker[Session],
    run_id: int,
    token: str,
    lease_seconds: float,
    now: datetime | None = None,
) -> Lease:
    """Extend the lease of a run ``token`` holds."""
    now = now or utcnow()
    with transaction(factory) as session:
        result = session.execute(
            update(FeedRun)
            .where(FeedRun.id == run_id, FeedRun.worker == token, FeedRun.status == RUNNING)
            .values(heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        row = session.execute(
            select(
                FeedRun.status, FeedRun.worker, FeedRun.cancel_requested_at, FeedRun.progress
            ).where(FeedRun.id == run_id)
        ).first()
    if row is None:
        return Lease(False, False, False, 0.0)
    held = bool(rows_matched(result))
    finished = row.status in FINISHED and row.worker == token
    cancel = row.cancel_requested_at is not None
    return Lease(held, finished, cancel, float(row.progress or 0.0))


def fence(session: Session, run_id: int, token: str) -> FeedRun:
    """Inside the transaction that commits a run's result: the run, locked, still ours and not
    cancelled (else :class:`RunLost` / :class:`RunCancelled` and the caller rolls back)."""
    run = session.execute(
        select(FeedRun)
        .where(FeedRun.id == run_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if run is None or run.status != RUNNING or run.worker != token:
        raise RunLost(f"feed run {run_id} is no longer held by this process")
    if run.cancel_requested_at is not None:
        raise RunCancelled(run_messages.cancelled())
    return run


def end(
    factory: sessionmaker[Session],
    run_id: int,
    token: str,
    status: FeedRunStatus,
    message: Message,
    now: datetime | None = None,
) -> bool:
    """Record how a run ``token`` holds ended without a result; False if it holds it no more."""
    now = now or utcnow()
    with transaction(factory) as session:
        result = session.execute(
            update(FeedRun)
            .where(FeedRun.id == run_id, FeedRun.worker == token, FeedRun.status == RUNNING)
            .values(
                status=status.value,
                **stored(message),
                finished_at=now,
                lease_expires_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        if rows_matched(result):
            publish_run_end(session, run_id)
        return bool(rows_matched(result))


def requeue(
    factory: sessionmaker[Session],
    run_id: int,
    token: str,
    message: Message,
    now: datetime | None = None,
) -> bool:
    """Give a run ``token`` holds back to the queue (a graceful restart)."""
    now = now or utcnow()
    with transaction(factory) as session:
        result = session.execute(
            update(FeedRun)
            .where(FeedRun.id == run_id, FeedRun.worker == token, FeedRun.status == RUNNING)
            .values(
                status=QUEUED,
                **stored(message),
                worker=None,
                lease_expires_at=None,
                heartbeat_at=None,  # not sent anywhere: the next sweep sends it
                **NOT_STARTED,
            )
            .execution_options(synchronize_session=False)
        )
        if rows_matched(result):
            publish_run_end(session, run_id)
        return bool(rows_matched(result))


def request_cancel(factory: sessionmaker[Session], run_id: int, now: datetime | None = None) -> str:
    """Ask for a run to stop. A queued run ends ``cancelled`` at once; a running one is stopped
    by its supervisor within ``feed_heartbeat_seconds`` (its status is returned meanwhile).
    :class:`RunFinished` if it had ended already."""
    now = now or utcnow()
    with transaction(factory) as session:
        # a queued run ends in this one statement: two cancels at once cannot both see it
        # queued (the second finds it cancelled and is told it has ended)
        ended = session.execute(
            update(FeedRun)
            .where(FeedRun.id == run_id, FeedRun.status == QUEUED)
            .values(
                status=FeedRunStatus.CANCELLED.value,
                **stored(run_messages.cancelled()),
                cancel_requested_at=func.coalesce(FeedRun.cancel_requested_at, now),
                finished_at=now,
                lease_expires_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        if rows_matched(ended):
            publish_run_end(session, run_id)
            return FeedRunStatus.CANCELLED.value
        asked = session.execute(
            update(FeedRun)
            .where(FeedRun.id == run_id, FeedRun.status == RUNNING)
            .where(FeedRun.cancel_requested_at.is_(None))
            .values(cancel_requested_at=now)
            .execution_options(synchronize_session=False)
        )
        status = session.scalar(select(FeedRun.status).where(FeedRun.id == run_id))
    if status is None:
        raise IndexerError(f"no feed run {run_id}")
    if status in FINISHED and not rows_matched(asked):
        raise RunFinished(f"feed run {run_id} has ended already ({status})")
    return status


def next_queued(factory: sessionmaker[Session], retailer_id: int) -> int | None:
    """The oldest queued run of a retailer (sent on when its running run ends)."""
    with factory() as session:
        return session.scalar(
            select(FeedRun.id)
            .where(FeedRun.retailer_id == retailer_id, FeedRun.status == QUEUED)
            .order_by(FeedRun.id)
            .limit(1)
        )


@dataclass(slots=True)
class SweepReport:
    failed: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    dispatch: list[int] = field(default_factory=list)  # queued runs to send to a runner

    def as_dict(self) -> dict[str, list[int]]:
        return {
            "failed": self.failed,
            "requeued": self.requeued,
            "cancelled": self.cancelled,
            "dispatch": self.dispatch,
        }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def sweep(
    factory: sessionmaker[Session],
    *,
    max_attempts: int,
    requeue_after_seconds: float,
    now: datetime | None = None,
) -> SweepReport:
    """Runs whose lease expired are re-queued (while attempts < ``max_attempts``) or failed;
    queued runs with a requested cancellation end; queued runs not sent for
    ``requeue_after_seconds`` whose retailer has no running run are returned to be sent."""
    now = now or utcnow()
    report = SweepReport()
    with factory() as session:
        running = session.execute(
            select(FeedRun.id, FeedRun.attempts, FeedRun.worker, FeedRun.lease_expires_at).where(
                FeedRun.status == RUNNING
            )
        ).all()
    for run_id, attempts, worker, lease_expires_at in running:
        # a holder that is a dead process on this host (kill -9, then a restart) need not
        # be waited for: its lease can never be renewed again
        dead = worker is not None and holder_is_dead(worker)
        if not dead and lease_expires_at is not None and _aware(lease_expires_at) >= now:
            continue
        retry = (attempts or 0) < max_attempts
        with transaction(factory) as session:
            lease_over = or_(FeedRun.lease_expires_at.is_(None), FeedRun.lease_expires_at < now)
            stale = and_(
                FeedRun.id == run_id,
                FeedRun.status == RUNNING,
                FeedRun.worker.is_(None) if worker is None else FeedRun.worker == worker,
                true() if dead else lease_over,
            )
            values: dict[str, object] = (
                {
                    "status": QUEUED,
                    **stored(run_messages.requeued_after_lease()),
                    "worker": None,
                    "heartbeat_at": None,
                    **NOT_STARTED,
                }
                if retry
                else {
                    "status": FeedRunStatus.FAILED.value,
                    **stored(run_messages.lease_expired(attempts or 0)),
                    "finished_at": now,
                }
            )
            values["lease_expires_at"] = None
            result = session.execute(
                update(FeedRun)
                .where(stale)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if rows_matched(result):
                (report.requeued if retry else report.failed).append(run_id)
                publish_run_end(session, run_id)  # nothing when it was queued again
    with factory() as session:
        to_cancel = session.scalars(
            select(FeedRun.id).where(
                FeedRun.status == QUEUED, FeedRun.cancel_requested_at.is_not(None)
            )
        ).all()
    for run_id in to_cancel:
        if cancel_queued(factory, run_id, now):
            report.cancelled.append(run_id)
    cutoff = now - timedelta(seconds=requeue_after_seconds)
    other = aliased(FeedRun)
    with transaction(factory) as session:
        waiting = session.execute(
            select(FeedRun.id, FeedRun.retailer_id)
            .where(
                FeedRun.status == QUEUED,
                FeedRun.cancel_requested_at.is_(None),
                or_(FeedRun.heartbeat_at < cutoff, FeedRun.heartbeat_at.is_(None)),
                ~exists().where(other.retailer_id == FeedRun.retailer_id, other.status == RUNNING),
            )
            .order_by(FeedRun.id)
        ).all()
        seen: set[int] = set()
        for run_id, retailer_id in waiting:
            if retailer_id in seen:
                continue  # one per retailer; the next is sent when this one ends
            seen.add(retailer_id)
            report.dispatch.append(run_id)
        if report.dispatch:
            session.execute(
                update(FeedRun)
                .where(FeedRun.id.in_(report.dispatch))
                .values(heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )
    return report


def mark_sent(factory: sessionmaker[Session], run_id: int, now: datetime | None = None) -> None:
    """Record that a queued run was sent to a runner (the sweep sends it again later)."""
    with transaction(factory) as session:
        session.execute(
            update(FeedRun)
            .where(FeedRun.id == run_id, FeedRun.status == QUEUED)
            .values(heartbeat_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )
