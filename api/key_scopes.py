"""Which API key scopes may call which route.

A ``full`` key may call every route its user's role allows. A narrower key (``search``,
``feeds``) may call only the routes that declare its scope with :func:`allow_keys`
(on the route or on its router): every other route, the web pages included, answers such a
key 403. A route that declares nothing is therefore closed to narrow keys by default.
The declared scopes are also written into the OpenAPI document (``x-api-key-scopes``).
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from fastapi.params import Depends as DependsParam

from catalog.enums import KeyScope

OPENAPI_FIELD = "x-api-key-scopes"


class KeyScopes:
    """A marker dependency naming the key scopes (besides ``full``) a route admits."""

    def __init__(self, scopes: frozenset[KeyScope]) -> None:
        self.scopes = scopes

    async def __call__(self) -> None:  # the check is in api.deps.get_caller
        return None


def allow_keys(*scopes: KeyScope) -> DependsParam:
    """``dependencies=[allow_keys(KeyScope.SEARCH)]``: keys of these scopes may call it."""
    marker: DependsParam = Depends(KeyScopes(frozenset(scopes)))
    return marker


def route_scopes(route: Any) -> frozenset[str]:
    """The scopes a route (an ``APIRoute``, or anything else: none) admits, ``full`` always."""
    allowed: set[str] = {KeyScope.FULL.value}
    for dependency in getattr(route, "dependencies", None) or ():
        marker = getattr(dependency, "dependency", None)
        if isinstance(marker, KeyScopes):
            allowed.update(s.value for s in marker.scopes)
    return frozenset(allowed)


def document_scopes(routes: list[Any]) -> None:
    """Write each API route's admitted scopes into its OpenAPI operation (call it on a
    router's routes before the router is included: an inclusion copies them)."""
    for route in routes:
        if getattr(route, "include_in_schema", False) and hasattr(route, "openapi_extra"):
            extra = dict(route.openapi_extra or {})
            extra[OPENAPI_FIELD] = sorted(route_scopes(route))
            route.openapi_extra = extra
