"""X-Request-ID: kept when sane, made otherwise; on the response, on every log line of the
request (sync and async routes, the 500 path) and in the problem+json body."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.logs import JsonFormatter, RequestIdFilter, current_request_id
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

HEX_ID = re.compile(r"[0-9a-f]{32}")
log = logging.getLogger("api.test_request_id")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_request_id")))

    @built.app.get("/test/log-sync")
    def log_sync() -> dict[str, str]:
        log.warning("sync route line")
        return {"ok": "sync"}

    @built.app.get("/test/log-async")
    async def log_async() -> dict[str, str]:
        log.warning("async route line")
        return {"ok": "async"}

    @built.app.get("/test/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    yield built
    close_env(built)


@pytest.fixture()
def lines() -> Iterator[io.StringIO]:
    """What a JSON handler on the root logger (as ``valbar serve`` installs) writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def _records(stream: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_request_gets_a_new_id(env: ApiEnv) -> None:
    first = env.client.get("/healthz").headers["x-request-id"]
    second = env.client.get("/healthz").headers["x-request-id"]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


def test_a_sane_incoming_id_is_kept(env: ApiEnv) -> None:
    r = env.client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.9:2"})
    assert r.headers["x-request-id"] == "lb-7f3a.9:2"


@pytest.mark.parametrize("bad", ["", "x" * 129, "a b", "id;drop", "<script>"])
def test_an_insane_incoming_id_is_replaced(env: ApiEnv, bad: str) -> None:
    r = env.client.get("/healthz", headers={"X-Request-ID": bad})
    assert HEX_ID.fullmatch(r.headers["x-request-id"])


def test_problem_bodies_carry_the_id(env: ApiEnv) -> None:
    missing = env.client.get("/api/v1/products/999999", headers={"X-Request-ID": "support-1"})
    body = assert_problem(missing, 404)
    assert body["request_id"] == "support-1" == missing.headers["x-request-id"]
    invalid = env.client.get("/api/v1/suggest", params={"q": "a", "limit": "many"})
    body = assert_problem(invalid, 422)
    assert body["request_id"] == invalid.headers["x-request-id"]


def test_every_log_line_of_a_request_has_its_id(env: ApiEnv, lines: io.StringIO) -> None:
    env.client.get("/test/log-sync", headers={"X-Request-ID": "req-sync"})
    env.client.get("/test/log-async", headers={"X-Request-ID": "req-async"})
    log.warning("outside a request")
    by_message = {r["message"]: r["request_id"] for r in _records(lines)}
    assert by_message["sync route line"] == "req-sync"
    assert by_message["async route line"] == "req-async"
    assert by_message["outside a request"] is None
    assert current_request_id() is None


def test_the_500_answer_and_its_log_line_carry_the_id(env: ApiEnv, lines: io.StringIO) -> None:
    client = TestClient(env.app, raise_server_exceptions=False)
    r = client.get("/test/boom", headers={"X-Request-ID": "req-boom"})
    body = assert_problem(r, 500)
    assert body["request_id"] == "req-boom" == r.headers["x-request-id"]
    errors = [x for x in _records(lines) if x["message"].startswith("unhandled error")]
    assert errors and errors[0]["request_id"] == "req-boom"
    assert "kaboom" in errors[0]["exception"]
