"""``valbar serve --workers 2`` over HTTP: every scrape of /metrics, whichever worker answers
it, counts the searches of both workers (prometheus-client multiprocess mode in a directory
the supervisor makes and removes), and each worker's log lines are JSON with the request id."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

SEARCHES = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _value(text: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    assert match, f"{sample} not in the scrape"
    return float(match.group(1))


def _workers(parent: psutil.Process) -> list[psutil.Process]:
    """The server's live worker processes (not multiprocessing's resource tracker)."""
    found = []
    for child in parent.children():
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                found.append(child)
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            continue
    return found


def _wait_healthy(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not start")


@pytest.mark.timeout(180)
def test_two_workers_report_the_sum_of_their_counts(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_file = tmp_path / "serve.log"
    env = {
        **os.environ,
        "VALBAR_DATA_DIR": str(tmp_path / "var"),
        "VALBAR_ENVIRONMENT": "test",
        "VALBAR_LOG_JSON": "true",
        "VALBAR_LOG_LEVEL": "info",
        "TMPDIR": str(tmp_path),  # where the supervisor makes the metrics directory
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log_file.open("wb") as log_out:
        server = subprocess.Popen(
            [sys.executable, "-m", "valbar.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_out,
        )
    parent = psutil.Process(server.pid)
    try:
        _wait_healthy(url, 90)
        metrics_dirs = list(tmp_path.glob("valbar-metrics-*"))
        assert len(metrics_dirs) == 1
        # a new connection per request: the kernel spreads them over both workers
        for i in range(SEARCHES):
            r = httpx.get(
                f"{url}/api/v1/search",
                params={"q": "finnsinte"},
                headers={"X-Request-ID": f"search-{i}"},
            )
            assert r.status_code == 200 and r.headers["x-request-id"] == f"search-{i}"
        scrapes = [httpx.get(f"{url}/metrics").text for _ in range(12)]
        for text in scrapes:  # whichever worker answered: both workers' searches
            assert _value(text, 'valbar_searches_total{channel="api"}') == SEARCHES
            assert _value(text, 'valbar_zero_result_searches_total{channel="api"}') == SEARCHES
            assert _value(text, "valbar_feed_run_queue_length") == 0
        lines = [json.loads(line) for line in log_file.read_text().splitlines() if line]
        access = [x for x in lines if x["logger"] == "uvicorn.access" and "/search" in x["message"]]
        # every access line is JSON with the id the client sent; both workers served
        assert sorted(x["request_id"] for x in access) == sorted(
            f"search-{i}" for i in range(SEARCHES)
        )
        assert len({x["process"] for x in access}) == 2
        # INFO lines of other loggers than uvicorn's reach the log too (the schema migration
        # at the first start); before, the root logger had no handler and dropped them
        assert any(x["logger"].startswith("alembic") and x["level"] == "INFO" for x in lines)
        # a worker dies and is restarted: the counts it had made stay in the sum
        victim = _workers(parent)[0]
        victim.kill()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            alive = _workers(parent)
            if len(alive) == 2 and victim.pid not in {w.pid for w in alive}:
                break
            time.sleep(0.2)
        _wait_healthy(url, 60)
        for _ in range(6):
            text = httpx.get(f"{url}/metrics").text
            assert _value(text, 'valbar_searches_total{channel="api"}') == SEARCHES
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        assert not metrics_dirs[0].exists()  # removed with the server
    finally:
        if server.poll() is None:
            for child in parent.children(recursive=True):
                child.kill()
            server.kill()
            server.wait()
