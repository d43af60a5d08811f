"""Engine, sessions and migrations. Callers pass sessions in; nothing here is global state."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CursorResult, Engine, Result, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from catalog.private_files import FILE_MODE, private_dir, private_file

SessionFactory: TypeAlias = "sessionmaker[Session]"
"""What makes the sessions of one database (``indexer.jobs.factory_for``)."""

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            if not path.startswith("file:") and "?" not in path:
                # holds password hashes and sessions: the folder 0700 and the file 0600
                # when made here (SQLite gives its -wal/-shm files the database's mode)
                private_file(Path(path))
            else:
                private_dir(Path(path.removeprefix("file:").split("?", 1)[0]).parent)
            # A web worker runs up to ~40 request threads; SQLite connections are cheap, so
            # the pool never makes a request wait for one.
            kwargs.setdefault("pool_size", 10)
            kwargs.setdefault("max_overflow", 40)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Any constant works: it only has to be the same in every Valbar process on the database.
_PG_MIGRATION_LOCK = 0x56414C42  # "VALB"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; run by the CLI on first use).

    Several processes may start on a database that needs migrating at once (``valbar serve
    --workers 4``, a Celery worker beside the API): one migrates while the others wait on a
    lock (a PostgreSQL advisory lock, a lock file beside a SQLite database) and then find the
    schema current.
    """
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with _migration_lock(engine), engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock file beside a SQLite database file (no-op otherwise)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    import fcntl

    fd = os.open(f"{database}.migrate-lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
    with os.fdopen(fd, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _current_heads(engine: Engine) -> set[str]:
    if "alembic_version" not in inspect(engine).get_table_names():
        return set()
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def _script_heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def needs_migration(engine: Engine) -> bool:
    """True when the database is not at the newest revision (new install or new code)."""
    current = _current_heads(engine)
    return not current or current != _script_heads()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (``None`` for an empty database)."""
    return ",".join(sorted(_current_heads(engine))) or None


def head_revision() -> str:
    """The newest schema revision of this code."""
    return ",".join(sorted(_script_heads()))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through ``Session.execute`` matched.

    ``Session.execute`` is typed to return a ``Result``; for such a statement it is a
    ``CursorResult``, which holds the count."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"not the result of an UPDATE or DELETE: {type(result).__name__}")
    return result.rowcount
