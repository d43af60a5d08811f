"""catalog.db.rows_matched: the rows an UPDATE or DELETE matched, typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from catalog.db import rows_matched, transaction
from catalog.models import LockLease
from tests.factories import migrated_factory

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def test_counts_the_rows_an_update_and_a_delete_matched(tmp_path: Path) -> None:
    factory = migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with transaction(factory) as session:
        for name in ("a", "b", "c"):
            session.add(LockLease(name=name, holder="me", expires_at=NOW))
    with transaction(factory) as session:
        moved = session.execute(
            update(LockLease)
            .where(LockLease.name.in_(("a", "b")))
            .values(expires_at=NOW + timedelta(minutes=1))
            .execution_options(synchronize_session=False)
        )
        assert rows_matched(moved) == 2
        none = session.execute(delete(LockLease).where(LockLease.name == "zzz"))
        assert rows_matched(none) == 0
        one = session.execute(delete(LockLease).where(LockLease.name == "c"))
        assert rows_matched(one) == 1


def test_a_query_result_is_refused(tmp_path: Path) -> None:
    factory = migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with transaction(factory) as session:
        rows = session.execute(select(LockLease))
        with pytest.raises(TypeError, match="not the result of an UPDATE or DELETE"):
            rows_matched(rows)
