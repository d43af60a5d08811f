"""A retailer's feed URLs: registered, edited, removed, fetched now (issue 19).

A retailer's user registers up to :data:`MAX_SOURCES` URLs, each with a schedule
(``marketplace.feed_schedule``), a mode (``full`` or ``delta``) and optionally a login
(basic: user name and password; bearer: a token), sealed at rest
(``marketplace.feed_secrets``) and never shown again. The URL is checked when registered
(``marketplace.feed_address``: public addresses only, unless allow-listed) and again by
every fetch (``marketplace.feed_fetch``). The same URL twice (or twice at once) is one
source (a unique constraint). "Fetch now" (:func:`request_fetch`) is idempotent: a
request while one is pending adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.db import rows_matched
from catalog.models import User
from marketplace.access import logged_in
from marketplace.dates import as_utc
from marketplace.errors import InvalidInput, NotAllowed, NotFound
from marketplace.feed_address import Network, Resolver, check_feed_url
from marketplace.feed_schedule import ScheduleError, normalize
from marketplace.feed_secrets import seal
from marketplace.models import FeedFetch, FeedSource
from marketplace.webhooks import resolve

MAX_SOURCES = 10
MODES = ("full", "delta")
AUTH_KINDS = ("none", "basic", "bearer")
HISTORY = 20


def _fail(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", code=code, field=field)


@dataclass(frozen=True, slots=True)
class SourceInput:
    """What the retailer gives (``auth_secret`` None on an edit = keep the stored one)."""

    url: str
    schedule: str
    mode: str = "full"
    auth_kind: str = "none"
    auth_username: str = ""
    auth_secret: str | None = None


def retailer_of(user: User | None) -> int:
    """The retailer whose feed URLs ``user`` manages (a retailer's user only)."""
    me = logged_in(user)
    if me.role != "retailer" or me.retailer_id is None:
        raise NotAllowed("only a retailer's users manage its feed URLs")
    return me.retailer_id


def _validated(data: SourceInput, allow: Sequence[Network], resolver: Resolver) -> SourceInput:
    check_feed_url(data.url, allow=allow, resolver=resolver)
    try:
        schedule = normalize(data.schedule)
    except ScheduleError as exc:
        raise _fail("schedule", str(exc).removeprefix("schedule: "), "feed_schedule") from exc
    if data.mode not in MODES:
        raise _fail("mode", f"choose one of {', '.join(MODES)}", "feed_mode")
    if data.auth_kind not in AUTH_KINDS:
        raise _fail("auth_kind", f"choose one of {', '.join(AUTH_KINDS)}", "feed_auth")
    username = data.auth_username.strip()
    if data.auth_kind == "basic" and not username:
        raise _fail("auth_username", "give the user name of the basic login", "feed_auth")
    if len(username) > 200 or ":" in username:
        raise _fail("auth_username", "at most 200 characters and no ':'", "feed_auth")
    if data.auth_secret is not None and len(data.auth_secret) > 2000:
        raise _fail("auth_secret", "at most 2000 characters", "feed_auth")
    return SourceInput(
        data.url.strip(), schedule, data.mode, data.auth_kind, username, data.auth_secret
    )


def _apply_auth(source: FeedSource, data: SourceInput, master: bytes) -> None:
    if data.auth_kind == "none":
        source.auth_kind, source.auth_username, source.auth_secret = "none", "", None
        return
    if data.auth_secret:
        source.auth_secret = seal(master, data.auth_secret)
    elif data.auth_kind != source.auth_kind or source.auth_secret is None:
        field = "auth_secret"
        raise _fail(field, "give the password or token of the login", "feed_auth")
    source.auth_kind = data.auth_kind
    source.auth_username = data.auth_username if data.auth_kind == "basic" else ""


def create_source(
    session: Session,
    user: User | None,
    data: SourceInput,
    *,
    master: bytes,
    allow: Sequence[Network] = (),
    now: datetime,
    resolver: Resolver = resolve,
) -> FeedSource:
    """A new source of the user's retailer, due at once; the caller commits."""
    retailer_id = retailer_of(user)
    assert user is not None
    clean = _validated(data, allow, resolver)
    count = session.scalar(
        select(func.count()).select_from(FeedSource).where(FeedSource.retailer_id == retailer_id)
    )
    if (count or 0) >= MAX_SOURCES:
        raise _fail("url", f"at most {MAX_SOURCES} feed URLs per retailer", "feed_cap")
    at = as_utc(now)
    source = FeedSource(
        retailer_id=retailer_id,
        url=clean.url,
        schedule=clean.schedule,
        mode=clean.mode,
        auth_kind="none",
        auth_username="",
        active=True,
        next_fetch_at=at,
        failures=0,
        created_by=user.id,
        created_at=at,
        updated_at=at,
    )
    _apply_auth(source, clean, master)
    try:
        with session.begin_nested():
            session.add(source)
    except IntegrityError as exc:  # the same URL twice (or twice at once)
        raise _fail("url", "this feed URL is already registered", "feed_duplicate") from exc
    return source


def sources_of(session: Session, user: User | None) -> list[FeedSource]:
    retailer_id = retailer_of(user)
    return list(
        session.scalars(
            select(FeedSource).where(FeedSource.retailer_id == retailer_id).order_by(FeedSource.id)
        )
    )


def source_of(session: Session, user: User | None, source_id: int) -> FeedSource:
    """The source when it is the user's retailer's (404 otherwise: another's is not even
    confirmed to exist)."""
    retailer_id = retailer_of(user)
    source = session.get(FeedSource, source_id)
    if source is None or source.retailer_id != retailer_id:
        raise NotFound(f"no feed URL {source_id}")
    return source


def update_source(
    session: Session,
    user: User | None,
    source_id: int,
    data: SourceInput,
    *,
    master: bytes,
    allow: Sequence[Network] = (),
    now: datetime,
    resolver: Resolver = resolve,
) -> FeedSource:
    """Change the URL, schedule, mode or login; a new URL forgets the last ETag and is due
    at once. The caller commits."""
    source = source_of(session, user, source_id)
    clean = _validated(data, allow, resolver)
    if clean.url != source.url:
        source.url, source.etag, source.last_modified = clean.url, None, None
        source.next_fetch_at = as_utc(now)
        source.failures, source.failing_since = 0, None
    source.schedule, source.mode = clean.schedule, clean.mode
    _apply_auth(source, clean, master)
    source.updated_at = as_utc(now)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise _fail("url", "this feed URL is already registered", "feed_duplicate") from exc
    return source


def delete_source(session: Session, user: User | None, source_id: int) -> None:
    """Remove the source and its fetch log (the runs it made stay); the caller commits."""
    session.delete(source_of(session, user, source_id))
    session.flush()


def request_fetch(session: Session, user: User | None, source_id: int, *, now: datetime) -> bool:
    """Ask for a fetch as soon as possible; False when one is already pending (two clicks:
    one fetch). The caller commits."""
    source = source_of(session, user, source_id)
    at = as_utc(now)
    result = session.execute(
        update(FeedSource)
        .where(FeedSource.id == source.id, FeedSource.fetch_requested_at.is_(None))
        .values(fetch_requested_at=at, next_fetch_at=at)
        .execution_options(synchronize_session=False)
    )
    session.expire(source)
    return rows_matched(result) == 1


def fetches_of(
    session: Session, user: User | None, source_id: int, *, limit: int = HISTORY
) -> list[FeedFetch]:
    """The source's newest fetches."""
    source = source_of(session, user, source_id)
    return list(
        session.scalars(
            select(FeedFetch)
            .where(FeedFetch.source_id == source.id)
            .order_by(FeedFetch.started_at.desc(), FeedFetch.id.desc())
            .limit(limit)
        )
    )
