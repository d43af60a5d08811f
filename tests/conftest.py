"""Fixtures shared by unit and integration tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder ``../shared/data``: skipped on a user's machine, required in CI."""
    if not SHARED_DATA.is_dir():
        if IN_CI:
            pytest.fail(f"{SHARED_DATA} is missing; CI must have ../shared/data beside the clone")
        pytest.skip(f"{SHARED_DATA} not present (real test data lives outside the project)")
    return SHARED_DATA


@pytest.fixture()
def settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point Valbar's settings at a fresh data dir (SQLite + tantivy under tmp_path)."""
    from catalog.settings import get_settings

    monkeypatch.setenv("VALBAR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("VALBAR_DATABASE_URL", "")
    monkeypatch.setenv("VALBAR_BROKER_URL", "")
    monkeypatch.setenv("VALBAR_ENVIRONMENT", "test")
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _dispose_test_engines() -> Iterator[None]:
    """Close every engine a test made through tests.factories (no leaked connections)."""
    yield
    from tests.factories import ENGINES

    while ENGINES:
        ENGINES.pop().dispose()
