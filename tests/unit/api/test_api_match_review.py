"""The match review queue over HTTP: the queue, decisions, bulk accept, the labelled-pair
exports; an accepted match shows in search (the index outbox is applied after the commit)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench.matching import parse_pairs
from catalog.db import transaction
from catalog.models import MatchCandidate, Offer, Retailer
from indexer.jobs import factory_for
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_match")))
    yield built
    close_env(built)


def queue_offer(
    env: ApiEnv, sku: str, name: str, cands: list[tuple[str, float]], retailer: str = "tandab"
) -> dict[str, int]:
    """An unmatched offer of ``retailer`` with candidates (product key, score); its id and
    its candidates' ids by product key."""
    with transaction(factory_for(env.settings)) as s:
        rid = s.query(Retailer.id).filter(Retailer.slug == retailer).scalar()
        offer = Offer(
            retailer_id=rid,
            sku=sku,
            raw_name=name,
            brand="Acme",
            price=Decimal("30.00"),
            stock_status="in_stock",
            delivery_days=1,
            content_hash=sku,
        )
        s.add(offer)
        s.flush()
        out = {"offer": offer.id}
        for key, score in cands:
            cand = MatchCandidate(
                offer_id=offer.id,
                product_id=env.products[key],
                method="title",
                score=score,
                reason="title similarity",
            )
            s.add(cand)
            s.flush()
            out[key] = cand.id
    return out


def _mirror_hit(env: ApiEnv) -> dict[str, Any]:
    body = env.client.get("/api/v1/search?q=munspegel").json()
    [hit] = [h for h in body["data"] if h["product_id"] == env.products["mirror"]]
    return hit


