"""Config versions on a temporary SQLite database: draft, publish, rollback, history, diff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from catalog.db import make_engine, migrate, session_factory
from ranking.config import RankingConfig, load_named
from ranking.errors import UnknownConfig, VersionConflict
from ranking.rules import Rule
from ranking.versions import (
    diff,
    history,
    load_version,
    publish,
    published,
    published_version,
    rollback,
    save_draft,
)


@pytest.fixture()
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'versions.sqlite3'}")
    migrate(engine)
    with session_factory(engine)() as db:
        yield db
    engine.dispose()


def test_draft_publish_rollback_is_append_only(session: Session) -> None:
    v1_cfg = RankingConfig(description="first")
    v2_cfg = RankingConfig.model_validate(
        {"description": "second", "weights": {"price": 0.5}, "binning": {"step": 0.1}}
    )
    assert save_draft(session, "default", v1_cfg, "anna", "initial").version == 1
    assert published_version(session, "default") is None
    publish(session, "default", 1, "bo", "go live")
    assert published(session, "default") == v1_cfg

    assert save_draft(session, "default", v2_cfg, "anna", "cheaper").version == 2
    assert published(session, "default") == v1_cfg  # a draft is not live
    publish(session, "default", 2, "bo")
    assert published(session, "default") == v2_cfg

    restored = rollback(session, "default", 1, "cecilia", "price weight too high")
    session.commit()
    assert restored.version == 3
    assert restored.status == "published"
    assert published(session, "default") == v1_cfg
    assert restored.body == load_version_row(session, 1).body

    rows = history(session, "default")
    assert [(r.version, r.status) for r in rows] == [
        (0, "retired"),  # the shipped default.toml, live until the first publish
        (1, "retired"),
        (2, "retired"),
        (3, "published"),
    ]
    assert rows[1].comment == "initial\n[published by bo] go live"
    assert rows[3].comment == "rollback to version 1: price weight too high"
    assert load_version(session, "default", 2) == v2_cfg

    # one more draft + rollback: versions keep counting, nothing is rewritten
    save_draft(session, "default", v2_cfg, "anna")
    assert rollback(session, "default", 2, "bo").version == 5
    assert [r.version for r in history(session, "default")] == [0, 1, 2, 3, 4, 5]
    assert published(session, "default") == v2_cfg


def load_version_row(session: Session, version: int):  # type: ignore[no-untyped-def]
    return next(r for r in history(session, "default") if r.version == version)


def test_the_shipped_config_can_be_rolled_back_to_after_the_first_publish(
    session: Session,
) -> None:
    shipped = load_named("default")
    save_draft(session, "default", RankingConfig.model_validate({"weights": {"price": 0.5}}), "a")
    assert [r.version for r in history(session, "default")] == [1]  # a draft records nothing
    publish(session, "default", 1, "bo")
    zero = load_version_row(session, 0)
    assert zero.status == "retired" and zero.published_at is not None
    assert zero.author == "configs/ranking" and "shipped default.toml" in zero.comment
    assert load_version(session, "default", 0) == shipped
    rollback(session, "default", 0, "cecilia", "back to what shipped")
    assert published(session, "default") == shipped
    # later publishes do not record the file again
    save_draft(session, "default", RankingConfig(description="x"), "a")
    publish(session, "default", 3, "bo")
    assert [r.version for r in history(session, "default")].count(0) == 1


def test_a_config_without_a_file_gets_no_version_0(session: Session) -> None:
    save_draft(session, "summer", RankingConfig(), "anna")
    publish(session, "summer", 1, "bo")
    assert [r.version for r in history(session, "summer")] == [1]


def test_errors(session: Session) -> None:
    with pytest.raises(UnknownConfig):
        publish(session, "default", 9, "bo")
    save_draft(session, "default", RankingConfig(), "anna")
    with pytest.raises(VersionConflict, match="never published"):
        rollback(session, "default", 1, "bo")
    publish(session, "default", 1, "bo")
    with pytest.raises(VersionConflict, match="only a draft"):
        publish(session, "default", 1, "bo")


def test_published_falls_back_to_the_file(session: Session, tmp_path: Path) -> None:
    assert published(session, "default") == load_named("default")
    assert published(session, "price_first") == load_named("price_first")
    with pytest.raises(UnknownConfig):
        published(session, "nothing-here")


def test_saved_under_its_name(session: Session) -> None:
    row = save_draft(session, "summer", RankingConfig(name="default"), "anna")
    assert load_version(session, "summer", row.version).name == "summer"
    assert history(session, "default") == []


def test_diff_lists_field_changes() -> None:
    a = load_named("default")
    b = a.model_copy(
        update={
            "weights": a.weights.model_copy(update={"price": 0.3}),
            "rules": [Rule(id="p", action="pin", product_id=4, position=1)],
        }
    )
    assert diff(a, b) == ["weights.price: 0.04 -> 0.3", "rules[p]: added (pin)"]
    c = b.model_copy(update={"rules": [Rule(id="p", action="pin", product_id=4, position=2)]})
    assert diff(b, c) == ["rules[p].position: 1 -> 2"]
    assert diff(c, a) == ["weights.price: 0.3 -> 0.04", "rules[p]: removed"]
    assert diff(a, a) == []
