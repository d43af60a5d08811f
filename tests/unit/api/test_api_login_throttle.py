"""The sign-in throttle: per account and per address, with backoff, shared by every worker
(the database), in the API and the web form."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from api.throttle import SignInThrottle, ThrottlePolicy, account_key, ip_key
from catalog.models import LoginThrottle
from indexer.jobs import factory_for
from marketplace.dates import utc_now
from tests.factories import migrated_factory
from tests.unit.api.test_api_support import PASSWORD, ApiEnv, assert_problem, build_env, close_env
from tests.unit.ui.ui_support import csrf_from


class Clock:
    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def module_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(tmp_path_factory.mktemp("throttle"))
    yield built
    close_env(built)


@pytest.fixture()
def env(module_env: ApiEnv) -> Iterator[tuple[ApiEnv, Clock]]:
    """The module's app with a clean throttle: 3 failures per account, 5 per address."""
    throttle: SignInThrottle = module_env.app.state.login_throttle
    with factory_for(module_env.settings)() as s:
        s.execute(delete(LoginThrottle))
        s.commit()
    module_env.client.cookies.clear()  # no session nor known-browser cookie of another test
    clock = Clock()
    throttle._clock = clock
    throttle.policy = ThrottlePolicy(max_failures=3, ip_max_failures=5)
    yield module_env, clock


def _lockouts(api: ApiEnv, scope: str) -> float:
    sample = api.app.state.metrics.registry.get_sample_value(
        "valbar_login_lockouts_total", {"scope": scope}
    )
    return float(sample or 0.0)


def _login(client: TestClient, password: str, email: str = "own@example.com") -> Any:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_api_locks_the_account_with_backoff_and_success_resets(
    env: tuple[ApiEnv, Clock],
) -> None:
    api, clock = env
    api.app.state.login_throttle.policy = ThrottlePolicy(max_failures=3, ip_max_failures=100)
    client = api.client
    before = _lockouts(api, "acct")
    for _ in range(2):
        assert_problem(_login(client, "wrong"), 401)
    locked = _login(client, "wrong")
    assert_problem(locked, 429)
    assert locked.headers["retry-after"] == "60"
    right = _login(client, PASSWORD)  # even the right password, while locked
    assert_problem(right, 429)
    assert 1 <= int(right.headers["retry-after"]) <= 60
    clock.now += timedelta(seconds=61)
    for _ in range(2):
        assert_problem(_login(client, "wrong"), 401)
    again = _login(client, "wrong")
    assert again.headers["retry-after"] == "120"  # the second lockout doubles
    clock.now += timedelta(seconds=121)
    assert _login(client, PASSWORD).status_code == 200
    # success reset the account: three more tries before the next lockout
    for _ in range(2):
        assert_problem(_login(client, "wrong"), 401)
    assert _lockouts(api, "acct") == before + 2


