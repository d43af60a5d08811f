"""Writes during a full rebuild are not lost (tantivy and the OpenSearch emulator).

A change is committed (with its outbox row) while ``rebuild_index`` is reading the catalog
into the new generation/index. The other process's outbox pass finds the index lock held
and writes nothing into the generation that is about to be replaced; the rebuild applies
the row to the new index after the swap (the catch-up pass), so the change is searchable.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from catalog.db import transaction
from catalog.models import IndexOutbox, Offer
from catalog.outbox import enqueue
from catalog.settings import Settings
from indexer.index_lock import SEARCH_INDEX, LockBusy, try_acquire
from indexer.outbox import OutboxReport, apply_outbox, pending, rebuild_index
from indexer.pipeline import FeedOptions, run_feed, submit_feed
from search.documents import ProductDocument
from search.registry import get_backend
from tests.conftest import IN_CI
from tests.factories import add_product, add_retailer, migrated_factory, swedish_feed
from tests.index_agreement import database_state, index_state

pytestmark = pytest.mark.integration
PRODUCTS = 12


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    from osmem_server import OsmemError, OsmemServer

    try:
        server = OsmemServer.start(japanese=False)
    except (OsmemError, OSError) as exc:
        msg = f"the OpenSearch emulator (osmem-server) cannot start: {exc}"
        if IN_CI:
            pytest.fail(f"{msg} (CI=true: integration services are required)")
        pytest.skip(msg)
    yield server
    server.close()
    if server.process.stdout is not None:
        server.process.stdout.close()


@pytest.fixture(params=["tantivy", "opensearch"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    base = Settings(data_dir=tmp_path / "var", environment="test", match_workers=1)
    if request.param == "tantivy":
        yield base
        return
    emulator = request.getfixturevalue("emulator")
    with emulator.clone() as clone:
        yield base.model_copy(update={"search_backend": "opensearch", "opensearch_url": clone.url})


def gtin13(n: int) -> str:
    body = f"735{n:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


class Interleaving:
    """The backend, with another process's change committed halfway through a rebuild."""

    def __init__(self, inner: Any, meanwhile: Any) -> None:
        self.inner = inner
        self.meanwhile = meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def reindex(self, docs: Iterable[ProductDocument]) -> int:
        def halfway() -> Iterator[ProductDocument]:
            for i, doc in enumerate(docs):
                if i == PRODUCTS // 2:
                    self.meanwhile()
                yield doc

        written: int = self.inner.reindex(halfway())
        return written


def test_a_change_committed_during_the_rebuild_reaches_the_new_index(
    settings: Settings, tmp_path: Path
) -> None:
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    pids = [
        add_product(factory, key=f"p{i}", name=f"Nitrilhandske M {i}", gtin=gtin13(i))
        for i in range(PRODUCTS)
    ]
    feed = swedish_feed(tmp_path / "a.csv", PRODUCTS, gtins={i: gtin13(i) for i in range(PRODUCTS)})
    run_feed(factory, settings, submit_feed(factory, settings, feed, "tandab", FeedOptions()))
    rebuild_index(settings, factory=factory)
    changed = pids[0]  # already read into the new index when the change commits
    other: list[OutboxReport] = []

    def another_process_writes() -> None:
        def work() -> None:
            with transaction(factory) as session:
                session.execute(update(Offer).where(Offer.product_id == changed).values(price=5))
                enqueue(session, [changed])
            other.append(apply_outbox(settings, factory=factory))

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()

    backend = Interleaving(get_backend(settings), another_process_writes)
    try:
        done = rebuild_index(settings, factory=factory, backend=backend)
    finally:
        backend.inner.close()
    assert other[0].busy and other[0].rows == 0  # it left its row to the lock holder
    assert done == {"indexed": PRODUCTS, "covered": 0, "caught_up": 1}
    assert pending(factory) == 0
    fresh = get_backend(settings)
    try:
        assert index_state(fresh, factory) == database_state(factory)
    finally:
        fresh.close()


def test_reindex_waits_for_the_lock_and_then_reports_who_holds_it(settings: Settings) -> None:
    factory = migrated_factory(settings.sqlalchemy_url)
    holder = try_acquire(factory, SEARCH_INDEX, 60)
    assert holder is not None
    with pytest.raises(LockBusy, match="being written by"):
        rebuild_index(settings, factory=factory, wait=0.3)
    holder.release()
    assert rebuild_index(settings, factory=factory)["indexed"] == 0
    with factory() as session:
        assert session.query(IndexOutbox).count() == 0


WRITER = """
import sys
import time
from pathlib import Path
from search.documents import ProductDocument
from search.backends.tantivy_backend import TantivyBackend
docs = [ProductDocument(product_id=i, name=f"Nitrilhandske {i}") for i in range(5)]
backend = TantivyBackend(Path(sys.argv[1]), heap_size=50_000_000, writer_threads=1)
Path(sys.argv[2]).touch()  # ready; start writing when the other process is ready too
while not Path(sys.argv[3]).exists():
    time.sleep(0.01)
for _ in range(3):
    backend.index_documents(docs)
backend.reindex(docs)
print("ok")
"""


def test_tantivy_writers_in_two_processes_take_turns(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    index = tmp_path / "tantivy"
    from search.backends.tantivy_backend import TantivyBackend

    TantivyBackend(index).close()  # created once, then written by both
    ready = [str(tmp_path / f"ready-{i}") for i in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(index), ready[i], ready[1 - i]],
            env=env,
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(2)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0 and out.strip() == b"ok", err.decode()[-2000:]
    assert TantivyBackend(index).count() == 5


@pytest.mark.parametrize("settings", ["opensearch"], indirect=True)
def test_a_rebuild_drops_the_index_a_killed_rebuild_left(settings: Settings) -> None:
    from search.backends.opensearch_backend import OpenSearchBackend

    factory = migrated_factory(settings.sqlalchemy_url)
    backend = get_backend(settings)
    assert isinstance(backend, OpenSearchBackend)
    try:
        abandoned = f"{backend.alias}-20200101000000-deadbeef"
        backend.client.indices.create(index=abandoned)  # never swapped in: its process died
        rebuild_index(settings, factory=factory, backend=backend)
        assert sorted(backend.client.indices.get(index=f"{backend.alias}-*")) == [backend.index]
    finally:
        backend.close()
