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


def _users_before_organisations(url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from catalog.db import alembic_config

    engine = make_engine(url)
    with engine.begin() as conn:  # alembic on our connection: nothing left open
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    with engine.begin() as conn:
        for rid, slug in ((1, "tandab"), (2, "dentalgrossen")):
            conn.execute(
                text(
                    "INSERT INTO retailer (id, slug, name, column_mapping, created_at) "
                    "VALUES (:id, :slug, :name, '{}', '2026-12-01 10:00:00')"
                ),
                {"id": rid, "slug": slug, "name": slug.title() + " AB"},
            )
        users = [
            (1, "a@tandab.se", "retailer", 1, None),
            (2, "b@tandab.se", "retailer", 1, None),
            (3, "c@klinik.se", "clinic", None, "Folktandvården Vasa"),
            (4, "d@klinik.se", "clinic", None, "Folktandvården Vasa"),
            (5, "e@klinik.se", "clinic", None, None),
            (6, "admin@valbar.se", "admin", None, None),
        ]
        for uid, email, role, rid, clinic in users:
            conn.execute(
                text(
                    "INSERT INTO app_user (id, email, name, clinic, role, retailer_id, "
                    "password_hash, active, created_at) VALUES (:id, :email, :name, :clinic, "
                    ":role, :rid, 'x', TRUE, '2026-12-01 10:00:00')"
                ),
                {
                    "id": uid,
                    "email": email,
                    "name": f"User {uid}",
                    "clinic": clinic,
                    "role": role,
                    "rid": rid,
                },
            )
    engine.dispose()


def test_existing_users_are_migrated_into_organisations(tmp_path: Path) -> None:
    """Revision 0008: every retailer becomes a retailer organisation (earliest user its
    representative), clinic users are grouped by clinic name (manager + buyers); platform
    users stay outside organisations."""

    check_users_migrated_into_organisations(f"sqlite:///{tmp_path / 'old.sqlite3'}")


def check_users_migrated_into_organisations(url: str) -> None:
    from sqlalchemy.orm import Session

    from catalog.models import Organisation, User

    _users_before_organisations(url)
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as session:
        orgs = {o.name: o for o in session.query(Organisation)}
        assert set(orgs) == {"Tandab AB", "Dentalgrossen AB", "Folktandvården Vasa", "User 5"}
        assert orgs["Tandab AB"].kind == "retailer" and orgs["Tandab AB"].retailer_id == 1
        assert all(o.status == "active" for o in orgs.values())
        members = {u.id: (u.organisation_id, u.org_role) for u in session.query(User)}
        vasa = orgs["Folktandvården Vasa"].id
        assert members[1] == (orgs["Tandab AB"].id, "representative")
        assert members[2] == (orgs["Tandab AB"].id, "staff")
        assert members[3] == (vasa, "manager") and members[4] == (vasa, "buyer")
        assert members[5] == (orgs["User 5"].id, "manager")
        assert members[6] == (None, None)
        five = session.get(User, 5)
        assert five is not None and five.clinic == "User 5"
    engine.dispose()
