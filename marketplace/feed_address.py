"""Where a feed URL may point (SSRF protection of the scheduled fetch, issue 19).

A feed URL is ``https://`` and every address its host resolves to must be public
(``marketplace.public_address.is_public``: no loopback, private, link-local, shared/CGNAT,
cloud metadata, multicast or reserved range, nor an IPv6 form embedding one). The check runs
when the URL is registered and again before every connection, which goes to the address
that check approved (``marketplace.feed_http``): a second DNS answer (rebinding) is never
trusted. Each redirect hop is checked the same way.

The operator setting ``feed_fetch_allow_networks`` lists networks accepted although they
are not public (tests serve feeds from a loopback server they start; a partner's private
range); plain ``http://`` is accepted only when every address is in such a network.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from urllib.parse import urlsplit

from marketplace.errors import InvalidInput
from marketplace.public_address import embedded_ipv4, is_public
from marketplace.webhooks import Target, resolve

MAX_URL = 1000
Network = IPv4Network | IPv6Network
Resolver = Callable[[str, int], list[str]]

METADATA = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    }
)
CGNAT = IPv4Network("100.64.0.0/10")


def _fail(message: str, code: str) -> InvalidInput:
    return InvalidInput(f"url: {message}", code=code, field="url")


def range_name(ip: IPv4Address | IPv6Address) -> str:
    """Which kind of non-public range ``ip`` is in (named in the refusal)."""
    if ip in METADATA:
        return "cloud metadata"
    if isinstance(ip, IPv6Address):
        inner = [v4 for v4 in embedded_ipv4(ip) if not is_public(v4)]
        if inner:  # the IPv4 address a mapped / NAT64 / 6to4 form carries
            return range_name(inner[0])
    if ip.is_loopback:
        return "loopback"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, IPv4Address) and ip in CGNAT:
        return "shared (CGNAT)"
    if ip.is_link_local:
        return "link-local"
    if ip.is_reserved or ip.is_unspecified:
        return "reserved"
    if ip.is_private:
        return "private"
    return "reserved"


def networks(values: Sequence[str]) -> list[Network]:
    """The allow-listed networks of the setting (validated when the settings load)."""
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values]


def _allowed(ip: IPv4Address | IPv6Address, allow: Sequence[Network]) -> bool:
    return any(ip.version == net.version and ip in net for net in allow)


def check_feed_url(
    url: str, *, allow: Sequence[Network] = (), resolver: Resolver = resolve
) -> Target:
    """The URL's target when a feed may be fetched from it, else :class:`InvalidInput`
    naming ``url`` and the refused range (see the module docstring)."""
    url = url.strip()
    if not url or len(url) > MAX_URL:
        raise _fail(f"give an https:// URL of at most {MAX_URL} characters", "feed_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _fail("not a valid URL", "feed_url") from exc
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise _fail("must start with https://", "feed_https")
    if parts.username or parts.password:
        raise _fail(
            "must not contain a user name or password (give them as the feed's login)",
            "feed_url",
        )
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolver(host, port)
    except InvalidInput as exc:
        raise _fail(f"the host {host!r} does not resolve", "feed_unresolved") from exc
    if not addresses:
        raise _fail(f"the host {host!r} does not resolve", "feed_unresolved")
    all_allowed = True
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if _allowed(ip, allow):
            continue
        all_allowed = False
        if not is_public(ip):
            raise _fail(
                f"{host} resolves to {ip}, a {range_name(ip)} address: feeds are fetched "
                "from public addresses only",
                "feed_private",
            )
    if parts.scheme == "http" and not all_allowed:
        raise _fail("must start with https://", "feed_https")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, addresses[0])
