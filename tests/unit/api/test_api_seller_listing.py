"""A suspended retailer's offers leave search, comparisons and product pages (API and UI)
and come back when it is reactivated; a full reindex leaves them out too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.listing import seller_product_ids
from indexer.jobs import factory_for
from indexer.outbox import pending, rebuild_index
from marketplace.tasks import listing_drainer_of
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env

ORGS = "/api/v1/admin/organisations"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_seller_listing")))
    yield built
    close_env(built)


def _settled(env: ApiEnv) -> None:
    """Wait for the background pass that applies the outbox after a status change."""
    drainer = listing_drainer_of(factory_for(env.settings))
    assert drainer is not None
    drainer.wait(60)
    assert pending(factory_for(env.settings)) == 0


def _glove_hit(env: ApiEnv) -> dict[str, object]:
    r = env.client.get("/api/v1/search", params={"q": "nitrilhandske"})
    assert r.status_code == 200, r.text
    hits = [h for h in r.json()["data"] if h["product_id"] == env.products["glove"]]
    assert len(hits) == 1
    return dict(hits[0])


def _sellers(env: ApiEnv, product: str) -> list[str]:
    r = env.client.get(f"/api/v1/products/{env.products[product]}")
    assert r.status_code == 200, r.text
    return [o["retailer"] for o in r.json()["offers"]]


def _compared(env: ApiEnv) -> list[list[str]]:
    ids = f"{env.products['glove']},{env.products['mirror']}"
    r = env.client.get("/api/v1/compare", params={"ids": ids})
    assert r.status_code == 200, r.text
    return [[o["retailer"] for o in p["offers"]] for p in r.json()["data"]]


def _ui(env: ApiEnv, path: str) -> str:
    page = TestClient(env.app).get(path)
    assert page.status_code == 200, page.text[:300]
    return page.text


def _nord_offer_count(env: ApiEnv) -> tuple[int, int]:
    """Dental Nord's listed offers: the retailers list's count and its page's."""
    listed = env.client.get("/api/v1/retailers").json()["data"]
    page = env.client.get("/api/v1/retailers/dentalnord").json()
    return next(r["offer_count"] for r in listed if r["slug"] == "dentalnord"), page["offer_count"]


def _nord_is_listed(env: ApiEnv) -> None:
    assert _nord_offer_count(env) == (2, 2)
    assert _glove_hit(env)["offers_count"] == 2
    assert _sellers(env, "glove") == ["tandab", "dentalnord"]
    assert _sellers(env, "mirror") == ["dentalnord"]
    assert _compared(env) == [["tandab", "dentalnord"], ["dentalnord"]]
    assert "Dental Nord" in _ui(env, f"/produkt/{env.products['glove']}")
    assert "Dental Nord" in _ui(env, "/?q=munspegel")


def _nord_is_unlisted(env: ApiEnv) -> None:
    # its presentation is not found, and it leaves the retailers list, except for admins
    # (its own users cannot sign in while it is suspended)
    listed = env.client.get("/api/v1/retailers").json()
    assert "dentalnord" not in [r["slug"] for r in listed["data"]]
    assert listed["count"] == len(listed["data"])
    assert env.client.get("/api/v1/retailers/dentalnord").status_code == 404
    assert TestClient(env.app).get("/handlare/dentalnord").status_code == 404
    seen = env.client.get("/api/v1/retailers/dentalnord", headers=env.headers("admin"))
    assert seen.status_code == 200 and seen.json()["offer_count"] == 0, seen.text
    assert (
        env.client.get("/api/v1/retailers/dentalnord", headers=env.headers("clinic")).status_code
        == 404
    )
    hit = _glove_hit(env)
    assert hit["offers_count"] == 1
    assert hit["best_offer"]["retailer"] == "tandab"  # type: ignore[index]
    assert _sellers(env, "glove") == ["tandab"]
    assert _sellers(env, "mirror") == []
    assert _compared(env) == [["tandab"], []]
    # its SKU no longer finds the product either
    by_sku = env.client.get("/api/v1/search", params={"q": "N-1"}).json()["data"]
    assert env.products["glove"] not in [h["product_id"] for h in by_sku]
    assert "Dental Nord" not in _ui(env, f"/produkt/{env.products['glove']}")
    assert "Dental Nord" not in _ui(env, "/?q=munspegel")
    assert "Dental Nord" not in _ui(env, "/?q=nitrilhandske")


def test_suspend_hides_the_offers_and_reactivate_brings_them_back(env: ApiEnv) -> None:
    admin = env.headers("admin")
    org = env.orgs["retailer_b"]
    _nord_is_listed(env)
    r = env.client.post(f"{ORGS}/{org}/suspend", json={"reason": "Obetalt"}, headers=admin)
    assert r.status_code == 200, r.text
    _settled(env)
    _nord_is_unlisted(env)
    # a full rebuild (valbar reindex, the demo build) leaves them out as well
    holder = env.app.state.search
    service = holder.get()
    rebuild_index(env.settings, backend=service.backend, semantic=service.semantic)
    _nord_is_unlisted(env)
    # the other retailer's offers stay (its products were not touched)
    assert _sellers(env, "composite") == ["tandab"]
    r = env.client.post(f"{ORGS}/{org}/reactivate", headers=admin)
    assert r.status_code == 200, r.text
    _settled(env)
    _nord_is_listed(env)


def test_the_offers_are_kept_while_unlisted(env: ApiEnv) -> None:
    """Suspension changes what is shown, not what is stored."""
    with factory_for(env.settings)() as session:
        ids = seller_product_ids(session, env.retailers["dentalnord"])
    assert sorted(ids) == sorted([env.products["glove"], env.products["mirror"]])
