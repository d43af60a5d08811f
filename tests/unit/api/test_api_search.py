"""Search, suggest, product pages, comparison and retailers over HTTP, incl. bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    assert page["video_embed_url"] is None  # not YouTube or Vimeo: never embedded
    assert page["logo_url"] is None and page["delivery_days"] is None
    assert page["signals"]["delivery_precision"] == {"value": 0.97, "count": 120}
    assert_problem(env.client.get("/api/v1/retailers/nope"), 404)


def test_search_response_has_a_correct_content_length(env: ApiEnv) -> None:
    response = env.client.get("/api/v1/search", params={"q": "nitrilhandske"})
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["content-type"] == "application/json"
    assert "x-ratelimit-limit" in response.headers


def _contributions(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for h in body["data"] for c in h["explanation"]["contributions"]]


def test_explanations_come_in_the_accept_language(env: ApiEnv) -> None:
    params = {"q": "nitrilhandske"}
    sv = env.client.get("/api/v1/search", params=params, headers={"Accept-Language": "sv"})
    en = env.client.get("/api/v1/search", params=params, headers={"Accept-Language": "en"})
    assert (sv.headers["content-language"], en.headers["content-language"]) == ("sv", "en")
    assert "Accept-Language" in sv.headers["vary"]
    sv_parts, en_parts = _contributions(sv.json()), _contributions(en.json())
    assert sv_parts and len(sv_parts) == len(en_parts)
    for s, e in zip(sv_parts, en_parts, strict=True):
        assert set(s) == {"factor", "code", "values", "value", "weight", "points", "count", "text"}
        assert {k: v for k, v in s.items() if k != "text"} == {
            k: v for k, v in e.items() if k != "text"
        }
        assert s["text"] and e["text"]
    sv_text = " ".join(c["text"] for c in sv_parts)
    en_text = " ".join(c["text"] for c in en_parts)
    assert "bästa erbjudandet" in sv_text and "textrelevans" in sv_text
    assert "best offer" in en_text and "text relevance" in en_text
    assert "best offer" not in sv_text
    # q-values, region tags and unknown languages
    header = {"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.8"}
    regional = env.client.get("/api/v1/search", params=params, headers=header)
    assert _contributions(regional.json()) == sv_parts
    other = env.client.get("/api/v1/search", params=params, headers={"Accept-Language": "de"})
    assert other.headers["content-language"] == "en"
    plain = env.client.get("/api/v1/search", params=params)
    assert plain.headers["content-language"] == "en"
    assert _contributions(plain.json()) == en_parts


def test_product_and_compare_explanations_follow_accept_language(env: ApiEnv) -> None:
    glove = env.products["glove"]
    sv = env.client.get(f"/api/v1/products/{glove}", headers={"Accept-Language": "sv-SE"})
    en = env.client.get(f"/api/v1/products/{glove}", headers={"Accept-Language": "en"})
    assert sv.headers["content-language"] == "sv"
    sv_parts = sv.json()["offers"][0]["explanation"]["contributions"]
    en_parts = en.json()["offers"][0]["explanation"]["contributions"]
    assert [c["code"] for c in sv_parts] == [c["code"] for c in en_parts]
    assert [c["values"] for c in sv_parts] == [c["values"] for c in en_parts]
    delivery = sv_parts[0]
    assert delivery["factor"] == "delivery_precision" and delivery["text"].startswith("i tid ")
    assert en_parts[0]["text"].startswith("on time ")
    others = [pid for name, pid in env.products.items() if name != "glove"]
    compared = env.client.get(
        "/api/v1/compare",
        params={"ids": f"{glove},{others[0]}"},
        headers={"Accept-Language": "sv"},
    )
    assert compared.status_code == 200 and compared.headers["content-language"] == "sv"
    first = compared.json()["data"][0]["offers"][0]["explanation"]["contributions"][0]
    assert first["text"].startswith("i tid ")


def test_openapi_documents_the_accept_language_header(env: ApiEnv) -> None:
    """Consumers learn from the schema that explanation texts follow ``Accept-Language``."""
    paths = env.client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/search", "/api/v1/products/{product_id}", "/api/v1/compare"):
        headers = [p for p in paths[path]["get"]["parameters"] if p["in"] == "header"]
        assert [p["name"] for p in headers] == ["accept-language"], path
        assert "sv" in headers[0]["description"] and "en" in headers[0]["description"]
    long = env.client.get(
        "/api/v1/search", params={"q": "nitrilhandske"}, headers={"Accept-Language": "x," * 5000}
    )
    assert long.status_code == 200 and long.headers["content-language"] == "en"


def test_explanation_amounts_carry_the_currency(env: ApiEnv) -> None:
    """Before, the API's texts wrote a price as a bare number ("(12,50 inkl. moms)") where
    the site writes "12,50 kr"; ranking compares SEK prices only, so the amounts are SEK."""
    params = {"q": "nitrilhandske"}
    sv = env.client.get("/api/v1/search", params=params, headers={"Accept-Language": "sv"})
    en = env.client.get("/api/v1/search", params=params, headers={"Accept-Language": "en"})
    sv_price = [c["text"] for c in _contributions(sv.json()) if c["factor"] == "price"]
    en_price = [c["text"] for c in _contributions(en.json()) if c["factor"] == "price"]
    assert sv_price and all("\u00a0kr" in text for text in sv_price), sv_price
    assert en_price and all("SEK\u00a0" in text for text in en_price), en_price
    glove = env.products["glove"]
    product = env.client.get(f"/api/v1/products/{glove}", headers={"Accept-Language": "sv"})
    texts = [
        c["text"]
        for offer in product.json()["offers"]
        for c in offer["explanation"]["contributions"]
        if c["factor"] == "price"
    ]
    assert texts and all("\u00a0kr" in text for text in texts), texts
