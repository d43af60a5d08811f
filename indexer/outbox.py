"""The read half of the search index outbox: apply it, and rebuild the index under a lock.

``catalog.outbox.enqueue`` records, in the transaction of every change, the products whose
documents changed. :func:`apply_outbox` reads a batch of rows, rebuilds those documents from
the database, writes them to the backend, lets the backend commit, and only then deletes
exactly the rows it read; rows added meanwhile stay for the next batch. A crash at any
point leaves the rows, so the next pass (after each run, at ``valbar serve`` and Celery
worker start-up, every ``outbox_interval_seconds`` from the housekeeping loop or beat, and
``valbar reindex``) converges the index to the database.

Every index write holds the ``search-index`` lock (``indexer.index_lock``), so two workers
never write at once and nothing writes into a generation a rebuild is about to replace:
:func:`rebuild_index` builds the new index, swaps it in, clears the outbox rows that were
committed before it started reading (the rebuild covered them) and then applies the rows
written during the rebuild to the new index (the catch-up pass) before it lets go.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import IndexOutbox
from catalog.settings import Settings
from indexer import run_progress
from indexer.faults import fault_point
from indexer.index_lock import SEARCH_INDEX, Lease, LockBusy, acquire, current_holder
from search.documents import ProductDocument, build_documents
from search.prices import rate_table
from search.protocol import SearchBackend

if TYPE_CHECKING:
    from search.semantic.index import SemanticIndex

log = logging.getLogger(__name__)
_DELETE_CHUNK = 900  # bound parameters per IN (...) list (SQLite's limit is 999)


@dataclass(slots=True)
class OutboxReport:
    """What one :func:`apply_outbox` call did."""

    rows: int = 0  # outbox rows applied and deleted
    products: int = 0  # documents written
    deleted: int = 0  # products no longer in the catalog, removed from the index
    busy: bool = False  # another process held the index lock: its pass applies the rows
    runs: list[int] = field(default_factory=list)  # feed runs whose products are all indexed

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "products": self.products,
            "deleted": self.deleted,
            "busy": self.busy,
            "runs": self.runs,
        }


def pending(factory: sessionmaker[Session]) -> int:
    """Outbox rows not yet applied."""
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(IndexOutbox)) or 0)


def has_pending(factory: sessionmaker[Session]) -> bool:
    """Whether any outbox row waits (one indexed row read: cheap enough to poll)."""
    with factory() as session:
        return session.scalar(select(IndexOutbox.id).limit(1)) is not None


def _delete_rows(factory: sessionmaker[Session], row_ids: Sequence[int]) -> None:
    """Delete exactly these rows (never a range: a row with a lower id may commit later)."""
    with transaction(factory) as session:
        for start in range(0, len(row_ids), _DELETE_CHUNK):
            session.execute(
                delete(IndexOutbox)
                .where(IndexOutbox.id.in_(row_ids[start : start + _DELETE_CHUNK]))
                .execution_options(synchronize_session=False)
            )


def _watched(docs: Iterable[ProductDocument], lease: Lease) -> Iterator[ProductDocument]:
    """The documents as the backend consumes them: the lease is renewed as they go, and the
    ``during_indexing`` fault point fires after the last one, before the backend commits."""
    for doc in docs:
        lease.renew()
        yield doc
    fault_point("during_indexing")


def _write(
    settings: Settings,
    backend: SearchBackend,
    semantic: SemanticIndex | None,
    docs: Iterable[ProductDocument],
    *,
    full: bool,
) -> int:
    from search.indexing import write_documents

    return write_documents(settings, backend, docs, full=full, semantic=semantic)


def _drain(
    settings: Settings,
    factory: sessionmaker[Session],
    backend: SearchBackend,
    semantic: SemanticIndex | None,
    lease: Lease,
    report: OutboxReport,
) -> None:
    """Apply batches until the outbox is empty (the caller holds the lock)."""
    while True:
        with factory() as session:
            rows = session.execute(
                select(IndexOutbox.id, IndexOutbox.product_id)
                .order_by(IndexOutbox.id)
                .limit(settings.outbox_batch_size)
            ).all()
            if not rows:
                return
            wanted = sorted({int(pid) for _id, pid in rows})
            docs = list(build_documents(session, wanted, rates=rate_table(settings)))
        found = {doc.product_id for doc in docs}
        gone = [pid for pid in wanted if pid not in found]
        if docs:
            watched = _watched(docs, lease)
            report.products += _write(settings, backend, semantic, watched, full=False)
        if gone:
            report.deleted += backend.delete_documents(gone)
        fault_point("after_index_commit")
        _delete_rows(factory, [int(row_id) for row_id, _pid in rows])
        report.rows += len(rows)
        lease.renew()


def _open_backend(
    settings: Settings,
    backend: SearchBackend | None,
    semantic: SemanticIndex | None,
    lease: Lease,
) -> tuple[SearchBackend, SemanticIndex | None, bool]:
    """The given backend, or one opened for this call (``True``: close it); the lease is
    let go when the backend cannot be opened."""
    if backend is not None:
        return backend, semantic, False
    from search.indexing import open_semantic
    from search.registry import get_backend

    try:
        opened = get_backend(settings)
    except BaseException:
        lease.release()
        raise
    try:
        return opened, semantic or open_semantic(settings), True
    except BaseException:
        opened.close()
        lease.release()
        raise


def apply_outbox(
    settings: Settings,
    *,
    factory: sessionmaker[Session] | None = None,
    backend: SearchBackend | None = None,
    semantic: SemanticIndex | None = None,
    wait: float = 0.0,
    finish_runs: bool = True,
) -> OutboxReport:
    """Apply the whole outbox to the search backend; safe to call from any process at once.

    Holds the index lock while it works. When another process holds it (``busy``), that
    process applies the rows: every holder checks the outbox again after letting go of the
    lock, so a row committed before this call is never left behind. ``backend``/``semantic``
    default to a backend opened (and closed) for this call; ``wait`` = seconds to wait for
    the lock before leaving the rows to the holder.

    The feed runs in their ``index`` phase when the call starts have their products in the
    index when it leaves the outbox empty (they committed their rows before): ``runs`` lists
    them, and ``finish_runs`` ends their phase (``indexer.run_progress.finish_indexing``);
    a caller whose own search service must first see the writes ends it itself.
    """
    if factory is None:
        from indexer.jobs import factory_for

        factory = factory_for(settings)
    report = OutboxReport()
    indexing = run_progress.indexing_runs(factory)  # before the outbox is read
    _apply(settings, factory, backend, semantic, wait, report)
    if indexing and not report.busy and not has_pending(factory):
        report.runs = indexing
        if finish_runs:
            run_progress.finish_indexing_runs(factory, indexing)
    return report


def _apply(
    settings: Settings,
    factory: sessionmaker[Session],
    backend: SearchBackend | None,
    semantic: SemanticIndex | None,
    wait: float,
    report: OutboxReport,
) -> None:
    """`apply_outbox`'s work: drain the outbox under the index lock."""
    if not has_pending(factory):  # the common case of the periodic pass: no lock taken
        return
    lease = acquire(factory, SEARCH_INDEX, settings.index_lease_seconds, wait)
    if lease is None:
        report.busy = True
        return
    opened, semantic, own = _open_backend(settings, backend, semantic, lease)
    try:
        while lease is not None:
            try:
                _drain(settings, factory, opened, semantic, lease, report)
            finally:
                lease.release()
            # rows committed while the lock was held by us are in the outbox now; whoever
            # holds the lock next applies them, and if nobody does, we do
            lease = None
            if has_pending(factory):
                lease = acquire(factory, SEARCH_INDEX, settings.index_lease_seconds)
    finally:
        if own:
            opened.close()


