"""Search, suggest, product pages, comparison and retailers over HTTP, incl. bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_search")))
    yield built
    close_env(built)


def test_search_returns_hits_with_best_offer_and_facets(env: ApiEnv) -> None:
    r = env.client.get("/api/v1/search", params={"q": "nitrilhandske"})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] >= 1 and body["took_ms"] >= 0
    hit = body["data"][0]
    assert hit["product_id"] == env.products["glove"]
    assert hit["gtin"] == "07312345678909"
    assert hit["offers_count"] == 2
    # Service quality beats price: Tand AB (on time, good reviews) over the cheaper Dental Nord.
    assert hit["best_offer"]["retailer"] == "tandab"
    assert {f["value"] for f in body["facets"]["brand"]} >= {"Acme"}
    assert r.headers["x-ratelimit-limit"]


def test_search_filters_and_sorts(env: ApiEnv) -> None:
    r = env.client.get("/api/v1/search", params={"brand": "Acme", "sort": "price_asc"})
    assert r.status_code == 200
    names = [h["name"] for h in r.json()["data"]]
    assert names and all(h["brand"] == "Acme" for h in r.json()["data"])
    r = env.client.get("/api/v1/search", params={"q": "", "in_stock": "true", "size": 1})
    assert r.status_code == 200 and len(r.json()["data"]) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"size": 0},
        {"size": 101},
        {"page": 0},
        {"sort": "cheapest"},
        {"min_price": 100, "max_price": 10},
        {"max_delivery_days": -1},
        {"in_stock": "maybe"},
        {"min_price": "abc"},
        {"page": 10_000, "size": 100},
    ],
)
def test_search_bad_params_are_422_problems(env: ApiEnv, params: dict[str, object]) -> None:
    body = assert_problem(env.client.get("/api/v1/search", params=params), 422)
    assert body["errors"]


def test_suggest(env: ApiEnv) -> None:
    r = env.client.get("/api/v1/suggest", params={"q": "nitril"})
    assert r.status_code == 200
    assert r.json()["count"] == len(r.json()["data"]) >= 1
    assert env.client.get("/api/v1/suggest", params={"q": ""}).json() == {"data": [], "count": 0}
    assert_problem(env.client.get("/api/v1/suggest", params={"q": "x", "limit": 0}), 422)


def test_product_page_has_ranked_offers_with_explanations(env: ApiEnv) -> None:
    r = env.client.get(f"/api/v1/products/{env.products['glove']}")
    assert r.status_code == 200
    body = r.json()
    assert body["manufacturer"]["name"] == "Acme Dental"
    assert body["specs"][0]["name"] == "Storlek"
    assert body["identifiers"][0]["value"] == "07312345678909"
    assert [o["rank"] for o in body["offers"]] == [1, 2]
    assert body["offers"][0]["retailer"] == "tandab"
    factors = [c["factor"] for c in body["offers"][0]["explanation"]["contributions"]]
    assert factors[0] == "delivery_precision" and "price" in factors
    total = body["offers"][0]["explanation"]["total"]
    points = sum(c["points"] for c in body["offers"][0]["explanation"]["contributions"])
    assert total == pytest.approx(points)


@pytest.mark.parametrize("path,status", [("999999", 404), ("0", 422), ("abc", 422)])
def test_unknown_or_bad_product_ids(env: ApiEnv, path: str, status: int) -> None:
    assert_problem(env.client.get(f"/api/v1/products/{path}"), status)


def test_compare(env: ApiEnv) -> None:
    ids = f"{env.products['glove']},{env.products['composite']},{env.products['mirror']}"
    r = env.client.get("/api/v1/compare", params={"ids": ids})
    assert r.status_code == 200
    assert r.json()["count"] == 3
    assert [p["id"] for p in r.json()["data"]] == [int(i) for i in ids.split(",")]


@pytest.mark.parametrize("ids", ["1", "1,2,3,4,5", "a,b", "", "1,1", "-1,2"])
def test_compare_needs_two_to_four_ids(env: ApiEnv, ids: str) -> None:
    assert_problem(env.client.get("/api/v1/compare", params={"ids": ids}), 422)


def test_compare_unknown_id_is_404(env: ApiEnv) -> None:
    body = assert_problem(
        env.client.get("/api/v1/compare", params={"ids": f"{env.products['glove']},424242"}), 404
    )
    assert "424242" in body["detail"]


def test_retailers(env: ApiEnv) -> None:
    r = env.client.get("/api/v1/retailers")
    assert r.status_code == 200
    assert r.json()["count"] == 2
    assert {x["slug"]: x["offer_count"] for x in r.json()["data"]} == {
        "tandab": 2,
        "dentalnord": 2,
    }
    page = env.client.get("/api/v1/retailers/tandab").json()
    assert page["presentation"] == "Vi levererar i tid."
    assert page["video_url"].endswith(".mp4")
    assert page["signals"]["delivery_precision"] == {"value": 0.97, "count": 120}
    assert_problem(env.client.get("/api/v1/retailers/nope"), 404)


def test_search_response_has_a_correct_content_length(env: ApiEnv) -> None:
    response = env.client.get("/api/v1/search", params={"q": "nitrilhandske"})
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["content-type"] == "application/json"
    assert "x-ratelimit-limit" in response.headers
