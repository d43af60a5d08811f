"""``Idempotency-Key`` for POSTs that create something: a retry gets the first response.

A client sends ``Idempotency-Key: <any 1..200 visible ASCII characters>`` with a creating
POST (checkout, cart items, reorder, reviews, reports, RMA, campaigns, feed uploads, ranking
drafts and rollbacks; not ``POST /api-keys``, whose stored response would keep the plaintext
key). Per owner (the
user, or the API key) and key:

* the first request **claims** the key: a row in ``idempotency_record`` with no status yet,
  committed before the route runs, so every worker process sees it; the route's own commit
  marks the row *committed* in the same transaction as the thing it creates (status 0), so
  a request whose process died after creating something is never run a second time;
* a request with the key while the first still runs gets **409** ``idempotency-in-progress``;
* after a 2xx, the status, body and ``Location`` are stored before the response is sent,
  so a client whose connection was reset after the server committed gets the **same
  status, body and Location** again (header ``Idempotent-Replayed: true``) and nothing is
  created twice;
* a request with the key but a different method, path or body gets **422**
  ``idempotency-key-reused``;
* a request that ends in an error before committing created nothing: its claim is released
  and the key may be used again (an error after its commit is stored and replayed).

A claim whose request died before committing anything may be taken over after
``idempotency_stale_seconds``; one that committed but died before storing its response is
answered with 409 ``idempotency-response-lost`` (look the result up instead). Records expire
after ``idempotency_ttl_hours`` (``marketplace.idempotency.expire_records``, run by the
housekeeping pass).
The body is hashed canonically: JSON with sorted keys, forms by field (files by content), so
a multipart boundary or key order does not make a retry "different".

Apply it to a route with ``dependencies=[Idempotent]``; :func:`install_idempotency` adds the
middleware that stores responses and the handler that replays them. Pages use
:func:`claim_key` / :func:`finish` / :func:`release` directly (the checkout form's one-time
token).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import Response
from sqlalchemy import delete, event, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import Caller, CallerDep, SessionDep
from api.problems import ApiProblem, InvalidInput
from catalog.db import rows_matched, transaction
from catalog.models import IdempotencyRecord
from marketplace.dates import as_utc, utc_now

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
STATE_KEY = "idempotency_claim"
_CHUNK = 1 << 20


class KeyReused(ApiProblem):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency key reused"


class RequestInProgress(ApiProblem):
    status, slug, title = 409, "idempotency-in-progress", "Request in progress"


class ResponseLost(ApiProblem):
    status, slug, title = 409, "idempotency-response-lost", "Request done, response lost"


COMMITTED = 0
"""``status_code`` of a claim whose route committed but whose response is not stored yet."""


@dataclass(frozen=True, slots=True)
class Claim:
    """This request holds the key: the record's id (a taken-over claim gets a new id)."""

    record_id: int


class Replay(Exception):
    """The key was used before with the same request: its stored response."""

    def __init__(
        self, status_code: int, content_type: str | None, body: str, location: str | None = None
    ) -> None:
        super().__init__(f"replay of a {status_code} response")
        self.status_code = status_code
        self.content_type = content_type
        self.body = body
        self.location = location


# ---------------------------------------------------------------- pure parts


def valid_key(raw: str) -> str:
    """The key as sent, or :class:`InvalidInput` (1..200 visible ASCII characters)."""
    key = raw.strip()
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise InvalidInput(
            f"{HEADER} must be 1..{MAX_KEY_LENGTH} visible ASCII characters",
            errors=[{"loc": ["header", HEADER], "msg": "invalid idempotency key"}],
        )
    return key


def owner_of(caller: Caller) -> str | None:
    """Whose keys these are: the API key, else the logged-in user; None when anonymous."""
    if caller.key is not None:
        return f"key:{caller.key.key_id}"
    if caller.user_id is not None:
        return f"user:{caller.user_id}"
    return None


def _part(digest: Any, value: bytes) -> None:
    digest.update(f"{len(value)}:".encode())
    digest.update(value)


