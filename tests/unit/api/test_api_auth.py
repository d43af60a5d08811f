"""Login, sessions, API keys, CSRF helpers, passwords and rate limiting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from api.auth import (
    SESSION_COOKIE,
    create_api_key,
    csrf_token,
    hash_password,
    parse_api_key,
    verify_csrf,
    verify_password,
)
from api.problems import install_problem_handlers
from api.ratelimit import MemoryRateLimiter
from catalog.models import ApiKey
from indexer.jobs import factory_for
from tests.unit.api.test_api_support import PASSWORD, ApiEnv, assert_problem, build_env, close_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_auth")))
    yield built
    close_env(built)


def test_password_hashing() -> None:
    stored = hash_password("hemligt")
    assert stored.startswith("$argon2id$") and "hemligt" not in stored
    assert verify_password("hemligt", stored)
    assert not verify_password("Hemligt", stored)
    assert hash_password("hemligt") != stored  # salted
    assert not verify_password("x", "garbage")


def test_login_me_logout(env: ApiEnv) -> None:
    client = TestClient(env.app)
    assert_problem(client.get("/api/v1/auth/me"), 401)
    r = client.post("/api/v1/auth/login", json={"email": "OWN@example.com", "password": PASSWORD})
    assert r.status_code == 200
    assert r.json()["role"] == "retailer" and r.json()["retailer"] == "tandab"
    cookie = r.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # only in production
    assert client.get("/api/v1/auth/me").json()["email"] == "own@example.com"
    assert client.get("/api/v1/retailers/tandab/feeds").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert_problem(client.get("/api/v1/auth/me"), 401)


@pytest.mark.parametrize(
    "body,status",
    [
        ({"email": "own@example.com", "password": "wrong"}, 401),
        ({"email": "nobody@example.com", "password": PASSWORD}, 401),
        ({"email": "own@example.com"}, 422),
        ({"email": 5, "password": []}, 422),
    ],
)
def test_bad_logins(env: ApiEnv, body: dict[str, object], status: int) -> None:
    assert_problem(env.client.post("/api/v1/auth/login", json=body), status)


def test_tampered_session_cookie_is_anonymous(env: ApiEnv) -> None:
    client = TestClient(env.app, cookies={SESSION_COOKIE: "eyJ1aWQiOjV9.forged.sig"})
    assert_problem(client.get("/api/v1/auth/me"), 401)


def test_api_key_created_once_usable_by_bearer_and_header(env: ApiEnv) -> None:
    r = env.client.post(
        "/api/v1/auth/api-keys", json={"name": "ERP"}, headers=env.headers("clinic")
    )
    assert r.status_code == 201
    key = r.json()["key"]
    assert key.startswith("vb_") and parse_api_key(key) == r.json()["prefix"]
    with factory_for(env.settings)() as s:
        stored = s.get(ApiKey, r.json()["id"])
        assert stored is not None and key not in stored.key_hash and len(stored.key_hash) == 64
    me = env.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json()["email"] == "clinic@example.com"
    assert env.client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 200
    assert_problem(env.client.post("/api/v1/auth/api-keys", json={"name": "x"}), 401)
    assert_problem(
        env.client.post("/api/v1/auth/api-keys", json={"name": ""}, headers=env.headers("clinic")),
        422,
    )
    # a new key is a read-only "search" key unless asked otherwise: it makes no keys
    assert r.json()["scope"] == "search"
    assert_problem(
        env.client.post("/api/v1/auth/api-keys", json={"name": "y"}, headers={"X-API-Key": key}),
        403,
    )


@pytest.mark.parametrize(
    "value", ["vb_nope_secret", "garbage", "vb__", "Bearer", "vb_" + "a" * 500]
)
def test_bad_api_keys_are_401(env: ApiEnv, value: str) -> None:
    r = env.client.get("/api/v1/search", headers={"X-API-Key": value})
    assert_problem(r, 401)
    r = env.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {value}"})
    assert_problem(r, 401)


def test_wrong_secret_for_a_known_prefix_is_401(env: ApiEnv) -> None:
    prefix = parse_api_key(env.keys["admin"])
    assert_problem(env.client.get("/api/v1/auth/me", headers={"X-API-Key": f"vb_{prefix}_x"}), 401)


def test_rate_limit_per_key_gives_429_with_retry_after(env: ApiEnv) -> None:
    with factory_for(env.settings)() as s:
        from sqlalchemy import select

        from catalog.models import User

        # a user of their own: a user's keys share one bucket (api.deps.rate_limit_bucket)
        clinic = s.scalars(select(User).where(User.email == "clinic@example.com")).one()
        user = User(email="tiny@example.com", name="T", role="clinic", password_hash="x")
        user.clinic = clinic.clinic
        s.add(user)
        s.flush()
        key, plaintext = create_api_key(s, user, "tiny")
        key.rate_limit_per_minute = 3
        s.commit()
    h = {"X-API-Key": plaintext}
    for _ in range(3):
        assert env.client.get("/api/v1/retailers", headers=h).status_code == 200
    r = env.client.get("/api/v1/retailers", headers=h)
    body = assert_problem(r, 429)
    assert int(r.headers["retry-after"]) >= 1 and "3 requests" in body["detail"]
    # other callers are not affected
    assert env.client.get("/api/v1/retailers", headers=env.headers("admin")).status_code == 200


def test_anonymous_rate_limit_per_ip(tmp_path: Path) -> None:
    from catalog.settings import Settings
    from valbar.app import create_app

    app = create_app(
        Settings(data_dir=tmp_path / "var", database_url="", environment="test"),
        anonymous_rate_per_minute=2,
    )
    with TestClient(app) as client:
        assert client.get("/api/v1/retailers").status_code == 200
        assert client.get("/api/v1/retailers").status_code == 200
        assert_problem(client.get("/api/v1/retailers"), 429)
        assert client.get("/healthz").status_code == 200  # not rate limited


def test_memory_limiter_window_slides() -> None:
    now = [0.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    assert limiter.hit("k", 2, 60).allowed and limiter.hit("k", 2, 60).allowed
    denied = limiter.hit("k", 2, 60)
    assert not denied.allowed and denied.retry_after == 60
    now[0] = 60.5
    assert limiter.hit("k", 2, 60).allowed


def test_csrf_token_round_trip(env: ApiEnv) -> None:
    app = FastAPI()
    app.state.settings = env.settings
    install_problem_handlers(app)

    @app.get("/form")
    def form(request: Request) -> dict[str, str]:
        return {"token": csrf_token(request)}

    @app.post("/submit", dependencies=[Depends(verify_csrf)])
    def submit() -> dict[str, bool]:
        return {"ok": True}

    from api.app import NewSessionCookieMiddleware

    app.add_middleware(NewSessionCookieMiddleware, settings=env.settings)
    with TestClient(app) as client:
        first = client.get("/form")
        token = first.json()["token"]
        assert SESSION_COOKIE in first.headers["set-cookie"]
        assert client.get("/form").json()["token"] == token  # stable for the session
        assert client.post("/submit", data={"csrf_token": token}).json() == {"ok": True}
        assert_problem(client.post("/submit", data={"csrf_token": "forged"}), 403)
        assert_problem(client.post("/submit", data={}), 403)
    with TestClient(app) as fresh:
        assert_problem(fresh.post("/submit", data={"csrf_token": token}), 403)


def test_session_cookie_is_secure_in_production(tmp_path: Path) -> None:
    from fastapi import Response

    from api.auth import set_session_cookie
    from catalog.settings import Settings

    settings = Settings(
        data_dir=tmp_path, environment="production", secret_key="a-real-secret-" * 4
    )
    response = Response()
    set_session_cookie(response, settings, "sid-token", "token")
    cookie = response.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "Max-Age=1209600" in cookie