def rebuild_index(
    settings: Settings,
    *,
    factory: sessionmaker[Session] | None = None,
    backend: SearchBackend | None = None,
    semantic: SemanticIndex | None = None,
    wait: float | None = None,
) -> dict[str, Any]:
    """Rebuild the whole index from the database under the index lock (``valbar reindex``).

    The outbox rows committed before the rebuild starts reading are covered by it and
    deleted after the swap; rows committed during the rebuild (their writers found the lock
    held and left them) are applied to the new index afterwards, the catch-up pass.
    Raises :class:`~indexer.index_lock.LockBusy` when another process keeps the lock for
    longer than ``wait`` (default ``index_lock_wait_seconds``).
    """
    if factory is None:
        from indexer.jobs import factory_for

        factory = factory_for(settings)
    wait = settings.index_lock_wait_seconds if wait is None else wait
    lease = acquire(factory, SEARCH_INDEX, settings.index_lease_seconds, wait)
    if lease is None:
        holder = current_holder(factory, SEARCH_INDEX) or "another process"
        raise LockBusy(f"the search index is being written by {holder}; try again later")
    opened, semantic, own = _open_backend(settings, backend, semantic, lease)
    report = OutboxReport()
    try:
        try:
            with factory() as session:
                covered = [int(i) for i in session.scalars(select(IndexOutbox.id))]
            with factory() as session:
                docs = _watched(build_documents(session, rates=rate_table(settings)), lease)
                written = _write(settings, opened, semantic, docs, full=True)
            _delete_rows(factory, covered)
            _drain(settings, factory, opened, semantic, lease, report)  # catch-up
        finally:
            lease.release()
        if has_pending(factory):  # committed after the catch-up pass read the outbox
            after = apply_outbox(settings, factory=factory, backend=opened, semantic=semantic)
            report.rows += after.rows
            report.products += after.products
    finally:
        if own:
            opened.close()
    log.info("index rebuilt: %s documents, %s outbox rows caught up", written, report.rows)
    return {"indexed": written, "covered": len(covered), "caught_up": report.rows}
