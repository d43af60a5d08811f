"""``valbar user``, ``valbar key``, ``valbar db upgrade``, ``valbar worker|beat`` and
``valbar --version``: usage errors exit 2, errors of the data exit 1."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.auth import authenticate, create_api_key, lookup_api_key
from api.sessions import create_session
from catalog.models import ApiKey, AuditEntry, Retailer, User, UserSession
from catalog.settings import get_settings
from indexer.jobs import factory_for
from valbar.cli import app

GOOD = "Klorhexidin-Spegel-47"
runner = CliRunner()


def invoke(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def add_user(email: str, role: str = "clinic", *extra: str) -> Any:
    return invoke(
        "user",
        "add",
        email,
        "--name",
        "Anna Berg",
        "--role",
        role,
        "--password-stdin",
        *extra,
        stdin=GOOD + "\n",
    )


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.startswith("valbar ") and result.output.strip() != "valbar"


def test_user_add_then_sign_in(settings_env: Path) -> None:
    result = add_user("Anna@Klinik.se", "clinic", "--clinic", "Tandläkarna")
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output  # never echoed
    factory = factory_for(get_settings())
    with factory() as session:
        user = authenticate(session, "anna@klinik.se", GOOD)
        assert (user.email, user.role, user.clinic) == ("anna@klinik.se", "clinic", "Tandläkarna")
        assert GOOD not in user.password_hash


def test_user_add_password_from_prompt_twice(settings_env: Path) -> None:
    result = invoke(
        "user",
        "add",
        "per@klinik.se",
        "--name",
        "Per",
        "--role",
        "admin",
        stdin=f"{GOOD}\n{GOOD}\n",
    )
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output
    with factory_for(get_settings())() as session:
        assert authenticate(session, "per@klinik.se", GOOD).role == "admin"


@pytest.mark.parametrize(
    ("args", "stdin", "field"),
    [
        (["--role", "king"], GOOD, "role"),
        (["--role", "clinic"], "short", "password"),
        (["--role", "clinic"], "password123", "password"),
        (["--role", "retailer"], GOOD, "--retailer"),
        (["--role", "clinic", "--retailer", "x"], GOOD, "--retailer"),
    ],
)
def test_user_add_usage_errors_exit_2(
    settings_env: Path, args: list[str], stdin: str, field: str
) -> None:
    result = invoke(
        "user",
        "add",
        "anna@klinik.se",
        "--name",
        "Anna",
        *args,
        "--password-stdin",
        stdin=stdin + "\n",
    )
    assert result.exit_code == 2, result.output
    assert field in result.output
    with factory_for(get_settings())() as session:
        assert session.scalar(select(User)) is None


def test_user_add_bad_email_exit_2(settings_env: Path) -> None:
    result = add_user("not-an-address")
    assert result.exit_code == 2 and "email" in result.output


def test_user_add_duplicate_and_unknown_retailer_exit_1(settings_env: Path) -> None:
    assert add_user("anna@klinik.se").exit_code == 0
    again = add_user("ANNA@klinik.se")
    assert again.exit_code == 1 and "already exists" in again.output
    unknown = add_user("sara@handlare.se", "retailer", "--retailer", "nobody")
    assert unknown.exit_code == 1 and "unknown retailer" in unknown.output


def test_retailer_user_and_list(settings_env: Path) -> None:
    factory = factory_for(get_settings())
    with factory() as session:
        session.add(Retailer(slug="dentalgrossisten", name="Dentalgrossisten AB"))
        session.commit()
    assert add_user("sara@handlare.se", "retailer", "--retailer", "dentalgrossisten").exit_code == 0
    assert add_user("anna@klinik.se").exit_code == 0
    listed = invoke("user", "list", "--json")
    assert listed.exit_code == 0
    rows = json.loads(listed.output)
    assert [(r["email"], r["role"], r["retailer"]) for r in rows] == [
        ("anna@klinik.se", "clinic", None),
        ("sara@handlare.se", "retailer", "dentalgrossisten"),
    ]
    only = json.loads(invoke("user", "list", "--role", "retailer", "--json").output)
    assert [r["email"] for r in only] == ["sara@handlare.se"]
    assert invoke("user", "list", "--role", "emperor").exit_code == 2


def test_set_role_changes_role_and_ends_sessions(settings_env: Path) -> None:
    assert add_user("anna@klinik.se").exit_code == 0
    factory = factory_for(get_settings())
    with factory() as session:
        user = session.scalar(select(User))
        assert user is not None
        create_session(session, user.id, days=1)
        session.commit()
    result = invoke("user", "set-role", "anna@klinik.se", "merchandiser")
    assert result.exit_code == 0, result.output
    assert "clinic -> merchandiser (1 sessions ended)" in result.output
    with factory() as session:
        user = session.scalar(select(User))
        assert user is not None and user.role == "merchandiser"
        assert session.scalar(select(UserSession.revoked_at)) is not None
    assert invoke("user", "set-role", "anna@klinik.se", "pope").exit_code == 2
    assert invoke("user", "set-role", "nobody@klinik.se", "admin").exit_code == 1


def test_key_list_create_revoke(settings_env: Path) -> None:
    assert add_user("anna@klinik.se").exit_code == 0
    factory = factory_for(get_settings())
    with factory() as session:
        user = session.scalar(select(User))
        assert user is not None
        _key, plaintext = create_api_key(session, user, "inköp")
        session.commit()
    created = invoke("key", "create", "anna@klinik.se", "--name", "lager")
    assert created.exit_code == 0, created.output
    second = created.output.strip().splitlines()[-1]
    rows = json.loads(invoke("key", "list", "--json").output)
    assert [(r["name"], r["user"]) for r in rows] == [
        ("inköp", "anna@klinik.se"),
        ("lager", "anna@klinik.se"),
    ]
    assert all(plaintext not in json.dumps(r) for r in rows)
    prefix = rows[0]["prefix"]
    revoked = invoke("key", "revoke", prefix)
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    with factory() as session:
        assert lookup_api_key(session, plaintext) is None
        assert lookup_api_key(session, second) is not None
    assert [r["name"] for r in json.loads(invoke("key", "list", "--json").output)] == ["lager"]
    everything = json.loads(invoke("key", "list", "--revoked", "--json").output)
    assert everything[0]["revoked_at"] is not None
    # the whole key pasted names it too; revoking twice is no error
    assert invoke("key", "revoke", plaintext).exit_code == 0
    assert invoke("key", "revoke", "ffffffffffff").exit_code == 1
    assert invoke("key", "list", "--user", "nobody@klinik.se").exit_code == 1
    with factory() as session:
        assert session.scalar(select(ApiKey.revoked_at).where(ApiKey.prefix == prefix))


def test_key_create_with_scope_and_expiry(settings_env: Path) -> None:
    assert add_user("anna@klinik.se").exit_code == 0
    until = (date.today() + timedelta(days=365)).isoformat()
    created = invoke(
        "key", "create", "anna@klinik.se", "--name", "pris", "--scope", "full", "--expires", until
    )
    assert created.exit_code == 0, created.output
    assert "full key" in created.output and f"until {until}" in created.output
    plaintext = created.output.strip().splitlines()[-1]
    [row] = json.loads(invoke("key", "list", "--json").output)
    assert (row["scope"], row["expired"]) == ("full", False) and row["expires_at"]
    assert "expires " in invoke("key", "list").output
    plain = invoke("key", "create", "anna@klinik.se", "--name", "sök")
    assert plain.exit_code == 0 and plain.output.startswith("search key")
    # a clinic account gets no feeds key; a bad date or scope names the option (exit 2)
    refused = invoke("key", "create", "anna@klinik.se", "--name", "x", "--scope", "feeds")
    assert refused.exit_code == 2 and "--scope" in refused.output
    for bad in (["--expires", "31/12/2027"], ["--expires", "2001-01-01"], ["--scope", "all"]):
        result = invoke("key", "create", "anna@klinik.se", "--name", "x", *bad)
        assert result.exit_code == 2, (bad, result.output)
        assert bad[0] in result.output
    factory = factory_for(get_settings())
    with factory() as session:
        assert lookup_api_key(session, plaintext) is not None
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "api_key.create"))
        assert [e.actor for e in entries] == ["cli", "cli"]


def test_key_create_stops_at_the_cap(settings_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALBAR_API_KEYS_PER_ORGANISATION", "1")
    get_settings.cache_clear()
    assert add_user("anna@klinik.se").exit_code == 0
    assert invoke("key", "create", "anna@klinik.se", "--name", "ett").exit_code == 0
    second = invoke("key", "create", "anna@klinik.se", "--name", "två")
    assert second.exit_code == 1 and "1 active API keys" in second.output


def test_db_upgrade(settings_env: Path) -> None:
    first = invoke("db", "upgrade", "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report["before"] is None and report["after"] == report["head"] and report["changed"]
    again = json.loads(invoke("db", "upgrade", "--json").output)
    assert again["before"] == again["after"] == report["head"] and not again["changed"]


def test_db_upgrade_unreachable_database_exits_1(
    settings_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VALBAR_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    result = invoke("db", "upgrade")
    assert result.exit_code == 1
    assert "database:" in result.output


def test_worker_and_beat_need_a_broker(settings_env: Path) -> None:
    for command in ("worker", "beat"):
        result = invoke(command)
        assert result.exit_code == 1
        assert "VALBAR_BROKER_URL" in result.output


def test_worker_and_beat_run_celery(settings_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from indexer.jobs import celery_app

    monkeypatch.setenv("VALBAR_BROKER_URL", "redis://127.0.0.1:6379/15")
    get_settings.cache_clear()
    seen: list[list[str]] = []
    monkeypatch.setattr(celery_app, "worker_main", lambda argv: seen.append(argv))
    monkeypatch.setattr(celery_app, "start", lambda argv: seen.append(argv))
    assert invoke("worker", "--concurrency", "2", "--", "-Q", "valbar").exit_code == 0
    assert invoke("beat").exit_code == 0
    assert invoke("beat", "--", "-s", "/tmp/elsewhere").exit_code == 0
    assert seen == [
        ["worker", "--loglevel", "info", "--concurrency", "2", "-Q", "valbar"],
        ["beat", "--loglevel", "info", "--schedule", str(settings_env / "celerybeat-schedule")],
        ["beat", "--loglevel", "info", "-s", "/tmp/elsewhere"],
    ]
    assert invoke("worker", "--loglevel", "loud").exit_code == 2
    assert invoke("worker", "--concurrency", "0").exit_code == 2


def test_other_commands_follow_the_exit_codes(settings_env: Path, tmp_path: Path) -> None:
    # usage: an unknown option, a value out of range, a missing file argument
    assert invoke("retailer", "signals", "x", "--delivery-precision", "7").exit_code == 2
    assert invoke("catalog", "import", str(tmp_path / "none.xml")).exit_code == 2
    assert invoke("user", "list", "--nope").exit_code == 2
    # runtime: the data says no
    unknown = invoke("retailer", "signals", "nobody", "--delivery-precision", "0.9")
    assert unknown.exit_code == 1 and "unknown retailer" in unknown.output
    assert invoke("runs", "cancel", "424242").exit_code == 1
    garbage = tmp_path / "catalog.xml"
    garbage.write_bytes(b"\x00\x01 not a catalog")
    assert invoke("catalog", "import", str(garbage)).exit_code == 1
