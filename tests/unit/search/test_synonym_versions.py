"""Synonym rule versions in the database: draft, publish, rollback, history, following
publications from another process, concurrency, and the migration 0027."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

import marketplace.models  # noqa: F401 - registers search_query_stat on Base.metadata
from catalog.db import alembic_config, make_engine
from search import synonym_versions as versions
from search.errors import SynonymRulesError, SynonymVersionConflict, UnknownSynonymVersion
from tests.factories import ENGINES, migrated_factory
from tests.schema_match import assert_tables_match_migration


@pytest.fixture()
def factory(tmp_path: Path) -> sessionmaker[Session]:
    return migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite3'}")


def test_the_0027_tables_match_the_models(tmp_path: Path) -> None:
    migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    tables = {"synonym_set_version", "search_query_stat"}
    assert_tables_match_migration(tmp_path / "db.sqlite3", tables)


def test_0027_downgrades_to_0025_and_upgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), "0025")
    engine = make_engine(url)
    ENGINES.append(engine)
    names = set(inspect(engine).get_table_names())
    assert not {"synonym_set_version", "search_query_stat"} & names
    command.upgrade(alembic_config(url), "head")
    assert {"synonym_set_version", "search_query_stat"} <= set(inspect(engine).get_table_names())


def test_draft_publish_rollback_and_history(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        assert versions.published_version(s) is None
        assert not versions.published_rules(s)
        first = versions.save_draft(s, "vante => handske\n", "mia@example.com", "vantar")
        assert (first.version, first.status) == (1, "draft")
        assert versions.latest_draft(s) is first
        versions.publish(s, 1, "mia@example.com", "live")
        second = versions.save_draft(s, "vante, handske\nmunskydd =", "ada@example.com")
        versions.publish(s, second.version, "ada@example.com")
        s.commit()
        assert versions.published_rules(s).split("munskydd") == ()
        assert [r.status for r in versions.history(s)] == ["published", "retired"]
        back = versions.rollback(s, 1, "mia@example.com", "too broad")
        s.commit()
        assert (back.version, back.status) == (3, "published")
        assert back.body == "vante => handske\n" and "rollback to version 1" in back.comment
        assert versions.published_rules(s).split("munskydd") is None
        assert [r.version for r in versions.history(s)] == [3, 2, 1]
        assert "[published by mia@example.com] live" in versions.get_version(s, 1).comment
        page = versions.history_page(s, limit=2, offset=0)
        assert page.count == 3 and [r.version for r in page.items] == [3, 2]


def test_refusals(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        with pytest.raises(SynonymRulesError, match="line 2"):
            versions.save_draft(s, "a, b\nensam", "mia")
        with pytest.raises(UnknownSynonymVersion):
            versions.publish(s, 9, "mia")
        # typed in the console: a number past any integer column is unknown, not an overflow
        for huge in (10**20, -(10**20), 0):
            with pytest.raises(UnknownSynonymVersion):
                versions.rollback(s, huge, "mia")
            with pytest.raises(UnknownSynonymVersion):
                versions.publish(s, huge, "mia")
        versions.save_draft(s, "a, b", "mia")
        versions.publish(s, 1, "mia")
        with pytest.raises(SynonymVersionConflict, match="only a draft"):
            versions.publish(s, 1, "mia")
        versions.save_draft(s, "a, c", "mia")
        with pytest.raises(SynonymVersionConflict, match="never published"):
            versions.rollback(s, 2, "mia")


def test_another_process_follows_a_publication_without_restart(
    factory: sessionmaker[Session],
) -> None:
    now = [0.0]
    other = versions.PublishedSynonyms(factory, check_seconds=1.0, clock=lambda: now[0])
    assert not other()
    with factory() as s:
        versions.save_draft(s, "vante => handske", "mia")
        versions.publish(s, 1, "mia")
        s.commit()
    now[0] = 0.5
    assert not other()  # within the check interval: the cached (empty) set
    now[0] = 1.5
    assert other().expansions(("vante",)) == [("handske",)]
    cached = other()
    assert other() is cached  # no change: not parsed again
    other.forget()
    assert other() is cached  # checked again, stamp unchanged: same object


def test_two_drafts_saved_at_once_never_share_a_version(factory: sessionmaker[Session]) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(text: str) -> None:
        with factory() as s:
            barrier.wait()
            try:
                row = versions.save_draft(s, text, "mia")
                s.commit()
                outcomes.append(f"v{row.version}")
            except SynonymVersionConflict:
                s.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(t,)) for t in ("a, b", "c, d")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with factory() as s:
        stored = [r.version for r in versions.history(s)]
    assert len(stored) == len(set(stored)) == outcomes.count("v1") + outcomes.count("v2")
    assert stored and "v1" in outcomes
