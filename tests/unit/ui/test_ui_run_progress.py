"""The run page shows the phase with rows done of total while a run runs, and keeps polling
while its products reach the search index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from catalog.db import transaction
from catalog.models import FeedRun
from indexer import run_lease, run_progress
from indexer.jobs import factory_for
from indexer.run_progress import RunProgress
from tests.unit.ui.ui_support import UiEnv


def _run(env: UiEnv, slug: str = "nordisk-dentaldepa", **values: object) -> int:
    """A run of ``slug`` as a running process leaves it (one runs per retailer at a time),
    with the process's token and an unexpired lease, so the housekeeping sweep leaves it be."""
    now = datetime.now(UTC)
    with transaction(factory_for(env.settings)) as s:
        s.execute(
            update(FeedRun)
            .where(FeedRun.retailer_id == env.retailers[slug], FeedRun.status == "running")
            .values(status="failed")
        )
        run = FeedRun(
            retailer_id=env.retailers[slug],
            file_name="lager.csv",
            sha256="1" * 64,
            status="running",
            worker=run_lease.new_token(),
            started_at=now,
            heartbeat_at=now,
            lease_expires_at=now + timedelta(hours=1),
            attempts=1,
            **values,
        )
        s.add(run)
        s.flush()
        return run.id


def test_a_running_run_shows_its_phase_and_rows(env: UiEnv, as_retailer: TestClient) -> None:
    run_id = _run(env, phase="match", rows_done=12_000, rows_total=60_000, progress=0.42)
    fragment = as_retailer.get(f"/portal/korningar/{run_id}/status").text
    assert "Matchar 12\u00a0000 av 60\u00a0000 rader · 42 %" in fragment
    assert 'data-phase="match"' in fragment and 'value="42"' in fragment
    assert f'hx-get="/portal/korningar/{run_id}/status"' in fragment
    english = as_retailer.get(f"/portal/korningar/{run_id}/status?lang=en").text
    assert "Matching 12,000 of 60,000 rows" in english


def test_while_reading_the_bar_is_indeterminate_and_the_rows_read_are_counted(
    env: UiEnv, as_retailer: TestClient
) -> None:
    run_id = _run(env)
    # SQLite: a running run's progress is in its progress file (its transaction holds the lock)
    run_progress.file_sink(env.settings, run_id)(RunProgress("read", 7000, None, 0.1))
    try:
        fragment = as_retailer.get(f"/portal/korningar/{run_id}/status").text
    finally:
        run_progress.clear(env.settings, run_id)
    assert "Läser och kontrollerar rader: 7\u00a0000 lästa" in fragment
    assert '<progress max="100" aria-label="Förlopp"></progress>' in fragment


def test_a_finished_run_polls_only_while_its_products_are_indexed(
    env: UiEnv, as_retailer: TestClient
) -> None:
    now = datetime.now(UTC)
    indexing = _run(env, phase="index", rows_done=0, rows_total=40, finished_at=now)
    with transaction(factory_for(env.settings)) as s:
        for run in s.query(FeedRun).filter(FeedRun.id == indexing):
            run.status = "succeeded"
    fragment = as_retailer.get(f"/portal/korningar/{indexing}/status").text
    assert "Uppdaterar sökindexet med 40 produkter" in fragment and "hx-get" in fragment
    # not searchable yet: the run is still running, as the API says (not "Klar 95 %")
    assert 'data-status="running"' in fragment and "Pågår" in fragment
    assert "Klar" not in fragment
    listed = as_retailer.get("/portal").text
    assert 'status-running">Pågår' in listed  # the list of runs says the same
    stale = _run(env, phase="index", rows_total=40, finished_at=now - timedelta(hours=1))
    with transaction(factory_for(env.settings)) as s:
        for run in s.query(FeedRun).filter(FeedRun.id == stale):
            run.status = "succeeded"
    fragment = as_retailer.get(f"/portal/korningar/{stale}/status").text
    assert "hx-get" not in fragment and 'value="100"' in fragment
    assert 'data-status="succeeded"' in fragment  # no longer followed: as its row says


def test_another_retailers_run_progress_is_not_shown(env: UiEnv, as_retailer: TestClient) -> None:
    other = _run(env, slug="smilo", phase="match", rows_done=1, rows_total=2)
    assert as_retailer.get(f"/portal/korningar/{other}/status").status_code == 404
