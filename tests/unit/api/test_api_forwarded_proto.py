"""Behind a TLS-terminating proxy: ``X-Forwarded-Proto`` from a trusted proxy sets the
request's scheme (URLs the app builds say https); from anyone else it is ignored."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from api.client_ip import TrustedProxyMiddleware


def _client(peer: str, trusted: list[str]) -> TestClient:
    app = FastAPI()

    @app.get("/where")
    def where(request: Request) -> dict[str, str]:
        return {
            "scheme": request.url.scheme,
            "url": str(request.url_for("where")),
            "client": request.client.host if request.client else "",
        }

    app.add_middleware(TrustedProxyMiddleware, trusted=trusted)
    return TestClient(app, client=(peer, 1234), base_url="http://valbar.se")


def test_a_trusted_proxy_says_the_client_used_https() -> None:
    seen = (
        _client("10.0.0.5", ["10.0.0.0/8"])
        .get("/where", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"})
        .json()
    )
    assert seen == {"scheme": "https", "url": "https://valbar.se/where", "client": "1.2.3.4"}


def test_the_last_value_counts_and_garbage_is_ignored() -> None:
    client = _client("10.0.0.5", ["10.0.0.0/8"])
    assert (
        client.get("/where", headers={"X-Forwarded-Proto": "http, https"}).json()["scheme"]
        == "https"
    )
    assert client.get("/where", headers={"X-Forwarded-Proto": "gopher"}).json()["scheme"] == "http"


def test_an_untrusted_peer_cannot_claim_https() -> None:
    for peer, trusted in (("203.0.113.9", ["10.0.0.0/8"]), ("10.0.0.5", [])):
        seen = _client(peer, trusted).get("/where", headers={"X-Forwarded-Proto": "https"})
        assert seen.json()["scheme"] == "http"
