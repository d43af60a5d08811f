"""The HTTP API: ``create_app(settings)`` builds the API app, versioned under /api/v1.

This module knows nothing of the web UI (the ``ui`` package sits above ``api``): the site
that serves both is assembled by ``valbar.app.create_app``, which ``valbar serve`` runs
(``uvicorn --factory valbar.app:create_app``). ``uvicorn --factory api.app:create_app``
serves the API alone. OpenAPI docs at ``/docs``.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import logging
import re
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import housekeeping, route_index
from api.auth import ApiKeyCache, set_session_cookie
from api.client_ip import TrustedProxyMiddleware
from api.deps import ANONYMOUS_RATE_PER_MINUTE, SearchHolder
from api.feed_fetcher import FeedFetcher
from api.idempotency import install_idempotency
from api.key_scopes import document_scopes
from api.metrics import Metrics, TimingMiddleware, redis_queue_length
from api.openapi_doc import install_openapi
from api.params import RejectNulMiddleware, bounded_path_ids
from api.problems import PayloadTooLarge, install_problem_handlers, problem_response
from api.ratelimit import RateLimiter, make_rate_limiter
from api.request_id import RequestIdMiddleware
from api.routers import (
    admin,
    admin_console,
    admin_monitoring,
    auth,
    feed_sources,
    feed_template,
    feeds,
    health,
    loyalty,
    loyalty_activity,
    loyalty_engage,
    loyalty_limits,
    loyalty_photos,
    loyalty_reports,
    loyalty_shop,
    marketplace,
    match_review,
    moderation,
    notify,
    offers_api,
    organisations,
    price_history,
    products,
    ranking,
    retailers,
    search,
    synonyms,
)
from api.security_headers import (
    SecurityHeadersMiddleware,
    docs_policy,
    new_nonce,
    security_headers,
)
from api.throttle import SignInThrottle, SignupThrottle, ThrottlePolicy, signup_policy
from catalog.events import bus_for
from catalog.logs import configure_logging, is_configured
from catalog.private_files import private_dir, private_file
from catalog.secret_key import resolve_secret_key
from catalog.settings import Settings, get_settings
from indexer import jobs
from loyalty import gdpr as loyalty_gdpr
from loyalty import subscribers as loyalty_subscribers
from marketplace import tasks as marketplace_tasks
from marketplace.subscribers import on_signals_changed
from search.gc_tuning import reset_gc, tune_gc

API_PREFIX = "/api/v1"
log = logging.getLogger(__name__)


# the routes that take a file (a feed, a logo): their bodies may reach max_upload_bytes;
# every other request's body (JSON, forms) is bounded by max_body_bytes
UPLOAD_ROUTES = (
    re.compile(rf"^{API_PREFIX}/retailers/[^/]+/feeds/?$"),
    re.compile(r"^/portal/uppladdning/?$"),
    re.compile(r"^/portal/presentation/logotyp/?$"),
)


# the routes that take a seller's loyalty photo: bounded by loyalty_photo_max_bytes plus
# the form around it, counted while the body streams in (a 200 MB "photo" is cut off there)
PHOTO_PAGE_ROUTE = re.compile(r"^/portal/poang/foto/\d+/?$")
PHOTO_ROUTES = (
    re.compile(rf"^{API_PREFIX}/loyalty/photo-activities/\d+/photos/?$"),
    PHOTO_PAGE_ROUTE,
    # a reward's form with its picture (the sponsor's shop page)
    re.compile(r"^/(admin|sponsor)/lojalitet/(\d+/beloningar|beloningar/\d+)/?$"),
)
PHOTO_FORM_OVERHEAD = 64 * 1024


def is_upload_route(method: str, path: str) -> bool:
    """True for a POST to a route that takes a file (:data:`UPLOAD_ROUTES`)."""
    return method == "POST" and any(r.match(path) for r in UPLOAD_ROUTES)


def is_photo_route(method: str, path: str) -> bool:
    """True for a POST of a seller's loyalty photo (:data:`PHOTO_ROUTES`)."""
    return method == "POST" and any(r.match(path) for r in PHOTO_ROUTES)