def test_one_address_guessing_many_accounts_is_locked(env: tuple[ApiEnv, Clock]) -> None:
    api, _clock = env
    before = _lockouts(api, "ip")
    emails = ["own@example.com", "other@example.com", "merch@example.com", "admin@example.com"]
    statuses = [_login(api.client, "wrong", emails[i % 4]).status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    assert _login(api.client, PASSWORD, "clinic@example.com").status_code == 429
    other_address = TestClient(api.app, client=("10.1.2.3", 1000))
    assert _login(other_address, PASSWORD, "clinic@example.com").status_code == 200
    assert _lockouts(api, "ip") == before + 1
    assert 'valbar_login_lockouts_total{scope="ip"}' in api.client.get("/metrics").text


def test_the_web_form_says_in_swedish_when_to_try_again(env: tuple[ApiEnv, Clock]) -> None:
    api, _clock = env
    client = TestClient(api.app, follow_redirects=False)
    token = csrf_from(client.get("/logga-in").text)
    form = {"email": "own@example.com", "password": "wrong", "csrf_token": token}
    assert client.post("/logga-in", data=form).status_code == 401
    assert client.post("/logga-in", data=form).status_code == 401
    locked = client.post("/logga-in", data=form)
    assert locked.status_code == 429 and locked.headers["retry-after"] == "60"
    assert "Försök igen om 60 sekunder (kl. " in locked.text
    right = client.post("/logga-in", data={**form, "password": PASSWORD})
    assert right.status_code == 429  # locked: the right password too
    assert "För många misslyckade inloggningar" in right.text
    assert _login(api.client, PASSWORD).status_code == 429  # the API shares the lock


def _hammer(
    factory: sessionmaker[Session], attempts: int, email: str = "race@example.com"
) -> dict[str, int]:
    """``attempts`` simultaneous sign-ins with wrong passwords, as the routes make them:
    admit, check the password (slow), record the failure."""
    throttle = SignInThrottle(factory, ThrottlePolicy(max_failures=5, ip_max_failures=1000))
    barrier = threading.Barrier(attempts)
    errors: list[BaseException] = []
    admitted: list[int] = []

    def attempt() -> None:
        try:
            barrier.wait()
            if throttle.admit(email, "192.0.2.1") is None:
                admitted.append(1)
                time.sleep(0.05)  # the password check
                throttle.failed(email, "192.0.2.1")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as s:
        row = s.get(LoginThrottle, account_key(email))
        assert row is not None
        return {"checked": len(admitted), "lockouts": row.lockouts}


def count_concurrent_failures(
    factory: sessionmaker[Session], email: str = "race@example.com"
) -> None:
    """12 simultaneous wrong passwords with a limit of 5: exactly 5 are checked (checking
    first and counting after let them all through), and the account is locked once."""
    assert _hammer(factory, 12, email) == {"checked": 5, "lockouts": 1}


@pytest.mark.parametrize("round_", range(20))
def test_simultaneous_attempts_check_no_more_passwords_than_the_limit_sqlite(
    tmp_path: Path, round_: int
) -> None:
    count_concurrent_failures(migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite3'}"))


def test_simultaneous_api_sign_ins_check_no_more_passwords_than_the_limit(
    env: tuple[ApiEnv, Clock],
) -> None:
    """The same through the API: 12 wrong passwords at once, limit 3: 3 answers 401 (a
    password was checked), the rest 429."""
    api, _clock = env
    api.app.state.login_throttle.policy = ThrottlePolicy(max_failures=3, ip_max_failures=100)
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    def attempt(i: int) -> None:
        client = TestClient(api.app)
        barrier.wait()
        statuses.append(_login(client, f"wrong-{i}").status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses).count(401) <= 3
    assert len(statuses) == 12 and set(statuses) <= {401, 429}


def test_a_successful_sign_in_gives_the_address_its_attempt_back(
    env: tuple[ApiEnv, Clock],
) -> None:
    api, _clock = env
    api.app.state.login_throttle.policy = ThrottlePolicy(max_failures=100, ip_max_failures=3)
    for _ in range(5):  # right passwords never lock the address
        assert _login(api.client, PASSWORD).status_code == 200
    assert_problem(_login(api.client, "wrong"), 401)
    assert_problem(_login(api.client, "wrong"), 401)
    assert_problem(_login(api.client, "wrong"), 429)


def test_the_throttle_is_shared_by_workers(tmp_path: Path) -> None:
    """Two app processes on one database: failures in one lock the account in the other."""
    first = build_env(tmp_path / "a", login_max_failures=2)
    try:
        from valbar.app import create_app

        second = TestClient(create_app(first.settings))
        assert_problem(_login(first.client, "wrong"), 401)
        assert_problem(_login(second, "wrong"), 429)
        assert_problem(_login(first.client, PASSWORD), 429)
        assert factory_for(first.settings)
    finally:
        close_env(first)


def test_ipv6_addresses_of_one_network_share_the_address_limit(
    env: tuple[ApiEnv, Clock],
) -> None:
    """One machine has a whole /64: a new IPv6 address for every guess used to reset the
    per-address count."""
    api, _clock = env
    api.app.state.login_throttle.policy = ThrottlePolicy(max_failures=100, ip_max_failures=3)
    emails = ["own@example.com", "other@example.com", "merch@example.com"]
    statuses = [
        _login(
            TestClient(api.app, client=(f"2001:db8:1:2::{i + 1:x}", 1000)), "wrong", e
        ).status_code
        for i, e in enumerate([*emails, "admin@example.com"])
    ]
    assert statuses == [401, 401, 429, 429]
    elsewhere = TestClient(api.app, client=("2001:db8:1:3::1", 1000))
    assert _login(elsewhere, PASSWORD, "clinic@example.com").status_code == 200
    assert ip_key("::ffff:192.0.2.7") == ip_key("192.0.2.7") == "ip:192.0.2.7"


def test_strangers_locking_the_account_do_not_lock_out_its_known_browser(
    env: tuple[ApiEnv, Clock],
) -> None:
    """Five wrong passwords an hour (the longest lockout) used to keep an account, the
    admin's too, locked for good: even its owner's right password got 429. A browser that
    signed in to the account before counts its attempts on its own."""
    api, clock = env
    api.app.state.login_throttle.policy = ThrottlePolicy(max_failures=3, ip_max_failures=100)
    owner = TestClient(api.app, client=("192.0.2.10", 1000))
    assert _login(owner, PASSWORD).status_code == 200
    assert owner.post("/api/v1/auth/logout").status_code == 204
    device = owner.cookies.get("valbar_device")  # kept over the sign-out
    assert device
    _valid, readable = URLSafeTimedSerializer("any", salt="valbar-device").loads_unsafe(device)
    assert set(readable) == {"a", "d"}  # an account tag and a browser id, no address
    assert readable["a"] != hashlib.sha256(b"acct:own@example.com").hexdigest()[:32]

    attacker = TestClient(api.app, client=("198.51.100.7", 1000))
    for _ in range(3):
        _login(attacker, "wrong")
    assert_problem(_login(attacker, PASSWORD), 429)  # the account is locked for strangers
    assert _login(owner, PASSWORD).status_code == 200  # not for its own browser
    clock.now += timedelta(seconds=61)
    for _ in range(3):
        _login(attacker, "wrong")
    assert_problem(_login(attacker, PASSWORD), 429)  # the owner's success kept the backoff
    assert int(_login(attacker, PASSWORD).headers["retry-after"]) > 60

    # the browser's own wrong passwords lock the browser, on its own key
    for _ in range(2):
        assert_problem(_login(owner, "wrong"), 401)
    assert_problem(_login(owner, "wrong"), 429)
    assert_problem(_login(owner, PASSWORD), 429)

    # the cookie is for one account: it does not help against another one
    stolen = TestClient(api.app, client=("198.51.100.8", 1000))
    stolen.cookies.set("valbar_device", owner.cookies["valbar_device"])
    for _ in range(3):
        _login(stolen, "wrong", "other@example.com")
    assert_problem(_login(stolen, PASSWORD, "other@example.com"), 429)
    forged = TestClient(api.app, client=("198.51.100.9", 1000))
    forged.cookies.set("valbar_device", "x" + owner.cookies["valbar_device"])
    assert_problem(_login(forged, PASSWORD), 429)


def test_the_web_form_lets_a_known_browser_in_while_the_account_is_locked(
    env: tuple[ApiEnv, Clock],
) -> None:
    api, _clock = env
    owner = TestClient(api.app, follow_redirects=False, client=("192.0.2.11", 1000))
    token = csrf_from(owner.get("/logga-in").text)
    form = {"email": "Own@Example.com ", "password": PASSWORD, "csrf_token": token}
    assert owner.post("/logga-in", data=form).status_code == 303
    attacker = TestClient(api.app, client=("198.51.100.7", 1000))
    for _ in range(3):
        _login(attacker, "wrong")
    assert_problem(_login(attacker, PASSWORD), 429)
    token = csrf_from(owner.get("/logga-in").text)
    assert owner.post("/logga-in", data={**form, "csrf_token": token}).status_code == 303


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "Försök igen om en sekund (kl. "),  # not "1 sekunder"
        (2, "Försök igen om 2 sekunder (kl. "),
        (60, "Försök igen om 60 sekunder (kl. "),
        (61, "Försök igen om 2 minuter (kl. "),
    ],
)
def test_the_swedish_wait_reads_right(env: tuple[ApiEnv, Clock], seconds: int, text: str) -> None:
    from starlette.requests import Request

    from ui.routes.account import locked_message

    request = Request({"type": "http", "headers": [], "query_string": b"", "app": env[0].app})
    assert locked_message(request, seconds).startswith(
        "För många misslyckade inloggningar. " + text
    )


