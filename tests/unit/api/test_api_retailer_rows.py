"""The API counts a retailer once (issue 13 item 4): a retailer's several offers of a product
take one place (its best offer), the others nested under it in ``more_from_retailer``."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from api.deps import SearchHolder
from catalog.db import transaction
from catalog.models import Offer, Retailer
from marketplace.models import DemandEvent
from search.documents import build_documents
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    """The API's seed, with Dental Nord listing the glove three times (N-1, N-1B, N-1C)."""
    built = build_env(Path(tmp_path_factory.mktemp("api_retailer_rows")))
    factory = built.app.state.session_factory
    with transaction(factory) as s:
        nord = s.scalar(select(Retailer).where(Retailer.slug == "dentalnord"))
        assert nord is not None
        for sku, price, stock in (("N-1B", "85.00", "in_stock"), ("N-1C", "70.00", "backorder")):
            s.add(
                Offer(
                    retailer_id=nord.id,
                    sku=sku,
                    product_id=built.products["glove"],
                    raw_name=f"Nitrilhandske M {sku}",
                    price=Decimal(price),
                    stock_status=stock,
                    delivery_days=5,
                    content_hash=sku,
                )
            )
    holder: SearchHolder = built.app.state.search
    with factory() as session:
        holder.get().backend.reindex(build_documents(session))
    holder.get().forget_rankings()
    yield built
    close_env(built)


def test_product_endpoint_gives_one_place_per_retailer(env: ApiEnv) -> None:
    body = env.client.get(f"/api/v1/products/{env.products['glove']}").json()
    assert [(o["retailer"], o["rank"]) for o in body["offers"]] == [
        ("tandab", 1),
        ("dentalnord", 2),
    ]
    assert body["offers_count"] == 2
    assert body["offers"][0]["more_from_retailer"] == []
    nord = body["offers"][1]
    more = nord["more_from_retailer"]
    skus = [nord["sku"], *(o["sku"] for o in more)]
    assert sorted(skus) == ["N-1", "N-1B", "N-1C"]  # nothing hidden
    scores = [nord["score"], *(o["score"] for o in more)]
    assert scores == sorted(scores, reverse=True)  # the best first, the rest in ranked order
    assert all(o["rank"] == 2 and o["retailer"] == "dentalnord" for o in more)
    assert all(o["explanation"]["contributions"] for o in more)


def test_compare_endpoint_counts_retailers(env: ApiEnv) -> None:
    ids = f"{env.products['glove']},{env.products['composite']}"
    glove, composite = env.client.get("/api/v1/compare", params={"ids": ids}).json()["data"]
    assert (glove["offers_count"], len(glove["offers"])) == (2, 2)
    assert len(glove["offers"][1]["more_from_retailer"]) == 2
    assert (composite["offers_count"], len(composite["offers"])) == (1, 1)


def test_search_hits_count_retailers_as_the_product_does(env: ApiEnv) -> None:
    hit = env.client.get("/api/v1/search", params={"q": "nitrilhandske"}).json()["data"][0]
    assert hit["product_id"] == env.products["glove"]
    assert hit["offers_count"] == 2
    assert hit["price_range"]["min"] == 70.0  # the price range still covers every offer


def test_a_product_view_records_each_retailer_once(env: ApiEnv) -> None:
    env.client.get(f"/api/v1/products/{env.products['glove']}")
    env.app.state.demand_recorder.flush()
    with env.app.state.session_factory() as s:
        views = s.scalars(select(DemandEvent).where(DemandEvent.kind == "view")).all()
    assert views
    for view in views:
        assert [rank for _rid, rank in view.retailers] == [1, 2]


def test_each_offer_carries_the_retailer_s_own_name_for_it(env: ApiEnv) -> None:
    """A retailer's offers of one product (pack sizes, variants) are told apart by the name
    its feed gives each, in the product's offers and in ``more_from_retailer``."""
    body = env.client.get(f"/api/v1/products/{env.products['glove']}").json()
    nord = body["offers"][1]
    names = {o["sku"]: o["name"] for o in (nord, *nord["more_from_retailer"])}
    assert names["N-1B"] == "Nitrilhandske M N-1B" and names["N-1C"] == "Nitrilhandske M N-1C"
    assert all(isinstance(o["name"], str) and o["name"] for o in body["offers"])
