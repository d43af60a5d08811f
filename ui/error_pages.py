"""The UI's one error handler: a domain error raised by a page becomes an error page.

Routes call the domain services and let their typed errors (``marketplace.errors``,
``ranking.errors``, ``search.errors``, ``indexer.errors``) propagate. The routers of
``ui.routes`` are made by :func:`page_router`, whose routes catch those errors in one place:
the request's database session is rolled back and the error is rendered with the status
the API gives the same error (``api.problems.DOMAIN_ERRORS``). Under the text, a client
error (4xx) shows its detail in the page's language (:func:`error_detail`): a domain error
with a ``code`` gets its sentence from ``ui.messages_market`` (``error_detail.<code>``) filled
with its values; one without shows its own (English) message only in English, never under
Swedish. A server error (5xx) shows no detail: its message is only logged. An HTMX request
gets a fragment to swap in; a full request gets the page. A route that answers
an error in its own way (a form shown again with the user's input and a message) still
catches it itself.

The HTTP layer's own refusals (:class:`api.problems.ApiProblem`: too many requests) are not
domain errors: they keep the app-wide problem+json answer of ``api.problems``, on pages as
in the API. A form posted without its CSRF token is the exception: outside the API it is
the HTML page of :func:`csrf_page` (``valbar.app``). The exception is an id no row can have
(``/produkt/abc``, :data:`PAGE_PROBLEMS`): someone typed or followed an address, so it is
the not-found page.

An address no route has (``/nope``, ``/admin`` before it had a page) is Starlette's own
404 (or a 405 for a method the page does not take): outside ``/api/`` and the API's root
routes, :func:`unknown_page` answers it with the site's HTML not-found page, with the
signed-in user's header; the API keeps its problem+json answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api import problems as api
from api.auth import session_token
from api.deps import SessionDep
from api.sessions import session_user
from catalog.models import User
from indexer.errors import FeedTooLarge
from marketplace import errors as market
from search.errors import BackendUnavailable, IndexCorrupted, UnknownBackend
from ui.i18n import MESSAGES, Formatter, pick_lang, translate
from ui.market_views import login_gate
from ui.rendering import error_page

log = logging.getLogger("valbar.ui")

HANDLED: tuple[type[Exception], ...] = tuple(api.DOMAIN_ERRORS)
"""What the handler turns into pages: every domain error the API maps to a status."""
PAGE_PROBLEMS: tuple[type[Exception], ...] = (api.NotFound,)
"""HTTP-layer refusals a page answers as a page too: an id no row can have (``/produkt/abc``)."""

MESSAGE_KEYS: dict[type[Exception], str] = {
    market.NotAllowed: "market_error.not_allowed",
    market.NotFound: "market_error.not_found",
    market.InvalidInput: "market_error.invalid",
    market.DuplicateReview: "market_error.duplicate_review",
    market.DuplicateReport: "market_error.duplicate_report",
    market.AlreadyDecided: "market_error.already_decided",
    market.EmptyCart: "market_error.empty_cart",
    market.OfferUnavailable: "market_error.offer_unavailable",
    market.SignupUnconfirmed: "market_error.signup_unconfirmed",
    market.IllegalTransition: "market_error.illegal_transition",
    UnknownBackend: "error.unavailable",
    BackendUnavailable: "error.unavailable",
    IndexCorrupted: "error.unavailable",
    FeedTooLarge: "error.too_large",
    api.NotFound: "market_error.not_found",
}
"""The message (an ``ui.i18n`` key) each error class shows; the most specific class wins."""
OTHER_KEY = "market_error.other"

SESSION_STATE = "page_session"
T = TypeVar("T")


def _most_specific(table: dict[type[Exception], T], exc: Exception) -> T | None:
    return next((table[c] for c in type(exc).__mro__ if c in table), None)


def status_of(exc: Exception) -> int:
    """The HTTP status of an error: the API's for the same error (400 if it maps none)."""
    if isinstance(exc, api.ApiProblem):
        return exc.status
    entry = _most_specific(api.DOMAIN_ERRORS, exc)
    return 400 if entry is None else entry[0]


def message_key(exc: Exception) -> str:
    """The ``ui.i18n`` key of the message shown for an error."""
    return _most_specific(MESSAGE_KEYS, exc) or OTHER_KEY


