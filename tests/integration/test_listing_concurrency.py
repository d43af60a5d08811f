"""A retailer suspended while a feed run of its own commits: its offers end up hidden.

Tantivy and the OpenSearch emulator on SQLite, and tantivy on PostgreSQL (where the run's
transaction and the suspension really overlap). Threads with their own connections stand
for the feed worker and the admin's request; each applies the outbox after its commit, as
the app does (the suspension through ``marketplace.listing``'s subscriber).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.events import bus_for
from catalog.models import Offer, Organisation, User
from catalog.settings import Settings
from indexer.outbox import apply_outbox, pending, rebuild_index
from indexer.pipeline import FeedOptions, run_feed, submit_feed
from marketplace import listing, org_admin
from search.protocol import BackendQuery, Filters
from search.registry import get_backend
from tests.conftest import IN_CI
from tests.factories import add_product, add_retailer, migrated_factory, swedish_feed

pytestmark = pytest.mark.integration
PRODUCTS = 8
ROUNDS = 3


def gtin13(n: int) -> str:
    body = f"735{n:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


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


@pytest.fixture(params=["tantivy-sqlite", "opensearch-sqlite", "tantivy-postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    base = Settings(data_dir=tmp_path / "var", environment="test", match_workers=1)
    if request.param == "tantivy-sqlite":
        yield base
    elif request.param == "tantivy-postgresql":
        yield base.model_copy(update={"database_url": request.getfixturevalue("postgres_url")})
    else:
        with request.getfixturevalue("emulator").clone() as clone:
            yield base.model_copy(
                update={"search_backend": "opensearch", "opensearch_url": clone.url}
            )


def listed(settings: Settings, slug: str) -> int:
    """Products the index lists an offer of the retailer ``slug`` for."""
    backend = get_backend(settings)
    try:
        query = BackendQuery(query=backend.analyze_query(""), filters=Filters(retailer=(slug,)))
        return backend.search(query).total
    finally:
        backend.close()


def both_at_once(*work: Any) -> None:
    barrier = threading.Barrier(len(work))
    failures: list[BaseException] = []

    def run(fn: Any) -> None:
        barrier.wait()
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def test_suspension_during_a_feed_run_ends_with_the_offers_hidden(
    settings: Settings, tmp_path: Path
) -> None:
    factory = migrated_factory(settings.sqlalchemy_url)
    listing.subscribe(bus_for(factory), factory, lambda: apply_outbox(settings, factory=factory))
    gtins = {i: gtin13(i) for i in range(PRODUCTS * (ROUNDS + 1))}
    for i in gtins:
        add_product(factory, key=f"p{i}", name=f"Nitrilhandske M {i}", gtin=gtins[i])
    with transaction(factory) as session:
        admin = User(email="admin@example.com", name="Ada", role="admin", password_hash="x")
        session.add(admin)
        session.flush()
        admin_id = admin.id
    for round_ in range(ROUNDS):
        slug = f"tand{round_}"
        retailer_id = add_retailer(factory, slug, f"Tand {round_} AB")
        with transaction(factory) as session:
            org = Organisation(
                kind="retailer", name=f"Tand {round_} AB", status="active", retailer_id=retailer_id
            )
            session.add(org)
            session.flush()
            org_id = org.id
        first = swedish_feed(tmp_path / f"a{round_}.csv", PRODUCTS, gtins=gtins)
        run_feed(factory, settings, submit_feed(factory, settings, first, slug, FeedOptions()))
        rebuild_index(settings, factory=factory)
        assert listed(settings, slug) == PRODUCTS
        # the next feed adds offers for the next products while an admin suspends
        more = swedish_feed(tmp_path / f"b{round_}.csv", PRODUCTS * 2, gtins=gtins)
        run_id = submit_feed(factory, settings, more, slug, FeedOptions())

        def feed_run(run_id: int = run_id) -> None:
            assert run_feed(factory, settings, run_id).status == "succeeded"
            apply_outbox(settings, factory=factory)

        def suspend(org_id: int = org_id) -> None:
            with transaction(factory) as session:
                user = session.get(User, admin_id)
                now = datetime.now(UTC)
                org_admin.suspend(session, user, org_id, "Obetalt", now=now)

        both_at_once(feed_run, suspend)
        assert pending(factory) == 0
        with factory() as session:
            stored = session.scalar(
                select(func.count()).select_from(Offer).where(Offer.retailer_id == retailer_id)
            )
        assert stored == PRODUCTS * 2  # kept, only hidden
        assert listed(settings, slug) == 0, f"round {round_}: offers still listed"
