"""A feed run's progress while it runs: its phase and the rows done of the phase's total.

Phases, in order (``FeedRun.phase``):

* ``read``: pass one reads and checks every row (`indexer.scan.scan_feed`); the total is not
  known until the file has been read, so only the rows read so far are reported;
* ``match``, ``store``: pass two matches the offers that need it and writes them, a chunk at a
  time (`indexer.changes.write_changes`), of the feed's valid rows;
* ``index``: the run's commit records it (at ``WRITE_END``, never back from 1.0), then the
  changed products reach the search index (`indexer.feed_runner`), of the products the run
  changed; only then is the run over (:func:`finish_indexing`: phase none, 1.0). Until
  then its public status (:func:`public_status`) is still ``running``: a client that stops
  polling at ``succeeded`` finds the run's offers in search.

A run's progress only moves forward: the claim starts it in ``read`` (0 rows, ``READ_START``),
the phases follow in the order above and the fraction never decreases (the reporter keeps the
highest it has sent and the database sink never writes a lower fraction than the row's).

A :class:`ProgressReporter` is told often (every ``ROWS_STEP`` rows at most) and writes at a
bounded rate: on a change of phase, else at most once per ``min_seconds``. Where it writes
is its ``sink``: the run's row, in a transaction of its own (:func:`database_sink`), except
on SQLite, where the run's own open transaction holds the database's only write lock until
it commits: there the progress goes to a small JSON file beside the run's archive in the
data dir (:func:`file_sink`), which the readers (:func:`current`) prefer while it exists.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.enums import FeedRunStatus
from catalog.models import FeedRun
from catalog.private_files import private_dir
from catalog.settings import Settings

log = logging.getLogger(__name__)

PHASES = ("read", "match", "store", "index")
ROWS_STEP = 1000
"""Callers report at least every this many rows (the writes are bounded by time)."""
DEFAULT_MIN_SECONDS = 0.5

# the share of the whole run before each phase (what the progress bar shows)
READ_START, READ_END = 0.05, 0.3
WRITE_END = 0.95  # match and store share 0.3..0.95, half each
INDEXING_FOLLOWED = timedelta(minutes=10)
"""A run whose products were being indexed this long ago is no longer reported as running (a
process that died meanwhile left its phase behind; the next outbox pass indexes them)."""


@dataclass(frozen=True, slots=True)
class RunProgress:
    phase: str | None
    done: int
    total: int | None
    fraction: float  # of the whole run, 0..1

    def as_json(self) -> dict[str, object]:
        return {"phase": self.phase, "done": self.done, "total": self.total, "f": self.fraction}


Sink = Callable[[RunProgress], None]


def read_fraction(rows: int) -> float:
    """Pure: the run's share done while pass one has read ``rows`` (its total unknown): it
    approaches the end of the phase and never reaches it."""
    return READ_START + (READ_END - READ_START) * rows / (rows + 20_000)


def write_fraction(matched: int, stored: int, total: int) -> float:
    """Pure: the run's share done when ``matched`` and ``stored`` of ``total`` offers are."""
    both = (min(matched, total) + min(stored, total)) / max(1, 2 * total)
    return READ_END + (WRITE_END - READ_END) * both


def _rank(phase: str | None) -> int:
    """A phase's place in the run: match and store take turns a chunk at a time (one rank)."""
    return {"read": 0, "match": 1, "store": 1, "index": 2}.get(phase or "", -1)


class ProgressReporter:
    """Collects a run's progress and hands it to ``sink`` at a bounded rate."""

    def __init__(
        self,
        sink: Sink,
        *,
        min_seconds: float = DEFAULT_MIN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sink = sink
        self.min_seconds = min_seconds
        self.clock = clock
        self.last: RunProgress | None = None
        self.last_at = float("-inf")
        self.matched = 0
        self.stored = 0

    def _report(self, progress: RunProgress) -> None:
        if self.last is not None:
            if _rank(progress.phase) < _rank(self.last.phase):
                return  # phases only move forward
            if progress.fraction < self.last.fraction:  # nor does the bar
                progress = RunProgress(
                    progress.phase, progress.done, progress.total, self.last.fraction
                )
        now = self.clock()
        changed = self.last is None or self.last.phase != progress.phase
        if not changed and now - self.last_at < self.min_seconds:
            return
        if self.last is not None and progress == self.last:
            return
        self.last, self.last_at = progress, now
        try:
            self.sink(progress)
        except (OSError, SQLAlchemyError):  # a courtesy: never fail a run for it
            log.warning("could not record feed-run progress", exc_info=True)

    def read(self, rows: int) -> None:
        self._report(RunProgress("read", rows, None, read_fraction(rows)))

    def match(self, done: int, total: int) -> None:
        self.matched = done
        fraction = write_fraction(done, self.stored, total)
        self._report(RunProgress("match", done, total, fraction))

    def store(self, done: int, total: int) -> None:
        self.stored = done
        fraction = write_fraction(self.matched, done, total)
        self._report(RunProgress("store", done, total, fraction))

    def index(self, done: int, total: int) -> None:
        fraction = WRITE_END + (1 - WRITE_END) * done / max(1, total)
        self._report(RunProgress("index", done, total, fraction))


def uses_file(settings: Settings) -> bool:
    """SQLite: the run's open transaction holds the only write lock (see the docstring)."""
    return settings.sqlalchemy_url.startswith("sqlite")


def progress_path(settings: Settings, run_id: int) -> Path:
    return settings.archive_dir / "progress" / f"{run_id}.json"


def file_sink(settings: Settings, run_id: int) -> Sink:
    """Write the progress to the run's progress file (atomically: a reader never sees half)."""
    path = progress_path(settings, run_id)

    def write(progress: RunProgress) -> None:
        private_dir(path.parent)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(progress.as_json()), encoding="utf-8")
        os.replace(partial, path)

    return write


