"""On PostgreSQL: searches counted by several processes at once add up into one row per
query and day (the upsert), the report reads them, and two synonym drafts saved at once
never share a version."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from marketplace.models import SearchQueryStat
from marketplace.search_report import QueryStatRecorder, period_start, query_report
from search import synonym_versions
from search.errors import SynonymVersionConflict
from tests.factories import migrated_factory

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _together(jobs: list[threading.Thread]) -> None:
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()


def test_concurrent_flushes_add_up_and_the_report_reads_them(postgres_url: str) -> None:
    factory = migrated_factory(postgres_url)
    recorders = [QueryStatRecorder(factory, clock=lambda: NOW) for _ in range(4)]
    for rec in recorders:
        for _ in range(3):
            rec.searched("lustgas", 0)
        rec.searched("borr", 10)
        rec.clicked("borr")
    barrier = threading.Barrier(len(recorders))

    def flush(rec: QueryStatRecorder) -> None:
        barrier.wait()
        rec.flush()

    _together([threading.Thread(target=flush, args=(r,)) for r in recorders])
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(SearchQueryStat)) == 2
        rows, count = query_report(s, "zero", period_start("7d", NOW.date()), limit=10)
        assert [(r.query, r.searches, r.zero_results) for r in rows] == [("lustgas", 12, 12)]
        assert rows[0].last_seen == NOW and count == 1
        rows, _ = query_report(s, "no_click", period_start("7d", NOW.date()), limit=10)
        assert rows == []  # 4 searches of "borr", 4 clicks


def test_two_drafts_at_once_never_share_a_version(postgres_url: str) -> None:
    factory = migrated_factory(postgres_url)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(text: str) -> None:
        with factory() as s:
            barrier.wait()
            try:
                row = synonym_versions.save_draft(s, text, "mia")
                s.commit()
                outcomes.append(f"v{row.version}")
            except SynonymVersionConflict:
                s.rollback()
                outcomes.append("conflict")

    _together([threading.Thread(target=save, args=(t,)) for t in ("a, b", "c, d")])
    with factory() as s:
        stored = [r.version for r in synonym_versions.history(s)]
    assert len(stored) == len(set(stored)) == len([o for o in outcomes if o != "conflict"])
    assert stored