def canonical_json(body: bytes) -> bytes:
    """Pure: a JSON body with sorted keys and no spacing; other bytes unchanged."""
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return body
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def request_hash(method: str, target: str, parts: Iterable[bytes]) -> str:
    """Pure: sha256 of the method, path with query, and the body's canonical parts."""
    digest = hashlib.sha256()
    _part(digest, method.upper().encode())
    _part(digest, target.encode())
    for part in parts:
        _part(digest, part)
    return digest.hexdigest()


async def _body_parts(request: Request) -> list[bytes]:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return [canonical_json(await request.body())]
    form = await request.form()  # the form FastAPI already parsed (cached on the request)
    parts: list[bytes] = []
    for name, value in sorted(form.multi_items(), key=lambda item: item[0]):
        parts.append(name.encode())
        if isinstance(value, UploadFile):
            content = hashlib.sha256()
            await value.seek(0)
            while chunk := await value.read(_CHUNK):
                content.update(chunk)
            await value.seek(0)  # the route reads the file after us
            parts.append(f"file:{value.filename or ''}:{content.hexdigest()}".encode())
        else:
            parts.append(b"value:" + value.encode())
    return parts


# ---------------------------------------------------------------- storage


def claim_key(
    factory: sessionmaker[Session],
    *,
    owner: str,
    key: str,
    method: str,
    path: str,
    digest: str,
    stale_after: timedelta,
    now: datetime | None = None,
) -> Claim:
    """Claim ``key`` for this request (committed at once), or raise what the key means now:
    :class:`Replay` (done before), :class:`RequestInProgress`, :class:`KeyReused`."""
    for _attempt in range(3):
        now = now or utc_now()
        try:
            with transaction(factory) as session:
                record = IdempotencyRecord(
                    owner=owner,
                    key=key,
                    method=method,
                    path=path,
                    request_hash=digest,
                    created_at=now,
                )
                session.add(record)
                session.flush()
                return Claim(record.id)
        except IntegrityError:
            pass  # the key exists: what does it hold?
        with transaction(factory) as session:
            found = session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.owner == owner, IdempotencyRecord.key == key
                )
            )
            if found is None:
                continue  # released meanwhile: claim again
            if (found.method, found.path, found.request_hash) != (method, path, digest):
                raise KeyReused(
                    f"{HEADER} {key!r} was already used for a different request "
                    f"({found.method} {found.path} with another body); use a new key"
                )
            if found.status_code not in (None, COMMITTED):
                raise Replay(
                    found.status_code,
                    found.content_type,
                    found.response_body or "",
                    found.location,
                )
            if now - as_utc(found.created_at) < stale_after:
                raise RequestInProgress(
                    f"a request with {HEADER} {key!r} is still being processed; "
                    "retry in a moment to get its response",
                    headers={"Retry-After": "1"},
                )
            if found.status_code == COMMITTED:
                raise ResponseLost(
                    f"the request with {HEADER} {key!r} was carried out but its response was "
                    "never stored (the server stopped); look up what it created"
                )
            # its request died without finishing (nothing of it was committed): take over
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.id == found.id, IdempotencyRecord.status_code.is_(None)
                )
            )
    raise RequestInProgress(
        f"{HEADER} {key!r} is contended; retry in a moment", headers={"Retry-After": "1"}
    )


def finish(
    factory: sessionmaker[Session],
    claim: Claim,
    status_code: int,
    content_type: str | None,
    body: str,
    location: str | None = None,
) -> bool:
    """Store the response of a claimed request; False when the claim was taken over."""
    with transaction(factory) as session:
        result = session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == claim.record_id,
                or_(
                    IdempotencyRecord.status_code.is_(None),
                    IdempotencyRecord.status_code == COMMITTED,
                ),
            )
            .values(
                status_code=status_code,
                content_type=content_type,
                response_body=body,
                location=None if location is None else location[:500],
            )
        )
        return bool(rows_matched(result))


