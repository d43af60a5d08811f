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
