"""FastAPI dependencies, as ``Annotated`` aliases routes declare in their signatures.

Cheap dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in the
threadpool, and on the hot paths (search) those hand-offs cost more than the work. Anything
that may block (a database read) still goes to the threadpool, explicitly.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import BackgroundTasks, Depends, Request, Response, Security
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.auth import (
    SESSION_COOKIE,
    ApiKeyCache,
    InvalidApiKey,
    KeyGrant,
    Role,
    due_for_touch,
    expired_message,
    grant_for,
    key_digest,
    key_expired,
    member_may_act,
    read_session,
    session_token,
    touch_api_key,
)
from api.client_ip import address_bucket, client_ip
from api.key_scopes import route_scopes
from api.problems import Forbidden, RateLimited, Unauthorized
from api.ratelimit import Decision, RateLimiter
from api.sessions import session_user
from catalog.enums import KeyScope
from catalog.models import ApiKey, User
from catalog.settings import Settings
from marketplace.organisations import sign_in_refusal
from search.build import build_search_service
from search.service import SearchService

ANONYMOUS_RATE_PER_MINUTE = 120
SESSION_RATE_PER_MINUTE = 1200


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


async def get_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, closed after the response (routes commit their writes)."""
    session = _factory(request)()
    try:
        yield session
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def public_base(request: Request) -> str:
    """The site's public address for links sent out (e-mail, webhooks): the ``site_url``
    setting, never the request's ``Host`` header (a forged one would put another site's
    address into a confirmation, invitation or password link)."""
    settings: Settings = request.app.state.settings
    return settings.site_url.rstrip("/")


FactoryDep = Annotated[sessionmaker[Session], Depends(get_factory)]
SessionDep = Annotated[Session, Depends(get_session)]


# ---------------------------------------------------------------- search


class SearchHolder:
    """Builds the search service on first use (opening the index is not free)."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session]) -> None:
        self._settings = settings
        self._factory = factory
        self._lock = threading.Lock()
        self._service: SearchService | None = None

    def get(self) -> SearchService:
        if self._service is None:
            with self._lock:
                if self._service is None:
                    self._service = build_search_service(self._settings, self._factory)
        return self._service

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def built(self) -> SearchService | None:
        return self._service

    def close(self) -> None:
        if self._service is not None:
            self._service.backend.close()
            self._service = None


async def get_search(request: Request) -> SearchService:
    holder: SearchHolder = request.app.state.search
    built = holder.built
    if built is not None:
        return built
    return await run_in_threadpool(holder.get)  # opens the index once


SearchDep = Annotated[SearchService, Depends(get_search)]


# ---------------------------------------------------------------- identity


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling, as ids: enough for rate limiting, with no database session.

    An API key caller carries its :class:`KeyGrant`; a session-cookie caller only the id of
    an active user; anonymous callers neither.
    """

    user_id: int | None = None
    key: KeyGrant | None = None
    via_session: bool = False  # signed in by the session cookie (not by an API key)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user (via session cookie or API key), or nobody."""

    user: User | None
    api_key: KeyGrant | None = None


# The ways to authenticate, as OpenAPI security schemes (/docs' Authorize button). They
# only document: get_caller reads the headers and the cookie itself (auto_error=False).
API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    auto_error=False,
    description="An API key `vb_<prefix>_<secret>` (create one at /mina-uppgifter/nycklar "
    "or POST /api/v1/auth/api-keys). Its scope (search, feeds, full) limits what it may call.",
)
BEARER_KEY = HTTPBearer(
    scheme_name="BearerApiKey",
    bearerFormat="vb_<prefix>_<secret>",
    auto_error=False,
    description="The same API key as `Authorization: Bearer vb_...`.",
)
SESSION_COOKIE_SCHEME = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="SessionCookie",
    auto_error=False,
    description="The browser session of POST /api/v1/auth/login; writes also need the "
    "same origin or the X-CSRF-Token header.",
)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    key = request.headers.get("x-api-key", "").strip()
    return key or None


def _load_grant(factory: sessionmaker[Session], token: str) -> KeyGrant:
    with factory() as session:
        return grant_for(session, token)


def _session_user_id(factory: sessionmaker[Session], token: str) -> int | None:
    with factory() as session:
        return session_user(session, token)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "x-csrf-token"


