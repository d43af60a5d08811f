"""Run a feed, then bring the search index up to date, then tell the subscribers.

The one way a queued feed run is run, whoever runs it: the web server's runner (a thread per
run, ``api.routers.feeds.FeedRunner``), the Celery task (``indexer.jobs.ingest_feed_run``, a
worker or eager), ``valbar ingest`` and ``valbar runs sweep``, and the demo's seeding:

1. **run**: :func:`indexer.runner.supervise` claims the run and runs it in a child process
   (limits, lease, cancellation, refusal, restart safety: see there). The run's offers and
   the index outbox rows of the products it changed commit in one transaction.
2. **reindex**: the search index outbox is applied (``reindex``: in this process by default,
   ``indexer.outbox.apply_outbox``; the web server applies it in a niced child of its own and
   lets its search service see the writes). Left to the next start when ``stop`` is set.
   The run's commit put it in its ``index`` phase (its public status ``running``,
   ``indexer.run_progress.public_status``); once none of its products waits in the outbox,
   the phase ends and the run shows ``succeeded`` at 100 %.
3. **events**: the domain events the child's commits published (``FeedRunFinished``,
   ``OfferPricesChanged``, ...) are delivered to the bus of ``factory`` in this process, so a
   subscriber hearing that a run finished finds its products in the search index. (An end
   the supervisor records itself, a crash or a cancellation, is delivered when it commits.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.events import deliver_committed
from catalog.models import IndexOutbox
from catalog.settings import Settings
from indexer.run_progress import finish_indexing
from indexer.runner import RunResult, StopFlag, supervise

_CHUNK = 900  # bound parameters per IN (...) list (SQLite's limit is 999)
OUTBOX_WAIT_SECONDS = 5.0  # after a run: wait this long for the index lock, then leave it


def waiting(factory: sessionmaker[Session], product_ids: set[int]) -> bool:
    """Whether any of ``product_ids`` still waits in the search index outbox (none known, a
    child that died after its commit: whether any row waits)."""
    if not product_ids:
        from indexer.outbox import has_pending

        return has_pending(factory)
    ids = sorted(product_ids)
    with factory() as session:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            found = session.scalar(
                select(IndexOutbox.id).where(IndexOutbox.product_id.in_(chunk)).limit(1)
            )
            if found is not None:
                return True
    return False


Reindex = Callable[[float], int]
"""Applies the search index outbox, waiting at most that many seconds for the index lock;
returns the products written."""


@dataclass(slots=True)
class FeedRunDone:
    """A run as :func:`run_feed_run` left it: how it ended and what reached the index."""

    result: RunResult
    indexed: int = 0  # products written to the search index after the run (0: left, ``stop``)

    @property
    def succeeded(self) -> bool:
        return self.result.status == "succeeded"

    def as_dict(self) -> dict[str, Any]:
        """What the Celery task returns (JSON)."""
        return {
            "feed_run_id": self.result.run_id,
            "claim": self.result.claim.value,
            "status": self.result.status,
            "message": self.result.message,
            "counts": {**self.result.counts, "indexed_products": self.indexed},
        }


def outbox_applier(settings: Settings, factory: sessionmaker[Session]) -> Reindex:
    """The default ``reindex``: apply the outbox in this process, through a backend opened
    for the call (``indexer.outbox.apply_outbox``)."""

    def apply(wait: float) -> int:
        from indexer.outbox import apply_outbox

        return apply_outbox(settings, factory=factory, wait=wait).products

    return apply


def run_feed_run(
    settings: Settings,
    factory: sessionmaker[Session],
    run_id: int,
    *,
    reindex: Reindex | None = None,
    stop: StopFlag | None = None,
    dispatch: Callable[[int], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> FeedRunDone:
    """Run ``run_id`` (``supervise``), apply the index outbox, deliver the run's events.

    ``stop``: the process is shutting down (the run goes back to the queue and the index
    update is left to the next start); ``dispatch``: how the retailer's next queued run is
    sent when this one ends; ``on_progress``: the run's progress, 0..1, now and then.
    """
    result = supervise(
        settings, factory, run_id, stop=stop, dispatch=dispatch, on_progress=on_progress
    )
    done = FeedRunDone(result)
    stopping = stop is not None and stop.is_set()  # the next start's outbox pass applies it
    if not stopping:
        # the run wrote its products to the index outbox in its own transaction (even a child
        # that died right after its commit); when another process holds the index lock, that
        # process applies them (and the periodic pass would)
        apply = reindex if reindex is not None else outbox_applier(settings, factory)
        done.indexed = apply(OUTBOX_WAIT_SECONDS)
        if done.succeeded and not waiting(factory, result.changed_product_ids):
            # its products are searchable: the run is over (its status was ``running`` in
            # the API and on its page until now); when another process holds the index
            # lock, that process's pass ends it (indexer.outbox.apply_outbox)
            finish_indexing(factory, run_id)
    deliver_committed(factory, result.events)  # committed facts, whatever happens next
    return done
