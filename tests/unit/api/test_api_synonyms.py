"""Synonyms without a deploy over HTTP (tantivy): a merchandiser adds a synonym, previews it
on the typed query and on the report's zero-result queries, publishes it, and the search
that found nothing finds the product; rollback, refusals, and the search report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

BASE = "/api/v1/synonyms"


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path)
    yield built
    close_env(built)


def _search(env: ApiEnv, q: str) -> list[int]:
    r = env.client.get("/api/v1/search", params={"q": q})
    assert r.status_code == 200, r.text
    return [h["product_id"] for h in r.json()["data"]]


def test_add_preview_publish_and_the_search_that_found_nothing_finds_the_product(
    env: ApiEnv,
) -> None:
    m = env.headers("merchandiser")
    glove = env.products["glove"]
    assert _search(env, "vante") == []  # clinics search "vante" (a mitten) and find nothing
    assert _search(env, "vante") == []
    report = env.client.get("/api/v1/search-report", params={"kind": "zero"}, headers=m)
    assert report.status_code == 200, report.text
    assert [(r["query"], r["zero_results"]) for r in report.json()["data"]] == [("vante", 2)]

    r = env.client.post(
        f"{BASE}/drafts",
        json={"rules": "vante => nitrilhandske\nmunskydd =", "comment": "v"},
        headers=m,
    )
    assert r.status_code == 201, r.text
    version = r.json()["version"]["version"]
    assert r.json()["diff"] == ["+ vante => nitrilhandske", "+ munskydd ="]
    assert _search(env, "vante") == []  # a draft changes nothing yet

    preview = env.client.post(f"{BASE}/preview", json={"queries": ["handske"]}, headers=m)
    assert preview.status_code == 200, preview.text
    rows = {q["query"]: q for q in preview.json()["queries"]}
    assert rows["handske"]["source"] == "typed"
    assert rows["handske"]["before"] == rows["handske"]["after"]
    vante = rows["vante"]  # the report's zero-result query, previewed without being typed
    assert vante["source"] == "zero_results" and vante["now_found"]
    assert vante["before"]["total"] == 0 and vante["after"]["top"][0]["product_id"] == glove

    r = env.client.post(f"{BASE}/publish", json={"version": version}, headers=m)
    assert r.status_code == 200 and r.json()["status"] == "published", r.text
    assert _search(env, "vante")[0] == glove  # no reindex, no restart
    live = env.client.get(BASE, headers=m).json()
    assert live["published_version"] == version and "vante => nitrilhandske" in live["rules"]

    # rollback to the time before: a new version with no rules, "vante" finds nothing again
    r = env.client.post(f"{BASE}/drafts", json={"rules": ""}, headers=m)
    empty = r.json()["version"]["version"]
    env.client.post(f"{BASE}/publish", json={"version": empty}, headers=m)
    assert _search(env, "vante") == []
    r = env.client.post(f"{BASE}/rollback", json={"to_version": version}, headers=m)
    assert r.status_code == 200 and r.json()["version"] == empty + 1, r.text
    assert _search(env, "vante")[0] == glove
    history = env.client.get(f"{BASE}/history", headers=m).json()
    assert [v["status"] for v in history["data"]] == ["published", "retired", "retired"]
    assert history["data"][0]["author"] == "merch@example.com"


def test_a_bad_rule_is_refused_naming_its_line(env: ApiEnv) -> None:
    m = env.headers("merchandiser")
    body = assert_problem(
        env.client.post(f"{BASE}/drafts", json={"rules": "a, b\nensam"}, headers=m), 422
    )
    assert "line 2" in body["detail"]
    assert_problem(env.client.post(f"{BASE}/publish", json={"version": 5}, headers=m), 404)
    assert_problem(env.client.post(f"{BASE}/preview", json={"queries": ["x"]}, headers=m), 409)
    bad = env.client.post(
        f"{BASE}/preview", json={"rules": "a => b", "version": 1, "queries": []}, headers=m
    )
    assert_problem(bad, 422)
    assert_problem(env.client.get("/api/v1/search-report?kind=all", headers=m), 422)


def test_the_no_click_report_counts_result_clicks(env: ApiEnv) -> None:
    m = env.headers("merchandiser")
    glove = env.products["glove"]
    for _ in range(3):
        assert _search(env, "nitrilhandske")[0] == glove
    env.client.get("/api/v1/search", params={"q": "nitrilhandske", "page": 2})  # not a search
    assert (
        env.client.get(f"/api/v1/products/{glove}", params={"sq": "Nitrilhandske"}).status_code
        == 200
    )
    r = env.client.get("/api/v1/search-report", params={"kind": "no_click"}, headers=m)
    rows = r.json()["data"]
    assert [(x["query"], x["searches"], x["clicks"], x["no_click"]) for x in rows] == [
        ("nitrilhandske", 3, 1, 2)
    ]
    assert "user" not in str(rows) and rows[0]["last_seen"]
