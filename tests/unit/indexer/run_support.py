"""Shared by the run lifecycle tests (SQLite here, PostgreSQL in tests/integration)."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import FeedRun, Offer
from catalog.settings import Settings
from indexer import run_lease
from indexer.pipeline import FeedOptions, submit_feed
from tests.factories import add_retailer, swedish_feed


def queue_run(
    factory: sessionmaker[Session],
    settings: Settings,
    folder: Path,
    rows: int = 5,
    slug: str = "tandab",
) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    feed = swedish_feed(folder / f"feed-{rows}.csv", rows)
    return submit_feed(factory, settings, feed, slug, FeedOptions())


def run_row(factory: sessionmaker[Session], run_id: int) -> FeedRun:
    with factory() as session:
        run = session.get(FeedRun, run_id)
        assert run is not None
        return run


def offers(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Offer)) or 0)


def claim_concurrently(
    factory: sessionmaker[Session], run_ids: list[int], now: datetime | None = None
) -> list[run_lease.Claim]:
    """Every run claimed at once from its own thread; the outcomes in ``run_ids`` order."""
    barrier = threading.Barrier(len(run_ids))
    outcomes: list[run_lease.Claim | None] = [None] * len(run_ids)

    def claim(index: int) -> None:
        barrier.wait()
        outcomes[index] = run_lease.claim(factory, run_ids[index], run_lease.new_token(), 30.0, now)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(run_ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


def assert_one_claim_wins(
    factory: sessionmaker[Session], settings: Settings, folder: Path, rounds: int
) -> None:
    """``rounds`` times: a fresh retailer, four queued runs claimed at once: one runs."""
    for round_ in range(rounds):
        slug = f"race-{round_}"
        add_retailer(factory, slug, f"Race {round_}")
        runs = [queue_run(factory, settings, folder / slug, slug=slug) for _ in range(4)]
        outcomes = claim_concurrently(factory, runs)
        assert outcomes.count(run_lease.Claim.CLAIMED) == 1, (round_, outcomes)
        assert outcomes.count(run_lease.Claim.BUSY) == 3, (round_, outcomes)
