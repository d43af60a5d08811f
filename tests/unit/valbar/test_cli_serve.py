"""``valbar serve``: production settings handed to uvicorn, a warning when slow parts;
several workers each accept on their own socket, are restarted when they die and stop
gracefully."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import uvicorn
from typer.testing import CliRunner

from catalog.settings import get_settings
from valbar import serving
from valbar.cli import app


@pytest.fixture()
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("VALBAR_ENVIRONMENT", "production")
    monkeypatch.setenv("VALBAR_SECRET_KEY", "a-real-secret-" * 4)
    monkeypatch.setenv("VALBAR_WEB_WORKERS", "1")  # serve sets it; restored after the test
    get_settings.cache_clear()
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: seen.update(target=target, **kw))
    yield seen
    get_settings.cache_clear()


def test_production_serve_uses_fast_parts_and_no_access_log(
    production: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serving, "spreads_connections", lambda: False)
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert production["target"] == "valbar.app:create_app" and production["factory"] is True
    assert production["workers"] == 2 and production["port"] == 8123
    assert production["access_log"] is False
    assert production["loop"] == "auto" and production["http"] == "auto"
    # the workers learn there are several (shared rate limits); X-Forwarded-For is the app's
    assert os.environ["VALBAR_WEB_WORKERS"] == "2" and production["proxy_headers"] is False


def test_several_workers_on_linux_get_a_socket_each(
    production: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[serving.WorkerSpec, int]] = []
    metrics_dirs: list[str] = []
    monkeypatch.delenv(serving.METRICS_DIR_ENV, raising=False)
    monkeypatch.setattr(serving, "spreads_connections", lambda: True)

    def run(self: serving.Supervisor) -> None:
        started.append((self.spec, self.workers))
        shared = os.environ[serving.METRICS_DIR_ENV]  # what the spawned workers inherit
        assert Path(shared).is_dir() and not any(Path(shared).iterdir())
        metrics_dirs.append(shared)

    monkeypatch.setattr(serving.Supervisor, "run", run)
    result = CliRunner().invoke(app, ["serve", "--workers", "3", "--port", "8124"])
    assert result.exit_code == 0, result.output
    assert production == {}  # not uvicorn's shared-socket supervisor
    ((spec, workers),) = started
    assert workers == 3 and spec.app == "valbar.app:create_app" and spec.port == 8124
    log_config = spec.options.pop("log_config")
    assert log_config["root"]["handlers"] == ["stderr"]  # Valbar's lines are not dropped
    assert spec.options == {
        "factory": True,
        "proxy_headers": False,
        "access_log": False,
        "loop": "auto",
        "http": "auto",
        "log_level": "info",
    }
    # the workers' shared metrics directory is removed when the server stops
    assert not Path(metrics_dirs[0]).exists() and serving.METRICS_DIR_ENV not in os.environ


def test_reuseport_sockets_share_a_port_and_a_taken_port_is_refused() -> None:
    first = serving.reuseport_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = serving.reuseport_socket("127.0.0.1", port)  # the other worker's socket
    assert serving.port_in_use("127.0.0.1", port)
    first.close()
    second.close()
    assert not serving.port_in_use("127.0.0.1", port)
    with pytest.raises(OSError, match="already in use"):
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        try:
            serving.Supervisor(
                serving.WorkerSpec(
                    "valbar.app:create_app", "127.0.0.1", holder.getsockname()[1], {}
                ),
                2,
            ).run()
        finally:
            holder.close()


def _workers(parent: psutil.Process) -> list[psutil.Process]:
    """The server's live worker processes (not multiprocessing's resource tracker)."""
    found = []
    for child in parent.children():
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                found.append(child)
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            continue  # a dead worker the supervisor has not reaped yet
    return found


def _connections_per_worker(parent: psutil.Process, port: int) -> list[int]:
    return sorted(
        sum(
            1
            for c in worker.net_connections(kind="tcp")
            if c.laddr and c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED
        )
        for worker in _workers(parent)
    )


def _listening_workers(parent: psutil.Process, port: int) -> int:
    """Workers whose own socket listens on ``port`` (a worker listens only once its app has
    started: until then the kernel gives it no connection)."""
    count = 0
    for worker in _workers(parent):
        try:
            conns = worker.net_connections(kind="tcp")
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            continue
        if any(c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN for c in conns):
            count += 1
    return count


def _healthy(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


@pytest.mark.timeout(180)
def test_workers_share_connections_restart_and_stop_gracefully(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "VALBAR_DATA_DIR": str(tmp_path / "var"), "VALBAR_ENVIRONMENT": "test"}
    server = subprocess.Popen(
        [sys.executable, "-m", "valbar.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(server.pid)
    clients: list[socket.socket] = []
    try:
        assert _healthy(port, time.monotonic() + 90), "the server did not start"
        deadline = time.monotonic() + 60
        while _listening_workers(parent, port) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _listening_workers(parent, port) == 2, "both workers listen"
        for _ in range(40):  # a burst of keep-alive connections, as a connection pool opens
            client = socket.create_connection(("127.0.0.1", port))
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            clients.append(client)
        for client in clients:
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
        counts = _connections_per_worker(parent, port)
        # each worker its own socket: spread by the kernel, never (almost) all on one worker
        assert len(counts) == 2 and sum(counts) == 40 and counts[0] >= 8, counts
        for client in clients:
            client.close()
        victim = _workers(parent)[0]
        victim.kill()  # a worker dies: the supervisor starts another
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            workers = _workers(parent)
            if len(workers) == 2 and victim.pid not in {w.pid for w in workers}:
                break
            time.sleep(0.2)
        assert victim.pid not in {w.pid for w in _workers(parent)}
        assert _healthy(port, time.monotonic() + 60)
        workers = _workers(parent)
        server.send_signal(signal.SIGTERM)  # graceful: every worker finishes and exits
        assert server.wait(timeout=60) == 0
        assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
    finally:
        for client in clients:
            client.close()
        if server.poll() is None:
            for child in parent.children(recursive=True):
                child.kill()
            server.kill()
            server.wait()


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


@pytest.mark.timeout(120)
def test_workers_that_cannot_start_stop_the_server_instead_of_restarting() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    spec = serving.WorkerSpec("no_such_module:create_app", "127.0.0.1", port, {"factory": True})
    started = time.monotonic()
    with pytest.raises(serving.StartupFailed, match="before it served"):
        serving.Supervisor(spec, 2).run()
    assert time.monotonic() - started < 60


@pytest.mark.timeout(180)
def test_stopping_the_server_is_not_blocked_by_a_running_feed(tmp_path: Path) -> None:
    """The start-up sweep runs a queued run; SIGTERM stops its process and the server exits;
    the run is queued again for the next start."""
    from catalog.models import FeedRun
    from catalog.settings import Settings
    from indexer import faults
    from indexer.pipeline import FeedOptions, submit_feed
    from tests.factories import add_retailer, migrated_factory, swedish_feed

    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    feed = swedish_feed(tmp_path / "lager.csv", 5)
    run_id = submit_feed(factory, settings, feed, "tandab", FeedOptions())
    with factory.begin() as session:  # queued an hour ago by an uploader that died: lost
        session.get_one(FeedRun, run_id).heartbeat_at = datetime.now(UTC) - timedelta(hours=1)
    marker = tmp_path / "paused.marker"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "VALBAR_DATA_DIR": str(settings.data_dir),
        "VALBAR_ENVIRONMENT": "test",
        faults.PAUSE_ENV: "before_write",  # the run would never end by itself
        faults.MARKER_ENV: str(marker),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "valbar.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (marker.exists() and marker.read_text()):
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.1)
        child = int(marker.read_text().split()[1])
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)
        assert not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie"
        with factory() as session:
            run = session.get(FeedRun, run_id)
            assert run is not None and run.status == "queued"
            assert run.message == "queued again: the server was restarted during the run"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_demo_serves_without_uvicorns_proxy_headers(
    production: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``valbar demo`` believed X-Forwarded-For from 127.0.0.1 (uvicorn's default): 40
    wrong passwords with a rotating header were never throttled by address."""
    import valbar.demo

    monkeypatch.setenv("VALBAR_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    monkeypatch.setattr(valbar.demo, "build_demo", lambda *a, **kw: {"products": 0, "offers": 0})
    result = CliRunner().invoke(app, ["demo", "--port", "8124"])
    assert result.exit_code == 0, result.output
    assert production["port"] == 8124 and production["proxy_headers"] is False


def test_serve_says_plainly_when_the_secret_key_file_is_unusable(
    production: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A secret_key file readable by others (or unreadable) ended in a traceback."""
    monkeypatch.delenv("VALBAR_SECRET_KEY")
    monkeypatch.setenv("VALBAR_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    key = tmp_path / "secret_key"
    key.write_text("k" * 64)
    key.chmod(0o644)
    result = CliRunner().invoke(app, ["serve", "--port", "8125"])
    assert result.exit_code == 3
    assert "the cookie secret key is unusable" in result.output and "chmod 600" in result.output
    assert "target" not in production  # no server started


def test_serve_says_forwarded_allow_ips_is_not_its_setting(
    production: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.2")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0
    assert "FORWARDED_ALLOW_IPS is not used" in result.output
    assert "VALBAR_TRUSTED_PROXIES" in result.output
    monkeypatch.setenv("VALBAR_TRUSTED_PROXIES", '["10.0.0.2"]')
    get_settings.cache_clear()
    assert "FORWARDED_ALLOW_IPS" not in CliRunner().invoke(app, ["serve"]).output
