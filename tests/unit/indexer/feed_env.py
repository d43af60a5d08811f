"""A SQLite database with the retailer "tandab", and settings to run feeds against it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import Settings
from tests.factories import add_retailer, migrated_factory


def feed_env(tmp_path: Path) -> tuple[Settings, sessionmaker[Session]]:
    """Settings under ``tmp_path`` and a migrated SQLite database holding "tandab"."""
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    return settings, factory
