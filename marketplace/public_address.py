"""Whether an IP address is public: where a webhook may be delivered (``webhooks.check_url``).

Python's ``is_global`` alone is not enough: an IPv6 address can carry an IPv4 address
inside it, and a NAT64 gateway, a 6to4 relay or a dual-stack socket connects to that IPv4
address. So an address is public only when it is global, not multicast, and every IPv4
address it embeds is public too:

* IPv4-mapped ``::ffff:a.b.c.d`` (a dual-stack socket connects to ``a.b.c.d``);
* NAT64 ``64:ff9b::a.b.c.d`` (RFC 6052's well-known prefix, routed to ``a.b.c.d``);
* 6to4 ``2002:AABB:CCDD::/48`` (RFC 3056) and Teredo ``2001::/32`` (server and client).

Refused whatever they embed: IPv4-compatible ``::a.b.c.d`` (``::/96``, deprecated by RFC
4291), and the local-use NAT64 prefix ``64:ff9b:1::/48`` (RFC 8215: never global; Python
3.11 calls it global).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, IPv6Network

NAT64_WELL_KNOWN = IPv6Network("64:ff9b::/96")
NEVER_PUBLIC: tuple[IPv6Network, ...] = (
    IPv6Network("::/96"),  # unspecified, loopback, IPv4-compatible
    IPv6Network("64:ff9b:1::/48"),  # NAT64 for local use
)


def embedded_ipv4(ip: IPv6Address) -> list[IPv4Address]:
    """The IPv4 addresses ``ip`` carries (mapped, NAT64, 6to4, Teredo), if any."""
    found: list[IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip in NAT64_WELL_KNOWN:
        found.append(IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def is_public(ip: IPv4Address | IPv6Address) -> bool:
    """True when ``ip`` and every IPv4 address it embeds are global and not multicast."""
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, IPv4Address):
        return True
    if any(ip in network for network in NEVER_PUBLIC):
        return False
    return all(is_public(inner) for inner in embedded_ipv4(ip))