class BodySizeLimitMiddleware:
    """413 problem+json for bodies over the limit: ``max_bytes`` for an upload route
    (:func:`is_upload_route`), ``max_body_bytes`` for any other (a 20 MB JSON body to the
    public sign-in is refused before it is read); by Content-Length up front, and by
    counting while the body streams in (chunked uploads, lying headers)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        max_body_bytes: int | None = None,
        max_photo_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_body_bytes = max_bytes if max_body_bytes is None else max_body_bytes
        # a loyalty photo's request: the photo cap and its form (PHOTO_ROUTES)
        self.max_photo_bytes = (
            max_bytes if max_photo_bytes is None else max_photo_bytes + PHOTO_FORM_OVERHEAD
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = str(scope.get("method", "")), str(scope.get("path", ""))
        if is_photo_route(method, path):
            limit = self.max_photo_bytes
        else:
            limit = self.max_bytes if is_upload_route(method, path) else self.max_body_bytes
        # the portal's photo form answers a declared oversize itself, with a page in the
        # seller's language and without reading the body; what streams past it is cut here
        page = method == "POST" and PHOTO_PAGE_ROUTE.match(path) is not None
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if not page and declared is not None and declared.isdigit() and int(declared) > limit:
            response = problem_response(
                413,
                PayloadTooLarge.title,
                f"the request body ({int(declared)} bytes) exceeds the limit of {limit} bytes",
                slug=PayloadTooLarge.slug,
                instance=scope.get("path"),
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(f"the request body exceeds the limit of {limit} bytes")
            return message

        await self.app(scope, counting_receive, send)


class NewSessionCookieMiddleware:
    """Sets a session cookie when a page handed an anonymous visitor a new CSRF token."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state") or {}
                token = state.get("new_csrf")
                if isinstance(token, str):
                    carrier = Response()
                    set_session_cookie(carrier, self.settings, None, token)
                    cookies = [(k, v) for k, v in carrier.raw_headers if k == b"set-cookie"]
                    message["headers"] = [*message.get("headers", []), *cookies]
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _outbox_applier(holder: SearchHolder, factory: sessionmaker[Session]) -> Any:
    """Apply the index outbox (after a feed run, and the periodic pass) in a child process
    at the feed runs' lower CPU priority (``indexer.outbox_child``), then make this process's
    search service see the writes at once. Rebuilding a run's documents (20,000 products after
    bench.http's 100,000-row feed) on this process's threads held the GIL against the event
    loop: search p99 right after the run was 1.2-1.4x idle p99 on the same code. Should the
    child fail, the rows are applied here, through this app's backend, as before."""

    def apply(wait: float = 0.0) -> int:
        from indexer.outbox import apply_outbox, has_pending
        from indexer.run_progress import finish_indexing_runs, indexing_runs
        from indexer.runner import OutboxChildFailed, apply_outbox_in_child

        indexing = indexing_runs(factory)  # before the outbox is read
        if not has_pending(factory):  # nothing to do: no process, no index opened
            # runs whose products an earlier pass indexed end their phase (their supervisor
            # found the lock held, or died)
            finish_indexing_runs(factory, indexing)
            return 0
        try:
            report = apply_outbox_in_child(holder.settings, wait)
        except OutboxChildFailed as exc:
            log.warning("%s; applying the index outbox in this process", exc)
        else:
            service = holder.built
            follow = getattr(service.backend, "follow_writes", None) if service else None
            if callable(follow):
                follow()
            runs = report.get("runs")
            if isinstance(runs, list):  # searchable here now: the runs' index phase is over
                finish_indexing_runs(factory, [int(run_id) for run_id in runs])
            products = report.get("products")
            return products if isinstance(products, int) else 0
        service = holder.get()
        return apply_outbox(
            holder.settings,
            factory=factory,
            backend=service.backend,
            semantic=service.semantic,
            wait=wait,
        ).products

    return apply


def _outbox_here(holder: SearchHolder, factory: sessionmaker[Session]) -> Any:
    """Apply the index outbox in this process, through this app's backend: for a change of
    at most a few thousand products (the offers API's batch) a child process costs more to
    start than the rebuild, and the search service sees the writes at once."""

    def apply(wait: float = 0.0) -> int:
        from indexer.outbox import apply_outbox

        service = holder.get()
        return apply_outbox(
            holder.settings,
            factory=factory,
            backend=service.backend,
            semantic=service.semantic,
            wait=wait,
        ).products

    return apply


DOCS_ASSETS = "/docs-assets"


def _include_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the files the ``fastapi-swagger`` package ships, so the API
    docs work without internet access (FastAPI's default loads them from a CDN)."""
    assets = importlib.resources.files("fastapi_swagger") / "resources"
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} – docs",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )
        # its one inline start-up script runs by a per-response nonce (see security_headers)
        nonce = new_nonce()
        html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
        return HTMLResponse(html, headers={"Content-Security-Policy": docs_policy(nonce)})


