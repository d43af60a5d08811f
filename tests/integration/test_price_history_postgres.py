"""Price history and price watches on a real PostgreSQL: one history row per change (none
for an unchanged re-upload), the prune, and two identical watch requests at once leave one
watch; a price drop fires its alert once even when two evaluations run at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import Offer, OfferHistory, User
from catalog.settings import Settings
from indexer import price_history
from indexer.pipeline import FeedOptions, run_feed, submit_feed
from marketplace import price_alerts, price_watch
from marketplace.models import Notification, PriceWatch
from tests.factories import add_product, add_retailer, migrated_factory, swedish_feed

pytestmark = pytest.mark.integration


def _at_once(n: int, act: Callable[[], object]) -> list[Exception]:
    barrier = threading.Barrier(n)
    errors: list[Exception] = []

    def go() -> None:
        try:
            barrier.wait()
            act()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _clinic(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as s:
        user = User(email="c@x.se", name="Cilla", role="clinic", password_hash="x")
        s.add(user)
        s.flush()
        return user.id


def test_history_watches_and_alerts_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=postgres_url, environment="test")
    factory = migrated_factory(postgres_url)
    add_retailer(factory)
    pid = add_product(factory, key="p1", name="Nitrile gloves", gtin="07310000000003")

    def ingest(path: Path) -> int:
        run_id = submit_feed(factory, settings, path, "tandab", FeedOptions())
        assert run_feed(factory, settings, run_id).status == "succeeded"
        return run_id

    gtins = {0: "7310000000003"}
    ingest(swedish_feed(tmp_path / "a.csv", 5, gtins=gtins))
    ingest(tmp_path / "a.csv")
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(OfferHistory)) == 5  # first sightings
        assert s.scalar(select(Offer.product_id).where(Offer.sku == "SKU-0")) == pid

    uid = _clinic(factory)

    def watch() -> None:
        with factory() as s:
            price_watch.watch(
                s, s.get(User, uid), pid, target_price=Decimal("150.00"),
                back_in_stock=False, retailer_slug=None, now=datetime.now(UTC),
            )  # fmt: skip
            s.commit()

    assert _at_once(2, watch) == []
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(PriceWatch)) == 1

    drop = ingest(swedish_feed(tmp_path / "b.csv", 5, price="99,00 kr", gtins=gtins))
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(OfferHistory)) == 10
        products = price_alerts.changed_products(s, drop)
    assert products == {pid}

    def evaluate() -> None:
        with factory() as s:
            price_alerts.evaluate(s, products, run_id=drop, now=datetime.now(UTC))

    assert _at_once(2, evaluate) == []
    with factory() as s:
        alerts = s.scalars(select(Notification.ref).where(Notification.kind == "price_alert"))
        assert len(list(alerts)) == 1  # two evaluations at once: one alert

    with factory() as s:  # everything 800 days older: the prune keeps each offer's last state
        s.execute(
            update(OfferHistory).values(changed_at=OfferHistory.changed_at - timedelta(days=800))
        )
        s.commit()
        deleted = price_history.prune(s, datetime.now(UTC), 760)
        assert deleted == 5  # the first sightings the drop superseded
        assert s.scalar(select(func.count()).select_from(OfferHistory)) == 5
