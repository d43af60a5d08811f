"""A ranking config published once is served by two separate worker processes within 2 s.

Each process builds its search service exactly as a ``valbar serve`` worker does
(``api.deps.SearchHolder``, default ``config_check_seconds``) and reports, every 50 ms,
which config its service would rank with. The test publishes a new version in the database
(as the merchandiser's request to some third worker would) and times how long until both
processes serve it, without a restart. (On PostgreSQL, where several workers on several
hosts are the norm; the same stamp is checked on SQLite, see the unit test.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from catalog.db import transaction
from ranking.config import RankingConfig
from ranking.versions import publish, save_draft
from tests.factories import migrated_factory

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import json, sys, time
from api.deps import SearchHolder
from catalog.settings import get_settings
from indexer.jobs import factory_for
settings = get_settings()
holder = SearchHolder(settings, factory_for(settings))
service = holder.get()
while True:
    description = service.config("default").description
    print(json.dumps([time.time(), description]), flush=True)
    time.sleep(0.05)
"""


def _publish(factory: object, description: str) -> None:
    with transaction(factory) as session:  # type: ignore[arg-type]
        row = save_draft(session, "default", RankingConfig(description=description), "anna")
        publish(session, "default", row.version, "bo")


def _next(proc: subprocess.Popen[str]) -> tuple[float, str]:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise AssertionError(f"worker ended: {proc.stderr.read() if proc.stderr else ''}")
    stamp, description = json.loads(line)
    return float(stamp), str(description)


def test_both_workers_serve_a_published_config_within_two_seconds(
    postgres_url: str, tmp_path: Path
) -> None:
    database_url = postgres_url  # SQLite: tests/unit/search/test_search_config_propagation.py
    factory = migrated_factory(database_url)
    _publish(factory, "v1")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VALBAR_DATABASE_URL": database_url,
        "VALBAR_DATA_DIR": str(tmp_path / "var"),
        "VALBAR_ENVIRONMENT": "test",
        "VALBAR_BROKER_URL": "",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for proc in workers:
            assert _next(proc)[1] == "v1"
        published_at = time.time()
        _publish(factory, "v2")
        delays = []
        for proc in workers:
            while True:
                stamp, description = _next(proc)
                if description == "v2":
                    delays.append(stamp - published_at)
                    break
                assert stamp - published_at < 5, "still serving the old config after 5 s"
        print(f"served the new config after {[round(d, 2) for d in delays]} s")
        assert max(delays) < 2.0
    finally:
        for proc in workers:
            proc.kill()
            proc.wait(timeout=10)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