def test_a_nul_in_the_e_mail_never_reaches_the_database(env: tuple[ApiEnv, Clock]) -> None:
    """PostgreSQL refuses NUL in text: ``own@example.com\\0`` used to be looked up and
    stored as a throttle key of its own (the web form: a 422 there from the database, the
    API: a 422 on PostgreSQL and a 401 on SQLite). The API refuses it up front on every
    database; in the web form it is an attempt at the account."""
    from sqlalchemy import event

    api, _clock = env
    api.app.state.login_throttle.policy = ThrottlePolicy(max_failures=2, ip_max_failures=100)
    engine = api.app.state.session_factory.kw["bind"]
    seen: list[object] = []

    def record(_conn: Any, _cursor: Any, _statement: str, params: Any, *_rest: Any) -> None:
        values = params.values() if isinstance(params, dict) else params
        seen.extend(v for v in values or () if isinstance(v, str) and "\x00" in v)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert_problem(_login(api.client, PASSWORD, "own@example.com\x00"), 422)
        client = TestClient(api.app, follow_redirects=False)
        token = csrf_from(client.get("/logga-in").text)
        form = {"email": "own@example.com\x00", "password": "wrong", "csrf_token": token}
        assert client.post("/logga-in", data=form).status_code == 401
        assert client.post("/logga-in", data={**form, "password": PASSWORD}).status_code == 429
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen == []
    assert_problem(_login(api.client, PASSWORD), 429)  # the account's own key was locked


