"""A running feed run records its phase and rows done (read, match, store), at a bounded
rate, where the run's page can read it while the run's transaction is still open."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import FeedRun
from catalog.settings import Settings
from indexer import run_lease, run_progress
from indexer.outbox import apply_outbox
from indexer.pipeline import FeedOptions, run_feed, submit_feed
from indexer.run_progress import ProgressReporter, RunProgress, Sink
from search.registry import get_backend
from tests.factories import add_product, add_retailer, migrated_factory, swedish_feed

ROWS = 3500


@pytest.fixture()
def env(tmp_path: Path) -> tuple[Settings, sessionmaker[Session]]:
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url="",
        environment="test",
        feed_progress_seconds=0,  # every report is written: the test sees each step
        match_workers=1,
        feed_offers_in_memory=0,  # pass two reads the file again, as a large feed does
    )
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    return settings, factory


def test_a_run_records_increasing_rows_per_phase_readable_during_the_run(
    env: tuple[Settings, sessionmaker[Session]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, factory = env
    run_id = submit_feed(
        factory, settings, swedish_feed(tmp_path / "lager.csv", ROWS), "tandab", FeedOptions()
    )
    written: list[RunProgress] = []
    seen: list[RunProgress] = []  # what the run's page reads at that moment
    real = run_progress.sink_for

    def recording(s: Settings, f: sessionmaker[Session], rid: int) -> Sink:
        sink = real(s, f, rid)

        def write(progress: RunProgress) -> None:
            sink(progress)
            written.append(progress)
            with factory() as other:  # another connection, as the web page's
                run = other.get(FeedRun, rid)
                assert run is not None
                seen.append(run_progress.current(settings, run))

        return write

    monkeypatch.setattr(run_progress, "sink_for", recording)
    outcome = run_feed(factory, settings, run_id)
    assert outcome.status == "succeeded" and outcome.counts["inserted"] == ROWS
    assert seen == written  # readable while the run's transaction was open (SQLite: the file)
    phases = [p.phase for p in written]
    assert phases.index("read") < phases.index("match") < phases.index("store")
    by_phase = {
        phase: [p for p in written if p.phase == phase] for phase in ("read", "match", "store")
    }
    read = [p.done for p in by_phase["read"]]
    assert read == sorted(read) and read[:3] == [1000, 2000, 3000] and read[-1] == ROWS
    assert all(p.total is None for p in by_phase["read"])  # unknown until read
    matched = [p.done for p in by_phase["match"]]
    assert matched == [1000, 2000, 3000, ROWS]  # a report per 1,000 offers matched
    assert all(p.total == ROWS for p in by_phase["match"] + by_phase["store"])
    assert by_phase["store"][-1].done == ROWS
    fractions = [p.fraction for p in written]
    assert fractions == sorted(fractions) and fractions[0] > 0 and fractions[-1] < 1
    with factory() as s:
        run = s.scalars(select(FeedRun).where(FeedRun.id == run_id)).one()
        assert run.progress == 1.0 and run_progress.current(settings, run).fraction == 1.0
    assert not run_progress.progress_path(settings, run_id).exists()  # the row has the end


def test_reports_are_written_at_a_bounded_rate_but_every_phase_change_is() -> None:
    now = [0.0]
    got: list[RunProgress] = []
    reporter = ProgressReporter(got.append, min_seconds=0.5, clock=lambda: now[0])
    for rows in range(1000, 10_001, 1000):  # ten reports in 0.45 s
        reporter.read(rows)
        now[0] += 0.05
    assert [p.done for p in got] == [1000]
    now[0] += 0.5
    reporter.read(11_000)
    reporter.match(0, 11_000)  # a new phase: at once
    reporter.match(500, 11_000)  # too soon
    assert [(p.phase, p.done) for p in got] == [("read", 1000), ("read", 11_000), ("match", 0)]


def test_the_database_sink_writes_the_row_and_leaves_an_ended_run_alone(
    env: tuple[Settings, sessionmaker[Session]], tmp_path: Path
) -> None:
    settings, factory = env
    run_id = submit_feed(
        factory, settings, swedish_feed(tmp_path / "lager.csv", 3), "tandab", FeedOptions()
    )
    sink = run_progress.database_sink(factory, run_id)
    sink(RunProgress("match", 12_000, 60_000, 0.5))
    with factory() as s:
        run = s.get(FeedRun, run_id)
        assert run is not None
        assert (run.phase, run.rows_done, run.rows_total, run.progress) == (
            "match",
            12_000,
            60_000,
            0.5,
        )
        assert run_progress.current(settings, run) == RunProgress("match", 12_000, 60_000, 0.5)
    run_feed(factory, settings, run_id)  # no product matched: nothing to index, the end
    sink(RunProgress("store", 1, 3, 0.6))  # late: the run has ended
    sink(RunProgress("index", 0, 3, 0.95))  # never back from 1.0
    run_progress.finish_indexing(factory, run_id)
    with factory() as s:
        run = s.get(FeedRun, run_id)
        assert run is not None and run.status == "succeeded"
        assert (run.phase, run.rows_done, run.progress) == (None, 0, 1.0)
        assert run_progress.public_status(run) == "succeeded"


def test_a_progress_file_left_behind_is_read_only_while_the_run_runs(
    env: tuple[Settings, sessionmaker[Session]], tmp_path: Path
) -> None:
    settings, factory = env
    run_id = submit_feed(
        factory, settings, swedish_feed(tmp_path / "lager.csv", 3), "tandab", FeedOptions()
    )
    run_progress.file_sink(settings, run_id)(RunProgress("store", 2, 3, 0.8))  # a killed run's
    with factory() as s:
        run = s.get(FeedRun, run_id)
        assert run is not None and run.status == "queued"
        assert run_progress.current(settings, run).phase is None
        run.status = "running"
        assert run_progress.current(settings, run) == RunProgress("store", 2, 3, 0.8)


def test_the_reporter_never_goes_back_in_phase_or_fraction() -> None:
    got: list[RunProgress] = []
    reporter = ProgressReporter(got.append, min_seconds=0)
    reporter.read(1000)
    reporter.match(1000, 2000)
    reporter.store(1000, 2000)
    reporter.match(2000, 2000)  # match and store take turns a chunk at a time: one rank
    reporter.read(3000)  # late: pass one is over
    reporter.index(0, 5)
    reporter.store(2000, 2000)  # late: the index phase has begun
    assert [p.phase for p in got] == ["read", "match", "store", "match", "index"]
    fractions = [p.fraction for p in got]
    assert fractions == sorted(fractions)


def test_a_run_ends_at_succeeded_and_one_hundred_percent_only_once_indexed(
    env: tuple[Settings, sessionmaker[Session]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every state the run's row shows, from the claim to the end, moves forward; the run is
    ``running`` in its index phase after its commit, and ``succeeded`` at 1.0 once the outbox
    pass has put its products in the search index."""
    settings, factory = env
    gtin = "07312345678909"
    product_id = add_product(factory, key="glove", name="Nitrilhandske", gtin=gtin)
    feed = swedish_feed(tmp_path / "lager.csv", 3, gtins={0: gtin})
    run_id = submit_feed(factory, settings, feed, "tandab", FeedOptions())
    shown: list[tuple[str, str | None, float]] = []  # (public status, phase, fraction)

    def look() -> None:
        with factory() as other:  # another connection, as the API's
            run = other.get(FeedRun, run_id)
            assert run is not None
            now = run_progress.current(settings, run)
            shown.append((run_progress.public_status(run), now.phase, now.fraction))

    real = run_progress.sink_for

    def recording(s: Settings, f: sessionmaker[Session], rid: int) -> Sink:
        sink = real(s, f, rid)

        def write(progress: RunProgress) -> None:
            sink(progress)
            look()

        return write

    monkeypatch.setattr(run_progress, "sink_for", recording)
    token = run_lease.new_token()
    assert run_lease.claim(factory, run_id, token, 60) is run_lease.Claim.CLAIMED
    look()  # from the claim on, the run is reading its file
    assert shown[0] == ("running", "read", run_progress.READ_START)
    outcome = run_feed(factory, settings, run_id, token=token)
    assert outcome.status == "succeeded" and outcome.changed_product_ids == {product_id}
    look()  # committed: its offers are stored, not yet searchable
    assert shown[-1] == ("running", "index", run_progress.WRITE_END)
    report = apply_outbox(settings, factory=factory)
    assert report.runs == [run_id] and report.products == 1
    look()
    assert shown[-1] == ("succeeded", None, 1.0)
    fractions = [fraction for _status, _phase, fraction in shown]
    assert fractions == sorted(fractions), shown
    order = {"read": 0, "match": 1, "store": 1, "index": 2, None: 3}
    ranks = [order[phase] for _status, phase, _fraction in shown]
    assert ranks == sorted(ranks), shown
    assert [s for s, _p, _f in shown].count("succeeded") == 1  # the last state only
    backend = get_backend(settings)
    try:
        assert backend.count() == 1  # its product is in the search index
    finally:
        backend.close()
