"""Endpoint x role matrix: who gets 2xx, who gets 401 (anonymous) or 403 (wrong role)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from httpx import Response

from tests.unit.api.test_api_support import (
    PASSWORD,
    ApiEnv,
    build_env,
    close_env,
    feed_csv,
    wait_for_run,
)

Call = Callable[[ApiEnv, dict[str, str]], Response]
PUBLIC = {None, "clinic", "retailer_own", "retailer_other", "merchandiser", "admin"}
LOGGED_IN = PUBLIC - {None}
FEEDS = {"retailer_own", "merchandiser", "admin"}
STAFF = {"merchandiser", "admin"}
ADMIN = {"admin"}
ROLES: list[str | None] = [
    None,
    "clinic",
    "retailer_own",
    "retailer_other",
    "merchandiser",
    "admin",
]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_roles")))
    r = built.client.post(
        "/api/v1/retailers/tandab/feeds",
        files={"file": ("lager.csv", feed_csv())},
        data={"delta": "true"},
        headers=built.headers("admin"),
    )
    assert r.status_code == 202
    built.offers["run"] = r.json()["id"]
    wait_for_run(built, r.json()["id"], role="admin")
    yield built
    close_env(built)


def _draft(env: ApiEnv) -> int:
    r = env.client.post(
        "/api/v1/ranking/configs/rolecheck/drafts",
        json={"config": {}, "comment": "matrix"},
        headers=env.headers("admin"),
    )
    assert r.status_code == 201, r.text
    version: int = r.json()["version"]["version"]
    return version


def _cancel_queued(env: ApiEnv, h: dict[str, str]) -> Response:
    """Cancel a run queued for tandab (never sent: the sweep leaves it to its uploader)."""
    from indexer.pipeline import FeedOptions, submit_feed

    feed = env.settings.data_dir / "queued.csv"
    feed.write_bytes(feed_csv())
    run_id = submit_feed(env.app.state.session_factory, env.settings, feed, "tandab", FeedOptions())
    return env.client.post(f"/api/v1/feeds/runs/{run_id}/cancel", headers=h)


def _new_password(env: ApiEnv, h: dict[str, str]) -> Response:
    body = {"current_password": PASSWORD, "new_password": "Blåbärssoppa vid Vättern 2026"}
    return env.client.post("/api/v1/me/password", json=body, headers=h)


def _publish(env: ApiEnv, h: dict[str, str]) -> Response:
    return env.client.post(
        "/api/v1/ranking/configs/rolecheck/publish", json={"version": _draft(env)}, headers=h
    )


def _rollback(env: ApiEnv, h: dict[str, str]) -> Response:
    version = _draft(env)
    published = env.client.post(
        "/api/v1/ranking/configs/rolecheck/publish",
        json={"version": version},
        headers=env.headers("admin"),
    )
    assert published.status_code == 200
    return env.client.post(
        "/api/v1/ranking/configs/rolecheck/rollback", json={"to_version": version}, headers=h
    )


def _upload(env: ApiEnv, h: dict[str, str], dry_run: bool) -> Response:
    return env.client.post(
        "/api/v1/retailers/tandab/feeds",
        params={"dry_run": "true"} if dry_run else {},
        files={"file": ("lager.csv", feed_csv())},
        data={"delta": "true"},
        headers=h,
    )


def _stored_review(env: ApiEnv, *, rating: int = 4, held: bool = False) -> int:
    """A review stored directly (no author, so any number of them are unique), product glove."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from marketplace.models import Review

    with transaction(factory_for(env.settings)) as s:
        review = Review(
            author_id=None,
            target_type="product",
            target_id=env.products["glove"],
            rating=rating,
            text="matrix",
            status="held" if held else "published",
        )
        s.add(review)
        s.flush()
        return review.id


def _open_report(env: ApiEnv) -> int:
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from marketplace.models import ReviewReport

    review_id = _stored_review(env)
    with transaction(factory_for(env.settings)) as s:
        report = ReviewReport(review_id=review_id, reporter_id=None, reason="matrix")
        s.add(report)
        s.flush()
        return report.id


def _report(env: ApiEnv, h: dict[str, str]) -> Response:
    path = f"/api/v1/reviews/{_stored_review(env)}/reports"
    return env.client.post(path, json={"reason": "Kränkande"}, headers=h)


def _resolve(env: ApiEnv, h: dict[str, str]) -> Response:
    body = {"outcome": "removed", "reason": "Personangrepp"}
    path = f"/api/v1/admin/review-reports/{_open_report(env)}/resolve"
    return env.client.post(path, json=body, headers=h)


def _moderate(env: ApiEnv, h: dict[str, str]) -> Response:
    path = f"/api/v1/admin/reviews/{_stored_review(env, rating=1, held=True)}/moderate"
    return env.client.post(path, json={"decision": "publish", "reason": "Sakligt"}, headers=h)


def _write_review(env: ApiEnv, h: dict[str, str]) -> Response:
    body = {"target_type": "product", "target_id": env.products["composite"], "rating": 4}
    return env.client.post("/api/v1/reviews", json=body, headers=h)


