"""The web app Valbar serves: the API (``api.app``) with the server-rendered UI (``ui``).

``valbar serve`` and ``valbar demo`` run :func:`create_app` with uvicorn
(``uvicorn --factory valbar.app:create_app``). The API app is built by ``api.app`` alone;
this module, above both, adds the UI's routes and its static files with plain imports.
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

import ui
from api.app import create_app as create_api_app
from api.auth import CsrfRefused
from api.deps import ANONYMOUS_RATE_PER_MINUTE
from api.problems import ApiProblem
from api.ratelimit import RateLimiter
from catalog.settings import Settings
from ui.error_pages import (
    PAGE_STATUSES,
    csrf_page,
    invalid_request_page,
    is_api_path,
    unknown_page,
)
from ui.routes import router as ui_router


def create_app(
    settings: Settings | None = None,
    *,
    rate_limiter: RateLimiter | None = None,
    anonymous_rate_per_minute: int = ANONYMOUS_RATE_PER_MINUTE,
) -> FastAPI:
    """One Valbar site: the API under /api/v1, health at the root, the UI's pages and
    ``/static``."""
    app = create_api_app(
        settings, rate_limiter=rate_limiter, anonymous_rate_per_minute=anonymous_rate_per_minute
    )
    app.include_router(ui_router)
    app.mount("/static", StaticFiles(directory=str(ui.static_dir)), name="static")
    _pages_for_unknown_addresses(app)
    return app


def _pages_for_unknown_addresses(app: FastAPI) -> None:
    """An address no route has is the site's HTML not-found page outside the API (a browser
    asking for ``/admin`` got raw problem+json); the API's own answer is kept for /api/...,
    the API's root routes and every other HTTP error."""
    api_answer = app.exception_handlers[HTTPException]

    async def on_http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code in PAGE_STATUSES and not is_api_path(request.url.path):
            return await run_in_threadpool(unknown_page, request, exc.status_code)
        answer = api_answer(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(HTTPException, on_http_exception)
    problem_answer = app.exception_handlers[ApiProblem]

    async def on_csrf(request: Request, exc: Exception) -> Response:
        """A page's form posted without its CSRF token: an HTML page, not problem+json."""
        if not is_api_path(request.url.path):
            return await run_in_threadpool(csrf_page, request)
        answer = problem_answer(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(CsrfRefused, on_csrf)
    invalid_answer = app.exception_handlers[RequestValidationError]

    async def on_invalid(request: Request, exc: Exception) -> Response:
        """A page's address with a value its route cannot read (a hand-edited ``?month=``):
        a Swedish error page (400; a path id that cannot be one: not found), not
        problem+json; the API, and a form's fields (each form names its own), keep theirs."""
        if not is_api_path(request.url.path) and isinstance(exc, RequestValidationError):
            fields = [tuple(str(p) for p in e.get("loc", ())) for e in exc.errors()]
            if fields and all(loc[:1] in (("query",), ("path",)) for loc in fields):
                return await run_in_threadpool(invalid_request_page, request, fields)
        answer = invalid_answer(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(RequestValidationError, on_invalid)
