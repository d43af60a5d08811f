"""``X-Request-ID``: every request gets an id, on the response, on each log line logged
while serving it (``catalog.logs``) and in its problem+json body (``api.problems``).

A sane incoming id (from a proxy or a client that wants to follow its request: 1-128
letters, digits and ``._:-``) is kept, so one id follows a request through the proxy's
log and ours; anything else is replaced by a new random id.
"""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.logs import request_id_var

HEADER = "X-Request-ID"
_RAW_HEADER = HEADER.lower().encode()
_SANE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: bytes | None) -> str:
    """The incoming id when it is sane, else a new one."""
    if value is not None:
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        if _SANE.fullmatch(text):
            return text
    return new_request_id()


class RequestIdMiddleware:
    """Pure ASGI middleware (outermost but for the client address): sets the request id for
    the request's context and adds ``X-Request-ID`` to its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope.get("headers") or [] if k == _RAW_HEADER), None)
        request_id = accepted_request_id(incoming)
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        header = (_RAW_HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != _RAW_HEADER]
                message["headers"] = [*headers, header]
            await send(message)

        await self.app(scope, receive, send_with_id)
        # reset only after a normal end: an exception goes on to Starlette's outermost error
        # handler, whose 500 answer and log line still carry the id (the request's task ends
        # with it)
        request_id_var.reset(token)