def release(factory: sessionmaker[Session], claim: Claim) -> bool:
    """Forget a claim whose request created nothing; False when its route had committed."""
    with transaction(factory) as session:
        result = session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == claim.record_id,
                IdempotencyRecord.status_code.is_(None),
            )
        )
        return bool(rows_matched(result))


def mark_committed_with(session: Session, claim: Claim) -> None:
    """Mark the claim committed inside ``session``'s next commit (the route's own)."""

    def mark(committing: Session) -> None:
        committing.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == claim.record_id,
                IdempotencyRecord.status_code.is_(None),
            )
            .values(status_code=COMMITTED)
        )

    event.listen(session, "before_commit", mark, once=True)


def claim_marker(request: Request) -> Callable[[Session], None]:
    """For a route whose write commits in a session of its own (a feed upload records its
    run through the pipeline's transaction): call the result with that session, so its
    commit marks this request's claim, as :func:`idempotency` does for the route's session."""
    claim = getattr(request.state, STATE_KEY, None)

    def mark(session: Session) -> None:
        if isinstance(claim, Claim):
            mark_committed_with(session, claim)

    return mark


# ---------------------------------------------------------------- the API side


async def idempotency(
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            max_length=MAX_KEY_LENGTH,
            description="Any unique value (a UUID): a retry with the same key and body gets "
            "the first response again instead of creating a second one.",
        ),
    ] = None,
) -> None:
    """The route dependency: with an ``Idempotency-Key``, claim it or answer from it."""
    if idempotency_key is None:
        return
    key = valid_key(idempotency_key)
    owner = owner_of(caller)
    if owner is None:
        return  # anonymous: the route refuses it anyway, and there is no one to key by
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    digest = request_hash(request.method, target, await _body_parts(request))
    settings = request.app.state.settings
    claim = await run_in_threadpool(
        lambda: claim_key(
            request.app.state.session_factory,
            owner=owner,
            key=key,
            method=request.method,
            path=target[:500],
            digest=digest,
            stale_after=timedelta(seconds=settings.idempotency_stale_seconds),
        )
    )
    setattr(request.state, STATE_KEY, claim)
    mark_committed_with(session, claim)  # the route's session: its commit marks the claim


Idempotent = Depends(idempotency)
"""``dependencies=[Idempotent]`` on a route that creates something."""


class IdempotencyMiddleware:
    """Stores the response of a request that claimed a key before the client gets it.

    A 2xx is stored (so a retry replays it); any other outcome releases the claim. Only
    requests whose route claimed a key are buffered.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        start: Message | None = None
        chunks: list[bytes] = []
        settled = False

        async def capture(message: Message) -> None:
            nonlocal start, settled
            claim = state.get(STATE_KEY)
            if not isinstance(claim, Claim) or settled:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            settled = True
            await _settle(scope, claim, start, body)
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            claim = state.get(STATE_KEY)
            if isinstance(claim, Claim) and not settled:
                await run_in_threadpool(release, _factory(scope), claim)
            raise


def _factory(scope: Scope) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = scope["app"].state.session_factory
    return factory


async def _settle(scope: Scope, claim: Claim, start: Message, body: bytes) -> None:
    status = int(start["status"])
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start["headers"]}
    factory = _factory(scope)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    content_type, location = headers.get("content-type"), headers.get("location")
    if 200 <= status < 300 and text is not None:
        await run_in_threadpool(finish, factory, claim, status, content_type, text, location)
    elif not await run_in_threadpool(release, factory, claim) and text is not None:
        # the route committed, then failed: replay that outcome rather than run it again
        await run_in_threadpool(finish, factory, claim, status, content_type, text, location)


async def _on_replay(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    headers = {REPLAYED_HEADER: "true", "Content-Type": exc.content_type or "text/plain"}
    if exc.location is not None:
        headers["Location"] = exc.location
    return Response(exc.body, status_code=exc.status_code, headers=headers)


def install_idempotency(app: FastAPI) -> None:
    """Add the response-storing middleware and the replay handler to ``app``."""
    app.add_exception_handler(Replay, _on_replay)
    app.add_middleware(IdempotencyMiddleware)
