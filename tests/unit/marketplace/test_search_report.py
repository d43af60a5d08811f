"""The zero-result and no-click report: counting per query and day (no personal data),
concurrent writers adding up into one row, the report's order and its period."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import make_engine, session_factory
from marketplace.models import SearchQueryStat
from marketplace.search_report import (
    QueryStatRecorder,
    normalise_query,
    period_start,
    query_report,
    top_zero_result_queries,
)
from tests.factories import ENGINES

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture()
def factory(template_db: Path, tmp_path: Path) -> sessionmaker[Session]:
    path = tmp_path / "db.sqlite3"
    shutil.copy(template_db, path)
    engine = make_engine(f"sqlite:///{path}")
    ENGINES.append(engine)
    return session_factory(engine)


def _recorder(factory: sessionmaker[Session], at: list[datetime]) -> QueryStatRecorder:
    return QueryStatRecorder(factory, batch_size=1000, clock=lambda: at[0])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Nitril   HANDSKAR ", "nitril handskar"),
        ("anna.lind@klinik.se handskar", ""),  # an e-mail address: never stored
        ("19800101-1234", ""),  # a personal identity number
        ("800101+1234 borr", ""),
        ("07312345678909", "07312345678909"),  # a GTIN is not personal
        ("   ", ""),
    ],
)
def test_query_text_is_normalised_and_personal_data_never_kept(typed: str, stored: str) -> None:
    assert normalise_query(typed) == stored


def test_searches_and_clicks_fold_into_one_row_per_query_and_day(
    factory: sessionmaker[Session],
) -> None:
    at = [NOW]
    rec = _recorder(factory, at)
    rec.searched("Vante", 0)
    rec.searched("vante", 0)
    rec.searched("handske", 12)
    rec.clicked("handske")
    rec.searched("kontakt@klinik.se", 0)  # not recorded
    assert rec.pending() == 2
    assert rec.flush() == 2
    rec.searched("vante", 0)  # a later flush adds to the same row
    at[0] = NOW + timedelta(days=1)
    rec.searched("vante", 3)
    rec.flush()
    with factory() as s:
        rows = {
            (r.query, r.day.isoformat()): (r.searches, r.zero_results, r.clicked)
            for r in s.scalars(select(SearchQueryStat))
        }
    assert rows == {
        ("vante", "2026-12-07"): (3, 3, 0),
        ("handske", "2026-12-07"): (1, 0, 1),
        ("vante", "2026-12-08"): (1, 0, 0),
    }


def test_concurrent_flushes_of_two_processes_add_up(factory: sessionmaker[Session]) -> None:
    """Two workers flushing the same new (query, day) at once: one row, both counts."""
    at = [NOW]
    recorders = [_recorder(factory, at) for _ in range(4)]
    for rec in recorders:
        for _ in range(5):
            rec.searched("kofferdam", 0)
    barrier = threading.Barrier(len(recorders))

    def flush(rec: QueryStatRecorder) -> None:
        barrier.wait()
        rec.flush()

    threads = [threading.Thread(target=flush, args=(r,)) for r in recorders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(SearchQueryStat)) == 1
        row = s.scalars(select(SearchQueryStat)).one()
        assert (row.searches, row.zero_results) == (20, 20)


def test_report_most_frequent_first_within_the_period(factory: sessionmaker[Session]) -> None:
    at = [NOW - timedelta(days=40)]
    rec = _recorder(factory, at)
    for _ in range(9):
        rec.searched("gammal", 0)  # outside a 30-day period
    rec.flush()
    at[0] = NOW
    for text, times, total in [("articain", 5, 0), ("munskydd", 2, 0), ("borr", 6, 30)]:
        for _ in range(times):
            rec.searched(text, total)
    rec.clicked("borr")
    rec.clicked("borr")
    rec.flush()
    today = NOW.date()
    with factory() as s:
        rows, count = query_report(s, "zero", period_start("30d", today), limit=10)
        assert [(r.query, r.zero_results) for r in rows] == [("articain", 5), ("munskydd", 2)]
        assert count == 2 and rows[0].last_seen == NOW
        rows, _ = query_report(s, "zero", period_start("90d", today), limit=10)
        assert [r.query for r in rows] == ["gammal", "articain", "munskydd"]
        rows, count = query_report(s, "no_click", period_start("30d", today), limit=10)
        assert [(r.query, r.no_click, r.clicks) for r in rows] == [("borr", 4, 2)]
        page, count = query_report(s, "zero", period_start("90d", today), limit=1, offset=1)
        assert [r.query for r in page] == ["articain"] and count == 3
        assert top_zero_result_queries(s, period_start("7d", today), 1) == ["articain"]
    with pytest.raises(ValueError, match="period must be one of"):
        period_start("2d")
