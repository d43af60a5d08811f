"""Run claims on PostgreSQL: one running run per retailer under concurrent claims, and the
lease sweep."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from catalog.settings import Settings
from indexer import run_lease
from indexer.pipeline import run_feed
from tests.factories import add_retailer, migrated_factory
from tests.unit.indexer.run_support import assert_one_claim_wins, offers, queue_run, run_row

pytestmark = pytest.mark.integration


def test_concurrent_claims_make_one_running_run_per_retailer(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=postgres_url, environment="test")
    factory = migrated_factory(postgres_url)
    assert_one_claim_wins(factory, settings, tmp_path / "feeds", rounds=20)


def test_a_taken_run_cannot_commit_and_an_expired_lease_is_requeued(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=postgres_url, environment="test")
    factory = migrated_factory(postgres_url)
    add_retailer(factory)
    run_id = queue_run(factory, settings, tmp_path / "feeds")
    stale = run_lease.new_token()
    run_lease.claim(factory, run_id, stale, 30, now=run_lease.utcnow() - timedelta(minutes=5))
    report = run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=60)
    assert report.requeued == [run_id] and report.dispatch == [run_id]
    fresh = run_lease.new_token()
    assert run_lease.claim(factory, run_id, fresh, 30) is run_lease.Claim.CLAIMED
    with pytest.raises(run_lease.RunLost):
        run_feed(factory, settings, run_id, token=stale)
    assert offers(factory) == 0
    assert run_feed(factory, settings, run_id, token=fresh).status == "succeeded"
    assert run_row(factory, run_id).attempts == 2 and offers(factory) == 5
