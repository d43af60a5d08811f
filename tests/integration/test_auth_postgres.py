"""Sign-in throttle, sessions and path bounds on PostgreSQL (the shared store of every
worker in production)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.auth import SESSION_COOKIE
from tests.factories import migrated_factory
from tests.unit.api.test_api_login_throttle import count_concurrent_failures
from tests.unit.api.test_api_support import (
    PASSWORD,
    ApiEnv,
    assert_not_found_page,
    assert_problem,
    build_env,
    close_env,
)


def test_concurrent_failures_are_all_counted_postgres(postgres_url: str) -> None:
    factory = migrated_factory(postgres_url)
    for round_ in range(20):  # one schema, a fresh account per round
        count_concurrent_failures(factory, f"race{round_}@example.com")


@pytest.fixture()
def pg_env(postgres_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    env = build_env(tmp_path, database_url=postgres_url, login_max_failures=2)
    yield env
    close_env(env)


def test_sessions_throttle_and_bounds_on_postgres(pg_env: ApiEnv) -> None:
    env = pg_env
    client = TestClient(env.app)
    body = {"email": "clinic@example.com", "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=body).status_code == 200
    cookie = client.cookies[SESSION_COOKIE]
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    replay = TestClient(env.app, cookies={SESSION_COOKIE: cookie})
    assert_problem(replay.get("/api/v1/auth/me"), 401)
    wrong = {"email": "own@example.com", "password": "nope"}
    assert_problem(env.client.post("/api/v1/auth/login", json=wrong), 401)
    assert_problem(env.client.post("/api/v1/auth/login", json=wrong), 429)
    # beyond a 32-bit id, a NUL byte: never a database error
    assert_problem(env.client.get("/api/v1/products/3000000000"), 422)
    for path in ("/produkt/3000000000", "/produkt/99999999999999999999999"):
        assert_not_found_page(env.client.get(path))
    assert_not_found_page(env.client.get("/ordrar/3000000000", headers=env.headers("clinic")))
    for path in ("/api/v1/retailers/a%00b", "/handlare/%00", "/api/v1/search?q=x&config=%00"):
        assert_problem(env.client.get(path), 422)
    nul = {"email": "a\u0000@example.com", "password": "x"}
    assert_problem(env.client.post("/api/v1/auth/login", json=nul), 422)
