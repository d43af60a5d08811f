"""The check that hand-written migrations and the ORM models describe the same tables:
columns (name, nullability, type), foreign keys (with ``ondelete``), indexes and unique
constraints, compared on a database migrated to head."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import UniqueConstraint, inspect

from catalog.db import make_engine
from catalog.models import Base
from tests.factories import ENGINES


def assert_tables_match_migration(migrated_db: Path, names: Iterable[str]) -> None:
    """Fail naming the first table (and column) where ``migrated_db`` and the models differ."""
    engine = make_engine(f"sqlite:///{migrated_db}")
    ENGINES.append(engine)
    inspector = inspect(engine)
    names = set(names)
    assert set(Base.metadata.tables) >= names
    for name in sorted(names):
        table = Base.metadata.tables[name]
        migrated = {c["name"]: c for c in inspector.get_columns(name)}
        assert set(migrated) == {c.name for c in table.columns}, name
        for column in table.columns:
            assert migrated[column.name]["nullable"] == column.nullable, (name, column.name)
            migrated_type = migrated[column.name]["type"].compile(engine.dialect)
            assert migrated_type == column.type.compile(engine.dialect), (name, column.name)
        model_fks = {
            (tuple(fk.parent.name for fk in c.elements), c.referred_table.name, c.ondelete)
            for c in table.foreign_key_constraints
        }
        migrated_fks = {
            (tuple(fk["constrained_columns"]), fk["referred_table"], fk["options"].get("ondelete"))
            for fk in inspector.get_foreign_keys(name)
        }
        assert migrated_fks == model_fks, name
        model_indexes = {(i.name, tuple(c.name for c in i.columns)) for i in table.indexes}
        migrated_indexes = {
            (i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(name)
        }
        assert migrated_indexes == model_indexes, name
        model_unique = {
            tuple(c.name for c in u.columns)
            for u in table.constraints
            if isinstance(u, UniqueConstraint)
        } | {(c.name,) for c in table.columns if c.unique}
        migrated_unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)}
        assert migrated_unique == model_unique, name
