"""Idempotency-Key on the API's creating POSTs: replay, a different body, a failed first
request, multipart retries, anonymous callers, bad keys and expiry of old records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from api import idempotency
from api.housekeeping import run_once
from api.idempotency import REPLAYED_HEADER, canonical_json, request_hash, valid_key
from api.problems import InvalidInput
from catalog.db import transaction
from catalog.models import ApiKey, FeedRun, IdempotencyRecord, User
from indexer.jobs import factory_for
from marketplace.dates import utc_now
from marketplace.models import Review
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env, feed_csv

V1 = "/api/v1"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_idempotency")))
    yield built
    close_env(built)


def _post(env: ApiEnv, path: str, key: str | None, role: str | None = "clinic", **kw: Any) -> Any:
    headers = env.headers(role) | ({"Idempotency-Key": key} if key else {})
    return env.client.post(V1 + path, headers=headers, **kw)


def _count(env: ApiEnv, model: Any) -> int:
    with factory_for(env.settings)() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


CREATING_POSTS = [
    "/api/v1/checkout",
    "/api/v1/cart/items",
    "/api/v1/orders/{order_id}/reorder",
    "/api/v1/reviews",
    "/api/v1/reviews/{review_id}/reports",
    "/api/v1/orders/{order_id}/lines/{line_id}/rma",
    "/api/v1/retailers/{slug}/campaigns",
    "/api/v1/retailers/{slug}/feeds",
    "/api/v1/ranking/configs/{name}/drafts",
    "/api/v1/ranking/configs/{name}/rollback",
    "/api/v1/loyalty/programmes/{programme_id}/rewards",
    "/api/v1/loyalty/programmes/{programme_id}/campaigns",
    "/api/v1/loyalty/programmes/{programme_id}/quizzes",
]


def test_every_creating_post_takes_an_idempotency_key(env: ApiEnv) -> None:
    paths = env.app.openapi()["paths"]
    for path in CREATING_POSTS:
        headers = [p["name"] for p in paths[path]["post"]["parameters"] if p["in"] == "header"]
        # a feed upload also takes the language of its preview's texts
        assert [h for h in headers if h != "accept-language"] == ["Idempotency-Key"], path


def test_canonical_json_and_request_hash() -> None:
    assert canonical_json(b'{ "b": 1, "a": [1, 2] }') == b'{"a":[1,2],"b":1}'
    assert canonical_json(b"not json") == b"not json"
    same = request_hash("post", "/x", [b'{"a":1}'])
    assert same == request_hash("POST", "/x", [b'{"a":1}'])
    assert same != request_hash("POST", "/y", [b'{"a":1}'])
    assert request_hash("POST", "/x", [b"ab", b"c"]) != request_hash("POST", "/x", [b"a", b"bc"])
    assert valid_key("  abc-123  ") == "abc-123"
    for bad in ("", "a" * 201, "mellan slag", "å"):
        with pytest.raises(InvalidInput):
            valid_key(bad)


def test_a_review_posted_twice_with_one_key_is_created_once(env: ApiEnv) -> None:
    body = {"target_type": "product", "target_id": env.products["mirror"], "rating": 5}
    first = _post(env, "/reviews", "review-1", json=body)
    assert first.status_code == 201, first.text
    again = _post(env, "/reviews", "review-1", content=json.dumps(body, indent=2).encode())
    assert again.status_code == 201, again.text
    assert again.headers[REPLAYED_HEADER] == "true"
    assert again.headers["content-type"].startswith("application/json")
    assert again.json() == first.json()
    assert _count(env, Review) == 1
    reused = _post(env, "/reviews", "review-1", json={**body, "rating": 1})
    assert assert_problem(reused, 422)["type"].endswith("/idempotency-key-reused")
    elsewhere = _post(env, "/cart/items", "review-1", json={"offer_id": 1, "quantity": 1})
    assert_problem(elsewhere, 422)
    # the same key is another caller's own key: an API key of another user is not replayed
    # (a merchandiser's request is answered on its own: only clinics review)
    other = _post(env, "/reviews", "review-1", role="merchandiser", json=body)
    assert other.status_code == 403 and REPLAYED_HEADER not in other.headers


def test_a_failed_request_releases_its_key(env: ApiEnv) -> None:
    for item in env.client.get(f"{V1}/cart", headers=env.headers("clinic")).json()["items"]:
        env.client.delete(f"{V1}/cart/items/{item['id']}", headers=env.headers("clinic"))
    body = {"accept_changes": True}
    empty = _post(env, "/checkout", "checkout-1", json=body)
    assert_problem(empty, 422)  # nothing was created: the key is free again
    added = _post(env, "/cart/items", "add-1", json={"offer_id": env.offers["glove_tand"]})
    assert added.status_code == 201
    replayed = _post(env, "/cart/items", "add-1", json={"offer_id": env.offers["glove_tand"]})
    assert replayed.headers[REPLAYED_HEADER] == "true"
    assert [i["quantity"] for i in replayed.json()["items"]] == [1]
    cart = env.client.get(f"{V1}/cart", headers=env.headers("clinic")).json()
    assert [i["quantity"] for i in cart["items"]] == [1]  # added once
    placed = _post(env, "/checkout", "checkout-1", json=body)
    assert placed.status_code == 201 and REPLAYED_HEADER not in placed.headers


def test_a_feed_upload_retried_with_a_new_multipart_boundary_is_replayed(env: ApiEnv) -> None:
    runs = _count(env, FeedRun)

    def upload() -> Any:
        return _post(
            env,
            "/retailers/tandab/feeds",
            "feed-1",
            role="retailer_own",
            files={"file": ("lager.csv", feed_csv(), "text/csv")},
            data={"delta": "true"},
        )

    first, again = upload(), upload()
    assert first.status_code == 202, first.text
    assert again.status_code == 202 and again.headers[REPLAYED_HEADER] == "true"
    assert again.json() == first.json()
    # the run to poll: a replay without it broke clients that follow Location
    assert first.headers["location"] == f"/api/v1/feeds/{first.json()['id']}"
    assert again.headers["location"] == first.headers["location"]
    assert _count(env, FeedRun) == runs + 1
    changed = _post(
        env,
        "/retailers/tandab/feeds",
        "feed-1",
        role="retailer_own",
        files={"file": ("lager.csv", feed_csv(rows=4), "text/csv")},
        data={"delta": "true"},
    )
    assert_problem(changed, 422)


def test_anonymous_and_invalid_keys(env: ApiEnv) -> None:
    body = {"target_type": "product", "target_id": env.products["glove"], "rating": 4}
    assert_problem(_post(env, "/reviews", "anon-1", role=None, json=body), 401)
    assert_problem(_post(env, "/reviews", "x" * 201, json=body), 422)
    with factory_for(env.settings)() as s:
        assert s.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "anon-1")) is None


def test_housekeeping_expires_old_records(env: ApiEnv) -> None:
    factory = factory_for(env.settings)
    now = utc_now()
    with transaction(factory) as s:
        for key, age in (("old", timedelta(hours=25)), ("new", timedelta(hours=1))):
            s.add(
                IdempotencyRecord(
                    owner="user:999",
                    key=key,
                    method="POST",
                    path="/api/v1/checkout",
                    request_hash="0" * 64,
                    status_code=201,
                    response_body="{}",
                    created_at=now - age,
                )
            )
    counts = run_once(env.settings, factory)
    assert counts["idempotency_expired"] >= 1
    assert counts["price_history_pruned"] == 0  # nothing older than the retention
    with factory() as s:
        kept = s.scalars(
            select(IdempotencyRecord.key).where(IdempotencyRecord.owner == "user:999")
        ).all()
    assert kept == ["new"]


def _clinic_owner(env: ApiEnv) -> str:
    with factory_for(env.settings)() as s:
        key_id = s.scalar(
            select(ApiKey.id).join(User, User.id == ApiKey.user_id).where(User.role == "clinic")
        )
    return f"key:{key_id}"


def _record(env: ApiEnv, key: str) -> IdempotencyRecord:
    with factory_for(env.settings)() as s:
        found = s.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
        assert found is not None
        return found


def _age(env: ApiEnv, key: str, seconds: int) -> None:
    with transaction(factory_for(env.settings)) as s:
        s.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == key)
            .values(created_at=utc_now() - timedelta(seconds=seconds))
        )


def test_a_claim_left_by_a_dead_request_is_taken_over(env: ApiEnv) -> None:
    """Its request died before committing: nothing was created, so a retry runs it."""
    body = {"target_type": "retailer", "target_id": 1, "rating": 5, "text": "Snabbt"}
    digest = request_hash("POST", "/api/v1/reviews", [canonical_json(json.dumps(body).encode())])
    with transaction(factory_for(env.settings)) as s:
        s.add(
            IdempotencyRecord(
                owner=_clinic_owner(env),
                key="dead-1",
                method="POST",
                path="/api/v1/reviews",
                request_hash=digest,
                created_at=utc_now(),
            )
        )
    running = _post(env, "/reviews", "dead-1", json=body)
    assert assert_problem(running, 409)["type"].endswith("/idempotency-in-progress")
    assert running.headers["retry-after"] == "1"
    _age(env, "dead-1", env.settings.idempotency_stale_seconds + 1)
    taken = _post(env, "/reviews", "dead-1", json=body)
    assert taken.status_code == 201, taken.text
    assert _record(env, "dead-1").status_code == 201


def test_a_request_that_committed_but_lost_its_response_is_never_run_again(
    env: ApiEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The route's commit marks the claim in the same transaction: when the process dies
    before storing the response, a retry is refused instead of creating a second thing."""
    monkeypatch.setattr(idempotency, "finish", lambda *_a: False)  # "dies" before storing
    body = {"offer_id": env.offers["mirror_nord"], "quantity": 3}
    first = _post(env, "/cart/items", "lost-1", json=body)
    assert first.status_code == 201, first.text
    monkeypatch.undo()
    assert _record(env, "lost-1").status_code == idempotency.COMMITTED
    assert_problem(_post(env, "/cart/items", "lost-1", json=body), 409)  # still in progress
    _age(env, "lost-1", env.settings.idempotency_stale_seconds + 1)
    lost = assert_problem(_post(env, "/cart/items", "lost-1", json=body), 409)
    assert lost["type"].endswith("/idempotency-response-lost")
    cart = env.client.get(f"{V1}/cart", headers=env.headers("clinic")).json()
    mirror = [i for i in cart["items"] if i["offer_id"] == env.offers["mirror_nord"]]
    assert [i["quantity"] for i in mirror] == [3]  # added once
    for item in cart["items"]:
        env.client.delete(f"{V1}/cart/items/{item['id']}", headers=env.headers("clinic"))


def test_a_feed_upload_that_queued_its_run_but_lost_its_response_is_never_run_again(
    env: ApiEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload records its run in the pipeline's own transaction (the route's session is
    closed first): that commit must mark the claim too, or a retry after the stale time
    took the claim over and queued the same feed a second time."""
    runs = _count(env, FeedRun)

    def upload() -> Any:
        return _post(
            env,
            "/retailers/tandab/feeds",
            "feed-lost-1",
            role="retailer_own",
            files={"file": ("lager.csv", feed_csv(rows=3), "text/csv")},
            data={"delta": "true"},
        )

    monkeypatch.setattr(idempotency, "finish", lambda *_a: False)  # "dies" before storing
    assert upload().status_code == 202
    monkeypatch.undo()
    assert _record(env, "feed-lost-1").status_code == idempotency.COMMITTED
    _age(env, "feed-lost-1", env.settings.idempotency_stale_seconds + 1)
    lost = assert_problem(upload(), 409)
    assert lost["type"].endswith("/idempotency-response-lost")
    assert _count(env, FeedRun) == runs + 1
