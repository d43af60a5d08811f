"""Ranking configs over HTTP: drafts, publish, rollback, audit trail, preview, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

BASE = "/api/v1/ranking"


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path)
    yield built
    close_env(built)


def test_list_and_get_configs(env: ApiEnv) -> None:
    m = env.headers("merchandiser")
    r = env.client.get(f"{BASE}/configs", headers=m)
    assert r.status_code == 200
    assert "default" in {c["name"] for c in r.json()["data"]}
    r = env.client.get(f"{BASE}/configs/default", headers=m)
    assert r.status_code == 200
    body = r.json()
    assert body["config"]["weights"]["delivery_precision"] > body["config"]["weights"]["price"]
    assert "[weights]" in body["toml"] and body["versions"] == []
    assert_problem(env.client.get(f"{BASE}/configs/no-such-config", headers=m), 404)
    assert_problem(env.client.get(f"{BASE}/configs/Bad..Name", headers=m), 422)


def test_a_config_with_only_drafts_is_listed_and_readable(env: ApiEnv) -> None:
    m = env.headers("merchandiser")
    r = env.client.post(
        f"{BASE}/configs/summer/drafts",
        json={"config": {"weights": {"price": 0.5}}, "comment": "try"},
        headers=m,
    )
    assert r.status_code == 201, r.text
    listed = {c["name"]: c for c in env.client.get(f"{BASE}/configs", headers=m).json()["data"]}
    assert listed["summer"]["source"] == "drafts" and listed["summer"]["versions"] == 1
    got = env.client.get(f"{BASE}/configs/summer", headers=m)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["published_version"] is None and body["config"]["weights"]["price"] == 0.5
    assert [v["status"] for v in body["versions"]] == ["draft"]


def test_draft_publish_rollback_history_and_search_follows(env: ApiEnv) -> None:
    m = env.headers("merchandiser")
    glove = f"/api/v1/products/{env.products['glove']}"
    assert env.client.get(glove).json()["offers"][0]["retailer"] == "tandab"
    price_only = {
        "delivery_precision": 0,
        "availability": 0,
        "reviews": 0,
        "treatment": 0,
        "feedback": 0,
        "rma": 0,
        "competence": 0,
        "price": 1,
    }
    r = env.client.post(
        f"{BASE}/configs/default/drafts",
        json={"config": {"weights": price_only}, "comment": "price only"},
        headers=m,
    )
    assert r.status_code == 201, r.text
    assert r.json()["version"]["version"] == 1 and r.json()["version"]["status"] == "draft"
    assert "weights.price: 0.04 -> 1.0" in r.json()["diff"]
    r = env.client.post(f"{BASE}/configs/default/publish", json={"version": 1}, headers=m)
    assert r.status_code == 200 and r.json()["status"] == "published"
    # the cheaper retailer now wins on the product page
    assert env.client.get(glove).json()["offers"][0]["retailer"] == "dentalnord"
    toml = env.client.get(f"{BASE}/configs/default", headers=m).json()["toml"]
    r = env.client.post(f"{BASE}/configs/default/drafts", json={"toml": toml}, headers=m)
    assert r.status_code == 201 and r.json()["version"]["version"] == 2
    assert_problem(
        env.client.post(f"{BASE}/configs/default/publish", json={"version": 1}, headers=m), 409
    )
    r = env.client.post(
        f"{BASE}/configs/default/rollback", json={"to_version": 1, "comment": "again"}, headers=m
    )
    assert r.status_code == 200 and r.json()["version"] == 3
    history = env.client.get(f"{BASE}/configs/default/history", headers=m).json()
    assert history["count"] == 4  # version 0: the shipped default.toml, kept at first publish
    assert [v["version"] for v in history["data"]] == [0, 1, 2, 3]
    assert [v["status"] for v in history["data"]] == ["retired", "retired", "draft", "published"]
    assert history["data"][0]["author"] == "configs/ranking"
    assert all(v["author"] == "merch@example.com" for v in history["data"][1:])


@pytest.mark.parametrize(
    "body",
    [
        {"config": {"weights": {"price": -1}}},
        {"config": {"no_such_field": 1}},
        {"toml": "weights = ["},
        {},
        {"config": {}, "toml": ""},
    ],
)
def test_invalid_drafts_are_422(env: ApiEnv, body: dict[str, object]) -> None:
    r = env.client.post(
        f"{BASE}/configs/default/drafts", json=body, headers=env.headers("merchandiser")
    )
    assert_problem(r, 422)


def test_publish_and_rollback_of_unknown_versions(env: ApiEnv) -> None:
    m = env.headers("admin")
    r = env.client.post(f"{BASE}/configs/default/publish", json={"version": 7}, headers=m)
    assert_problem(r, 404)
    r = env.client.post(f"{BASE}/configs/default/rollback", json={"to_version": 7}, headers=m)
    assert_problem(r, 404)
    r = env.client.post(f"{BASE}/configs/default/publish", json={"version": 0}, headers=m)
    assert_problem(r, 422)


def test_preview_shows_rank_movements_and_evaluation(env: ApiEnv) -> None:
    m = env.headers("merchandiser")
    r = env.client.post(
        f"{BASE}/preview",
        json={
            "queries": ["nitrilhandske", "acme"],
            "config_a": "default",
            "config_b": {"inline": {"name": "cheap", "weights": {"price": 10}}},
            "top": 5,
        },
        headers=m,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["config_a"] == "default" and body["config_b"] == "inline"
    assert any(line.startswith("weights.price") for line in body["diff"])
    first = body["queries"][0]
    assert first["query"] == "nitrilhandske" and first["top_a"]
    assert {row["product_id"] for row in first["rows"]} >= set(first["top_a"])
    evaluation = body["evaluation"]
    assert evaluation is None or {"a", "b"} <= set(evaluation)
    r = env.client.post(
        f"{BASE}/preview",
        json={"queries": ["x"], "config_a": "default", "config_b": "nope"},
        headers=m,
    )
    assert_problem(r, 404)
    r = env.client.post(
        f"{BASE}/preview",
        json={"queries": [], "config_a": "default", "config_b": "default"},
        headers=m,
    )
    assert_problem(r, 422)
    r = env.client.post(
        f"{BASE}/preview",
        json={
            "queries": ["x"],
            "config_a": "default",
            "config_b": {"name": "default", "version": 9},
        },
        headers=m,
    )
    assert_problem(r, 404)


def test_preview_evaluates_both_configs_on_judged_queries(
    env: ApiEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.routers.ranking as ranking_router

    judged = tmp_path / "judgments"
    judged.mkdir()
    (judged / "dental.tsv").write_text(
        "query\tgtin\tgrade\nnitrilhandske\t07312345678909\t3\nkomposit\t07312345678916\t2\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(ranking_router, "JUDGMENTS_DIR", judged)
    r = env.client.post(
        f"{BASE}/preview",
        json={"queries": ["nitrilhandske"], "config_a": "default", "config_b": "price_first"},
        headers=env.headers("admin"),
    )
    assert r.status_code == 200, r.text
    evaluation = r.json()["evaluation"]
    assert evaluation["files"] == ["dental.tsv"]
    for side in ("a", "b"):
        assert evaluation[side]["queries"] == 2
        assert evaluation[side]["ndcg@10"] == pytest.approx(1.0)
        assert evaluation[side]["mrr"] == pytest.approx(1.0)
