"""On SQLite a savepoint that is a transaction's first write is still part of the transaction:
releasing it commits nothing, and rolling the transaction back undoes what it wrote (Python's
sqlite3 begins only before INSERT/UPDATE/DELETE; ``catalog.db`` begins before a SAVEPOINT)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from catalog.db import make_engine, migrate
from catalog.models import Retailer


def _factory(tmp_path: Path) -> sessionmaker:  # type: ignore[type-arg]
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    return sessionmaker(engine)


def test_a_released_first_savepoint_is_undone_by_the_transactions_rollback(
    tmp_path: Path,
) -> None:
    factory = _factory(tmp_path)
    with factory() as session:
        with session.begin_nested():
            session.add(Retailer(slug="forsta", name="Första"))
        session.rollback()
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Retailer)) == 0


def test_a_refused_insert_in_a_savepoint_keeps_the_rest_of_the_transaction(
    tmp_path: Path,
) -> None:
    factory = _factory(tmp_path)
    with factory() as session:
        session.add(Retailer(slug="a", name="A"))
        session.commit()
    with factory() as session:
        try:
            with session.begin_nested():
                session.add(Retailer(slug="a", name="A igen"))  # the unique slug refuses it
        except IntegrityError:
            pass
        session.add(Retailer(slug="b", name="B"))
        session.commit()
    with factory() as session:
        assert sorted(session.scalars(select(Retailer.slug))) == ["a", "b"]


def test_a_savepoint_after_other_writes_commits_with_them(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    with factory() as session:
        session.add(Retailer(slug="c", name="C"))
        session.flush()
        with session.begin_nested():
            session.add(Retailer(slug="d", name="D"))
        session.commit()
    with factory() as session:
        assert sorted(session.scalars(select(Retailer.slug))) == ["c", "d"]
