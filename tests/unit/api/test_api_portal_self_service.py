"""The API says where a running feed run is (phase, rows done of total) and shows a
retailer page's new parts (terms, logo, the video's player)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import FeedRun, Retailer
from indexer import run_lease, run_progress
from indexer.jobs import factory_for
from indexer.run_progress import RunProgress
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_progress")))
    yield built
    close_env(built)


def _running(env: ApiEnv) -> int:
    """A run as a live worker holds it: with its token and an unexpired lease (a run marked
    running without them is one the housekeeping sweep rightly takes back to the queue)."""
    now = datetime.now(UTC)
    with transaction(factory_for(env.settings)) as s:
        retailer = s.scalar(select(Retailer).where(Retailer.slug == "tandab"))
        assert retailer is not None
        run = FeedRun(
            retailer_id=retailer.id,
            file_name="lager.csv",
            sha256="2" * 64,
            status="running",
            phase="read",
            rows_done=1000,
            worker=run_lease.new_token(),
            started_at=now,
            heartbeat_at=now,
            lease_expires_at=now + timedelta(hours=1),
            attempts=1,
        )
        s.add(run)
        s.flush()
        return run.id


def test_a_running_run_reports_its_phase_and_rows(env: ApiEnv) -> None:
    run_id = _running(env)
    url = f"/api/v1/feeds/{run_id}"
    body = env.client.get(url, headers=env.headers("retailer_own")).json()
    assert (body["phase"], body["rows_done"], body["rows_total"]) == ("read", 1000, None)
    # SQLite: the run's open transaction holds the write lock, so its progress is in a file
    run_progress.file_sink(env.settings, run_id)(RunProgress("match", 12_000, 60_000, 0.41))
    try:
        body = env.client.get(url, headers=env.headers("retailer_own")).json()
    finally:
        run_progress.clear(env.settings, run_id)
    assert (body["phase"], body["rows_done"], body["rows_total"]) == ("match", 12_000, 60_000)
    assert body["progress"] == 0.41
    listed = env.client.get("/api/v1/retailers/tandab/feeds", headers=env.headers("admin")).json()
    assert {"phase", "rows_done", "rows_total"} <= set(listed["data"][0])
    # another retailer is told the run does not exist (no cross-organisation existence leak)
    assert env.client.get(url, headers=env.headers("retailer_other")).status_code == 404


def test_the_retailer_page_has_its_terms_and_the_video_player(env: ApiEnv) -> None:
    with transaction(factory_for(env.settings)) as s:
        retailer = s.scalar(select(Retailer).where(Retailer.slug == "dentalnord"))
        assert retailer is not None
        retailer.video_url = "https://vimeo.com/76979871"
        retailer.delivery_days = 2
        retailer.contact_email = "order@dentalnord.example"
        retailer.logo_file = "a" * 64 + ".png"
    page = env.client.get("/api/v1/retailers/dentalnord").json()
    assert page["video_embed_url"] == "https://player.vimeo.com/video/76979871"
    assert page["delivery_days"] == 2 and page["contact_email"] == "order@dentalnord.example"
    assert page["logo_url"] == "/handlare/dentalnord/logotyp?v=aaaaaaaaaaaa"