ENDPOINTS: list[tuple[str, Call, set[str | None], int]] = [
    ("search", lambda e, h: e.client.get("/api/v1/search?q=handske", headers=h), PUBLIC, 200),
    ("suggest", lambda e, h: e.client.get("/api/v1/suggest?q=nit", headers=h), PUBLIC, 200),
    (
        "product",
        lambda e, h: e.client.get(f"/api/v1/products/{e.products['glove']}", headers=h),
        PUBLIC,
        200,
    ),
    (
        "compare",
        lambda e, h: e.client.get(
            f"/api/v1/compare?ids={e.products['glove']},{e.products['mirror']}", headers=h
        ),
        PUBLIC,
        200,
    ),
    ("retailers", lambda e, h: e.client.get("/api/v1/retailers", headers=h), PUBLIC, 200),
    ("retailer", lambda e, h: e.client.get("/api/v1/retailers/tandab", headers=h), PUBLIC, 200),
    ("feed_template", lambda e, h: e.client.get("/api/v1/feed-template", headers=h), PUBLIC, 200),
    (
        "feed_template_csv",
        lambda e, h: e.client.get("/api/v1/feed-template.csv", headers=h),
        PUBLIC,
        200,
    ),
    (
        "feed_template_xlsx",
        lambda e, h: e.client.get("/api/v1/feed-template.xlsx", headers=h),
        PUBLIC,
        200,
    ),
    ("feed_dry_run", lambda e, h: _upload(e, h, True), FEEDS, 200),
    ("feed_upload", lambda e, h: _upload(e, h, False), FEEDS, 202),
    (
        "feed_run",
        lambda e, h: e.client.get(f"/api/v1/feeds/{e.offers['run']}", headers=h),
        FEEDS,
        200,
    ),
    (
        "feed_errors_csv",
        lambda e, h: e.client.get(f"/api/v1/feeds/{e.offers['run']}/errors.csv", headers=h),
        FEEDS,
        200,
    ),
    (
        "feed_history",
        lambda e, h: e.client.get("/api/v1/retailers/tandab/feeds", headers=h),
        FEEDS,
        200,
    ),
    (
        "ranking_configs",
        lambda e, h: e.client.get("/api/v1/ranking/configs", headers=h),
        STAFF,
        200,
    ),
    (
        "ranking_config",
        lambda e, h: e.client.get("/api/v1/ranking/configs/default", headers=h),
        STAFF,
        200,
    ),
    (
        "ranking_draft",
        lambda e, h: e.client.post(
            "/api/v1/ranking/configs/rolecheck/drafts", json={"config": {}}, headers=h
        ),
        STAFF,
        201,
    ),
    ("ranking_publish", _publish, STAFF, 200),
    ("ranking_rollback", _rollback, STAFF, 200),
    (
        "ranking_history",
        lambda e, h: e.client.get("/api/v1/ranking/configs/rolecheck/history", headers=h),
        STAFF,
        200,
    ),
    (
        "ranking_preview",
        lambda e, h: e.client.post(
            "/api/v1/ranking/preview",
            json={"queries": ["handske"], "config_a": "default", "config_b": "price_first"},
            headers=h,
        ),
        STAFF,
        200,
    ),
    ("me", lambda e, h: e.client.get("/api/v1/auth/me", headers=h), LOGGED_IN, 200),
    (
        "api_key",
        lambda e, h: e.client.post("/api/v1/auth/api-keys", json={"name": "k"}, headers=h),
        LOGGED_IN,
        201,
    ),
    ("logout", lambda e, h: e.client.post("/api/v1/auth/logout", headers=h), PUBLIC, 204),
    ("feed_run_cancel", _cancel_queued, {"retailer_own", "admin"}, 202),
    ("me_password", _new_password, LOGGED_IN, 204),
    (
        "admin_sign_in_locks",
        lambda e, h: e.client.get("/api/v1/admin/sign-in-locks", headers=h),
        ADMIN,
        200,
    ),
    (
        "admin_unlock",
        lambda e, h: e.client.post(
            "/api/v1/admin/sign-in-locks/unlock", json={"email": "nobody@example.com"}, headers=h
        ),
        ADMIN,
        200,
    ),
    ("review_write", _write_review, {"clinic"}, 201),
    ("review_report", _report, LOGGED_IN, 201),
    (
        "admin_review_reports",
        lambda e, h: e.client.get("/api/v1/admin/review-reports?state=open", headers=h),
        ADMIN,
        200,
    ),
    (
        "admin_review_reports_resolved",
        lambda e, h: e.client.get("/api/v1/admin/review-reports?state=resolved", headers=h),
        ADMIN,
        200,
    ),
    ("admin_review_report_resolve", _resolve, ADMIN, 200),
    (
        "admin_reviews_held",
        lambda e, h: e.client.get("/api/v1/admin/reviews/held", headers=h),
        ADMIN,
        200,
    ),
    ("admin_review_moderate", _moderate, ADMIN, 200),
    ("healthz", lambda e, h: e.client.get("/healthz", headers=h), PUBLIC, 200),
    ("readyz", lambda e, h: e.client.get("/readyz", headers=h), PUBLIC, 200),
    ("metrics", lambda e, h: e.client.get("/metrics", headers=h), PUBLIC, 200),
]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("name,call,allowed,ok", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_role_matrix(
    env: ApiEnv, role: str | None, name: str, call: Call, allowed: set[str | None], ok: int
) -> None:
    r = call(env, env.headers(role))
    if role in allowed:
        assert r.status_code == ok, f"{name} as {role}: {r.status_code} {r.text}"
    else:
        expected = 401 if role is None else 403
        assert r.status_code == expected, f"{name} as {role}: {r.status_code} {r.text}"
        assert r.headers["content-type"].startswith("application/problem+json")