def error_detail(exc: Exception, lang: str) -> str:
    """The detail shown under a client error's message, in ``lang`` (see the module text)."""
    code: str | None = getattr(exc, "code", None)
    values: Mapping[str, object] = getattr(exc, "values", None) or {}
    if code == "illegal_transition":
        kind, status = str(values.get("kind", "")), str(values.get("status", ""))
        shown = translate(lang, f"{kind}_status.{status}")
        key = f"error_detail.illegal_transition.{kind}"
        if key in MESSAGES and shown != f"{kind}_status.{status}":
            return translate(lang, key, status=shown.lower())
    elif code is not None and f"error_detail.{code}" in MESSAGES:
        number = Formatter(lang).number
        filled = {k: number(v) if isinstance(v, int) else v for k, v in values.items()}
        return translate(lang, f"error_detail.{code}", **filled)
    return str(exc) if lang == "en" else ""


def error_response(request: Request, exc: Exception) -> Response:
    """Roll the request's session back and answer ``exc`` as a page (a fragment for HTMX).

    Blocking (the rollback and the user's reload touch the database): run it in a thread.
    """
    session: Session | None = getattr(request.state, SESSION_STATE, None)
    if session is not None:
        session.rollback()
    principal = getattr(request.state, "principal", None)
    user: User | None = getattr(principal, "user", None)
    if isinstance(exc, market.NotLoggedIn):
        return login_gate(request, None) or RedirectResponse("/logga-in", status_code=303)
    status = status_of(exc)
    detail = error_detail(exc, pick_lang(request))
    if status >= 500:  # the server's trouble: its message (hosts, reprs) is for the log only
        log.warning("%s %s: %s", request.method, request.url.path, exc)
        detail = ""
    return error_page(request, message_key(exc), user=user, status_code=status, detail=detail)


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """A UI route whose domain errors become error pages (:func:`error_response`)."""

    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()

        async def handle_errors(request: Request) -> Response:
            try:
                return await handle(request)
            except (*HANDLED, *PAGE_PROBLEMS) as exc:
                return await run_in_threadpool(error_response, request, exc)

        return handle_errors


async def remember_session(request: Request, session: SessionDep) -> None:
    """Keep the request's session for the error handler (the user is the request's
    ``principal``, which the route's ``CurrentUser`` resolved before it ran)."""
    setattr(request.state, SESSION_STATE, session)


def page_router(prefix: str = "") -> APIRouter:
    """A router for UI pages: its routes answer domain errors with error pages."""
    return APIRouter(prefix=prefix, route_class=PageRoute, dependencies=[Depends(remember_session)])


API_PATHS = (
    "/api/",
    "/docs",
    "/docs-assets/",
    "/redoc",
    "/openapi.json",
    "/healthz",
    "/readyz",
    "/metrics",
)
"""Paths whose unknown addresses stay problem+json (the API and its root routes)."""
PAGE_STATUSES = frozenset({404, 405})


def is_api_path(path: str) -> bool:
    """Whether ``path`` belongs to the API (its errors are problem+json)."""
    return path == "/api" or any(path == p.rstrip("/") or path.startswith(p) for p in API_PATHS)


def _signed_in(request: Request) -> User | None:
    """The user the session cookie names, if any (no route ran to resolve it)."""
    token = session_token(request)
    factory: Callable[[], Session] | None = getattr(request.app.state, "session_factory", None)
    if token is None or factory is None:
        return None
    with factory() as session:
        uid = session_user(session, token)
        user = session.get(User, uid) if uid is not None else None
        if user is None or not user.active:
            return None
        session.expunge(user)
        return user


def csrf_page(request: Request) -> Response:
    """The page for a form posted without its CSRF token (403; blocking: run it in a
    thread): reload the page and try again."""
    return error_page(request, "error.csrf", user=_signed_in(request), status_code=403)


def invalid_request_page(request: Request, fields: list[tuple[str, ...]]) -> Response:
    """The page for a page's address with a value its route cannot read (``?manader=abc``,
    hand-edited; blocking: run it in a thread): 400 with a Swedish (or English) page naming
    the query parameter, not the API's problem+json. A path segment that cannot be an id
    (``/admin/lojalitet/abc/rapporter``) is the not-found page, as an id no row has."""
    user = _signed_in(request)
    if any(loc[:1] == ("path",) for loc in fields):
        return error_page(request, "error.not_found", user=user, status_code=404)
    names = [str(loc[1]) for loc in fields if len(loc) > 1 and loc[0] == "query"]
    detail = (
        translate(pick_lang(request), "error.bad_address_field", name=names[0]) if names else ""
    )
    return error_page(request, "error.bad_address", user=user, status_code=400, detail=detail)


def unknown_page(request: Request, status: int) -> Response:
    """The not-found page for an address no page has (blocking: run it in a thread)."""
    return error_page(request, "error.not_found", user=_signed_in(request), status_code=status)
