"""The search route's dependencies run on the event loop: a plain ``def`` dependency is run in
FastAPI's thread pool, one hop per request (bench.http measured 481 against 922 req/s when
the explanation language was one)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.routers.search import router


def _calls(dependant: Dependant) -> Iterator[tuple[str, object]]:
    for sub in dependant.dependencies:
        yield getattr(sub.call, "__qualname__", repr(sub.call)), sub.call
        yield from _calls(sub)


def _runs_on_the_loop(call: object) -> bool:
    """A coroutine function, or an object whose ``__call__`` is one (FastAPI's security
    schemes, which document the API key header and the session cookie, are such objects)."""
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        type(call).__call__  # type: ignore[operator]
    )


def test_every_dependency_of_the_search_route_is_async() -> None:
    route = next(r for r in router.routes if isinstance(r, APIRoute) and r.path == "/search")
    found = dict(_calls(route.dependant))
    assert "explanation_language" in found
    blocking = [name for name, call in found.items() if not _runs_on_the_loop(call)]
    # get_session is a generator dependency (a database session per request): it runs in the
    # pool by design; everything else on the hot path must not
    assert [b for b in blocking if b != "get_session"] == []
