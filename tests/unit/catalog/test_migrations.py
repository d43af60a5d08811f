"""Migrations create the schema the models describe, and are idempotent."""

from __future__ import annotations

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
