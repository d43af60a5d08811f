"""The offers API (issue 19 item 3): a retailer's system updates its offers by SKU, one or a
batch, normalized as feed cells, idempotent, and search follows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.models import IndexOutbox, Offer
from indexer.jobs import factory_for
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

COMPOSITE = "07312345678916"  # tandab's T-2 (stock "limited", 450 kr)


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path)
    yield built
    close_env(built)


def _offer(env: ApiEnv, sku: str) -> Offer:
    with factory_for(env.settings)() as s:
        offer = s.scalars(select(Offer).where(Offer.sku == sku)).one()
        s.expunge(offer)
        return offer


def _outbox(env: ApiEnv) -> int:
    with factory_for(env.settings)() as s:
        return int(s.scalar(select(func.count()).select_from(IndexOutbox)) or 0)


def test_patch_one_offer_normalizes_and_search_follows(env: ApiEnv) -> None:
    h = env.headers("retailer_own")
    r = env.client.patch(
        "/api/v1/offers/T-2", json={"price": "399,00 kr", "stock": "Slut i lager"}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "updated"
    offer = _offer(env, "T-2")
    assert (str(offer.price), offer.stock_status, offer.content_hash) == (
        "399.00",
        "out_of_stock",
        "api",
    )
    deadline = time.monotonic() + 20
    while True:
        hit = env.client.get("/api/v1/search", params={"q": COMPOSITE}).json()["data"][0]
        if hit["best_offer"]["stock_status"] == "out_of_stock":
            break
        assert time.monotonic() < deadline, hit
        time.sleep(0.05)
    assert hit["best_offer"]["price"] == 399.0
    again = env.client.patch(
        "/api/v1/offers/T-2", json={"price": "399,00 kr", "stock": "Slut i lager"}, headers=h
    )
    assert again.json()["status"] == "unchanged"


def test_patch_refusals_name_the_field(env: ApiEnv) -> None:
    h = env.headers("retailer_own")
    body = assert_problem(
        env.client.patch("/api/v1/offers/T-1", json={"stock": "kanske"}, headers=h), 422
    )
    assert body["detail"].startswith("stock:")
    body = assert_problem(
        env.client.patch("/api/v1/offers/T-1", json={"price": "gratis"}, headers=h), 422
    )
    assert body["detail"].startswith("price:")
    assert_problem(env.client.patch("/api/v1/offers/T-1", json={}, headers=h), 422)
    assert_problem(env.client.patch("/api/v1/offers/NOPE", json={"stock": "1"}, headers=h), 404)
    # another retailer's SKU is not found, the admin is no retailer
    other = env.headers("retailer_other")
    assert_problem(env.client.patch("/api/v1/offers/T-1", json={"stock": "1"}, headers=other), 404)
    admin = env.headers("admin")
    assert_problem(env.client.patch("/api/v1/offers/T-1", json={"stock": "1"}, headers=admin), 403)


def test_batch_results_per_item_and_a_replay_changes_nothing(env: ApiEnv) -> None:
    h = env.headers("retailer_own")
    items = [
        {"sku": "T-1", "stock_quantity": 2},
        {"sku": "T-2", "price": 410, "delivery_days": 3},
        {"sku": "N-1", "stock": "I lager"},  # dentalnord's
        {"sku": "T-1", "delivery_days": 400},
    ]
    r = env.client.patch("/api/v1/offers", json={"items": items}, headers=h)
    assert r.status_code == 422  # delivery_days beyond 365 is refused by the schema
    items[3] = {"sku": "T-1", "stock": "kanske"}
    r = env.client.patch("/api/v1/offers", json={"items": items}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [d["status"] for d in body["data"]] == ["updated", "updated", "not_found", "invalid"]
    assert body["data"][3]["field"] == "stock"
    assert body["counts"] == {"updated": 2, "not_found": 1, "invalid": 1}
    glove = _offer(env, "T-1")
    assert (glove.stock_quantity, glove.stock_status) == (2, "limited")
    assert str(_offer(env, "T-2").price) == "410.00"
    env.app.state.apply_outbox()
    assert _outbox(env) == 0
    replay = env.client.patch("/api/v1/offers", json={"items": items}, headers=h).json()
    assert [d["status"] for d in replay["data"]] == [
        "unchanged",
        "unchanged",
        "not_found",
        "invalid",
    ]
    assert _outbox(env) == 0  # nothing written, nothing queued
    too_many = {"items": [{"sku": f"S-{i}", "stock": "1"} for i in range(1001)]}
    assert_problem(env.client.patch("/api/v1/offers", json=too_many, headers=h), 422)
