"""Which addresses a webhook may be delivered to: global ones, and no IPv6 form that
carries a private, loopback or otherwise non-global IPv4 address."""

from __future__ import annotations

from ipaddress import IPv4Address, ip_address

import pytest

from marketplace import webhooks
from marketplace.errors import InvalidInput
from marketplace.public_address import embedded_ipv4, is_public

REFUSED = [
    # NAT64, well-known prefix (RFC 6052) embedding loopback / private / link-local / CGNAT
    "64:ff9b::7f00:1",  # 127.0.0.1
    "64:ff9b::a00:1",  # 10.0.0.1
    "64:ff9b::c0a8:1",  # 192.168.0.1
    "64:ff9b::a9fe:a9fe",  # 169.254.169.254 (cloud metadata)
    "64:ff9b::6440:1",  # 100.64.0.1 (shared address space)
    "64:ff9b::0:0",  # 0.0.0.0
    # NAT64, local-use prefix (RFC 8215): never global, whatever it embeds
    "64:ff9b:1::7f00:1",
    "64:ff9b:1::808:808",
    # IPv4-mapped and IPv4-compatible forms
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "::10.0.0.1",
    "::8.8.8.8",  # IPv4-compatible: deprecated, refused outright
    # 6to4 (2002::/16) embedding private / loopback IPv4
    "2002:7f00:1::1",  # 127.0.0.1
    "2002:a00:1::1",  # 10.0.0.1
    "2002:c0a8:101::1",  # 192.168.1.1
    # Teredo whose server or client is not public
    "2001:0:a00:1::",
    # other non-global IPv6
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "2001:db8::1",
    "100::1",
    "ff02::1",  # multicast
    "ff0e::1",  # global-scope multicast
    # and IPv4 itself
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.0.10",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
]
ALLOWED = [
    "93.184.216.34",
    "8.8.8.8",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "64:ff9b::808:808",  # NAT64 of a public address: reaches 8.8.8.8
    "2002:808:808::1",  # 6to4 of a public address
    "::ffff:8.8.8.8",  # IPv4-mapped public address: the socket connects to 8.8.8.8
]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public(ip_address(address))


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public(ip_address(address))


def test_the_embedded_ipv4_address_is_found() -> None:
    def inner(address: str) -> list[IPv4Address]:
        found = ip_address(address)
        assert found.version == 6
        return embedded_ipv4(found)  # type: ignore[arg-type]

    assert inner("64:ff9b::7f00:1") == [IPv4Address("127.0.0.1")]
    assert inner("::ffff:10.0.0.1") == [IPv4Address("10.0.0.1")]
    assert inner("2002:c0a8:101::1") == [IPv4Address("192.168.1.1")]
    assert inner("2606:4700:4700::1111") == []


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]/",
        "https://[64:ff9b::7f00:1]/",
        "https://[64:ff9b::a00:1]:8443/hook",
        "https://[64:ff9b:1::a00:1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:7f00:1]/",
        "https://[::127.0.0.1]/",
        "https://[2002:7f00:1::1]/",
        "https://[2002:c0a8:101::1]/",
        "https://[fe80::1]/",
        "https://[fd00::1]/",
    ],
)
def test_webhook_urls_of_ipv6_forms_of_private_addresses_are_refused(url: str) -> None:
    for allow in (False, True):  # the loopback allowance is for ``localhost`` only
        with pytest.raises(InvalidInput) as caught:
            webhooks.check_url(url, allow_loopback=allow, resolver=webhooks.resolve)
        assert caught.value.code in ("webhook_private", "webhook_https")
        assert str(caught.value).startswith("url:")


@pytest.mark.parametrize("resolved", ["64:ff9b::7f00:1", "::ffff:10.0.0.7", "2002:a00:1::1"])
def test_a_host_resolving_to_an_ipv6_form_of_a_private_address_is_refused(resolved: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        webhooks.check_url(
            "https://hooks.example.com/x", allow_loopback=False, resolver=lambda h, p: [resolved]
        )
    assert caught.value.code == "webhook_private"


def test_a_host_resolving_to_nat64_of_a_public_address_is_allowed() -> None:
    target = webhooks.check_url(
        "https://hooks.example.com/x",
        allow_loopback=False,
        resolver=lambda h, p: ["64:ff9b::5db8:d822"],  # 93.184.216.34
    )
    assert target.address == "64:ff9b::5db8:d822"