def _signals_refresher(holder: SearchHolder) -> Callable[[set[int]], None]:
    """Reload search's retailer signals after they were recomputed (a weak reference: an app
    that was closed is not kept alive by its factory's bus)."""
    ref = weakref.ref(holder)

    def refresh(_retailer_ids: set[int]) -> None:
        live = ref()
        service = live.built if live is not None else None
        if service is not None:
            service.refresh_signals()

    return refresh


def create_app(
    settings: Settings | None = None,
    *,
    rate_limiter: RateLimiter | None = None,
    anonymous_rate_per_minute: int = ANONYMOUS_RATE_PER_MINUTE,
) -> FastAPI:
    """The API app: API under /api/v1, health at the root, docs at /docs (no UI: see
    ``valbar.app.create_app``)."""
    settings = settings or get_settings()
    if not is_configured() and not logging.getLogger().handlers:
        # served by something that configured nothing for us (gunicorn, plain uvicorn): our
        # INFO lines would be dropped by Python's last-resort handler
        configure_logging(settings)
    # sessions, password hashes, the cookie key and uploads live here: 0700 when made here
    private_dir(settings.data_dir)
    # never a known key: the configured one, else a random one kept in the data dir
    settings = settings.model_copy(update={"secret_key": resolve_secret_key(settings)})
    factory = jobs.factory_for(settings)
    holder = SearchHolder(settings, factory)
    apply_outbox = _outbox_applier(holder, factory)
    # what follows a committed marketplace event: the retailers' measured signals, then the
    # signals search ranks with; a retailer's offers leaving or re-entering search with its
    # organisation's status (the outbox applied in a background thread)
    # e-mail is built from the settings as they are when it is sent: app.state.settings
    marketplace_tasks.wire(
        settings, factory, reindex=apply_outbox, current=lambda: app.state.settings
    )
    loyalty_subscribers.wire(factory)  # points follow the same events (marketplace's sibling)
    # a user's GDPR export and erasure include their loyalty data (the marketplace runs them)
    loyalty_gdpr.install(settings.loyalty_photo_dir)
    on_signals_changed(bus_for(factory), _signals_refresher(holder))
    runner = feeds.FeedRunner(settings, factory, reindex=apply_outbox)
    fetcher = FeedFetcher(settings, factory, runner)
    metrics = Metrics(
        broker_queue_length=redis_queue_length(settings.broker_url)
        if settings.broker_url.startswith(("redis://", "rediss://"))
        else None
    )
    metrics.subscribe(bus_for(factory))  # feed runs by outcome, from their domain events

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # GC tuning: with the default thresholds full collections walk every long-lived
        # object (imported modules, SQLAlchemy metadata, cached stored products and offer
        # rankings) and landed inside requests as 0.5-1.4 s pauses. Freezing the start-up
        # heap and raising the thresholds cut bench.search's p50 and p99 (see
        # search/gc_tuning.py and the bench output); undone on shutdown so test apps that
        # come and go leave nothing frozen behind.
        tune_gc()
        chores = (
            None
            if settings.broker_url
            else asyncio.create_task(housekeeping.loop(settings, factory))
        )
        sending = (
            None
            if settings.broker_url
            else asyncio.create_task(
                housekeeping.dispatch_loop(
                    lambda: marketplace_tasks.drain(settings, factory),
                    settings.dispatch_interval_seconds,
                )
            )
        )
        outbox = asyncio.create_task(
            housekeeping.outbox_loop(apply_outbox, settings.outbox_interval_seconds)
        )
        fetching = (  # with a broker the beat's valbar.fetch_feeds fetches
            None
            if settings.broker_url
            else asyncio.create_task(
                housekeeping.feed_fetch_loop(fetcher.run_due, settings.feed_fetch_interval_seconds)
            )
        )
        # feed runs left behind by a process that died, or lost on the way to a worker
        sweeps = asyncio.create_task(housekeeping.sweep_loop(runner, settings.feed_sweep_seconds))
        try:
            yield
        finally:
            outbox.cancel()
            if chores is not None:
                chores.cancel()
            if sending is not None:
                sending.cancel()
            sweeps.cancel()
            if fetching is not None:
                fetching.cancel()
            fetcher.shutdown()
            runner.shutdown()  # stops local runs' processes at once; they are queued again
            holder.close()
            reset_gc()

    app = FastAPI(
        title="Valbar API",
        version="1.0.0",
        description=(
            "Neutral, ad-free comparison of dental supply offers, ranked by service quality. "
            "Errors are RFC 9457 problem details (application/problem+json). "
            "Authenticate with an API key (`X-API-Key: vb_...` or `Authorization: Bearer "
            "vb_...`; its scope, search, feeds or full, limits what it may call: "
            "`x-api-key-scopes` on each operation) or the session cookie of "
            "`POST /api/v1/auth/login`. Lists are paged with `limit` (1-100, default 50) and "
            "`offset`; every answer counts against a rate limit (429 with Retry-After)."
        ),
        docs_url=None,  # served by _include_docs from packaged assets, no CDN
        redoc_url=None,  # ReDoc only loads from a CDN (no bundle is installed): not served
        openapi_url="/openapi.json",
        lifespan=lifespan,
        # every route, API and web: an integer path parameter out of range is a 404
        dependencies=[Depends(bounded_path_ids)],
    )
    app.state.settings = settings
    app.state.session_factory = factory
    app.state.search = holder
    app.state.feed_runner = runner
    app.state.feed_fetcher = fetcher
    # applies the search index outbox after a change made by a request (a match decision)
    app.state.apply_outbox = apply_outbox
    # the same in this process, for small changes (the offers API)
    app.state.apply_outbox_here = _outbox_here(holder, factory)
    app.state.metrics = metrics
    if rate_limiter is None and settings.web_workers > 1 and not settings.redis_url:
        private_file(settings.data_dir / "ratelimit.sqlite3")  # addresses: 0600 when made
    app.state.rate_limiter = rate_limiter or make_rate_limiter(
        settings.redis_url,
        shared_file=settings.data_dir / "ratelimit.sqlite3" if settings.web_workers > 1 else None,
        workers=settings.web_workers,
        on_fallback=metrics.ratelimit_fallbacks.inc,
    )
    app.state.api_keys = ApiKeyCache(ttl=settings.api_key_cache_seconds)
    app.state.login_throttle = SignInThrottle(
        factory,
        ThrottlePolicy.from_settings(settings),
        on_lockout=lambda scope: metrics.login_lockouts.labels(scope).inc(),
    )
    app.state.signup_throttle = SignupThrottle(factory, signup_policy(settings))
    app.state.anonymous_rate_per_minute = anonymous_rate_per_minute

    install_problem_handlers(app)
    install_idempotency(app)
    api = APIRouter(prefix=API_PREFIX)
    routers = [
        search.router,
        products.router,
        price_history.router,
        retailers.router,
        feeds.router,
        feed_sources.router,
        offers_api.router,
        feed_template.router,
        ranking.router,
        synonyms.router,
        auth.router,
        admin.router,
        admin_console.router,
        admin_monitoring.router,
        moderation.router,
        organisations.router,
        match_review.router,
        auth.me_router,
        marketplace.router,
        notify.me_router,
        loyalty.router,
        loyalty_shop.router,
        loyalty_engage.router,
        loyalty_limits.router,
        loyalty_photos.router,
        loyalty_activity.router,
        loyalty_reports.router,
    ]
    for router in [*routers, notify.org_router]:
        # the key scopes each route admits, into its OpenAPI operation: before the
        # inclusion, which copies the routes
        document_scopes(router.routes)
    for router in routers:
        api.include_router(router)
    api.include_router(notify.org_router, prefix=notify.WEBHOOKS_PREFIX)
    api.include_router(notify.org_router, prefix=notify.OLD_WEBHOOKS_PREFIX, deprecated=True)
    # the probes first: polled every few seconds, they match before anything else
    app.include_router(health.router)
    app.include_router(api)
    _include_docs(app)
    install_openapi(app)
    # a request tries only the routes its path prefix admits (api.route_index), the site's
    # pages included when valbar.app adds them
    route_index.install(app.router)

    app.add_middleware(NewSessionCookieMiddleware, settings=settings)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_upload_bytes,
        max_body_bytes=settings.max_body_bytes,
        max_photo_bytes=settings.loyalty_photo_max_bytes,
    )
    app.add_middleware(RejectNulMiddleware)
    app.add_middleware(TimingMiddleware, metrics=metrics)
    production = settings.environment == "production"
    app.add_middleware(SecurityHeadersMiddleware, production=production)
    app.state.security_headers = [
        (k.decode(), v.decode()) for k, v in security_headers(production)
    ]  # for the 500 answer, which no middleware sees (api.problems)
    # outermost: everything inside sees the client address a trusted proxy forwarded
    app.add_middleware(TrustedProxyMiddleware, trusted=settings.trusted_proxies)
    # around everything: every log line of the request and every answer carries its id
    app.add_middleware(RequestIdMiddleware)
    return app
