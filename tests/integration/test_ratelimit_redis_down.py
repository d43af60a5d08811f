"""Redis holding the rate limits goes down: requests are still answered (limited
in-process) and the fallback is counted; when Redis is back it is used again. The test
runs its own redis-server on a free port (never the shared one)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.conftest import IN_CI
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnRedis:
    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture()
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server not installed")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def env(own_redis: OwnRedis, tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path / "app", redis_url=own_redis.url)
    yield built
    close_env(built)


def _fallbacks(env: ApiEnv) -> float:
    value = env.app.state.metrics.registry.get_sample_value("valbar_ratelimit_fallbacks_total")
    return float(value or 0.0)


def test_redis_down_degrades_to_a_local_limit_and_counts_it(
    env: ApiEnv, own_redis: OwnRedis
) -> None:
    h = env.headers("clinic")
    r = env.client.get("/api/v1/retailers", headers=h)
    assert r.status_code == 200 and int(r.headers["x-ratelimit-remaining"]) == 599
    assert _fallbacks(env) == 0
    own_redis.stop()
    for _ in range(3):
        r = env.client.get("/api/v1/retailers", headers=h)
        assert r.status_code == 200, r.text
        assert "x-ratelimit-remaining" in r.headers
    assert _fallbacks(env) == 3
    assert "valbar_ratelimit_fallbacks_total 3.0" in env.client.get("/metrics").text
    own_redis.start()  # same port, empty
    env.app.state.rate_limiter._down_until = 0.0  # skip the wait before Redis is retried
    r = env.client.get("/api/v1/retailers", headers=h)
    assert r.status_code == 200 and int(r.headers["x-ratelimit-remaining"]) == 599
    assert _fallbacks(env) == 3  # Redis is used again
