"""A loopback HTTP server serving feed files for the scheduled-fetch tests.

Each path maps to a :class:`Page` (body, status, headers); the server answers ``ETag`` /
``If-None-Match`` with 304, gzips when asked and the page says so, and records every
request (path, headers) so tests can see what the fetcher sent.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False


@dataclass
class FeedServer:
    port: int
    pages: dict[str, Page] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            return

        def do_GET(self) -> None:
            server.seen.append((self.path, dict(self.headers.items())))
            page = server.pages.get(self.path)
            if page is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
            if page.status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            body = page.body
            self.send_response(page.status)
            for name, value in page.headers.items():
                self.send_header(name, value)
            if page.status == 200:
                self.send_header("ETag", etag)
                if page.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    body = gzip.compress(body)
                    self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    """A server on 127.0.0.1 (an ephemeral port), stopped on exit."""
    state = FeedServer(port=0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