def _lock_account(api: ApiEnv, email: str = "own@example.com") -> None:
    for _ in range(3):
        _login(api.client, "wrong", email)
    assert_problem(_login(api.client, PASSWORD, email), 429)


def test_an_admin_lifts_an_account_lock_through_the_api(
    env: tuple[ApiEnv, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    """A lock lasts up to an hour; an admin need not wait for it (logged, with who)."""
    api, _clock = env
    api.app.state.login_throttle.policy = ThrottlePolicy(max_failures=3, ip_max_failures=100)
    _lock_account(api)
    admin = api.headers("admin")
    listed = api.client.get("/api/v1/admin/sign-in-locks", headers=admin).json()["data"]
    assert [(x["key"], x["kind"]) for x in listed] == [("acct:own@example.com", "account")]
    with caplog.at_level("WARNING", logger="api.throttle"):
        r = api.client.post(
            "/api/v1/admin/sign-in-locks/unlock", json={"email": "Own@Example.com "}, headers=admin
        )
    assert r.status_code == 200, r.text
    assert r.json()["key"] == "acct:own@example.com" and r.json()["was_locked"] is True
    assert any(
        "unlock by admin admin@example.com" in m and "acct:own@example.com" in m
        for m in caplog.messages
    ), caplog.messages
    assert _login(api.client, PASSWORD).status_code == 200
    assert api.client.get("/api/v1/admin/sign-in-locks", headers=admin).json()["data"] == []
    # the backoff went too: the next lockout is the first again (60 s)
    api.client.cookies.clear()
    for _ in range(3):
        _login(api.client, "wrong")
    assert _login(api.client, PASSWORD).headers["retry-after"] == "60"
    for body in ({}, {"email": "a@b.se", "ip": "10.0.0.1"}, {"ip": "not-an-address"}):
        bad = api.client.post("/api/v1/admin/sign-in-locks/unlock", json=body, headers=admin)
        assert_problem(bad, 422)
    clinic = api.headers("clinic")
    refused = api.client.post(
        "/api/v1/admin/sign-in-locks/unlock", json={"email": "own@example.com"}, headers=clinic
    )
    assert_problem(refused, 403)


def test_two_unlocks_at_once_lift_the_lock_once(env: tuple[ApiEnv, Clock]) -> None:
    """A double-clicked unlock: both requests answer 200, exactly one says it was locked."""
    api, _clock = env
    api.app.state.login_throttle.policy = ThrottlePolicy(max_failures=3, ip_max_failures=100)
    _lock_account(api)
    admin = api.headers("admin")
    barrier = threading.Barrier(2)

    def unlock() -> tuple[int, object]:
        barrier.wait()
        r = api.client.post(
            "/api/v1/admin/sign-in-locks/unlock", json={"email": "own@example.com"}, headers=admin
        )
        return r.status_code, r.json().get("was_locked")

    results: list[tuple[int, object]] = []
    threads = [threading.Thread(target=lambda: results.append(unlock())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results, key=str) == [(200, False), (200, True)], results
    assert api.client.get("/api/v1/admin/sign-in-locks", headers=admin).json()["data"] == []
    assert _login(api.client, PASSWORD).status_code == 200


def test_an_admin_lifts_an_address_lock(env: tuple[ApiEnv, Clock]) -> None:
    api, _clock = env
    for i in range(5):
        _login(api.client, "wrong", f"nobody{i}@example.com")
    assert_problem(_login(api.client, PASSWORD, "clinic@example.com"), 429)
    admin = api.headers("admin")
    r = api.client.post(
        "/api/v1/admin/sign-in-locks/unlock", json={"ip": "testclient"}, headers=admin
    )
    assert_problem(r, 422)  # not an address
    locks = api.client.get("/api/v1/admin/sign-in-locks", headers=admin).json()["data"]
    address = next(x["key"] for x in locks if x["kind"] == "address")
    r = api.client.post("/api/v1/admin/sign-in-locks/unlock", json={"key": address}, headers=admin)
    assert r.status_code == 200 and r.json()["was_locked"] is True
    assert _login(api.client, PASSWORD, "clinic@example.com").status_code == 200


def test_valbar_users_unlock(
    env: tuple[ApiEnv, Clock], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from typer.testing import CliRunner

    from catalog.settings import get_settings
    from valbar.cli import app as cli

    api, _clock = env
    api.app.state.login_throttle.policy = ThrottlePolicy(max_failures=3, ip_max_failures=100)
    _lock_account(api)
    monkeypatch.setenv("VALBAR_DATA_DIR", str(api.settings.data_dir))
    monkeypatch.setenv("VALBAR_DATABASE_URL", api.settings.sqlalchemy_url)
    get_settings.cache_clear()
    monkeypatch.setattr("valbar.cli.context.get_settings", lambda: api.settings)
    runner = CliRunner()
    listed = runner.invoke(cli, ["users", "locks", "--json"])
    assert listed.exit_code == 0 and "acct:own@example.com" in listed.output
    with caplog.at_level("WARNING", logger="api.throttle"):
        done = runner.invoke(cli, ["users", "unlock", "own@example.com"])
    assert done.exit_code == 0, done.output
    assert "lock lifted" in done.output
    assert any("unlock by cli user" in m for m in caplog.messages), caplog.messages
    assert _login(api.client, PASSWORD).status_code == 200
    again = runner.invoke(cli, ["users", "unlock", "--ip", "203.0.113.9", "--json"])
    assert again.exit_code == 0 and '"found": false' in again.output
    assert runner.invoke(cli, ["users", "unlock"]).exit_code == 2
    assert runner.invoke(cli, ["users", "unlock", "--ip", "x.y"]).exit_code == 2


def test_the_admin_users_page_lifts_a_lock_with_a_button(env: tuple[ApiEnv, Clock]) -> None:
    api, _clock = env
    api.app.state.login_throttle.policy = ThrottlePolicy(max_failures=3, ip_max_failures=100)
    _lock_account(api)
    admin = TestClient(api.app, follow_redirects=False)
    page = admin.get("/logga-in")
    signed = admin.post(
        "/logga-in",
        data={
            "email": "admin@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert signed.status_code == 303, signed.text
    page = admin.get("/admin/anvandare")
    assert page.status_code == 200 and "own@example.com" in page.text
    assert 'name="key" value="acct:own@example.com"' in page.text
    token = csrf_from(page.text)
    r = admin.post("/admin/anvandare/las-upp", data={"key": "acct:own@example.com"})
    assert r.status_code == 403  # no CSRF token
    r = admin.post(
        "/admin/anvandare/las-upp", data={"key": "acct:own@example.com", "csrf_token": token}
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/anvandare?notice=unlocked"
    assert "Spärren är hävd" in admin.get(r.headers["location"]).text
    assert _login(api.client, PASSWORD).status_code == 200
    bad = admin.post("/admin/anvandare/las-upp", data={"ip": "nope", "csrf_token": token})
    # before, the Swedish page showed the English "not an IP address: 'nope'"
    assert bad.status_code == 422 and "”nope” är ingen giltig IP-adress" in bad.text
    assert "not an IP address" not in bad.text
    none = admin.post("/admin/anvandare/las-upp", data={"csrf_token": token})
    assert none.status_code == 422 and "Ange en e-postadress eller en IP-adress" in none.text
    english = admin.post(
        "/admin/anvandare/las-upp?lang=en", data={"ip": "nope", "csrf_token": token}
    )
    assert english.status_code == 422 and "not an IP address" in english.text
