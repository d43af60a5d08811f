"""The notification API: a user's notifications paged and marked read (never another's),
e-mail preferences with clear errors, and an organisation's webhooks (secret once, no
cross-organisation access, unsafe URLs refused naming the field)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.db import transaction
from indexer.jobs import factory_for
from marketplace.models import Notification
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

HOOKS = "/api/v1/organisation/webhooks"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_notify")), webhook_allow_loopback=True)
    yield built
    close_env(built)


def _user_id(env: ApiEnv, role: str) -> int:
    user_id: int = env.client.get("/api/v1/auth/me", headers=env.headers(role)).json()["id"]
    return user_id


def test_notifications_are_paged_newest_first_and_marked_read(env: ApiEnv) -> None:
    h = env.headers("retailer_other")
    uid = _user_id(env, "retailer_other")
    with transaction(factory_for(env.settings)) as s:
        for i in range(5):
            s.add(Notification(user_id=uid, kind="order_placed", ref=f"order:{i}", values={"i": i}))
    first = env.client.get("/api/v1/me/notifications", params={"limit": 2}, headers=h).json()
    assert (first["count"], first["limit"], first["offset"], first["unread"]) == (5, 2, 0, 5)
    assert [n["values"]["i"] for n in first["data"]] == [4, 3]
    rest = env.client.get("/api/v1/me/notifications?limit=2&offset=4", headers=h).json()
    assert [n["values"]["i"] for n in rest["data"]] == [0]
    one = first["data"][0]["id"]
    r = env.client.post(f"/api/v1/me/notifications/{one}/read", headers=h)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    unread = env.client.get("/api/v1/me/notifications?unread=true", headers=h).json()
    assert unread["count"] == 4 and unread["unread"] == 4
    # another user cannot read (or learn of) it
    other = env.client.post(
        f"/api/v1/me/notifications/{one}/read", headers=env.headers("retailer_own")
    )
    assert_problem(other, 404)
    r = env.client.post("/api/v1/me/notifications/read", headers=h)
    assert r.json() == {"marked": 4, "unread": 0}
    assert_problem(env.client.get("/api/v1/me/notifications?limit=101", headers=h), 422)


def test_preferences_default_change_and_refuse_unknown_kinds(env: ApiEnv) -> None:
    h = env.headers("clinic")
    got = env.client.get("/api/v1/me/notification-preferences", headers=h).json()
    assert got["lang"] == "sv"
    assert got["email"]["order_shipped"] is True and "order_placed" not in got["email"]
    assert "signup_approved" in got["kinds"]  # a member of an organisation
    r = env.client.put(
        "/api/v1/me/notification-preferences",
        json={"lang": "en", "email": {"order_shipped": False}},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["lang"] == "en" and r.json()["email"]["order_shipped"] is False
    assert r.json()["email"]["order_confirmed"] is True  # untouched
    bad = env.client.put(
        "/api/v1/me/notification-preferences", json={"email": {"nonsense": True}}, headers=h
    )
    assert "email.nonsense" in assert_problem(bad, 422)["detail"]
    bad_lang = env.client.put("/api/v1/me/notification-preferences", json={"lang": "de"}, headers=h)
    assert "lang" in str(assert_problem(bad_lang, 422)["errors"])


def test_the_old_webhooks_path_is_a_deprecated_alias(env: ApiEnv) -> None:
    """/api/v1/org/webhooks answers as /api/v1/organisation/webhooks does (the same endpoints)
    and is marked deprecated in OpenAPI; the new path is not."""
    own = env.headers("retailer_own")
    body = {"url": "http://127.0.0.1:9/alias", "kinds": ["order.placed"]}
    created = env.client.post("/api/v1/org/webhooks", json=body, headers=own)
    assert created.status_code == 201, created.text
    listed = env.client.get("/api/v1/organisation/webhooks", headers=own).json()
    assert created.json()["id"] in {h["id"] for h in listed["data"]}
    old = env.client.get("/api/v1/org/webhooks", headers=own).json()
    assert old["data"] == listed["data"]
    hook = created.json()["id"]
    assert env.client.delete(f"/api/v1/org/webhooks/{hook}", headers=own).status_code == 204
    paths = env.app.openapi()["paths"]
    for path, ops in paths.items():
        if path.startswith("/api/v1/org/webhooks"):
            assert all(op.get("deprecated") for op in ops.values()), path
            assert path.replace("/org/", "/organisation/", 1) in paths
        if path.startswith("/api/v1/organisation/webhooks"):
            assert not any(op.get("deprecated") for op in ops.values()), path
    assert "/api/v1/org/webhooks/{endpoint_id}/test" in paths


def test_webhooks_show_the_secret_once_and_stay_in_their_organisation(env: ApiEnv) -> None:
    own, other = env.headers("retailer_own"), env.headers("retailer_other")
    body = {"url": "http://127.0.0.1:9/own", "kinds": ["order.placed", "feed_run.failed"]}
    created = env.client.post("/api/v1/organisation/webhooks", json=body, headers=own)
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["secret"].startswith("whsec_") and hook["kinds"] == [
        "feed_run.failed",
        "order.placed",
    ]
    listed = env.client.get("/api/v1/organisation/webhooks", headers=own).json()
    assert [h["id"] for h in listed["data"]] == [hook["id"]]
    assert "secret" not in listed["data"][0] and "order.placed" in listed["kinds"]
    assert env.client.get("/api/v1/organisation/webhooks", headers=other).json()["data"] == []
    for method, tail in (("GET", "/deliveries"), ("POST", "/test"), ("DELETE", "")):
        r = env.client.request(
            method, f"/api/v1/organisation/webhooks/{hook['id']}{tail}", headers=other
        )
        assert_problem(r, 404)
    again = env.client.post("/api/v1/organisation/webhooks", json=body, headers=own)
    assert "already registered" in assert_problem(again, 422)["detail"]
    sent = env.client.post(f"/api/v1/organisation/webhooks/{hook['id']}/test", headers=own)
    assert sent.status_code == 202 and sent.json()["kind"] == "ping"
    log = env.client.get(
        f"/api/v1/organisation/webhooks/{hook['id']}/deliveries", headers=own
    ).json()
    assert log["count"] == 1 and log["data"][0]["id"] == sent.json()["id"]
    assert (
        env.client.delete(f"/api/v1/organisation/webhooks/{hook['id']}", headers=own).status_code
        == 204
    )
    assert env.client.get("/api/v1/organisation/webhooks", headers=own).json()["count"] == 0


@pytest.mark.parametrize(
    "url",
    ["http://hooks.example.com/x", "https://10.0.0.1/x", "https://169.254.169.254/", "ftp://a/"],
)
def test_unsafe_webhook_urls_are_refused_naming_the_field(env: ApiEnv, url: str) -> None:
    r = env.client.post(
        "/api/v1/organisation/webhooks",
        json={"url": url, "kinds": ["order.placed"]},
        headers=env.headers("clinic"),
    )
    assert assert_problem(r, 422)["detail"].startswith("url:")
