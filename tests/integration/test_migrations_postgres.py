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
