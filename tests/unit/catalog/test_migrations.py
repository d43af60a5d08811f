"""Migrations create the schema the models describe, and are idempotent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from catalog.db import make_engine, migrate, needs_migration
from catalog.models import Base


def test_migrate_creates_every_table_and_is_idempotent(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert needs_migration(engine)
    migrate(engine)
    assert not needs_migration(engine)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    for name, table in Base.metadata.tables.items():
        cols = {c["name"] for c in inspect(engine).get_columns(name)}
        assert {c.name for c in table.columns} == cols, name


def test_an_older_revision_needs_migration(tmp_path: Path) -> None:
    from alembic import command

    from catalog.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    command.upgrade(alembic_config(url), "0001")
    assert needs_migration(engine)
    migrate(engine)
    assert not needs_migration(engine)


RACE = """
import sys
from catalog.db import make_engine, migrate
migrate(make_engine(sys.argv[1]))
"""


def migrate_at_once(url: str, processes: int = 4) -> list[subprocess.CompletedProcess[str]]:
    """Start several processes that all migrate the same database (workers starting up)."""
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root)}
    running = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    done = []
    for proc in running:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def test_processes_starting_together_migrate_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    for proc in migrate_at_once(url):
        assert proc.returncode == 0, proc.stderr[-2000:]
    engine = make_engine(url)
    assert not needs_migration(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
