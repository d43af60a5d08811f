"""SSRF protection of the scheduled feed fetch: which URLs a feed may be read from, checked
at registration, again at connect time (pinned: no DNS rebinding) and on every redirect."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from marketplace.errors import InvalidInput
from marketplace.feed_address import check_feed_url, networks
from marketplace.feed_http import FetchError, fetch
from tests.unit.marketplace.feed_server import Page, feed_server

LOOPBACK = networks(["127.0.0.0/8"])

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.9", "private"),
    ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"),
    ("169.254.10.1", "link-local"),
    ("fe80::1", "link-local"),
    ("100.64.0.1", "shared (CGNAT)"),
    ("169.254.169.254", "cloud metadata"),
    ("fd00:ec2::254", "cloud metadata"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("0.0.0.0", "reserved"),
    ("192.0.2.5", "private"),  # documentation range (TEST-NET-1)
    ("::ffff:10.0.0.1", "private"),  # IPv4-mapped private
]


def _resolving_to(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_each_non_public_range_is_refused_and_named(address: str, kind: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_feed_url("https://feeds.example.com/f.csv", resolver=_resolving_to(address))
    assert caught.value.code == "feed_private"
    assert kind in str(caught.value)


def test_one_private_address_among_public_ones_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"10\.0\.0\.8"):
        check_feed_url("https://x.example.com/", resolver=_resolving_to("8.8.8.8", "10.0.0.8"))


def test_public_https_url_is_accepted_and_pinned() -> None:
    target = check_feed_url(
        "https://Feeds.Example.com:8443/p/feed.csv?k=1", resolver=_resolving_to("93.184.216.34")
    )
    assert (target.host, target.port, target.path, target.address) == (
        "feeds.example.com",
        8443,
        "/p/feed.csv?k=1",
        "93.184.216.34",
    )


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://feeds.example.com/f.csv", "feed_https"),
        ("http://feeds.example.com/f.csv", "feed_https"),  # public but plain http
        ("https://user:pw@feeds.example.com/f.csv", "feed_url"),
        ("", "feed_url"),
        ("https://[::1", "feed_url"),
    ],
)
def test_malformed_or_plain_urls_are_refused(url: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_feed_url(url, resolver=_resolving_to("93.184.216.34"))
    assert caught.value.code == code
    assert caught.value.values["field"] == "url"


def test_allow_list_admits_its_range_and_plain_http_only_there() -> None:
    target = check_feed_url("http://127.0.0.1:8080/f.csv", allow=LOOPBACK)
    assert target.address == "127.0.0.1"
    with pytest.raises(InvalidInput):  # 10/8 is not allow-listed
        check_feed_url("http://x.test/", allow=LOOPBACK, resolver=_resolving_to("10.0.0.1"))


def test_redirect_to_a_refused_range_is_not_followed(tmp_path: Path) -> None:
    with feed_server() as server:
        server.pages["/feed.csv"] = Page(
            status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
        )
        with pytest.raises(FetchError, match="cloud metadata"):
            fetch(
                server.url("/feed.csv"),
                tmp_path / "out",
                allow=LOOPBACK,
                max_bytes=1000,
                timeout=10,
            )
        assert not (tmp_path / "out").exists()


def test_redirect_to_a_name_resolving_privately_is_not_followed(tmp_path: Path) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "127.0.0.1" else ["192.168.0.10"]

    with feed_server() as server:
        server.pages["/feed.csv"] = Page(
            status=301, headers={"Location": "http://intranet.example.com/secret"}
        )
        with pytest.raises(FetchError, match="private"):
            fetch(
                server.url("/feed.csv"),
                tmp_path / "out",
                allow=LOOPBACK,
                max_bytes=1000,
                timeout=10,
                resolver=resolver,
            )


def test_connect_time_check_refuses_a_rebound_name(tmp_path: Path) -> None:
    """The name resolved publicly at registration now resolves to loopback: refused before
    any connection (nothing is served from the loopback server)."""
    with feed_server() as server:
        server.pages["/f.csv"] = Page(body=b"sku\n1\n")
        url = f"https://feeds.example.com:{server.port}/f.csv"
        check_feed_url(url, resolver=_resolving_to("93.184.216.34"))  # registration
        with pytest.raises(FetchError, match="loopback"):
            fetch(
                url, tmp_path / "o", max_bytes=100, timeout=5, resolver=_resolving_to("127.0.0.1")
            )
        assert server.seen == []


def test_connection_goes_to_the_checked_address_with_the_name_as_host(tmp_path: Path) -> None:
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    with feed_server() as server:
        server.pages["/f.csv"] = Page(body=b"sku;price\nA;1\n")
        got = fetch(
            f"http://feeds.example.com:{server.port}/f.csv",
            tmp_path / "o",
            allow=LOOPBACK,
            max_bytes=100,
            timeout=5,
            resolver=resolver,
        )
    assert calls == ["feeds.example.com"]  # resolved once, then pinned
    assert got.status == 200 and (tmp_path / "o").read_bytes() == b"sku;price\nA;1\n"
    assert server.seen[0][1]["Host"] == f"feeds.example.com:{server.port}"


def test_more_than_three_redirects_fail(tmp_path: Path) -> None:
    with feed_server() as server:
        for i in range(5):
            server.pages[f"/r{i}"] = Page(status=302, headers={"Location": f"/r{i + 1}"})
        server.pages["/r5"] = Page(body=b"x")
        with pytest.raises(FetchError, match="more than 3 redirects"):
            fetch(server.url("/r0"), tmp_path / "o", allow=LOOPBACK, max_bytes=10, timeout=5)
        server.pages["/r2"] = Page(status=302, headers={"Location": "/r5"})
        got = fetch(server.url("/r0"), tmp_path / "o", allow=LOOPBACK, max_bytes=10, timeout=5)
        assert got.url.endswith("/r5") and got.size == 1


def test_gzip_is_decompressed_and_bounded_after_decompression(tmp_path: Path) -> None:
    body = b"sku;stock\n" + b"A;1\n" * 5000
    with feed_server() as server:
        server.pages["/f"] = Page(body=body, gzip=True)
        got = fetch(
            server.url("/f"), tmp_path / "o", allow=LOOPBACK, max_bytes=len(body), timeout=5
        )
        assert (tmp_path / "o").read_bytes() == body and got.size == len(body)
        assert server.seen[0][1]["Accept-Encoding"] == "gzip"
        assert len(gzip.compress(body)) < 1000  # the bomb shape: small on the wire
        with pytest.raises(FetchError, match="larger than the limit"):
            fetch(server.url("/f"), tmp_path / "p", allow=LOOPBACK, max_bytes=1000, timeout=5)
        assert not (tmp_path / "p").exists()


def test_conditional_request_gets_304(tmp_path: Path) -> None:
    with feed_server() as server:
        server.pages["/f"] = Page(body=b"sku\nA\n")
        first = fetch(server.url("/f"), tmp_path / "a", allow=LOOPBACK, max_bytes=99, timeout=5)
        again = fetch(
            server.url("/f"),
            tmp_path / "b",
            allow=LOOPBACK,
            etag=first.etag,
            max_bytes=99,
            timeout=5,
        )
    assert first.etag and again.not_modified and again.path is None
    assert server.seen[1][1]["If-None-Match"] == first.etag


def test_http_errors_name_the_status(tmp_path: Path) -> None:
    with feed_server() as server, pytest.raises(FetchError, match="HTTP 404") as caught:
        fetch(server.url("/none"), tmp_path / "a", allow=LOOPBACK, max_bytes=9, timeout=5)
    assert caught.value.status == 404
