"""Server-side sessions: a forged or replayed cookie is refused; logout, password change,
deactivation and deletion end sessions; login is fixation-safe; API writes signed in by
cookie must come from this site; old scrypt hashes are rehashed as Argon2id."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, update

from api.auth import SESSION_COOKIE, deactivate_user
from api.sessions import create_session, session_user
from catalog.models import User, UserSession
from indexer.jobs import factory_for
from marketplace.dates import utc_now
from tests.unit.api.test_api_support import PASSWORD, ApiEnv, assert_problem, build_env, close_env

NEW_PASSWORD = "a much longer new password"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_sessions")))
    yield built
    close_env(built)


def _user_id(env: ApiEnv, email: str) -> int:
    with factory_for(env.settings)() as s:
        return s.scalars(select(User.id).where(User.email == email)).one()


def _login(env: ApiEnv, email: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(env.app)
    r = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return client


def test_a_cookie_forged_with_the_old_default_secret_is_refused(env: ApiEnv) -> None:
    admin = _user_id(env, "admin@example.com")
    for secret in ("dev-insecure-secret-key", env.app.state.settings.secret_key):
        forged = URLSafeTimedSerializer(secret, salt="valbar-session").dumps(
            {"uid": admin, "csrf": "x"}
        )
        client = TestClient(env.app, cookies={SESSION_COOKIE: forged})
        assert_problem(client.get("/api/v1/auth/me"), 401)
        assert_problem(client.get("/api/v1/ranking/configs"), 401)


def test_the_app_never_signs_with_a_known_key(env: ApiEnv) -> None:
    secret = env.app.state.settings.secret_key
    assert secret != "dev-insecure-secret-key" and len(secret) >= 64
    assert (env.settings.data_dir / "secret_key").read_text() == secret


def test_a_cookie_replayed_after_logout_is_refused(env: ApiEnv) -> None:
    client = _login(env, "clinic@example.com")
    stolen = client.cookies[SESSION_COOKIE]
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    replay = TestClient(env.app, cookies={SESSION_COOKIE: stolen})
    assert_problem(replay.get("/api/v1/auth/me"), 401)


def test_only_the_token_hash_is_stored_with_an_expiry(env: ApiEnv) -> None:
    client = _login(env, "merch@example.com")
    request_cookie = client.cookies[SESSION_COOKIE]
    payload = URLSafeTimedSerializer(
        env.app.state.settings.secret_key, salt="valbar-session"
    ).loads(request_cookie)
    token = payload["sid"]
    with factory_for(env.settings)() as s:
        row = s.get(UserSession, hashlib.sha256(token.encode()).hexdigest())
        assert row is not None and row.revoked_at is None
        assert token not in {r.id for r in s.scalars(select(UserSession))}
        assert timedelta(days=13) < row.expires_at - row.created_at <= timedelta(days=14)


def test_each_login_gets_a_new_token_and_ends_the_previous_one(env: ApiEnv) -> None:
    client = _login(env, "own@example.com")
    first = client.cookies[SESSION_COOKIE]
    r = client.post("/api/v1/auth/login", json={"email": "own@example.com", "password": PASSWORD})
    assert r.status_code == 200
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    assert_problem(TestClient(env.app, cookies={SESSION_COOKIE: first}).get("/api/v1/auth/me"), 401)
    assert TestClient(env.app, cookies={SESSION_COOKIE: second}).get("/api/v1/auth/me").is_success


def test_password_change_ends_the_other_sessions_and_keeps_keys(tmp_path: Path) -> None:
    env = build_env(tmp_path)
    try:
        here = _login(env, "clinic@example.com")
        elsewhere = _login(env, "clinic@example.com")
        wrong = here.post(
            "/api/v1/me/password",
            json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
        )
        assert_problem(wrong, 401)
        short = here.post(
            "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "short"}
        )
        assert_problem(short, 422)
        why = {  # each refusal says why
            "aaaaaaaaaa": "too common",
            "0123456789": "too common",
            "Password123!": "too common",
            "clinic@example.com": "contains the e-mail address",
        }
        for weak, reason in why.items():
            guessed = here.post(
                "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": weak}
            )
            assert_problem(guessed, 422)
            assert reason in guessed.json()["detail"], weak
        assert elsewhere.get("/api/v1/auth/me").status_code == 200
        ok = here.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert ok.status_code == 204, ok.text
        assert here.get("/api/v1/auth/me").status_code == 200  # this session stays
        assert_problem(elsewhere.get("/api/v1/auth/me"), 401)  # the other one ended
        key = env.client.get("/api/v1/auth/me", headers=env.headers("clinic"))
        assert key.status_code == 200  # API keys are kept
        old = env.client.post(
            "/api/v1/auth/login", json={"email": "clinic@example.com", "password": PASSWORD}
        )
        assert_problem(old, 401)
        _login(env, "clinic@example.com", NEW_PASSWORD)
    finally:
        close_env(env)


def test_deactivating_or_deleting_a_user_ends_their_sessions(tmp_path: Path) -> None:
    env = build_env(tmp_path)
    try:
        retailer = _login(env, "other@example.com")
        clinic = _login(env, "clinic@example.com")
        with factory_for(env.settings)() as s:
            s.execute(update(User).where(User.email == "other@example.com").values(active=False))
            s.commit()
        assert_problem(retailer.get("/api/v1/auth/me"), 401)  # even set directly in the DB
        merch = _login(env, "merch@example.com")
        with factory_for(env.settings)() as s:
            user = s.scalars(select(User).where(User.email == "merch@example.com")).one()
            deactivate_user(s, user, env.app.state.api_keys)
            live = s.scalars(
                select(UserSession).where(
                    UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
                )
            ).all()
            assert live == []  # ended server-side
        assert_problem(merch.get("/api/v1/auth/me"), 401)
        assert_problem(env.client.get("/api/v1/auth/me", headers=env.headers("merchandiser")), 401)
        # the clinic's last manager keeps the account (its organisation needs a manager)
        assert_problem(_login(env, "clinic@example.com").delete("/api/v1/me"), 422)
        assert clinic.get("/api/v1/auth/me").status_code == 200
        buyer = _login(env, "buyer@example.com")
        second = _login(env, "buyer@example.com")
        cookie = buyer.cookies[SESSION_COOKIE]
        assert second.delete("/api/v1/me").status_code in (200, 204)
        assert_problem(
            TestClient(env.app, cookies={SESSION_COOKIE: cookie}).get("/api/v1/auth/me"), 401
        )
        with factory_for(env.settings)() as s:
            uid = s.scalars(select(User.id).where(User.email == "buyer@example.com")).first()
            assert uid is None
            assert s.scalars(select(UserSession).where(UserSession.user_id.is_(None))).all() == []
    finally:
        close_env(env)


def test_last_seen_is_written_at_most_once_a_minute_and_expiry_ends_a_session(
    env: ApiEnv,
) -> None:
    uid = _user_id(env, "merch@example.com")
    start = utc_now()
    factory = factory_for(env.settings)
    with factory() as s:
        token = create_session(s, uid, days=1, now=start)
        s.commit()
    digest = hashlib.sha256(token.encode()).hexdigest()

    def seen() -> object:
        with factory() as s:
            row = s.get(UserSession, digest)
            assert row is not None
            return row.last_seen_at

    with factory() as s:
        assert session_user(s, token, start + timedelta(seconds=30)) == uid
    first = seen()
    with factory() as s:
        assert session_user(s, token, start + timedelta(seconds=59)) == uid
    assert seen() == first  # within the minute: not written
    with factory() as s:
        assert session_user(s, token, start + timedelta(seconds=61)) == uid
    assert seen() != first
    with factory() as s:
        assert session_user(s, token, start + timedelta(days=1, seconds=1)) is None


def test_cookie_authenticated_api_writes_must_come_from_this_site(env: ApiEnv) -> None:
    client = _login(env, "merch@example.com")
    evil = {"Origin": "https://evil.example"}
    r = client.post("/api/v1/auth/api-keys", json={"name": "x"}, headers=evil)
    assert_problem(r, 403)
    r = client.post(
        "/api/v1/auth/api-keys", json={"name": "x"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert_problem(r, 403)
    r = client.post(
        "/api/v1/auth/api-keys", json={"name": "x"}, headers={"Origin": "http://testserver"}
    )
    assert r.status_code == 201
    assert_problem(client.post("/api/v1/auth/logout", headers=evil), 403)
    # an API key is not sent by the browser on its own: no Origin check
    r = env.client.post(
        "/api/v1/auth/api-keys", json={"name": "y"}, headers={**env.headers("merchandiser"), **evil}
    )
    assert r.status_code == 201
    # reads are not affected
    assert client.get("/api/v1/auth/me", headers=evil).status_code == 200


def test_scrypt_hashes_still_work_and_become_argon2id(env: ApiEnv) -> None:
    import hashlib as h
    import secrets

    salt = secrets.token_bytes(16)
    digest = h.scrypt(b"gammalt-losen", salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}"
    with factory_for(env.settings)() as s:
        s.execute(update(User).where(User.email == "own@example.com").values(password_hash=legacy))
        s.commit()
    _login(env, "own@example.com", "gammalt-losen")
    with factory_for(env.settings)() as s:
        stored = s.scalars(select(User.password_hash).where(User.email == "own@example.com")).one()
    assert stored.startswith("$argon2id$")
    _login(env, "own@example.com", "gammalt-losen")
    with factory_for(env.settings)() as s:
        s.execute(update(User).where(User.email == "own@example.com").values(password_hash=stored))
        s.commit()


def test_housekeeping_deletes_ended_sessions_and_idle_counters(tmp_path: Path) -> None:
    from api.housekeeping import run_once
    from catalog.models import LoginThrottle

    env = build_env(tmp_path)
    try:
        uid = _user_id(env, "clinic@example.com")
        factory = factory_for(env.settings)
        old = utc_now() - timedelta(days=20)
        with factory() as s:
            create_session(s, uid, days=14, now=old)  # expired six days ago
            live = create_session(s, uid, days=14)
            s.add(LoginThrottle(key="acct:x", failures=1, window_started_at=old, lockouts=0))
            s.commit()
        counts = run_once(env.settings, factory)
        assert counts["sessions_purged"] == 1 and counts["throttle_purged"] == 1
        with factory() as s:
            assert session_user(s, live) == uid
    finally:
        close_env(env)
