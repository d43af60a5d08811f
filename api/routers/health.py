"""Liveness, readiness and Prometheus metrics (at the root, not versioned)."""

from __future__ import annotations

import hmac
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.client_ip import Network, client_ip, in_networks, parse_networks
from api.deps import SearchHolder, SessionDep, SettingsDep
from api.metrics import Metrics
from api.problems import NotFound, problem_response
from api.ratelimit import RateLimiter
from catalog.settings import Settings
from search.errors import SearchError

router = APIRouter(tags=["health"])
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def ops_allowed(request: Request) -> bool:
    """May this caller see operational details (metrics, readiness checks)? Callers from
    ``ops_allowed_ips`` (default loopback) or with ``Authorization: Bearer <ops_token>``.
    A forwarded request is never allowed by its address unless ``trusted_proxies`` is set."""
    settings: Settings = request.app.state.settings
    if settings.ops_token:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), settings.ops_token.encode()
        ):
            return True
    if not settings.trusted_proxies and any(h in request.headers for h in FORWARDING_HEADERS):
        # a reverse proxy forwarded this request but is not configured as trusted: the peer
        # address is the proxy's (127.0.0.1 when on the same host), not the client's, so it
        # proves nothing; /metrics used to be open to the internet behind such a proxy
        return False
    return in_networks(client_ip(request), _networks(tuple(settings.ops_allowed_ips)))


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up (no dependencies are checked)."""
    return {"status": "ok"}


def _broker_check(url: str) -> dict[str, Any]:
    if not url:
        return {"status": "ok", "mode": "in-process (no broker configured)"}
    if not url.startswith(("redis://", "rediss://")):
        return {"status": "ok", "mode": "configured", "note": "not checked (not Redis)"}
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0).ping()
    except redis.RedisError as exc:
        return {"status": "error", "detail": f"{type(exc).__name__}: {exc}"}
    return {"status": "ok", "mode": "redis"}


@router.get("/readyz", responses={503: {"content": {"application/problem+json": {}}}})
def readyz(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Ready to serve: the database, the search backend and the broker are reachable.

    The checks and their errors are shown only to :func:`ops_allowed` callers; others get
    the status alone (200 ``{"status": "ok"}`` or a 503 problem without details)."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        session.execute(text("SELECT 1"))
        checks["database"] = {"status": "ok"}
    except SQLAlchemyError as exc:
        checks["database"] = {"status": "error", "detail": type(exc).__name__}
    holder: SearchHolder = request.app.state.search
    try:
        health = holder.get().backend.health()
        checks["search"] = {"status": "ok", "backend": str(health.get("backend", ""))}
    except SearchError as exc:
        checks["search"] = {"status": "error", "detail": str(exc)}
    checks["broker"] = _broker_check(settings.broker_url)
    if settings.redis_url:
        limiter: RateLimiter = request.app.state.rate_limiter
        import redis

        try:
            limiter.ping()
            checks["redis"] = {"status": "ok"}
        except redis.RedisError as exc:
            checks["redis"] = {"status": "error", "detail": type(exc).__name__}
    failed = [name for name, c in checks.items() if c["status"] != "ok"]
    if not ops_allowed(request):
        if failed:
            return problem_response(
                503, "Service unavailable", "not ready", slug="not-ready", instance="/readyz"
            )
        return JSONResponse({"status": "ok"})
    if failed:
        return problem_response(
            503,
            "Service unavailable",
            f"not ready: {', '.join(failed)}",
            slug="not-ready",
            instance="/readyz",
            errors=[{"check": name, **checks[name]} for name in failed],
        )
    return JSONResponse({"status": "ok", "checks": checks})


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request, session: SessionDep) -> Response:
    """Prometheus metrics: requests and latency by route template, searches and zero-result
    searches, feed runs by outcome and by status, queue lengths, sign-in lockouts and
    rate-limit fallbacks; summed over every worker process (``api.metrics``). Only for
    :func:`ops_allowed` callers (404 for others)."""
    if not ops_allowed(request):
        raise NotFound("no route /metrics")
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(session), media_type=CONTENT_TYPE_LATEST)