def test_an_accepted_match_puts_the_offer_under_its_product_in_search(env: ApiEnv) -> None:
    ids = queue_offer(env, "T-30", "Munspegel plan Tand", [("mirror", 0.81), ("composite", 0.4)])
    assert _mirror_hit(env)["offers_count"] == 1
    admin = env.headers("admin")
    queue = env.client.get("/api/v1/admin/match-queue?retailer=tandab", headers=admin).json()
    [item] = [i for i in queue["data"] if i["offer_id"] == ids["offer"]]
    assert (item["sku"], item["name"], item["brand"], item["price"]) == (
        "T-30",
        "Munspegel plan Tand",
        "Acme",
        "30.00",
    )
    assert [(c["product_name"], c["score"], c["method"]) for c in item["candidates"]] == [
        ("Munspegel plan", 0.81, "title"),
        ("Komposit A2 spruta", 0.4, "title"),
    ]
    assert {"retailer": "tandab", "retailer_name": "Tand AB", "offers": queue["count"]} in queue[
        "retailers"
    ]
    r = env.client.post(
        "/api/v1/admin/match-decisions",
        json={"action": "accept", "candidate_id": ids["mirror"]},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["product_id"] == env.products["mirror"]
    assert [(p["label"], p["implied"]) for p in body["pairs"]] == [
        ("match", False),
        ("non_match", True),
    ]
    hit = _mirror_hit(env)
    assert hit["offers_count"] == 2  # the search index has the offer under its product now
    assert hit["best_offer"]["retailer"] == "tandab"
    again = env.client.post(
        "/api/v1/admin/match-decisions",
        json={"action": "reject", "candidate_id": ids["mirror"]},
        headers=admin,
    )
    assert assert_problem(again, 409)["title"] == "Already decided by another admin"


def test_decisions_name_the_missing_field_and_unknown_ids(env: ApiEnv) -> None:
    admin = env.headers("admin")
    post = env.client.post
    r = post("/api/v1/admin/match-decisions", json={"action": "accept"}, headers=admin)
    assert "candidate_id" in assert_problem(r, 422)["detail"]
    r = post("/api/v1/admin/match-decisions", json={"action": "pick", "offer_id": 1}, headers=admin)
    assert "product_id" in assert_problem(r, 422)["detail"]
    r = post("/api/v1/admin/match-decisions", json={"action": "guess"}, headers=admin)
    assert_problem(r, 422)
    r = post(
        "/api/v1/admin/match-decisions",
        json={"action": "reject", "candidate_id": 999_999},
        headers=admin,
    )
    assert_problem(r, 404)
    r = env.client.get("/api/v1/admin/match-queue?retailer=nope", headers=admin)
    assert "retailer" in assert_problem(r, 422)["detail"]
    r = env.client.get("/api/v1/admin/match-queue?limit=101", headers=admin)
    assert_problem(r, 422)


def test_pick_new_product_and_the_product_finder(env: ApiEnv) -> None:
    admin = env.headers("admin")
    ids = queue_offer(env, "N-30", "Handske nitril M", [("composite", 0.5)], "dentalnord")
    found = env.client.get("/api/v1/admin/match-queue/products?q=NG-M", headers=admin).json()
    assert [p["id"] for p in found] == [env.products["glove"]]
    r = env.client.post(
        "/api/v1/admin/match-decisions",
        json={"action": "pick", "offer_id": ids["offer"], "product_id": env.products["glove"]},
        headers=admin,
    )
    assert r.status_code == 201 and r.json()["product_id"] == env.products["glove"]
    other = queue_offer(
        env, "N-31", "Egen produkt utan motsvarighet", [("mirror", 0.45)], "dentalnord"
    )
    r = env.client.post(
        "/api/v1/admin/match-decisions",
        json={"action": "new_product", "offer_id": other["offer"]},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    new_id = r.json()["product_id"]
    assert new_id not in env.products.values()
    product = env.client.get(f"/api/v1/products/{new_id}").json()
    assert product["name"] == "Egen produkt utan motsvarighet"


def test_bulk_accept_previews_then_confirms_the_count(env: ApiEnv) -> None:
    admin = env.headers("admin")
    queue_offer(env, "T-40", "Komposit A2 Tand", [("composite", 0.95), ("glove", 0.2)])
    queue_offer(env, "T-41", "Komposit A3 Tand", [("composite", 0.93)])
    rule = {"retailer": "tandab", "min_score": 0.9}
    r = env.client.post("/api/v1/admin/match-decisions/bulk", json=rule, headers=admin)
    assert r.json() == {"count": 2, "accepted": False}
    r = env.client.post(
        "/api/v1/admin/match-decisions/bulk", json={**rule, "expected": 5}, headers=admin
    )
    assert_problem(r, 409)
    r = env.client.post(
        "/api/v1/admin/match-decisions/bulk", json={**rule, "expected": 2}, headers=admin
    )
    assert r.json() == {"count": 2, "accepted": True}
    r = env.client.post("/api/v1/admin/match-decisions/bulk", json=rule, headers=admin)
    assert r.json()["count"] == 0
    r = env.client.post(
        "/api/v1/admin/match-decisions/bulk", json={**rule, "min_score": 2}, headers=admin
    )
    assert "min_score" in assert_problem(r, 422)["detail"]


def test_labelled_pairs_export_as_json_csv_and_ditto_lines(env: ApiEnv) -> None:
    admin = env.headers("admin")
    ids = queue_offer(env, "T-50", "Munspegel nr 5", [("mirror", 0.6)])
    env.client.post(
        "/api/v1/admin/match-decisions",
        json={"action": "reject", "candidate_id": ids["mirror"]},
        headers=admin,
    )
    page = env.client.get("/api/v1/admin/match-decisions?limit=100", headers=admin).json()
    assert page["count"] == len(page["data"]) >= 1 and page["limit"] == 100
    last = page["data"][-1]
    assert (last["label"], last["action"], last["offer_sku"], last["decided_by"]) == (
        "non_match",
        "reject",
        "T-50",
        "admin admin@example.com (api)",
    )
    r = env.client.get("/api/v1/admin/match-decisions?format=csv", headers=admin)
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == page["count"] and rows[-1]["offer_name"] == "Munspegel nr 5"
    r = env.client.get("/api/v1/admin/match-decisions?format=ditto", headers=admin)
    pairs = parse_pairs(r.text.splitlines())
    assert len(pairs) == page["count"] and pairs[-1].label == 0
    assert pairs[-1].left["name"] == "Munspegel nr 5"
