"""Hostile URLs (huge ids, NUL bytes), who sees /metrics and /readyz, X-Forwarded-For only
from trusted proxies, rate limits shared by several workers, and the API key cache bound
across processes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.auth import ApiKeyCache, KeyGrant
from api.client_ip import forwarded_client, parse_networks
from api.ratelimit import FallbackRateLimiter, FileRateLimiter, MemoryRateLimiter
from catalog.db import transaction
from catalog.models import ApiKey
from indexer.jobs import factory_for
from tests.unit.api.test_api_key_cache import Clock, _new_key, run_apart
from tests.unit.api.test_api_support import (
    ApiEnv,
    assert_not_found_page,
    assert_problem,
    build_env,
    close_env,
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_hardening")), ops_token="ops-secret")
    yield built
    close_env(built)


def _api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path (FastAPI keeps included routers unflattened)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            inner = prefix + route.include_context.prefix
            yield from _api_routes(route.original_router.routes, inner)


def _int_routes(env: ApiEnv) -> list[tuple[str, str]]:
    found = []
    for full_path, route in _api_routes(env.app.routes):
        names = [f.name for f in route.dependant.path_params if f.field_info.annotation is int]
        if names:
            path = full_path
            for name in names:
                path = path.replace("{" + name + "}", "99999999999999999999999")
            path = re.sub(r"\{[^}]+\}", "x", path)
            found.append((sorted(route.methods or {"GET"})[0], path))
    return found


def test_every_integer_path_parameter_is_bounded(env: ApiEnv) -> None:
    routes = _int_routes(env)
    assert len(routes) >= 20, routes  # API and web routes with ids
    assert ("GET", "/produkt/99999999999999999999999") in routes
    for method, path in routes:
        for h in (env.headers("admin"), env.headers("clinic"), env.headers("retailer_own")):
            r = env.client.request(method, path, headers=h)
            assert r.status_code in (401, 403, 404, 422), (method, path, r.status_code)
    for value in ("2147483648", "0", "-99999999999999999999999"):
        assert_not_found_page(env.client.get(f"/produkt/{value}"))
        assert_not_found_page(env.client.get(f"/ordrar/{value}", headers=env.headers("clinic")))
        # a route with its own bounds (DbId) validates them: 422
        assert_problem(env.client.get(f"/api/v1/products/{value}"), 422)
    assert env.client.get(f"/produkt/{env.products['glove']}").status_code == 200


@pytest.mark.parametrize(
    "raw", ["1_000", "+1", "%201", "1%20", "%D9%A1", "1.0", "0x1", "%EF%BC%91"]
)
def test_an_id_in_a_path_is_plain_ascii_digits(env: ApiEnv, raw: str) -> None:
    """int() takes 1_000, +1, ' 1' and Arabic or full-width digits: one product answered
    under many URLs. Web pages: the 404 page; the API: 422."""
    glove = env.products["glove"]
    spelled = raw.replace("1", str(glove)) if raw not in ("%D9%A1", "%EF%BC%91") else raw
    assert_not_found_page(env.client.get(f"/produkt/{spelled}"))
    assert_not_found_page(env.client.get(f"/ordrar/{spelled}", headers=env.headers("clinic")))
    assert_problem(env.client.get(f"/api/v1/products/{spelled}"), 422)
    feeds = env.client.get(f"/api/v1/feeds/{spelled}", headers=env.headers("admin"))
    assert_problem(feeds, 422)
    for method, path in _int_routes(env):
        path = path.replace("99999999999999999999999", spelled)
        r = env.client.request(method, path, headers=env.headers("admin"))
        expected = (422,) if path.startswith("/api/") else (404,)
        assert r.status_code in (*expected, 401, 403), (method, path, r.status_code)
    assert env.client.get(f"/produkt/{glove}").status_code == 200
    assert env.client.get(f"/api/v1/products/{glove}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?q=handske&config=a%00",
        "/?q=handske&config=%00",
        "/handlare/%00",
        "/api/v1/retailers/tand%00ab",
    ],
)
def test_a_nul_byte_in_a_url_is_422(env: ApiEnv, path: str) -> None:
    assert_problem(env.client.get(path, headers=env.headers("admin")), 422)


def test_metrics_and_readiness_details_only_for_operators(env: ApiEnv) -> None:
    outsider = TestClient(env.app, client=("203.0.113.9", 4000))
    assert_problem(outsider.get("/metrics"), 404)
    assert outsider.get("/readyz").json() == {"status": "ok"}
    assert outsider.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    token = {"Authorization": "Bearer ops-secret"}
    assert outsider.get("/metrics", headers=token).status_code == 200
    assert "checks" in outsider.get("/readyz", headers=token).json()
    local = env.client  # 127.0.0.1: the default ops_allowed_ips
    assert local.get("/metrics").status_code == 200
    assert "checks" in local.get("/readyz").json()
    # a forwarded address never makes an outsider an operator (no trusted proxies)
    spoof = {"X-Forwarded-For": "127.0.0.1"}
    assert outsider.get("/metrics", headers=spoof).status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9;proto=https"},
        {"X-Real-IP": "203.0.113.9"},
    ],
)
def test_a_proxy_on_the_same_host_does_not_open_metrics_to_the_internet(
    env: ApiEnv, header: dict[str, str]
) -> None:
    """nginx on 127.0.0.1 without trusted_proxies: every visitor's peer address is loopback,
    which used to show them /metrics and the /readyz details."""
    proxied = env.client  # the peer is 127.0.0.1
    assert_problem(proxied.get("/metrics", headers=header), 404)
    assert proxied.get("/readyz", headers=header).json() == {"status": "ok"}
    with_token = {**header, "Authorization": "Bearer ops-secret"}
    assert proxied.get("/metrics", headers=with_token).status_code == 200


def test_readyz_outsiders_see_no_failure_details(tmp_path: Path) -> None:
    built = build_env(tmp_path, broker_url="redis://127.0.0.1:1/0")
    try:
        outsider = TestClient(built.app, client=("203.0.113.9", 4000))
        body = assert_problem(outsider.get("/readyz"), 503)
        assert "errors" not in body and "broker" not in str(body)
    finally:
        close_env(built)


def test_forwarded_for_only_from_trusted_proxies() -> None:
    trusted = parse_networks(["10.0.0.0/8"])
    assert forwarded_client("203.0.113.9", "1.2.3.4", ()) == "203.0.113.9"
    assert forwarded_client("203.0.113.9", "1.2.3.4", trusted) == "203.0.113.9"
    assert forwarded_client("10.0.0.5", "1.2.3.4", trusted) == "1.2.3.4"
    # a client-supplied entry left of the real one is not believed
    assert forwarded_client("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.7", trusted) == "1.2.3.4"
    assert forwarded_client("10.0.0.5", "garbage", trusted) == "10.0.0.5"


def test_anonymous_limit_ignores_a_spoofed_forwarded_for(tmp_path: Path) -> None:
    from catalog.settings import Settings
    from valbar.app import create_app

    def limited(trusted: list[str]) -> list[int]:
        settings = Settings(
            data_dir=tmp_path / "var", database_url="", environment="test", trusted_proxies=trusted
        )
        app = create_app(settings, anonymous_rate_per_minute=2)
        client = TestClient(app, client=("10.0.0.5", 1))  # no lifespan needed
        return [
            client.get("/api/v1/retailers", headers={"X-Forwarded-For": f"1.2.3.{i}"}).status_code
            for i in range(3)
        ]

    assert limited([]) == [200, 200, 429]  # one client, whatever it claims
    assert limited(["10.0.0.0/8"]) == [200, 200, 200]  # behind our proxy: three clients


def test_several_workers_share_the_rate_limit(tmp_path: Path) -> None:
    path = tmp_path / "ratelimit.sqlite3"
    worker_a, worker_b = FileRateLimiter(path), FileRateLimiter(path)
    assert worker_a.hit("k", 3).allowed and worker_b.hit("k", 3).allowed
    assert worker_a.hit("k", 3).allowed
    denied = worker_b.hit("k", 3)
    assert not denied.allowed and denied.retry_after >= 1
    assert worker_b.hit("other", 3).allowed

    from catalog.settings import Settings
    from valbar.app import create_app

    settings = Settings(data_dir=tmp_path / "var", database_url="", web_workers=2)
    limiter = create_app(settings).state.rate_limiter
    assert isinstance(limiter, FallbackRateLimiter)
    assert isinstance(limiter.primary, FileRateLimiter)
    single = create_app(Settings(data_dir=tmp_path / "var", database_url="")).state.rate_limiter
    assert isinstance(single, MemoryRateLimiter)


def test_a_failing_store_falls_back_and_is_retried_later() -> None:
    class Broken(MemoryRateLimiter):
        blocking = True
        calls = 0

        def hit(self, key: str, limit: int, window: int = 60):  # type: ignore[no-untyped-def]
            Broken.calls += 1
            raise ConnectionError("down")

    now = [0.0]
    counted: list[int] = []
    limiter = FallbackRateLimiter(
        Broken(), on_fallback=lambda: counted.append(1), retry_seconds=5, clock=lambda: now[0]
    )
    assert limiter.hit("k", 2).allowed and limiter.hit("k", 2).allowed
    assert not limiter.hit("k", 2).allowed  # the local limit holds
    assert Broken.calls == 1 and len(counted) == 3  # not asked again for 5 s
    now[0] = 6.0
    limiter.hit("k", 2)
    assert Broken.calls == 2


def test_api_key_grants_live_at_most_one_second_from_their_read(env: ApiEnv) -> None:
    assert env.app.state.settings.api_key_cache_seconds == 1.0
    assert env.app.state.api_keys.ttl == 1.0
    clock = Clock()
    cache = ApiKeyCache(ttl=1.0, clock=clock)
    grant = KeyGrant(1, 10, 60)

    async def slow_load() -> KeyGrant:
        clock.now += 0.6  # the read takes 0.6 s
        await asyncio.sleep(0)
        return grant

    run_apart(cache.fetch("d", slow_load))
    clock.now += 0.39
    assert cache.get("d") == grant
    clock.now += 0.02  # 1.01 s after the read began
    assert cache.get("d") is None


def test_a_key_revoked_in_another_worker_stops_within_a_second(tmp_path: Path) -> None:
    first = build_env(tmp_path)
    try:
        from valbar.app import create_app

        clock = Clock()
        second_app = create_app(first.settings)
        second_app.state.api_keys = ApiKeyCache(
            ttl=second_app.state.settings.api_key_cache_seconds, clock=clock
        )
        second = TestClient(second_app)
        key_id, plaintext = _new_key(first)
        h = {"X-API-Key": plaintext}
        assert second.get("/api/v1/search", headers=h).status_code == 200
        with transaction(factory_for(first.settings)) as s:  # revoked by the other worker
            key = s.get(ApiKey, key_id)
            assert key is not None
            key.revoked_at = datetime.now(UTC)
        clock.now += 1.0
        assert_problem(second.get("/api/v1/search", headers=h), 401)
    finally:
        close_env(first)
