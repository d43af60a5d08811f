"""Prometheus metrics: request counts and latency by route template, feed runs by status.

Each app has its own ``CollectorRegistry`` (several apps can live in one process, e.g. tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.enums import FeedRunStatus
from catalog.models import FeedRun


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "valbar_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "valbar_http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.feed_runs = Gauge(
            "valbar_feed_runs",
            "Feed runs in the database by status.",
            ["status"],
            registry=self.registry,
        )

        self.login_lockouts = Counter(
            "valbar_login_lockouts",
            "Sign-in lockouts after repeated wrong passwords, by scope (acct or ip).",
            ["scope"],
            registry=self.registry,
        )
        self.ratelimit_fallbacks = Counter(
            "valbar_ratelimit_fallbacks",
            "Requests rate limited in-process because the shared store (Redis) failed.",
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self, session: Session) -> bytes:
        counts = dict(
            session.execute(select(FeedRun.status, func.count()).group_by(FeedRun.status)).all()
        )
        for status in FeedRunStatus:
            self.feed_runs.labels(status.value).set(counts.get(status.value, 0))
        return generate_latest(self.registry)


def route_label(scope: Scope) -> str:
    """The matched route's template (``/api/v1/products/{product_id}``): bounded cardinality.

    Built from the request path with each path parameter's value replaced by its name
    (right-most occurrence first), so it holds however routers are nested or prefixed.
    """
    if scope.get("endpoint") is None:
        return "unmatched"
    segments = str(scope.get("path", "")).split("/")
    params: dict[str, object] = scope.get("path_params") or {}
    for name, value in params.items():
        text = str(value)
        for i in range(len(segments) - 1, -1, -1):
            if segments[i] == text:
                segments[i] = "{" + name + "}"
                break
    return "/".join(segments)


class TimingMiddleware:
    """Pure ASGI middleware: times every HTTP request and records it by route template."""

    def __init__(
        self, app: ASGIApp, metrics: Metrics, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = self.clock()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.observe(
                scope["method"], route_label(scope), status, self.clock() - started
            )
