"""Prometheus metrics: requests and latency by route template, searches and zero-result
searches, feed runs by outcome, sign-in lockouts, rate-limit fallbacks, and, read from the
database at each scrape, feed runs by status, the queues (queued feed runs, the search
index outbox, the Celery broker's queue) and e-mail and webhook deliveries by status
(``valbar_emails{status="sent"}``, ``{status="failed"}``, ``{status="queued"}``).

Each app has its own ``CollectorRegistry`` (several apps can live in one process, e.g. tests).
With several worker processes (``valbar serve --workers N``, gunicorn) a scrape reaches one
of them: when ``PROMETHEUS_MULTIPROC_DIR`` is set (``valbar serve`` makes and removes one)
prometheus-client keeps every process's counters in files there and ``/metrics`` answers
with the sum over all workers, dead ones included (counters never go back). The values
read from the database are the same whichever worker answers.
"""

from __future__ import annotations

import logging
import os
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.enums import FeedRunStatus
from catalog.events import EventBus, FeedRunEnded
from catalog.models import FeedRun, IndexOutbox
from marketplace.models import OutgoingEmail, WebhookDelivery
from marketplace.queue_lengths import queue_lengths

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
BROKER_QUEUE = "valbar"  # indexer.jobs: task_default_queue
log = logging.getLogger(__name__)


def multiprocess_dir() -> str | None:
    """The directory prometheus-client shares values through, when this process uses one."""
    return os.environ.get(MULTIPROC_ENV) or None


class _Forward(Collector):
    """Collects what another registry holds (this process's own values)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


class _Snapshot(Collector):
    """Metric families computed for one scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return iter(self.families)


class Metrics:
    def __init__(self, broker_queue_length: Callable[[], int | None] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.broker_queue_length = broker_queue_length
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
        self.searches = Counter(
            "valbar_searches",
            "Searches answered, by channel (api: /api/v1/search, web: the search page).",
            ["channel"],
            registry=self.registry,
        )
        self.zero_result_searches = Counter(
            "valbar_zero_result_searches",
            "Searches that found no product at all, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.feed_run_outcomes = Counter(
            "valbar_feed_run_outcomes",
            "Feed runs that ended in this server's processes, by outcome (succeeded, "
            "rejected, failed, cancelled); runs executed by Celery workers are counted "
            "in valbar_feed_runs.",
            ["outcome"],
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def searched(self, channel: str, total: int) -> None:
        """A search was answered with ``total`` products found."""
        self.searches.labels(channel).inc()
        if total == 0:
            self.zero_result_searches.labels(channel).inc()

    def feed_run_ended(self, event: FeedRunEnded) -> None:
        self.feed_run_outcomes.labels(event.status).inc()

    def subscribe(self, bus: EventBus) -> None:
        """Count feed run outcomes from the domain events (a weak reference: an app that was
        closed is not kept alive by its factory's bus)."""
        ref = weakref.ref(self)

        def on_feed_run_ended(event: FeedRunEnded) -> None:
            live = ref()
            if live is not None:
                live.feed_run_ended(event)

        bus.subscribe(FeedRunEnded, on_feed_run_ended)

    def _database_families(self, session: Session) -> Iterator[Metric]:
        counts = dict(
            session.execute(select(FeedRun.status, func.count()).group_by(FeedRun.status)).all()
        )
        runs = GaugeMetricFamily(
            "valbar_feed_runs", "Feed runs in the database by status.", labels=["status"]
        )
        for status in FeedRunStatus:
            runs.add_metric([status.value], counts.get(status.value, 0))
        yield runs
        yield GaugeMetricFamily(
            "valbar_feed_run_queue_length",
            "Feed runs waiting to run (queued).",
            value=counts.get(FeedRunStatus.QUEUED.value, 0),
        )
        outbox = session.scalar(select(func.count()).select_from(IndexOutbox)) or 0
        yield GaugeMetricFamily(
            "valbar_index_outbox_length",
            "Products waiting for their search index update (the index outbox).",
            value=outbox,
        )
        yield from _sending_families(session)
        yield _work_queues(session)
        yield from self.broker_families()

    def broker_families(self) -> Iterator[Metric]:
        """The Celery broker's queue length, when there is a broker and it answered."""
        length = self.broker_queue_length() if self.broker_queue_length is not None else None
        if length is not None:
            yield GaugeMetricFamily(
                "valbar_broker_queue_length",
                "Background jobs waiting in the Celery broker's queue.",
                value=length,
            )

    def render(self, session: Session) -> bytes:
        """The exposition text: every worker's counters (multiprocess mode) or this
        process's, plus the values read from the database now."""
        registry = CollectorRegistry(auto_describe=False)
        shared = multiprocess_dir()
        if shared:
            MultiProcessCollector(registry, path=shared)  # type: ignore[no-untyped-call]
        else:
            registry.register(_Forward(self.registry))
        registry.register(_Snapshot(list(self._database_families(session))))
        return generate_latest(registry)


SEND_STATUSES = ("queued", "sent", "failed")


def _work_queues(session: Session) -> Metric:
    """What waits for a person (the admin dashboard's queues), one label per queue."""
    lengths = queue_lengths(session, datetime.now(UTC))
    family = GaugeMetricFamily(
        "valbar_work_queue_length",
        "Work waiting for a person: offers to match, held reviews, open abuse reports, "
        "sign-ups to decide, feed runs failed or refused in the last 7 days.",
        labels=["queue"],
    )
    for queue, value in (
        ("match_review", lengths.match_offers),
        ("held_reviews", lengths.held_reviews),
        ("review_reports", lengths.open_reports),
        ("signups", lengths.pending_signups),
        ("failed_feed_runs", lengths.failed_runs),
    ):
        family.add_metric([queue], value)
    return family


def _sending_families(session: Session) -> Iterator[Metric]:
    """E-mail and webhook deliveries by status, counted in the database: the same whichever
    process (web worker, Celery worker) sent them."""
    for table, name, help_text in (
        (OutgoingEmail, "valbar_emails", "E-mail messages by status (queued, sent, failed)."),
        (
            WebhookDelivery,
            "valbar_webhook_deliveries",
            "Webhook deliveries by status (queued, sent, failed).",
        ),
    ):
        counts = dict(
            session.execute(select(table.status, func.count()).group_by(table.status)).all()
        )
        family = GaugeMetricFamily(name, help_text, labels=["status"])
        for status in SEND_STATUSES:
            family.add_metric([status], counts.get(status, 0))
        yield family


def redis_queue_length(url: str, queue: str = BROKER_QUEUE) -> Callable[[], int | None]:
    """Reads the length of a Celery queue on a Redis broker (``None`` when it cannot)."""
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def length() -> int | None:
        try:
            return int(client.llen(queue))
        except (RedisError, OSError, ValueError) as exc:
            log.debug("broker queue length not read: %s", exc)
            return None

    return length


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
