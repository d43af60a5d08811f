"""The demo, as `make demo` seeds it, shows each retailer once per product (issue 13 item 4).

Its name-matching retailers send two rows the catalog knows as one product (near-identical
GUDID names), so a fresh demo has a retailer with several offers of a product; every product
with several offers must still give one place per retailer. Seeded with the demo's own code
for three of its retailers (the two name-matching ones and a GTIN one) to stay a few seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.models import Offer
from indexer.jobs import factory_for
from indexer.outbox import rebuild_index
from search.service import SearchRequest
from tests.unit.ui.ui_support import ui_settings
from valbar import demo
from valbar.app import create_app

pytestmark = pytest.mark.slow

SUBSET = ("nordisk-dentaldepa", "norrlands-dental", "kustens-klinik")


def test_a_fresh_demo_shows_at_most_one_row_per_retailer(tmp_path: Path) -> None:
    settings = ui_settings(tmp_path)
    factory = factory_for(settings)
    retailers = tuple(d for d in demo.RETAILERS if d.slug in SUBSET)
    said: list[str] = []
    demo.ensure_catalog(factory, settings, said.append)
    demo.ensure_retailers_and_users(factory, "not-a-login", retailers)
    assert demo.seed_feeds(factory, settings, said.append, retailers) > 1000
    rebuild_index(settings, factory=factory)
    active = Offer.withdrawn_at.is_(None), Offer.product_id.is_not(None)
    with factory() as s:
        counts = s.execute(
            select(Offer.product_id, func.count(), func.count(Offer.retailer_id.distinct()))
            .where(*active)
            .group_by(Offer.product_id)
            .having(func.count() > 1)
        ).all()
    several = {int(pid): (int(n), int(sellers)) for pid, n, sellers in counts}
    doubled = [pid for pid, (n, sellers) in several.items() if n > sellers]
    assert doubled, "the demo no longer has a retailer with several offers of a product"
    app = create_app(settings, anonymous_rate_per_minute=100_000)
    try:
        service = app.state.search.get()
        for pid, (n, sellers) in several.items():
            rows = service.product_retailers(pid)
            assert len({r.retailer_id for r in rows}) == len(rows) == sellers, pid
            assert sum(len(r.offers) for r in rows) == n, pid  # nothing hidden
        client = TestClient(app)
        for pid in doubled:
            n, sellers = several[pid]
            page = client.get(f"/produkt/{pid}").text
            assert page.count('<tbody class="offer">') == sellers
            assert "fler från samma handlare (" in page
            body = client.get(f"/api/v1/products/{pid}").json()
            assert body["offers_count"] == len(body["offers"]) == sellers
            name = body["name"]
            hits = service.search(SearchRequest(q=name, size=50)).hits
            hit = next(h for h in hits if h.product_id == pid)
            assert hit.offers_count == sellers
    finally:
        app.state.feed_runner.shutdown()
        app.state.search.close()
