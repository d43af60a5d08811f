"""Staged uploads a killed run left behind are swept once they are older than the setting."""

from __future__ import annotations

import os
import time
from pathlib import Path

from api.housekeeping import run_once
from catalog.settings import Settings
from indexer.uploads import sweep_stale_uploads
from tests.factories import migrated_factory

DAY = 24 * 3600


def _file(path: Path, age_s: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"sku;name\n")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_only_stale_staged_uploads_are_swept(tmp_path: Path) -> None:
    old_api = _file(tmp_path / "uploads" / "a.csv", 2 * DAY)
    old_ui = _file(tmp_path / "ui-uploads" / "7" / "tok", 2 * DAY)
    fresh = _file(tmp_path / "uploads" / "b.csv", 60)
    archived = _file(tmp_path / "archive" / "ab" / "abcdef", 30 * DAY)
    assert sweep_stale_uploads(tmp_path, DAY) == 2
    assert not old_api.exists() and not old_ui.exists()
    assert fresh.exists() and archived.exists()


def test_housekeeping_pass_sweeps_uploads(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    stale = _file(settings.data_dir / "uploads" / "left-behind.csv", 2 * DAY)
    assert run_once(settings, factory)["uploads_swept"] == 1
    assert not stale.exists()
