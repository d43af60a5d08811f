"""FastAPI dependencies, as ``Annotated`` aliases routes declare in their signatures."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Role, due_for_touch, lookup_api_key, session_user_id, touch_api_key
from api.problems import Forbidden, RateLimited, Unauthorized
from api.ratelimit import RateLimiter
from catalog.models import ApiKey, User
from catalog.settings import Settings
from ranking.config import RankingConfig
from ranking.errors import UnknownConfig
from ranking.versions import published
from search.service import SearchService

ANONYMOUS_RATE_PER_MINUTE = 120
SESSION_RATE_PER_MINUTE = 1200


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, closed after the response (routes commit their writes)."""
    session = get_factory(request)()
    try:
        yield session
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
FactoryDep = Annotated[sessionmaker[Session], Depends(get_factory)]
SessionDep = Annotated[Session, Depends(get_session)]


# ---------------------------------------------------------------- search


def config_provider(
    factory: sessionmaker[Session], default_name: str
) -> Callable[[str], RankingConfig]:
    """Ranking configs for the search service: the published version, else the TOML file.

    The configured default name falls back to the built-in defaults when neither exists
    (a fresh install must be able to search).
    """

    def provide(name: str) -> RankingConfig:
        with factory() as session:
            try:
                return published(session, name)
            except UnknownConfig:
                if name == default_name:
                    return RankingConfig(name=name)
                raise

    return provide


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
                    from search.indexing import open_semantic
                    from search.registry import get_backend

                    backend = get_backend(self._settings)
                    self._service = SearchService(
                        backend,
                        self._factory,
                        config_provider(self._factory, self._settings.ranking_config),
                        semantic=open_semantic(self._settings),
                    )
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


def get_search(request: Request) -> SearchService:
    holder: SearchHolder = request.app.state.search
    return holder.get()


SearchDep = Annotated[SearchService, Depends(get_search)]


# ---------------------------------------------------------------- identity


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user (via session cookie or API key), or nobody."""

    user: User | None
    api_key: ApiKey | None = None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    key = request.headers.get("x-api-key", "").strip()
    return key or None


def get_principal(request: Request, session: SessionDep, background: BackgroundTasks) -> Principal:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal = Principal(None)
    token = _bearer(request)
    if token is not None:
        key = lookup_api_key(session, token)
        if key is None:
            raise Unauthorized("invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        user = session.get(User, key.user_id)
        if user is None or not user.active:
            raise Unauthorized("the API key's user is inactive")
        now = datetime.now(UTC)
        if due_for_touch(key.id, now):
            background.add_task(touch_api_key, request.app.state.session_factory, key.id, now)
        principal = Principal(user, key)
    else:
        uid = session_user_id(request)
        if uid is not None:
            user = session.get(User, uid)
            if user is not None and user.active:
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
RequireRetailerUser = Annotated[
    User, Depends(require_roles(Role.RETAILER, Role.MERCHANDISER, Role.ADMIN))
]


# ---------------------------------------------------------------- rate limiting


def rate_limit(request: Request, response: Response, principal: PrincipalDep) -> None:
    """Per API key (its own limit), per logged-in user, or per client IP when anonymous."""
    limiter: RateLimiter = request.app.state.rate_limiter
    if principal.api_key is not None:
        key, limit = f"key:{principal.api_key.id}", principal.api_key.rate_limit_per_minute
    elif principal.user is not None:
        key, limit = f"user:{principal.user.id}", SESSION_RATE_PER_MINUTE
    else:
        client = request.client.host if request.client else "unknown"
        key, limit = f"ip:{client}", request.app.state.anonymous_rate_per_minute
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
