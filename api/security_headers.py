"""Security headers on every response (API, UI, static files, errors).

The web UI runs no inline script and no inline style (templates load ``/static/*.js`` and
``/static/valbar.css``; htmx is configured not to inject styles nor evaluate code), so the
Content-Security-Policy allows only this origin. A response that needs more sets its own
``Content-Security-Policy`` (Swagger UI at ``/docs``: :func:`docs_policy` with a nonce for
its one inline start-up script); the middleware never overrides a header already set.
HSTS is sent only in production (behind TLS).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
BASE_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def docs_policy(nonce: str) -> str:
    """Swagger UI: its bundle and CSS from this origin, its start-up script by nonce, the
    inline styles its components set, and data: images."""
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def frame_policy(sources: Sequence[str]) -> str:
    """The site's policy with ``frame-src`` allowing exactly ``sources`` (origins such as
    ``https://player.vimeo.com``): a retailer page that embeds its video (``ui.routes.clinic``)."""
    for source in sources:
        if not source.startswith("https://") or any(c in source for c in " ;,'\""):
            raise ValueError(f"not a frame source: {source!r}")
    return f"{CSP}; frame-src {' '.join(sources)}"


def security_headers(production: bool) -> list[tuple[bytes, bytes]]:
    pairs = [("content-security-policy", CSP), *BASE_HEADERS]
    if production:
        pairs.append(("strict-transport-security", HSTS))
    return [(k.encode(), v.encode()) for k, v in pairs]


class SecurityHeadersMiddleware:
    """Adds :func:`security_headers` to every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.headers = security_headers(production)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_wrapper)
