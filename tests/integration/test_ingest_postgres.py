"""The ingest pipeline on a real PostgreSQL: same semantics as on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.models import Offer
from catalog.settings import Settings
from indexer.pipeline import FeedOptions, run_feed, submit_feed
from tests.factories import add_product, add_retailer, migrated_factory, swedish_feed

pytestmark = pytest.mark.integration


def test_full_delta_withdraw_and_guard_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=postgres_url, environment="test")
    factory = migrated_factory(postgres_url)
    add_retailer(factory)
    pid = add_product(factory, key="p1", name="Nitrile gloves", gtin="07310000000003")

    def ingest(path: Path, **opts: object):  # type: ignore[no-untyped-def]
        run_id = submit_feed(factory, settings, path, "tandab", FeedOptions(**opts))  # type: ignore[arg-type]
        return run_feed(factory, settings, run_id)

    first = ingest(swedish_feed(tmp_path / "a.csv", 50, gtins={0: "7310000000003"}))
    assert first.status == "succeeded" and first.counts["inserted"] == 50
    assert first.counts["matched_gtin"] == 1
    again = ingest(tmp_path / "a.csv")
    assert again.counts["unchanged"] == 50 and again.counts["inserted"] == 0
    refused = ingest(swedish_feed(tmp_path / "b.csv", 10))
    assert refused.status == "rejected"
    delta = ingest(
        swedish_feed(tmp_path / "c.csv", 5, price="10,00", gtins={0: "7310000000003"}), delta=True
    )
    assert delta.counts["updated"] == 5
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Offer)) == 50
        linked = s.scalar(select(Offer).where(Offer.product_id == pid))
        assert linked is not None and linked.sku == "SKU-0"
