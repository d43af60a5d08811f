"""``valbar demo``'s e-mail links lead to the server it starts: the site URL follows
``--host``/``--port`` unless ``VALBAR_SITE_URL`` says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.settings import get_settings
from valbar.cli import app
from valbar.cli.demo_cmd import demo_site_url


def test_the_site_url_is_the_served_address() -> None:
    assert demo_site_url("127.0.0.1", 8765) == "http://127.0.0.1:8765"
    assert demo_site_url("0.0.0.0", 9000) == "http://localhost:9000"
    assert demo_site_url("::1", 9000) == "http://[::1]:9000"


def _run_demo(monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """The site URL the demo's build saw (the build itself is replaced: the command's
    wiring is what is tested)."""
    seen: list[str] = []

    def build(_factory: object, settings: object, *, say: object) -> dict[str, int]:
        seen.append(get_settings().site_url)
        return {"products": 0, "offers": 0}

    monkeypatch.setattr("valbar.demo.build_demo", build)
    result = CliRunner().invoke(app, ["demo", "--no-serve", *args])
    assert result.exit_code == 0, result.output
    return seen[0]


def test_the_demo_links_follow_its_port(
    settings_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # recorded as it was (unset, normally) so that the command's own setting is undone after
    monkeypatch.setenv("VALBAR_SITE_URL", "")
    monkeypatch.delenv("VALBAR_SITE_URL")
    assert _run_demo(monkeypatch, "--port", "8765") == "http://127.0.0.1:8765"
    monkeypatch.setenv("VALBAR_SITE_URL", "https://valbar.example")
    assert _run_demo(monkeypatch, "--port", "8765") == "https://valbar.example"
    get_settings.cache_clear()
