"""Route dispatch by path prefix: a request is matched against the routes that can match it.

Starlette's router tries every route in order, one regular expression each, until one
matches. With the API's and the pages' ~700 routes on one site, a page near the end paid
for the whole API before its own route (about a millisecond of CPU per request, measured
with ``bench.http`` and ``bench/routing.py``).

:class:`PrefixDispatch` indexes the routes by the literal path segments they start with
(up to ``depth`` of them, before the first ``{parameter}``). A route can only match a path
that starts with its literal segments, so the routes filed under the path's own first
0…``depth`` segments are a superset of those that can match; they are tried *in their
original order* with the same rules as Starlette's router (the first full match wins, else
the first partial match, i.e. 405; then the trailing-slash redirect; then not found). The
answer is therefore the linear scan's, which ``tests/unit/api/test_route_index.py`` checks
for every route of the site.

The index is rebuilt when the route list changes (routes are only ever appended).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from starlette.datastructures import URL
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Match, Router
from starlette.types import Receive, Scope, Send

DEPTH = 3
Key = tuple[str, ...]


def literal_segments(route: BaseRoute, depth: int = DEPTH) -> Key:
    """The literal path segments ``route`` starts with, at most ``depth`` (a route without
    a path, such as a host route, has none: it is tried for every path)."""
    path = getattr(route, "path", None)
    if not isinstance(path, str) or not path.startswith("/"):
        return ()
    literal: list[str] = []
    for segment in path.split("/")[1:]:
        if "{" in segment or len(literal) == depth:
            break
        literal.append(segment)
    return tuple(literal)


def resolve(routes: Sequence[BaseRoute], scope: Scope) -> tuple[Match, BaseRoute | None, Scope]:
    """Starlette's choice among ``routes``: the first full match, else the first partial."""
    partial: tuple[BaseRoute, Scope] | None = None
    for route in routes:
        match, child_scope = route.matches(scope)
        if match is Match.FULL:
            return match, route, child_scope
        if match is Match.PARTIAL and partial is None:
            partial = (route, child_scope)
    if partial is not None:
        return Match.PARTIAL, partial[0], partial[1]
    return Match.NONE, None, {}


class PrefixDispatch:
    """The ASGI app behind ``router`` (installed with :func:`install`)."""

    def __init__(self, router: Router, depth: int = DEPTH) -> None:
        self.router = router
        self.depth = depth
        self._version: tuple[int, int] | None = None
        self._buckets: dict[Key, list[int]] = {}

    def _index(self) -> dict[Key, list[int]]:
        routes = self.router.routes
        version = (len(routes), id(routes[-1]) if routes else 0)
        if version != self._version:
            buckets: dict[Key, list[int]] = defaultdict(list)
            for position, route in enumerate(routes):
                buckets[literal_segments(route, self.depth)].append(position)
            self._buckets, self._version = dict(buckets), version
        return self._buckets

    def candidates(self, path: str) -> list[BaseRoute]:
        """The routes that can match ``path``, in the router's order."""
        buckets = self._index()
        segments = path.split("/")[1:] if path.startswith("/") else []
        positions: list[int] = []
        for length in range(min(self.depth, len(segments)) + 1):
            positions.extend(buckets.get(tuple(segments[:length]), ()))
        positions.sort()
        routes = self.router.routes
        return [routes[position] for position in positions]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.router.app(scope, receive, send)  # lifespan
            return
        if "router" not in scope:
            scope["router"] = self.router
        route_path = _route_path(scope)
        _, route, child_scope = resolve(self.candidates(route_path), scope)
        if route is not None:
            scope["route"] = route
            scope.update(child_scope)
            await route.handle(scope, receive, send)
            return
        if scope["type"] == "http" and self.router.redirect_slashes and route_path != "/":
            redirect_scope = dict(scope)
            if route_path.endswith("/"):
                redirect_scope["path"] = redirect_scope["path"].rstrip("/")
            else:
                redirect_scope["path"] = redirect_scope["path"] + "/"
            redirected = _route_path(redirect_scope)
            if any(
                r.matches(redirect_scope)[0] is not Match.NONE for r in self.candidates(redirected)
            ):
                await RedirectResponse(url=str(URL(scope=redirect_scope)))(scope, receive, send)
                return
        await self.router.default(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path the routes match (the request's path without the app's ``root_path``)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path) and path != root_path:
        rest = path[len(root_path) :]
        return rest if rest.startswith("/") else path
    return "" if root_path and path == root_path else path


def install(router: Router, depth: int = DEPTH) -> PrefixDispatch:
    """Dispatch ``router``'s requests by prefix (its ``__call__`` runs ``middleware_stack``,
    which is the router's own linear ``app`` unless router-level middleware wraps it)."""
    if router.middleware_stack != router.app:
        raise RuntimeError("the router has its own middleware: install before adding it")
    dispatch = PrefixDispatch(router, depth)
    router.middleware_stack = dispatch
    return dispatch
