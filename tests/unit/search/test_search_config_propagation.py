"""A ranking config published through one worker is served by every worker.

Two search services with their own caches over one database stand for two worker
processes: the one that did not publish (and so was never told to refresh) follows the
publication stamp. ``tests/integration/test_config_propagation.py`` measures the delay
with two real processes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from catalog.db import transaction
from ranking.config import RankingConfig
from ranking.versions import publication_stamp, publish, save_draft
from search.backends.tantivy_backend import TantivyBackend
from search.build import RankingConfigs
from search.service import SearchService
from tests.factories import migrated_factory


def _publish(factory: Any, description: str) -> None:
    with transaction(factory) as session:
        row = save_draft(session, "default", RankingConfig(description=description), "anna")
        publish(session, "default", row.version, "bo")


@pytest.fixture()
def factory(tmp_path: Path) -> Any:
    return migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite3'}")


def _worker(factory: Any, tmp_path: Path, name: str, calls: list[str]) -> SearchService:
    provide = RankingConfigs.published(factory, "default")

    def counting(config_name: str) -> RankingConfig:
        calls.append(config_name)
        return provide(config_name)

    return SearchService(
        TantivyBackend(tmp_path / name),
        factory,
        counting,
        config_stamp=provide.stamp,
        config_check_seconds=0.0,  # check on every search (the default is once a second)
    )


def test_every_worker_serves_a_newly_published_config(factory: Any, tmp_path: Path) -> None:
    _publish(factory, "v1")
    calls: list[str] = []
    one, two = (_worker(factory, tmp_path, n, calls) for n in ("a", "b"))
    assert one.config("default").description == two.config("default").description == "v1"
    _publish(factory, "v2")  # through neither service: as if another worker published
    assert one.config("default").description == "v2"
    assert two.config("default").description == "v2"


def test_an_unchanged_stamp_keeps_the_cached_config(factory: Any, tmp_path: Path) -> None:
    _publish(factory, "v1")
    calls: list[str] = []
    one = _worker(factory, tmp_path, "a", calls)
    for _ in range(3):
        one.config("default")
    assert calls == ["default"]


def test_the_stamp_changes_with_every_publish_and_rollback(factory: Any) -> None:
    from ranking.versions import rollback

    stamps = []
    with transaction(factory) as session:
        stamps.append(publication_stamp(session))
    for description in ("v1", "v2"):
        _publish(factory, description)
        with transaction(factory) as session:
            stamps.append(publication_stamp(session))
    with transaction(factory) as session:
        rollback(session, "default", 1, "cecilia")
    with transaction(factory) as session:
        stamps.append(publication_stamp(session))
    assert len(set(stamps)) == len(stamps) == 4
