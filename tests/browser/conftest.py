"""Browser tests: Debian's Chromium driven by Playwright against a live uvicorn server.

Skipped (with the reason) on a machine without Playwright or Chromium; in CI (``CI=true``)
a missing browser is a failure, never a silent skip. On a failing test every open page is
saved as a screenshot under ``tests/artifacts/``.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("VALBAR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives a real Chromium through Playwright against a live server"
    )


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (.venv/bin/pip install playwright)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    reason = _missing_browser()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class LiveServer:
    """uvicorn in a thread on a socket this process already holds: with several pytest
    workers a port picked free and bound later may be taken in between (the server's thread
    then dies and the fixture used to report only "did not start")."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", ws="none", lifespan="on")
        self.server = uvicorn.Server(config)
        self.error: Exception | SystemExit | None = None
        self.thread = threading.Thread(target=self._run, name="uvicorn", daemon=True)

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except (Exception, SystemExit) as exc:  # noqa: BLE001 (uvicorn exits on start-up failure)
            self.error = exc

    def start(self) -> None:
        self.thread.start()
        # generous: a loaded 2-core CI machine runs two test workers and Chromium
        deadline = time.monotonic() + 90
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"uvicorn did not start on {self.url}: {self.error!r}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


@pytest.fixture()
def live(tmp_path: Path, chromium: Any) -> Iterator[Any]:
    """A seeded database and search index, served by uvicorn on a free local port."""
    from tests.unit.ui.ui_support import build_ui_env

    env = build_ui_env(tmp_path)
    server = LiveServer(env.app)
    server.start()
    env.url = server.url  # type: ignore[attr-defined]
    # links in e-mail name the site's address (site_url), here the live server's
    state = env.app.state
    state.settings = state.settings.model_copy(update={"site_url": server.url})
    try:
        yield env
    finally:
        server.stop()


@pytest.fixture()
def page(request: pytest.FixtureRequest, chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    context.set_default_timeout(10_000)
    request.node._browser_context = context
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        context = getattr(item, "_browser_context", None)
        if context is not None:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)
            for n, open_page in enumerate(context.pages):
                try:
                    open_page.screenshot(path=str(ARTIFACTS / f"{stem}-{n}.png"), full_page=True)
                except Exception as exc:  # noqa: BLE001 - a failed screenshot must not mask the test
                    report.sections.append(("screenshot", f"page {n}: {exc}"))
    return report
