"""Run lifecycle on SQLite: claims (one running run per retailer), fenced commits,
cancellation, the lease sweep."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import Settings
from indexer import run_lease
from indexer.pipeline import run_feed
from tests.factories import add_retailer, migrated_factory
from tests.unit.indexer.run_support import assert_one_claim_wins, offers, queue_run, run_row

Env = tuple[Settings, sessionmaker[Session], Path]


@pytest.fixture()
def env(tmp_path: Path) -> Env:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    add_retailer(factory, "dentab", "Dent AB")
    return settings, factory, tmp_path / "feeds"


def test_a_second_run_of_a_retailer_stays_queued_until_the_first_ends(env: Env) -> None:
    settings, factory, folder = env
    first, second = queue_run(factory, settings, folder), queue_run(factory, settings, folder)
    other = queue_run(factory, settings, folder, slug="dentab")
    token = run_lease.new_token()
    assert run_lease.claim(factory, first, token, 30) is run_lease.Claim.CLAIMED
    assert run_lease.claim(factory, second, "t2", 30) is run_lease.Claim.BUSY
    assert run_row(factory, second).status == "queued"
    assert run_lease.claim(factory, other, "t3", 30) is run_lease.Claim.CLAIMED  # other retailer
    assert run_lease.claim(factory, first, "t4", 30) is run_lease.Claim.GONE  # already running
    with pytest.raises(run_lease.RunBusy):
        run_feed(factory, settings, second)  # a direct run claims too
    assert run_lease.next_queued(factory, run_row(factory, first).retailer_id) == second
    outcome = run_feed(factory, settings, first, token=token)
    assert outcome.status == "succeeded"
    assert run_lease.claim(factory, second, "t5", 30) is run_lease.Claim.CLAIMED


def test_concurrent_claims_of_one_retailer_make_one_running_run(env: Env) -> None:
    settings, factory, folder = env
    assert_one_claim_wins(factory, settings, folder, rounds=20)


def test_a_cancelled_run_commits_nothing(env: Env) -> None:
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    token = run_lease.new_token()
    run_lease.claim(factory, run_id, token, 30)
    assert run_lease.request_cancel(factory, run_id) == "running"  # its supervisor stops it
    outcome = run_feed(factory, settings, run_id, token=token)
    assert outcome.status == "cancelled"
    run = run_row(factory, run_id)
    assert run.status == "cancelled" and run.message == "cancelled on request; nothing was changed"
    assert offers(factory) == 0
    with pytest.raises(run_lease.RunFinished):
        run_lease.request_cancel(factory, run_id)


def test_cancelling_a_queued_run_ends_it_at_once(env: Env) -> None:
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    assert run_lease.request_cancel(factory, run_id) == "cancelled"
    assert run_lease.claim(factory, run_id, "t", 30) is run_lease.Claim.GONE
    assert run_row(factory, run_id).finished_at is not None


def test_a_process_whose_lease_was_taken_cannot_commit(env: Env) -> None:
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    stale = run_lease.new_token()
    past = run_lease.utcnow() - timedelta(minutes=5)
    run_lease.claim(factory, run_id, stale, 30, now=past)
    report = run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=60)
    assert report.requeued == [run_id] and report.dispatch == [run_id]
    fresh = run_lease.new_token()
    assert run_lease.claim(factory, run_id, fresh, 30) is run_lease.Claim.CLAIMED
    with pytest.raises(run_lease.RunLost):
        run_feed(factory, settings, run_id, token=stale)
    assert offers(factory) == 0
    assert run_row(factory, run_id).status == "running"  # the new holder's run, untouched
    assert run_feed(factory, settings, run_id, token=fresh).status == "succeeded"


def test_an_expired_lease_is_retried_once_then_failed_with_the_reason(env: Env) -> None:
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    past = run_lease.utcnow() - timedelta(minutes=5)
    run_lease.claim(factory, run_id, run_lease.new_token(), 30, now=past)
    first = run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=60)
    assert first.requeued == [run_id]
    requeued = run_row(factory, run_id)
    assert requeued.status == "queued" and requeued.attempts == 1
    assert requeued.message == "queued again: the process running the feed stopped responding"
    run_lease.claim(factory, run_id, run_lease.new_token(), 30, now=past)
    second = run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=60)
    assert second.failed == [run_id] and second.dispatch == []
    failed = run_row(factory, run_id)
    assert failed.status == "failed" and failed.attempts == 2
    assert failed.message == (
        "the process running the feed stopped responding (attempt 2); nothing was changed"
    )


def test_a_live_lease_is_left_alone_and_lost_queued_runs_are_sent_again(env: Env) -> None:
    settings, factory, folder = env
    running = queue_run(factory, settings, folder)
    waiting = queue_run(factory, settings, folder)  # behind the running one
    lost = queue_run(factory, settings, folder, slug="dentab")
    run_lease.claim(factory, running, run_lease.new_token(), 600)
    report = run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=60)
    assert report.failed == [] and report.requeued == []
    assert report.dispatch == []  # just submitted: its uploader is sending it
    later = run_lease.utcnow() + timedelta(seconds=61)
    report = run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=60, now=later)
    assert report.dispatch == [lost]  # nobody claimed it; ``waiting`` is sent when ``running`` ends
    again = run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=60, now=later)
    assert again.dispatch == []  # sent a moment ago: in a queue, not lost
    much_later = later + timedelta(seconds=61)
    report = run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=60, now=much_later)
    assert report.dispatch == [lost]
    assert run_row(factory, waiting).status == "queued"


def test_a_queued_run_whose_cancel_was_requested_is_ended_by_the_sweep(env: Env) -> None:
    settings, factory, folder = env
    run_id = queue_run(factory, settings, folder)
    token = run_lease.new_token()
    run_lease.claim(factory, run_id, token, 30)
    run_lease.request_cancel(factory, run_id)
    run_lease.requeue(factory, run_id, token, "restart")  # e.g. a restart raced the cancel
    report = run_lease.sweep(factory, max_attempts=2, requeue_after_seconds=60)
    assert report.cancelled == [run_id] and report.dispatch == []
    assert run_row(factory, run_id).status == "cancelled"


def test_two_cancels_at_once_end_the_run_once(env: Env) -> None:
    """Two cancel requests at once (a double click, two admins): the run ends ``cancelled``
    once; the other request sees it cancelled or is told it has ended, never an error."""
    import threading

    settings, factory, folder = env
    for _ in range(20):
        run_id = queue_run(factory, settings, folder)
        barrier = threading.Barrier(2)
        answers: list[str] = []

        def cancel(
            run_id: int = run_id, barrier: threading.Barrier = barrier, answers: list[str] = answers
        ) -> None:
            barrier.wait()
            try:
                answers.append(run_lease.request_cancel(factory, run_id))
            except run_lease.RunFinished:
                answers.append("ended already")

        threads = [threading.Thread(target=cancel) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert "cancelled" in answers and set(answers) <= {"cancelled", "ended already"}
        row = run_row(factory, run_id)
        assert row.status == "cancelled" and row.finished_at is not None