def database_sink(factory: sessionmaker[Session], run_id: int) -> Sink:
    """Write the progress to the run's row in a transaction of its own (a run that has ended
    keeps its end, except for the ``index`` phase, which comes after it; a fraction lower
    than the row's is never written)."""

    def write(progress: RunProgress) -> None:
        query = update(FeedRun).where(FeedRun.id == run_id, FeedRun.progress <= progress.fraction)
        if progress.phase != "index":
            query = query.where(FeedRun.finished_at.is_(None))
        with transaction(factory) as session:
            session.execute(
                query.values(
                    phase=progress.phase,
                    rows_done=progress.done,
                    rows_total=progress.total,
                    progress=progress.fraction,
                ).execution_options(synchronize_session=False)
            )

    return write


def sink_for(settings: Settings, factory: sessionmaker[Session], run_id: int) -> Sink:
    """Where a running run's progress goes (the ``index`` phase, after the commit, always goes
    to the row: nothing holds the lock then)."""
    return file_sink(settings, run_id) if uses_file(settings) else database_sink(factory, run_id)


def start_indexing(run: FeedRun, products: int) -> None:
    """A succeeded run's commit: its ``products`` are on their way to the search index (the
    run's status shows ``running`` until :func:`finish_indexing`); none: the run is over."""
    if products:
        run.phase, run.rows_done, run.rows_total = "index", 0, products
        run.progress = WRITE_END  # the run's end (1.0) comes with the index
    else:
        run.phase, run.rows_done, run.progress = None, run.rows_total or 0, 1.0


def finish_indexing(factory: sessionmaker[Session], run_id: int) -> None:
    """The run's products are in the search index: its phase is over."""
    with transaction(factory) as session:
        session.execute(
            update(FeedRun)
            .where(FeedRun.id == run_id, FeedRun.phase == "index")
            .values(phase=None, rows_done=FeedRun.rows_total, progress=1.0)
            .execution_options(synchronize_session=False)
        )


def indexing(run: FeedRun, now: datetime | None = None) -> bool:
    """Whether ``run`` has committed its offers and its products are still on their way to the
    search index (followed for ``INDEXING_FOLLOWED`` after its end)."""
    if run.status != FeedRunStatus.SUCCEEDED.value or run.phase != "index":
        return False
    if run.finished_at is None:
        return True
    ended = run.finished_at
    if ended.tzinfo is None:  # SQLite keeps no zone: the times are stored in UTC
        ended = ended.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - ended < INDEXING_FOLLOWED


def public_status(run: FeedRun, now: datetime | None = None) -> str:
    """The status the API and the pages show: ``running`` until a succeeded run's offers are
    searchable (its ``index`` phase is over), then ``succeeded``."""
    return FeedRunStatus.RUNNING.value if indexing(run, now) else run.status


def indexing_runs(factory: sessionmaker[Session]) -> list[int]:
    """The succeeded runs whose products are still on their way to the search index (an
    outbox pass that then finds the outbox empty has indexed them all)."""
    with factory() as session:
        return list(
            session.scalars(
                select(FeedRun.id).where(
                    FeedRun.status == FeedRunStatus.SUCCEEDED.value, FeedRun.phase == "index"
                )
            )
        )


def finish_indexing_runs(factory: sessionmaker[Session], run_ids: list[int]) -> None:
    """:func:`finish_indexing` for each of ``run_ids``."""
    for run_id in run_ids:
        finish_indexing(factory, run_id)


def reporter_for(
    settings: Settings, factory: sessionmaker[Session], run_id: int
) -> ProgressReporter:
    """The reporter a run uses (``feed_progress_seconds`` apart at most)."""
    return ProgressReporter(
        sink_for(settings, factory, run_id), min_seconds=settings.feed_progress_seconds
    )


def clear(settings: Settings, run_id: int) -> None:
    """Remove a run's progress file (its row has the final word)."""
    with contextlib.suppress(FileNotFoundError):
        progress_path(settings, run_id).unlink()


def current(settings: Settings, run: FeedRun) -> RunProgress:
    """Where ``run`` is: while it runs, its progress file if there is one; else its row (a
    file a killed process left behind is never read for a run queued again or ended)."""
    stored = RunProgress(run.phase, run.rows_done or 0, run.rows_total, run.progress or 0.0)
    if run.finished_at is not None or run.status != FeedRunStatus.RUNNING.value:
        return stored
    try:
        raw = json.loads(progress_path(settings, run.id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return stored
    if not isinstance(raw, dict) or raw.get("phase") not in PHASES:
        return stored
    total = raw.get("total")
    return RunProgress(
        str(raw["phase"]),
        int(raw.get("done") or 0),
        int(total) if isinstance(total, int) else None,
        float(raw.get("f") or 0.0),
    )
