"""The Alembic migrations produce the model schema on PostgreSQL too."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from catalog.db import make_engine, migrate
from catalog.models import Base

pytestmark = pytest.mark.integration


def test_migrate_on_postgres(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    migrate(engine)
    insp = inspect(engine)
    assert set(Base.metadata.tables) <= set(insp.get_table_names())
    engine.dispose()


def test_processes_starting_together_migrate_once_on_postgres(postgres_url: str) -> None:
    from tests.unit.catalog.test_migrations import migrate_at_once

    for proc in migrate_at_once(postgres_url):
        assert proc.returncode == 0, proc.stderr[-2000:]
    engine = make_engine(postgres_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_0004_downgrade_expands_folded_demand_rows_on_postgres(postgres_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from catalog.db import alembic_config

    engine = make_engine(postgres_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO demand_event (kind, product_id, query, retailers, created_at, "
                "occurrences) VALUES ('search', 7, 'handskar', CAST('[[1, 1]]' AS JSON), "
                "'2026-11-24 09:00:00+00', 3), ('view', 8, NULL, CAST('[]' AS JSON), "
                "'2026-11-24 09:00:00+00', 2)"
            )
        )
    with engine.begin() as conn:  # alembic on our connection: nothing left open
        cfg = alembic_config(postgres_url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT kind, product_id, retailers::text FROM demand_event ORDER BY id")
        ).all()
    assert sorted(rows) == sorted([("search", 7, "[[1, 1]]")] * 3 + [("view", 8, "[]")] * 2)
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT occurrences FROM demand_event")).scalars().all() == [1] * 5
    engine.dispose()


def test_users_are_migrated_into_organisations_on_postgres(postgres_url: str) -> None:
    from tests.unit.catalog.test_migrations import check_users_migrated_into_organisations

    check_users_migrated_into_organisations(postgres_url)
