"""``valbar serve``: production settings handed to uvicorn, a warning when slow parts."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from api.cli import app
from catalog.settings import get_settings


@pytest.fixture()
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("VALBAR_ENVIRONMENT", "production")
    monkeypatch.setenv("VALBAR_SECRET_KEY", "a-real-secret-" * 4)
    get_settings.cache_clear()
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: seen.update(target=target, **kw))
    yield seen
    get_settings.cache_clear()


def test_production_serve_uses_fast_parts_and_no_access_log(production: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert production["target"] == "api.app:create_app" and production["factory"] is True
    assert production["workers"] == 2 and production["port"] == 8123
    assert production["access_log"] is False
    assert production["loop"] == "auto" and production["http"] == "auto"


def test_production_serve_warns_without_httptools(
    production: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "httptools" else real(name, *a),
    )
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0
    assert result.output.startswith("warning: httptools") and "not installed" in result.output
    assert production["workers"] == 1
