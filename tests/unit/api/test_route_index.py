"""Prefix dispatch picks exactly the route the linear scan picks, for every route of the site
(paths with sample parameters, every method, trailing-slash variants, unknown paths), and a
request through the app is answered as before (page, API, 405, redirect, not found)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Match, Mount, Route

from api import route_index
from api.route_index import PrefixDispatch, literal_segments, resolve
from catalog.settings import Settings
from valbar.app import create_app

SAMPLES = {"int": "7", "path": "a/b.txt", "str": "x"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_]+))?}")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    tmp = Path(tmp_path_factory.mktemp("routes"))
    return create_app(Settings(data_dir=tmp / "var", database_url="", environment="test"))


def _sample_paths(route: BaseRoute) -> Iterator[str]:
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return
    filled = PARAM.sub(lambda m: SAMPLES.get(m.group(2) or "str", "x"), path)
    if isinstance(route, Mount):
        filled = filled.rstrip("/") + "/asset.css"
    yield filled
    yield filled.rstrip("/") if filled.endswith("/") and filled != "/" else filled + "/"
    yield filled + "/extra"
    yield "/" + filled.strip("/").upper()


def _scope(path: str, method: str) -> dict[str, object]:
    return {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}


def test_every_route_resolves_as_the_linear_scan_does(app: FastAPI) -> None:
    """Whether a route matches a path at all (full or partial) does not depend on the method:
    so every route that matches a path must be among its candidates, which keep the router's
    order; ``resolve`` then makes the same choice (checked for every method on a sample)."""
    dispatch = PrefixDispatch(app.router)
    routes = app.router.routes
    assert len(routes) > 300  # the site: the API's routes and the pages'
    paths = {p for route in routes for p in _sample_paths(route)}
    paths |= {"/", "", "/nowhere", "/api", "/api/v1", "/api/v1/nowhere/7", "/static", "//x"}
    for path in sorted(paths):
        scope = _scope(path, "GET")
        matching = [route for route in routes if route.matches(scope)[0] is not Match.NONE]
        candidates = dispatch.candidates(path)
        assert [route for route in candidates if route in matching] == matching, path
    for path in sorted(paths)[::25]:
        for method in METHODS:
            linear = resolve(routes, _scope(path, method))
            indexed = resolve(dispatch.candidates(path), _scope(path, method))
            assert (linear[0], linear[1]) == (indexed[0], indexed[1]), (path, method)


def test_a_page_tries_far_fewer_routes_than_the_site_has(app: FastAPI) -> None:
    dispatch = PrefixDispatch(app.router)
    total = len(app.router.routes)
    assert len(dispatch.candidates("/")) < total / 10
    assert len(dispatch.candidates("/portal")) < total / 10
    assert len(dispatch.candidates("/api/v1/search")) < total / 4


def test_literal_segments_stop_at_the_first_parameter() -> None:
    def endpoint() -> None: ...

    products = Route("/api/v1/products/{id:int}", endpoint)
    assert literal_segments(products) == ("api", "v1", "products")
    assert literal_segments(Route("/a/b{x}/c", endpoint)) == ("a",)
    assert literal_segments(Route("/", endpoint)) == ("",)
    assert literal_segments(Route("/a/b/c/d/e", endpoint), depth=3) == ("a", "b", "c")
    assert literal_segments(Mount("/static", routes=[])) == ("static",)


def test_the_index_follows_routes_added_after_installation(app: FastAPI) -> None:
    async def late() -> None: ...

    dispatch = PrefixDispatch(app.router)
    assert dispatch.candidates("/late-route") == dispatch.candidates("/nowhere-at-all")
    app.router.routes.append(Route("/late-route", late))
    try:
        assert dispatch.candidates("/late-route")[-1].path == "/late-route"  # type: ignore[attr-defined]
    finally:
        app.router.routes.pop()


def test_requests_are_answered_as_before(app: FastAPI) -> None:
    assert isinstance(app.router.middleware_stack, PrefixDispatch)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/").status_code == 200
        assert "text/html" in client.get("/").headers["content-type"]
        assert client.get("/api/v1/search", params={"q": "x"}).status_code == 200
        wrong_method = client.delete("/healthz")
        assert wrong_method.status_code == 405
        assert client.get("/api/v1/no-such-thing").status_code == 404
        assert client.get("/ingen-sida-alls").status_code == 404
        assert client.get("/static/nothing-here.css").status_code == 404
        # the linear router's trailing-slash redirect is kept
        slash = client.get("/healthz/", follow_redirects=False)
        assert slash.status_code == 307
        assert slash.headers["location"].endswith("/healthz")


def test_installing_twice_or_over_router_middleware_is_refused(app: FastAPI) -> None:
    with pytest.raises(RuntimeError, match="own middleware"):
        route_index.install(app.router)