def _same_host(url: str, host: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host) and parts.netloc.lower() == host


def check_same_origin(request: Request) -> None:
    """Refuse (403) a request a browser sent from another site.

    Browsers send ``Origin`` with every cross-site POST; it must name this host. Without
    ``Origin``, ``Sec-Fetch-Site: cross-site`` is refused, and ``Referer`` must name this
    host when present. A request carrying the session's CSRF token in ``X-CSRF-Token`` is
    accepted whatever its origin (a page of ours put it there). Clients that send none of
    these headers (scripts) are not browsers and pass.
    """
    payload = read_session(request)
    expected = payload.get("csrf") if payload else None
    presented = request.headers.get(CSRF_HEADER, "")
    if isinstance(expected, str) and presented and hmac.compare_digest(expected, presented):
        return
    host = request.headers.get("host", "").lower()
    origin = request.headers.get("origin")
    if origin is not None:
        if not _same_host(origin, host):
            raise Forbidden("cross-site request refused (Origin does not match this site)")
        return
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise Forbidden("cross-site request refused")
    referer = request.headers.get("referer")
    if referer is not None and not _same_host(referer, host):
        raise Forbidden("cross-site request refused (Referer does not match this site)")


def check_key_scope(request: Request, grant: KeyGrant) -> None:
    """403 unless the route admits the key's scope (:mod:`api.key_scopes`)."""
    if grant.scope == KeyScope.FULL:
        return
    route = request.scope.get("route")
    if grant.scope not in route_scopes(route):
        raise Forbidden(
            f"this API key's scope {grant.scope!r} does not cover "
            f"{request.method} {request.url.path}; "
            "use a key with a scope that does (search, feeds or full)"
        )


