"""The search index outbox: written in the change's transaction, applied exactly once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from catalog.db import transaction
from catalog.models import IndexOutbox, Offer
from catalog.outbox import enqueue
from catalog.product_store import upsert_products
from catalog.records import Identifier, ProductRecord
from catalog.settings import Settings
from indexer.index_lock import SEARCH_INDEX, try_acquire
from indexer.outbox import apply_outbox, pending, rebuild_index
from indexer.pipeline import FeedOptions, run_feed, submit_feed
from search.backends.tantivy_backend import TantivyBackend
from search.documents import ProductDocument
from search.protocol import BackendQuery, Filters
from tests.factories import add_product, add_retailer, migrated_factory, swedish_feed
from tests.index_agreement import database_state, index_state


def gtin13(n: int) -> str:
    body = f"735{n:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


@pytest.fixture()
def env(tmp_path: Path) -> tuple[Settings, Any, list[int]]:
    settings = Settings(
        data_dir=tmp_path / "var", database_url="", environment="test", match_workers=1
    )
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    pids = [
        add_product(factory, key=f"p{i}", name=f"Nitrilhandske storlek M {i}", gtin=gtin13(i))
        for i in range(6)
    ]
    with transaction(factory) as session:  # products added directly: no outbox rows wanted
        session.query(IndexOutbox).delete()
    return settings, factory, pids


def ingest(settings: Settings, factory: Any, path: Path, **opts: Any) -> Any:
    run_id = submit_feed(factory, settings, path, "tandab", FeedOptions(**opts))
    return run_feed(factory, settings, run_id)


def outbox_products(factory: Any) -> list[int]:
    with factory() as session:
        return sorted(session.scalars(select(IndexOutbox.product_id)))


def test_feed_run_writes_its_products_to_the_outbox(env: Any, tmp_path: Path) -> None:
    settings, factory, pids = env
    feed = swedish_feed(tmp_path / "a.csv", 4, gtins={i: gtin13(i) for i in range(4)})
    outcome = ingest(settings, factory, feed)
    assert outcome.status == "succeeded"
    assert outbox_products(factory) == sorted(pids[:4])


def test_rematch_enqueues_the_product_before_and_after(env: Any, tmp_path: Path) -> None:
    settings, factory, pids = env
    ingest(settings, factory, swedish_feed(tmp_path / "a.csv", 1, gtins={0: gtin13(0)}))
    with transaction(factory) as session:
        session.query(IndexOutbox).delete()
    # the same SKU now carries product 5's GTIN: the offer moves from product 0 to 5
    ingest(settings, factory, swedish_feed(tmp_path / "b.csv", 1, gtins={0: gtin13(5)}))
    assert outbox_products(factory) == sorted([pids[0], pids[5]])


def test_refused_run_leaves_no_outbox_rows(env: Any, tmp_path: Path) -> None:
    settings, factory, _ = env
    ingest(settings, factory, swedish_feed(tmp_path / "a.csv", 4, gtins={0: gtin13(0)}))
    with transaction(factory) as session:
        session.query(IndexOutbox).delete()
    outcome = ingest(settings, factory, swedish_feed(tmp_path / "b.csv", 1))  # withdraws 3/4
    assert outcome.status == "rejected"
    assert outbox_products(factory) == []


def _record(key: str, source: str, gtin: str) -> ProductRecord:
    return ProductRecord(
        source=source,
        source_key=key,
        name=f"Produkt {key}",
        identifiers=[Identifier(scheme="gs1", value=gtin, level="primary")],
    )


def test_catalog_import_enqueues_changed_products_and_identifier_losers(env: Any) -> None:
    _, factory, _ = env
    with transaction(factory) as session:
        first = upsert_products(session, [_record("x", "zz", gtin13(900))])
    (loser,) = first.changed_product_ids
    with transaction(factory) as session:
        session.query(IndexOutbox).delete()
    with transaction(factory) as session:  # a better claim ("aa" < "zz") takes the GTIN
        second = upsert_products(session, [_record("y", "aa", gtin13(900))])
    (winner,) = second.changed_product_ids
    assert outbox_products(factory) == sorted([winner, loser])


def index_of(settings: Settings, factory: Any) -> tuple[int, str]:
    backend = TantivyBackend.from_settings(settings)  # a fresh reader, as another process
    try:
        return index_state(backend, factory)
    finally:
        backend.close()


def test_apply_outbox_indexes_the_committed_state_and_clears_the_rows(
    env: Any, tmp_path: Path
) -> None:
    settings, factory, _ = env
    rebuild_index(settings, factory=factory)
    feed = swedish_feed(tmp_path / "a.csv", 4, gtins={i: gtin13(i) for i in range(4)})
    ingest(settings, factory, feed)
    assert index_of(settings, factory) != database_state(factory)
    report = apply_outbox(settings, factory=factory)
    assert (report.rows, report.products, report.busy) == (4, 4, False)
    assert pending(factory) == 0
    assert index_of(settings, factory) == database_state(factory)


class _Failing(TantivyBackend):
    """Dies after the backend committed, before the outbox rows are deleted."""

    def update_documents(self, docs: Any) -> int:
        written = super().update_documents(docs)
        raise RuntimeError("crash after the index commit")
        return written  # pragma: no cover


def test_a_failed_pass_keeps_the_rows_for_the_next_one(env: Any, tmp_path: Path) -> None:
    settings, factory, _ = env
    ingest(settings, factory, swedish_feed(tmp_path / "a.csv", 2, gtins={0: gtin13(0)}))
    failing = _Failing(settings.index_dir / "tantivy")
    with pytest.raises(RuntimeError):
        apply_outbox(settings, factory=factory, backend=failing)
    failing.close()
    assert pending(factory) > 0
    assert try_acquire(factory, SEARCH_INDEX, 5) is not None  # the lock was let go


class _Concurrent(TantivyBackend):
    """Another process commits a change (and its outbox row) while this pass writes."""

    def __init__(self, root: Path, factory: Any, product_id: int) -> None:
        super().__init__(root)
        self.factory = factory
        self.product_id = product_id
        self.batches: list[list[int]] = []

    def update_documents(self, docs: Any) -> int:
        batch: list[ProductDocument] = list(docs)
        self.batches.append([d.product_id for d in batch])
        if len(self.batches) == 1:
            with transaction(self.factory) as session:
                session.execute(
                    update(Offer).where(Offer.product_id == self.product_id).values(price=1)
                )
                enqueue(session, [self.product_id])
        return super().update_documents(batch)


def test_rows_added_during_a_pass_stay_and_are_applied(env: Any, tmp_path: Path) -> None:
    settings, factory, pids = env
    rebuild_index(settings, factory=factory)
    feed = swedish_feed(tmp_path / "a.csv", 2, gtins={0: gtin13(0), 1: gtin13(1)})
    ingest(settings, factory, feed)
    backend = _Concurrent(settings.index_dir / "tantivy", factory, pids[1])
    try:
        report = apply_outbox(settings, factory=factory, backend=backend)
        assert backend.batches == [[pids[0], pids[1]], [pids[1]]]
        assert report.rows == 3 and pending(factory) == 0
    finally:
        backend.close()
    assert index_of(settings, factory) == database_state(factory)


def test_apply_outbox_leaves_the_rows_to_the_lock_holder(env: Any, tmp_path: Path) -> None:
    settings, factory, _ = env
    ingest(settings, factory, swedish_feed(tmp_path / "a.csv", 2, gtins={0: gtin13(0)}))
    holder = try_acquire(factory, SEARCH_INDEX, 60)
    assert holder is not None
    report = apply_outbox(settings, factory=factory)
    assert report.busy and report.rows == 0
    assert pending(factory) == 2
    holder.release()
    assert apply_outbox(settings, factory=factory).rows == 2


def test_rebuild_clears_the_outbox_it_covered(env: Any, tmp_path: Path) -> None:
    settings, factory, _ = env
    ingest(settings, factory, swedish_feed(tmp_path / "a.csv", 3, gtins={0: gtin13(0)}))
    before = pending(factory)
    assert before == 3
    done = rebuild_index(settings, factory=factory)
    assert done == {"indexed": 6, "covered": before, "caught_up": 0}
    assert pending(factory) == 0
    assert index_of(settings, factory) == database_state(factory)


def test_an_unreachable_backend_lets_go_of_the_lock(
    env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search import registry
    from search.errors import BackendUnavailable

    def unreachable(_settings: Settings) -> Any:
        raise BackendUnavailable("cannot open the search index: connection refused")

    settings, factory, _ = env
    ingest(settings, factory, swedish_feed(tmp_path / "a.csv", 1, gtins={0: gtin13(0)}))
    monkeypatch.setattr(registry, "get_backend", unreachable)
    with pytest.raises(BackendUnavailable):
        apply_outbox(settings, factory=factory)
    assert pending(factory) == 1
    assert try_acquire(factory, SEARCH_INDEX, 5) is not None


def test_the_index_prices_offers_in_another_currency_at_the_configured_rate(
    tmp_path: Path,
) -> None:
    """Issue 13, 10: the rebuild and the outbox pass both write the SEK equivalent of an
    offer priced in EUR (the rate table from the settings), so price filters find it."""
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url="",
        environment="test",
        currency_rates={"EUR": Decimal("11.42")},
        currency_rates_date=date(2026, 12, 1),
    )
    factory = migrated_factory(settings.sqlalchemy_url)
    retailer = add_retailer(factory)
    pid = add_product(factory, key="mirror", name="Munspegel plan", gtin=gtin13(1))
    with transaction(factory) as session:
        session.add(
            Offer(
                retailer_id=retailer,
                product_id=pid,
                sku="EUR-1",
                raw_name="Munspegel plan",
                price=Decimal("10.00"),  # 114.20 SEK
                currency="EUR",
                vat_included=True,
                stock_status="in_stock",
                content_hash="eur",
            )
        )

    def priced_between(low: str, high: str) -> list[int]:
        backend = TantivyBackend.from_settings(settings)
        try:
            filters = Filters(min_price=Decimal(low), max_price=Decimal(high))
            query = BackendQuery(query=backend.analyze_query(""), filters=filters)
            return [found for found, _score in backend.search(query).hits]
        finally:
            backend.close()

    rebuild_index(settings, factory=factory)
    assert priced_between("110", "120") == [pid]
    assert priced_between("0", "20") == []  # never its bare 10.00
    with transaction(factory) as session:
        session.execute(update(Offer).values(price=Decimal("20.00")))  # 228.40 SEK
        enqueue(session, [pid])
    apply_outbox(settings, factory=factory)
    assert priced_between("220", "230") == [pid]
