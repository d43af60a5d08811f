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


def test_a_feed_run_stored_before_message_codes_stays_readable(tmp_path: Path) -> None:
    """Revision 0007 adds ``feed_run.message_code`` / ``message_values``: a run recorded
    before has neither, and its message is shown as it was stored."""
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from catalog.db import alembic_config
    from catalog.models import FeedRun
    from indexer.messages import render_stored

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    command.upgrade(alembic_config(url), "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO retailer (id, slug, name, column_mapping, created_at) "
                "VALUES (1, 'tandab', 'Tandab', '{}', '2026-12-01 10:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO feed_run (id, retailer_id, file_name, sha256, size_bytes, mode, "
                "options, mapping, counts, row_errors, status, message, progress, timings, "
                "created_at) VALUES (1, 1, 'lager.csv', :sha, 10, 'full', '{}', '{}', '{}', "
                "'[]', 'rejected', :message, 1.0, '{}', '2026-12-01 10:00:00')"
            ),
            {
                "sha": "0" * 64,
                "message": "lager.csv: the feed contains no rows; nothing was changed",
            },
        )
    migrate(engine)
    with Session(engine) as session:
        run = session.get(FeedRun, 1)
        assert run is not None and run.message_code is None and run.message_values is None
        shown = render_stored(run.message, run.message_code, run.message_values, "sv")
        assert shown == "lager.csv: the feed contains no rows; nothing was changed"