async def get_caller(
    request: Request,
    background: BackgroundTasks,
    _key: Annotated[str | None, Security(API_KEY_HEADER)],
    _bearer_key: Annotated[object, Security(BEARER_KEY)],
    _cookie: Annotated[str | None, Security(SESSION_COOKIE_SCHEME)],
) -> Caller:
    """The caller of this request (cached on ``request.state``).

    API keys are resolved through the app's :class:`ApiKeyCache`: a hit costs one sha256
    and no database round trip; a miss reads the key and its user in the threadpool. An
    expired key is 401; a key whose scope the route does not admit is 403.
    """
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    caller = Caller()
    token = _bearer(request)
    if token is not None:
        cache: ApiKeyCache = request.app.state.api_keys
        digest = key_digest(token)
        factory = _factory(request)
        try:
            grant = await cache.fetch(
                digest, lambda: run_in_threadpool(_load_grant, factory, token)
            )
        except InvalidApiKey as exc:
            raise Unauthorized(str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
        now = datetime.now(UTC)
        if grant.expires_at is not None and grant.expired(now):  # expired while cached
            cache.forget_key(grant.key_id)
            raise Unauthorized(
                expired_message(grant.expires_at), headers={"WWW-Authenticate": "Bearer"}
            )
        check_key_scope(request, grant)
        if due_for_touch(grant.key_id, now):
            background.add_task(touch_api_key, _factory(request), grant.key_id, now)
        caller = Caller(grant.user_id, grant)
    else:
        sid = session_token(request)
        if sid is not None:
            uid = await run_in_threadpool(_session_user_id, _factory(request), sid)
            if uid is not None:
                if request.method in UNSAFE_METHODS and request.url.path.startswith("/api/"):
                    check_same_origin(request)  # cookie-authenticated API write
                caller = Caller(uid, via_session=True)
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_principal(request: Request, session: SessionDep, caller: CallerDep) -> Principal:
    """The caller with their ``User`` loaded in the request's session.

    Read fresh: routes that act as a user never rely on the key cache alone, so a revoked
    key, a deactivated or deleted user or a member of a suspended organisation is refused
    here even within the cache's TTL.
    """
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal = Principal(None)
    if caller.key is not None:
        key = session.get(ApiKey, caller.key.key_id)
        if key is None or key.revoked_at is not None:
            request.app.state.api_keys.forget_key(caller.key.key_id)
            raise Unauthorized("invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        if key_expired(key.expires_at, datetime.now(UTC)):
            request.app.state.api_keys.forget_key(caller.key.key_id)
            assert key.expires_at is not None
            raise Unauthorized(
                expired_message(key.expires_at), headers={"WWW-Authenticate": "Bearer"}
            )
        user = session.get(User, caller.key.user_id)
        if user is None or not user.active:
            request.app.state.api_keys.forget_user(caller.key.user_id)
            raise Unauthorized("the API key's user is inactive")
        if sign_in_refusal(session, user) is not None:
            request.app.state.api_keys.forget_user(caller.key.user_id)
            raise Unauthorized("the API key's organisation is not active")
        principal = Principal(user, caller.key)
    elif caller.user_id is not None:
        user = session.get(User, caller.user_id)
        if user is not None and user.active and member_may_act(session, user):
            principal = Principal(user)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_current_user(principal: PrincipalDep) -> User | None:
    return principal.user


CurrentUser = Annotated[User | None, Depends(get_current_user)]


def require_user(user: CurrentUser) -> User:
    if user is None:
        raise Unauthorized("log in or send an API key", headers={"WWW-Authenticate": "Bearer"})
    return user


UserDep = Annotated[User, Depends(require_user)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    """A dependency allowing only users with one of ``roles`` (401 anonymous, 403 others)."""
    allowed = {r.value for r in roles}

    def check(user: UserDep) -> User:
        if user.role not in allowed:
            raise Forbidden(f"requires role {' or '.join(sorted(allowed))}")
        return user

    return check


RequireMerchandiser = Annotated[User, Depends(require_roles(Role.MERCHANDISER, Role.ADMIN))]
RequireAdmin = Annotated[User, Depends(require_roles(Role.ADMIN))]
RequireProgrammeStaff = Annotated[User, Depends(require_roles(Role.ADMIN, Role.SPONSOR))]
"""Loyalty management: admins and sponsor members by role (403 others); which programme
they may manage is ``loyalty.access.require_manager``'s (404 for another sponsor's)."""
RequireRetailerUser = Annotated[
    User, Depends(require_roles(Role.RETAILER, Role.MERCHANDISER, Role.ADMIN))
]


# ---------------------------------------------------------------- rate limiting


def rate_limit_bucket(request: Request, caller: Caller) -> tuple[str, int]:
    """The bucket a request counts in and its limit a minute.

    API keys count per organisation: every key of one organisation shares one bucket (a
    second key does not double the allowance); a key of a user without organisation
    (merchandiser, admin) counts in that user's bucket. Signed-in browsers count per user,
    anonymous callers per client address."""
    if caller.key is not None:
        grant = caller.key
        owner = (
            f"org:{grant.organisation_id}"
            if grant.organisation_id is not None
            else f"user:{grant.user_id}"
        )
        return f"keys:{owner}", grant.rate_limit_per_minute
    if caller.user_id is not None:
        return f"user:{caller.user_id}", SESSION_RATE_PER_MINUTE
    bucket = f"ip:{address_bucket(client_ip(request))}"  # IPv6: per /64
    limit: int = request.app.state.anonymous_rate_per_minute
    return bucket, limit


async def rate_limit(request: Request, response: Response, caller: CallerDep) -> None:
    """Count the request in its bucket (:func:`rate_limit_bucket`); 429 over the limit."""
    limiter: RateLimiter = request.app.state.rate_limiter
    key, limit = rate_limit_bucket(request, caller)
    # a shared file's limiter answers most requests from memory (api/ratelimit.py)
    quick = getattr(limiter, "hit_in_memory", None)
    answer: Decision | None = quick(key, limit) if callable(quick) else None
    if answer is not None:
        decision = answer
    elif limiter.blocking:  # Redis, or a write to the shared file: not on the event loop
        decision = await run_in_threadpool(limiter.hit, key, limit)
    else:
        decision = limiter.hit(key, limit)
    if not decision.allowed:
        raise RateLimited(
            f"rate limit of {limit} requests per minute exceeded; "
            f"retry in {decision.retry_after} s",
            headers={"Retry-After": str(decision.retry_after)},
        )
    response.headers["X-RateLimit-Limit"] = str(decision.limit)
    response.headers["X-RateLimit-Remaining"] = str(decision.remaining)


RateLimitDep = Depends(rate_limit)
