"""The operator commands on PostgreSQL: ``valbar db upgrade`` on an empty schema, accounts
and keys, and the same account added by two processes at once (one wins, the other exits 1
saying it exists; never two rows, never a traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from catalog.models import User
from catalog.settings import get_settings
from indexer.jobs import factory_for
from valbar.cli import app

PASSWORD = "Klorhexidin-Spegel-47"


@pytest.fixture()
def pg_env(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    env = {
        "VALBAR_DATA_DIR": str(tmp_path / "var"),
        "VALBAR_DATABASE_URL": postgres_url,
        "VALBAR_BROKER_URL": "",
        "VALBAR_ENVIRONMENT": "test",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


def test_db_upgrade_then_accounts_and_keys(pg_env: dict[str, str]) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["db", "upgrade", "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report["before"] is None and report["after"] == report["head"]
    assert json.loads(runner.invoke(app, ["db", "upgrade", "--json"]).output)["changed"] is False
    added = runner.invoke(
        app,
        ["user", "add", "ops@klinik.se", "--name", "Ops", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["user", "set-role", "ops@klinik.se", "merchandiser"]).exit_code == 0
    created = runner.invoke(app, ["key", "create", "ops@klinik.se", "--name", "monitor"])
    assert created.exit_code == 0, created.output
    (key,) = json.loads(runner.invoke(app, ["key", "list", "--json"]).output)
    assert runner.invoke(app, ["key", "revoke", key["prefix"]]).exit_code == 0
    assert json.loads(runner.invoke(app, ["key", "list", "--json"]).output) == []


def test_the_same_account_added_twice_at_once(pg_env: dict[str, str]) -> None:
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    env = {**os.environ, **pg_env}
    argv = [sys.executable, "-m", "valbar", "user", "add", "anna@klinik.se", "--name", "Anna"]
    argv += ["--role", "clinic", "--password-stdin"]
    processes = [
        subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(PASSWORD + "\n", timeout=120) for p in processes]
    codes = sorted(p.returncode for p in processes)
    assert codes == [0, 1], results
    loser = next(err for p, (_out, err) in zip(processes, results, strict=True) if p.returncode)
    assert "already exists" in loser and "Traceback" not in loser
    with factory_for(get_settings())() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
