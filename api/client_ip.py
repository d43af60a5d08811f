"""The client's address: the peer, or what a configured reverse proxy says it forwarded.

``X-Forwarded-For`` is believed only when the peer is in ``settings.trusted_proxies``
(default: none); the list is then read from the right, skipping trusted proxies, and the
first address that is not one of them is the client. :class:`TrustedProxyMiddleware`
writes that address into the ASGI scope, so ``request.client`` is right everywhere (rate
limits, the sign-in throttle, sessions). ``valbar serve`` turns uvicorn's own proxy-header
handling off for this reason: uvicorn trusts 127.0.0.1 by default.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR networks; a malformed entry is an error at start-up."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def in_networks(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks)


def forwarded_client(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client address for a request from ``peer`` carrying ``forwarded_for``."""
    if not trusted or not in_networks(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not in_networks(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the client side: keep the proxy's address
    return hops[0] if hops else peer


_SCHEMES = {"http": "http", "https": "https", "ws": "ws", "wss": "wss"}


def forwarded_scheme(scope: Scope, header: bytes) -> str:
    """The scheme a trusted proxy says the client used (``X-Forwarded-Proto``: the last
    value, the proxy next to us), for the request or its websocket; else the scope's."""
    value = header.decode("latin-1").split(",")[-1].strip().lower()
    if value not in _SCHEMES:
        return str(scope.get("scheme", "http"))
    if scope["type"] == "websocket":
        return "wss" if value in ("https", "wss") else "ws"
    return "https" if value in ("https", "wss") else "http"


class TrustedProxyMiddleware:
    """Sets ``scope["client"]`` from ``X-Forwarded-For`` and ``scope["scheme"]`` from
    ``X-Forwarded-Proto`` for requests from trusted proxies (a TLS-terminating proxy: the
    app then knows the client used https)."""

    def __init__(self, app: ASGIApp, trusted: Iterable[str]) -> None:
        self.app = app
        self.trusted = parse_networks(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.trusted and scope["type"] in ("http", "websocket") and scope.get("client"):
            peer, port = scope["client"]
            headers = scope.get("headers", [])
            header = b",".join(v for k, v in headers if k == b"x-forwarded-for")
            if header:
                client = forwarded_client(peer, header.decode("latin-1"), self.trusted)
                if client != peer:
                    scope = {**scope, "client": (client, port)}
            proto = b",".join(v for k, v in headers if k == b"x-forwarded-proto")
            if proto and in_networks(peer, self.trusted):
                scope = {**scope, "scheme": forwarded_scheme(scope, proto)}
        await self.app(scope, receive, send)


def client_ip(request: Request) -> str:
    """The client's address (already resolved by :class:`TrustedProxyMiddleware`)."""
    return request.client.host if request.client else "unknown"


def address_bucket(address: str) -> str:
    """What limits per address count by: the address, or for IPv6 its /64 network (one
    subscriber's usual allocation; counting single IPv6 addresses let one machine take a
    fresh address for every few requests)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
