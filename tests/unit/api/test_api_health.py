"""Health, readiness, metrics, OpenAPI and the problem+json contract for unknown routes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.api.test_api_support import (
    ApiEnv,
    assert_not_found_page,
    assert_problem,
    build_env,
    close_env,
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_health")))
    yield built
    close_env(built)


def test_healthz_and_readyz(env: ApiEnv) -> None:
    assert env.client.get("/healthz").json() == {"status": "ok"}
    r = env.client.get("/readyz")
    assert r.status_code == 200
    checks = r.json()["checks"]
    assert {checks[c]["status"] for c in ("database", "search", "broker")} == {"ok"}


def test_readyz_is_503_with_details_when_the_broker_is_down(tmp_path: Path) -> None:
    built = build_env(tmp_path, broker_url="redis://127.0.0.1:1/0")
    try:
        body = assert_problem(built.client.get("/readyz"), 503)
        assert body["errors"][0]["check"] == "broker"
    finally:
        close_env(built)


def test_metrics_by_route_template_and_feed_runs(env: ApiEnv) -> None:
    env.client.get(f"/api/v1/products/{env.products['glove']}")
    env.client.get("/api/v1/products/999999")
    env.client.get("/no/such/page")
    r = env.client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'route="/api/v1/products/{product_id}",status="200"' in text
    assert 'route="/api/v1/products/{product_id}",status="404"' in text
    assert 'route="unmatched",status="404"' in text
    assert "valbar_http_request_duration_seconds_bucket" in text
    assert 'valbar_feed_runs{status="succeeded"}' in text


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/search", "/api", "/healthz/x"])
def test_unknown_routes_are_404_problems(env: ApiEnv, path: str) -> None:
    body = assert_problem(env.client.get(path), 404)
    assert body["instance"] == path


@pytest.mark.parametrize("path", ["/nope", "/konsol/nope", "/admin/nope", "/produkt/1/x"])
def test_unknown_pages_are_the_sites_html_not_found_page(env: ApiEnv, path: str) -> None:
    """Outside the API an unknown address is a page a person typed or followed."""
    assert_not_found_page(env.client.get(path))
    assert "Sidan finns inte." in env.client.get(path).text


def test_a_wrong_method_on_a_page_is_an_html_page(env: ApiEnv) -> None:
    r = env.client.get("/logga-ut")  # a POST-only page
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/html")


def test_wrong_method_is_405_problem(env: ApiEnv) -> None:
    assert_problem(env.client.delete("/api/v1/retailers"), 405)


def test_malformed_json_is_422_problem(env: ApiEnv) -> None:
    r = env.client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(r, 422)


def test_openapi_documents_every_endpoint(env: ApiEnv) -> None:
    schema = env.client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/api/v1/search",
        "/api/v1/suggest",
        "/api/v1/products/{product_id}",
        "/api/v1/compare",
        "/api/v1/retailers",
        "/api/v1/retailers/{slug}",
        "/api/v1/retailers/{slug}/feeds",
        "/api/v1/feeds/{run_id}",
        "/api/v1/feeds/{run_id}/errors.csv",
        "/api/v1/ranking/configs",
        "/api/v1/ranking/configs/{name}",
        "/api/v1/ranking/configs/{name}/drafts",
        "/api/v1/ranking/configs/{name}/publish",
        "/api/v1/ranking/configs/{name}/rollback",
        "/api/v1/ranking/configs/{name}/history",
        "/api/v1/ranking/preview",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
        "/api/v1/auth/api-keys",
        "/healthz",
        "/readyz",
        "/metrics",
    } <= paths
    docs = env.client.get("/docs")
    assert docs.status_code == 200
    assert "/docs-assets/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
    bundle = env.client.get("/docs-assets/swagger-ui-bundle.js")  # no internet needed
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text
    assert env.client.get("/docs-assets/swagger-ui.css").status_code == 200


def test_unexpected_errors_are_500_problems_without_traceback(
    env: ApiEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = env.app.state.search.get()

    def boom(q: str, limit: int = 8) -> list[str]:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "suggest", boom)
    body = assert_problem(env.client.get("/api/v1/suggest", params={"q": "x"}), 500)
    assert "secret internals" not in body["detail"]
