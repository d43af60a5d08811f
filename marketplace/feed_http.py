"""One HTTP fetch of a feed URL: pinned to the checked address, conditional, bounded.

``fetch`` checks the URL (``marketplace.feed_address``) and connects to the address the
check approved, sending the name as ``Host`` and TLS SNI (the certificate is verified
against the name), so DNS rebinding cannot move the connection. It sends ``If-None-Match``
/ ``If-Modified-Since`` from the previous fetch (an unchanged feed is one ``304``), accepts
gzip (decompressed while streamed, counted after decompression), follows at most
:data:`MAX_REDIRECTS` redirects (each hop checked again; ``https`` never downgrades to
``http`` unless the new address is allow-listed) and streams the body to a file: at most
``max_bytes`` and ``timeout`` seconds in all, else :class:`FetchError`.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from catalog.private_files import open_private
from marketplace.errors import InvalidInput
from marketplace.feed_address import Network, Resolver, check_feed_url
from marketplace.webhooks import Target, resolve

MAX_REDIRECTS = 3
CONNECT_SECONDS = 10.0
CHUNK = 1 << 16
USER_AGENT = "Valbar-FeedFetch/1"
REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """The fetch failed; the message says why (shown to the retailer)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Credentials:
    """How to sign in to the feed URL: basic (user, secret) or bearer (secret)."""

    kind: str  # "basic" | "bearer"
    secret: str
    username: str = ""

    def header(self) -> str:
        if self.kind == "bearer":
            return f"Bearer {self.secret}"
        token = base64.b64encode(f"{self.username}:{self.secret}".encode()).decode()
        return f"Basic {token}"


@dataclass(frozen=True, slots=True)
class Fetched:
    """The answer: 304 (``path`` None) or 200 with the body written to ``path``."""

    status: int
    path: Path | None
    size: int
    etag: str | None
    last_modified: str | None
    url: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=CONNECT_SECONDS)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), CONNECT_SECONDS)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(
            target.host, target.port, timeout=CONNECT_SECONDS, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), CONNECT_SECONDS)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


class _Clock:
    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.started = time.monotonic()

    def left(self) -> float:
        remaining = self.limit - (time.monotonic() - self.started)
        if remaining <= 0:
            raise FetchError(f"the feed was not fetched within {self.limit:.0f} s")
        return remaining


def _headers(
    target: Target, etag: str | None, last_modified: str | None, auth: Credentials | None
) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip", "Accept": "*/*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    if auth is not None:
        headers["Authorization"] = auth.header()
    return headers


def _stream(
    response: http.client.HTTPResponse,
    sock: socket.socket,
    dest: Path,
    max_bytes: int,
    clock: _Clock,
) -> int:
    """Write the body (gunzipped when so encoded) to ``dest``; returns the bytes written."""
    gzipped = (response.getheader("Content-Encoding") or "").strip().lower() in ("gzip", "x-gzip")
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
    declared = response.getheader("Content-Length")
    if not gzipped and declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"the feed is larger than the limit of {max_bytes} bytes")
    written = 0
    with open_private(dest) as out:
        while True:
            left = clock.left()
            if sock.fileno() != -1:  # else the answer holds the socket (HTTP/1.0)
                sock.settimeout(min(left, 60.0))
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            if inflate is not None:
                # never more than the limit allows (a gzip bomb stops here)
                data = inflate.decompress(chunk, max_bytes + 1 - written)
                if inflate.unconsumed_tail:
                    raise FetchError(f"the feed is larger than the limit of {max_bytes} bytes")
            else:
                data = chunk
            written += len(data)
            if written > max_bytes:
                raise FetchError(f"the feed is larger than the limit of {max_bytes} bytes")
            out.write(data)
        if inflate is not None:
            if not inflate.eof:
                raise FetchError("the gzip-encoded feed ended early")
            tail = inflate.flush()
            written += len(tail)
            if written > max_bytes:
                raise FetchError(f"the feed is larger than the limit of {max_bytes} bytes")
            out.write(tail)
    return written


def fetch(
    url: str,
    dest: Path,
    *,
    allow: Sequence[Network] = (),
    etag: str | None = None,
    last_modified: str | None = None,
    auth: Credentials | None = None,
    max_bytes: int,
    timeout: float,
    resolver: Resolver = resolve,
) -> Fetched:
    """GET ``url`` (see the module docstring); the body, if any, goes to ``dest``."""
    clock = _Clock(timeout)
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            target = check_feed_url(current, allow=allow, resolver=resolver)
        except InvalidInput as exc:
            raise FetchError(str(exc).removeprefix("url: ")) from exc
        conn: http.client.HTTPConnection = (
            _PinnedHTTPS(target) if target.scheme == "https" else _PinnedHTTP(target)
        )
        response: http.client.HTTPResponse | None = None
        try:
            try:
                conn.connect()
                sock = conn.sock
                assert sock is not None
                sock.settimeout(min(clock.left(), 60.0))
                # credentials go to the registered host only, never to a redirect's
                sent_auth = auth if current == url else None
                conn.request(
                    "GET", target.path, headers=_headers(target, etag, last_modified, sent_auth)
                )
                sock.settimeout(min(clock.left(), 60.0))
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                raise FetchError(f"{target.host}: {exc or type(exc).__name__}") from exc
            status = response.status
            if status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"redirect {status} without a Location", status)
                current = urljoin(current, location)
                continue
            if status == 304:
                return Fetched(304, None, 0, etag, last_modified, current)
            if status != 200:
                raise FetchError(f"the server answered HTTP {status}", status)
            try:
                size = _stream(response, sock, dest, max_bytes, clock)
            except (OSError, http.client.HTTPException, zlib.error) as exc:
                dest.unlink(missing_ok=True)
                raise FetchError(f"{target.host}: reading the feed failed: {exc}") from exc
            except FetchError:
                dest.unlink(missing_ok=True)
                raise
            return Fetched(
                200,
                dest,
                size,
                response.getheader("ETag"),
                response.getheader("Last-Modified"),
                current,
            )
        finally:
            if response is not None:
                response.close()  # holds the socket when the server closes (HTTP/1.0)
            conn.close()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")
