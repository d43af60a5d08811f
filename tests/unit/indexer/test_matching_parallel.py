from __future__ import annotations

import os

import pytest

from indexer.matching import CatalogIndex, Matcher
from indexer.matching.parallel import (
    MatchWorkerError,
    build_parallel,
    match_parallel,
    plan_workers,
)
from indexer.matching.synthetic import synthetic_catalog, synthetic_offers

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")


@pytest.fixture(scope="module")
def setup() -> tuple[Matcher, list]:  # type: ignore[type-arg]
    catalog = synthetic_catalog(400, seed=3)
    offers = [o.offer for o in synthetic_offers(catalog, 300, seed=4, identifier_share=0.5)]
    return Matcher(CatalogIndex.build(catalog)), offers


def test_plan_workers_keeps_small_batches_in_process() -> None:
    assert plan_workers(100_000, 1) == 1
    assert plan_workers(1_000, 2, min_per_worker=2000) == 1
    assert plan_workers(5_000, 2, min_per_worker=2000) == 2
    assert plan_workers(5_000, 8, min_per_worker=2000) == 2


@pytest.mark.parametrize("workers", [2, 3])
def test_forked_workers_give_the_single_process_results_in_order(
    setup: tuple[Matcher, list],
    workers: int,  # type: ignore[type-arg]
) -> None:
    matcher, offers = setup
    expected = matcher.match_many(offers)
    results, reports = match_parallel(matcher, offers, workers, min_per_worker=1)
    assert len(reports) == workers - 1
    assert sum(r.offers for r in reports) + len(offers[0::workers]) == len(offers)
    assert results == expected
    assert any(r.product_id is not None for r in results)


def _die(how: str) -> None:
    if how == "raise":
        raise ValueError("index corrupted")
    os._exit(3)


@pytest.mark.parametrize(
    ("how", "message"),
    [("raise", "ValueError: index corrupted"), ("exit", "exited with status 3")],
)
def test_a_failing_or_dying_worker_is_reported_not_swallowed(
    setup: tuple[Matcher, list],  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
    how: str,
    message: str,
) -> None:
    matcher, offers = setup
    parent = os.getpid()
    real = Matcher.match_many

    def failing(self: Matcher, batch):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            _die(how)
        return real(self, batch)

    monkeypatch.setattr(Matcher, "match_many", failing)
    with pytest.raises(MatchWorkerError, match=message):
        match_parallel(matcher, offers, 2, min_per_worker=1)


def test_parallel_build_equals_the_sequential_index() -> None:
    catalog = synthetic_catalog(600, seed=8)
    sequential = CatalogIndex.build(catalog)
    merged, private = build_parallel(catalog, 3, min_per_worker=1)
    assert len(private) == 2
    assert len(merged) == len(sequential)
    assert merged.tables().gtins == sequential.tables().gtins
    assert merged.tables().codes == sequential.tables().codes
    assert merged.tables().postings == sequential.tables().postings
    assert merged.stats.to_doc() == sequential.stats.to_doc()
    offers = [o.offer for o in synthetic_offers(catalog, 200, seed=2, identifier_share=0.3)]
    assert Matcher(merged).match_many(offers) == Matcher(sequential).match_many(offers)


def test_merging_out_of_id_order_is_refused() -> None:
    catalog = synthetic_catalog(40, seed=1)
    index = CatalogIndex.build(catalog[20:])
    with pytest.raises(ValueError, match="not above"):
        index.merge_tables(catalog[:20], CatalogIndex.build(catalog[:20]).tables())


_PARENT = """
import os, sys, time
from functools import partial
from pathlib import Path
from indexer.matching.parallel import run_forked

out = Path(sys.argv[1])

def work(i):
    (out / f"{i}.pid").write_text(str(os.getpid()))
    time.sleep(120)

run_forked([partial(work, i) for i in range(3)], "test")
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            return not any(line.startswith("State:\tZ") for line in fh)
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs Linux /proc")
def test_workers_die_when_the_parent_is_killed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen([sys.executable, "-c", _PARENT, str(tmp_path)])
    try:
        deadline = time.monotonic() + 30
        while len(list(tmp_path.glob("*.pid"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = {int(p.read_text()) for p in tmp_path.glob("*.pid")} - {parent.pid}
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [pid for pid in pids if _alive(pid)]
    for pid in survivors:  # leave nothing behind, then fail
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
