"""Authentication: passwords, session cookies, CSRF tokens and API keys.

* Passwords: Argon2id (:mod:`api.passwords`); old scrypt hashes are rehashed at sign-in.
* Sessions: a cookie ``valbar_session`` signed with itsdangerous holding a random session
  token (kept server-side as its sha256, :mod:`api.sessions`) and the session's CSRF token
  (HttpOnly, SameSite=Lax, Secure in production, ``session_days``).
* CSRF: UI form posts carry ``csrf_token(request)`` and are checked by ``verify_csrf``.
* API keys: ``vb_<prefix>_<secret>``; only the sha256 of the whole key is stored, looked up
  by its prefix and compared in constant time. What a valid key grants is kept for a few
  seconds in an :class:`ApiKeyCache` (by that sha256), so a client's requests do not each
  read the key and its user from the database.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from fastapi import Form, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from api.client_ip import client_ip
from api.passwords import (
    PASSWORD_REASON_TEXT,
    check_password,
    password_weakness,
)
from api.passwords import hash_password as hash_password  # re-exported
from api.passwords import verify_password as verify_password  # re-exported
from api.problems import Forbidden
from api.sessions import create_session, revoke_session, revoke_user_sessions
from api.throttle import account_key
from catalog.enums import KeyScope
from catalog.models import ApiKey, Organisation, User
from catalog.settings import Settings
from marketplace.organisations import sign_in_refusal

SESSION_COOKIE = "valbar_session"
DEVICE_COOKIE = "valbar_device"
DEVICE_DAYS = 365
CSRF_FIELD = "csrf_token"
API_KEY_PREFIX = "vb"
LAST_USED_RESOLUTION = timedelta(minutes=1)
API_KEY_CACHE_SECONDS = 1.0  # the default of settings.api_key_cache_seconds
log = logging.getLogger(__name__)


class Role(StrEnum):
    CLINIC = "clinic"
    RETAILER = "retailer"
    MERCHANDISER = "merchandiser"
    ADMIN = "admin"
    SPONSOR = "sponsor"  # a member of a sponsor organisation: its loyalty programmes only


class AuthError(Exception):
    """Base of authentication errors (mapped to 401 by the API)."""


class InvalidCredentials(AuthError):
    """Unknown e-mail, wrong password or inactive user (deliberately indistinguishable)."""


class OrganisationInactive(AuthError):
    """The right password, but the member's organisation is not active: ``status`` says why
    (``pending``: waiting for approval, or for the e-mail confirmation when ``confirmed``
    is False; ``suspended``; ``refused``). Told only after the password was checked, so it
    reveals nothing to someone who does not know it."""

    def __init__(self, status: str, *, confirmed: bool = True) -> None:
        why = {
            "pending": "waiting for approval"
            if confirmed
            else "waiting for its e-mail confirmation",
            "suspended": "suspended by Valbar",
            "refused": "refused",
        }.get(status, status)
        super().__init__(f"the organisation is {why}; its members cannot sign in")
        self.status = status
        self.confirmed = confirmed


class InvalidApiKey(AuthError):
    """Unknown, malformed or revoked key, or a key whose user is inactive or gone."""


class ExpiredApiKey(InvalidApiKey):
    """A key past its expiry (``ApiKey.expires_at``): refused like a revoked one."""


def key_expired(expires_at: datetime | None, now: datetime) -> bool:
    """True once ``now`` reached ``expires_at`` (SQLite hands back naive UTC datetimes)."""
    if expires_at is None:
        return False
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return now >= expires_at


def expired_message(expires_at: datetime) -> str:
    when = expires_at if expires_at.tzinfo is not None else expires_at.replace(tzinfo=UTC)
    return (
        f"the API key expired at {when.astimezone(UTC).isoformat(timespec='seconds')}; "
        "create a new key"
    )


# ---------------------------------------------------------------- passwords


def authenticate(session: Session, email: str, password: str) -> User:
    """The active user with these credentials; raises :class:`InvalidCredentials`, or
    :class:`OrganisationInactive` for the right password of a member of an organisation that
    is not active (pending, suspended, refused).

    A hash in an old scheme (scrypt) or with old parameters is replaced by a current
    Argon2id hash (flushed; the caller commits with the sign-in).
    """
    wanted = email.strip().lower()
    # a NUL matches no address, and PostgreSQL refuses it in a query (a 500): no lookup
    user = (
        None
        if "\x00" in wanted
        else session.scalar(select(User).where(func.lower(User.email) == wanted))
    )
    # one key derivation whether or not the user exists, is active or has a usable hash
    # (an unknown one is checked against an Argon2id dummy); the replacement hash of a
    # rehash is made only after, for an active user who gave the right password
    ok, rehash = check_password(password, None if user is None else user.password_hash)
    if user is None or not ok:
        raise InvalidCredentials("wrong e-mail or password")
    refusal = sign_in_refusal(session, user)
    if refusal is not None:
        org = session.get(Organisation, user.organisation_id)
        raise OrganisationInactive(
            refusal.value, confirmed=org is None or org.submitted_at is not None or user.active
        )
    if not user.active:
        raise InvalidCredentials("wrong e-mail or password")
    if rehash:
        user.password_hash = hash_password(password)
        session.flush()
    return user


def member_may_act(session: Session, user: User) -> bool:
    """False for a member of an organisation that is not active (suspended by an admin, a
    refused or still waiting sign-up): such a member cannot sign in, their sessions and
    API keys are refused until an admin reactivates the organisation. Platform staff
    belong to no organisation."""
    return sign_in_refusal(session, user) is None


class WeakPassword(ValueError):
    """A new password that is too short, the same as the current one or easily guessed;
    ``reason`` says which (``api.passwords.PASSWORD_REASONS`` or ``same``)."""

    def __init__(self, message: str, reason: str = "too_common") -> None:
        super().__init__(message)
        self.reason = reason


def change_password(
    db: Session, user: User, current: str, new: str, *, keep_token: str | None
) -> int:
    """Set a new password after checking the current one, and end every other session of
    the user (the one of ``keep_token`` stays; API keys stay). Committed; returns how many
    sessions were ended. Raises :class:`InvalidCredentials` or :class:`WeakPassword`."""
    if not verify_password(current, user.password_hash):
        raise InvalidCredentials("the current password is wrong")
    if new == current:
        raise WeakPassword("the new password must differ from the current one", "same")
    if (reason := password_weakness(new, user.email, user.name)) is not None:
        raise WeakPassword(f"the new password is {PASSWORD_REASON_TEXT[reason]}", reason)
    user.password_hash = hash_password(new)
    ended = revoke_user_sessions(db, user.id, keep_token=keep_token)
    db.commit()
    log.info("user %s changed the password; %s other sessions ended", user.id, ended)
    return ended


# ---------------------------------------------------------------- session cookies


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="valbar-session")


def session_max_age(settings: Settings) -> int:
    return settings.session_days * 24 * 3600


def read_session(request: Request) -> dict[str, Any] | None:
    """The verified cookie payload of the request (cached on ``request.state``):
    ``{"csrf": ...}`` for a visitor, plus ``"sid"`` (the session token) once signed in."""
    if hasattr(request.state, "session_payload"):
        cached: dict[str, Any] | None = request.state.session_payload
        return cached
    payload: dict[str, Any] | None = None
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        settings: Settings = request.app.state.settings
        try:
            loaded = _serializer(settings).loads(raw, max_age=session_max_age(settings))
        except BadSignature:
            loaded = None
        if isinstance(loaded, dict):
            payload = loaded
    request.state.session_payload = payload
    return payload


def set_session_cookie(response: Response, settings: Settings, sid: str | None, csrf: str) -> None:
    """The cookie: the session token (``None`` for a visitor) and the CSRF token, signed."""
    data: dict[str, str] = {"csrf": csrf}
    if sid is not None:
        data["sid"] = sid
    response.set_cookie(
        SESSION_COOKIE,
        _serializer(settings).dumps(data),
        max_age=session_max_age(settings),
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
        path="/",
    )


def session_token(request: Request) -> str | None:
    """The server-side session token the cookie carries, if any."""
    payload = read_session(request)
    sid = payload.get("sid") if payload else None
    return sid if isinstance(sid, str) and sid else None


def login_response(response: Response, request: Request, db: Session, user: User) -> None:
    """Start a fresh server-side session for ``user`` and commit it: a new token and a new
    CSRF token every time (no session fixation); the session the browser had is ended."""
    settings: Settings = request.app.state.settings
    old = session_token(request)
    if old is not None:
        revoke_session(db, old)
    token = create_session(
        db,
        user.id,
        days=settings.session_days,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    db.commit()
    set_session_cookie(response, settings, token, secrets.token_urlsafe(32))
    set_device_cookie(response, request, user.email)


def account_tag(settings: Settings, email: str) -> str:
    """The account a known-browser cookie is for: keyed, so the readable (signed, not
    encrypted) cookie tells nobody which e-mail address it is for."""
    mac = hmac.new(settings.secret_key.encode(), account_key(email).encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def _device_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="valbar-device")


def known_device(request: Request, email: str) -> str | None:
    """The id of this browser when it signed in to the account of ``email`` before (the
    ``valbar_device`` cookie, signed, kept over sign-outs), else ``None``.

    The sign-in throttle counts such a browser's attempts apart from the account's, so an
    attacker who locks the account with wrong passwords does not lock its owner out (OWASP's
    "device cookies")."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    settings: Settings = request.app.state.settings
    try:
        data = _device_serializer(settings).loads(raw, max_age=DEVICE_DAYS * 24 * 3600)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != account_tag(settings, email):
        return None
    device = data.get("d")
    return device if isinstance(device, str) and device else None


def set_device_cookie(response: Response, request: Request, email: str) -> None:
    """Mark this browser as one that signed in to the account of ``email``."""
    settings: Settings = request.app.state.settings
    device = known_device(request, email) or secrets.token_urlsafe(16)
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer(settings).dumps({"a": account_tag(settings, email), "d": device}),
        max_age=DEVICE_DAYS * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
        path="/",
    )


def clear_device(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        DEVICE_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
    )


def logout_response(response: Response, request: Request, db: Session) -> None:
    """End the request's session server-side (committed) and clear the cookie."""
    token = session_token(request)
    if token is not None:
        revoke_session(db, token)
        db.commit()
    clear_session(response, request.app.state.settings)


def clear_session(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
    )


# ---------------------------------------------------------------- CSRF


def csrf_token(request: Request) -> str:
    """The session's CSRF token for a form (templates call this).

    An anonymous visitor gets a token too; the response then sets a session cookie holding
    it (see ``api.app``'s session middleware via ``request.state.new_csrf``).
    """
    payload = read_session(request)
    token = payload.get("csrf") if payload else None
    if isinstance(token, str) and token:
        return token
    new: str | None = getattr(request.state, "new_csrf", None)
    if new is None:
        new = secrets.token_urlsafe(32)
        request.state.new_csrf = new
    return new


class CsrfRefused(Forbidden):
    """A form posted without the session's CSRF token (403): a page answers it with an HTML
    page (``valbar.app``), the API with problem+json."""

    slug = "csrf"


async def verify_csrf(request: Request, csrf_token: str = Form("")) -> None:
    """Dependency for UI form posts: the form's ``csrf_token`` must match the session's."""
    payload = read_session(request)
    expected = payload.get("csrf") if payload else None
    if not isinstance(expected, str) or not csrf_token:
        raise CsrfRefused("missing CSRF token; reload the page and try again")
    if not hmac.compare_digest(expected, csrf_token):
        raise CsrfRefused("invalid CSRF token; reload the page and try again")


# ---------------------------------------------------------------- API keys


def _key_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def key_digest(plaintext: str) -> str:
    """The stored hash of a presented key (sha256: keys are random 256-bit tokens, so a slow
    password KDF would add cost without adding strength)."""
    return _key_hash(plaintext.strip())


def new_key_secret() -> tuple[str, str]:
    """A fresh ``(prefix, plaintext)``: ``vb_<prefix>_<secret>``."""
    prefix = secrets.token_hex(6)
    return prefix, f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def create_api_key(
    session: Session,
    user: User,
    name: str,
    *,
    scope: KeyScope = KeyScope.FULL,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key for ``user`` (flushed); the plaintext is returned once and never stored.

    No checks: :func:`api.api_keys.issue_api_key` is what people's requests go through
    (the scope fits the role, the organisation's cap of active keys)."""
    prefix, plaintext = new_key_secret()
    key = ApiKey(
        user_id=user.id,
        name=name,
        prefix=prefix,
        key_hash=_key_hash(plaintext),
        scope=scope.value,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return key, plaintext


def key_hash_of(plaintext: str) -> str:
    """The stored hash of a key just made (:func:`new_key_secret`)."""
    return _key_hash(plaintext)


def parse_api_key(plaintext: str) -> str | None:
    """The prefix of a well-formed key, else ``None``."""
    parts = plaintext.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def lookup_api_key(session: Session, plaintext: str) -> ApiKey | None:
    """The active key matching ``plaintext`` (constant-time hash comparison)."""
    prefix = parse_api_key(plaintext)
    if prefix is None:
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, _key_hash(plaintext.strip())):
        return None
    return key


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """What a valid API key grants: plain values, no ORM objects (those belong to one session).

    ``organisation_id`` names the rate-limit bucket every key of the organisation shares
    (``None``: the user's own bucket)."""

    key_id: int
    user_id: int
    rate_limit_per_minute: int
    scope: str = KeyScope.FULL.value
    organisation_id: int | None = None
    expires_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return key_expired(self.expires_at, now)


def grant_for(session: Session, plaintext: str, now: datetime | None = None) -> KeyGrant:
    """The grant of an active, unexpired key of an active user; raises
    :class:`InvalidApiKey` (:class:`ExpiredApiKey` for a key past its expiry)."""
    key = lookup_api_key(session, plaintext)
    if key is None:
        raise InvalidApiKey("invalid or revoked API key")
    if key.expires_at is not None and key_expired(key.expires_at, now or datetime.now(UTC)):
        raise ExpiredApiKey(expired_message(key.expires_at))
    user = session.get(User, key.user_id)
    if user is None or not user.active:
        raise InvalidApiKey("the API key's user is inactive")
    if sign_in_refusal(session, user) is not None:
        raise InvalidApiKey("the API key's organisation is not active")
    return KeyGrant(
        key.id,
        key.user_id,
        key.rate_limit_per_minute,
        scope=key.scope,
        organisation_id=user.organisation_id,
        expires_at=key.expires_at,
    )


REFRESH_AHEAD = 0.2  # of the TTL: reload a grant in use once this little of its time is left


class ApiKeyCache:
    """Grants of valid keys by :func:`key_digest`, each kept for ``ttl`` seconds.

    Only keys that were valid are cached (a wrong key always reaches the database, and
    cannot fill the cache). In this process a revocation takes effect at once: the code
    that revokes a key or deletes a user calls :meth:`forget_key`/:meth:`forget_user` after
    its commit (:func:`revoke_api_key` does). Other worker processes, and changes made
    directly in the database, are seen within ``ttl`` seconds (``api_key_cache_seconds``,
    1 s by default: a grant expires ``ttl`` after the read that loaded it began). A lookup
    that started before a ``forget`` is not stored (``generation``), so a slow read cannot
    bring a forgotten grant back.

    :meth:`fetch` loads a missing grant once for every request that asks while the load
    runs: when a busy key's entry expired, each of its in-flight requests used to read the
    database on its own (bench.http: a worker's 16 concurrent requests stalled together
    every ``ttl`` seconds).
    """

    def __init__(
        self,
        ttl: float = API_KEY_CACHE_SECONDS,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, KeyGrant]] = {}
        # digest -> (generation when it started, the load); event-loop side only
        self._loading: dict[str, tuple[int, asyncio.Future[KeyGrant]]] = {}
        self.generation = 0

    def get(self, digest: str) -> KeyGrant | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            with self._lock:
                if self._entries.get(digest) is entry:
                    del self._entries[digest]
            return None
        return entry[1]

    async def fetch(self, digest: str, load: Callable[[], Awaitable[KeyGrant]]) -> KeyGrant:
        """The cached grant, else the result of one ``load`` shared by concurrent callers
        (its exception, e.g. :class:`InvalidApiKey`, reaches each of them; nothing is kept).

        A grant in the last fifth of its time is reloaded in the background while callers
        go on with it, so a key in steady use never expires under its requests; a reload
        that finds the key invalid (revoked elsewhere) drops the grant, any other failure
        (the database busy) leaves it to its normal expiry. A load that started before a
        ``forget`` is never joined: a request after a revocation reads afresh.
        """
        entry = self._entries.get(digest)
        if entry is not None:
            left = entry[0] - self._clock()
            if left > 0:
                if left <= self.ttl * REFRESH_AHEAD and self._joinable(digest) is None:
                    self._load(digest, load)
                return entry[1]
        pending = self._joinable(digest) or self._load(digest, load)
        # shielded: a caller that goes away does not cancel the others' load
        return await asyncio.shield(pending)

    def _joinable(self, digest: str) -> asyncio.Future[KeyGrant] | None:
        """A load of ``digest`` this caller may share: same generation, same event loop."""
        found = self._loading.get(digest)
        if found is None:
            return None
        generation, pending = found
        if generation != self.generation or pending.get_loop() is not asyncio.get_running_loop():
            return None
        return pending

    def _load(
        self, digest: str, load: Callable[[], Awaitable[KeyGrant]]
    ) -> asyncio.Future[KeyGrant]:
        generation = self.generation
        started = self._clock()  # the grant is as old as the read, not the store
        pending = asyncio.ensure_future(load())
        self._loading[digest] = (generation, pending)

        def settle(done: asyncio.Future[KeyGrant]) -> None:
            if self._loading.get(digest, (None, None))[1] is done:
                del self._loading[digest]
            if done.cancelled():
                return
            error = done.exception()
            if error is None:
                self.put(digest, done.result(), generation, started=started)
            elif isinstance(error, InvalidApiKey):
                with self._lock:
                    self._entries.pop(digest, None)

        pending.add_done_callback(settle)
        return pending

    def put(
        self, digest: str, grant: KeyGrant, generation: int, *, started: float | None = None
    ) -> None:
        """Store a grant read when :attr:`generation` was ``generation``; it expires ``ttl``
        after ``started`` (when its read began), so no grant outlives a revocation made
        in another process by more than ``ttl``."""
        with self._lock:
            if generation != self.generation or self.ttl <= 0:
                return
            if len(self._entries) >= self.max_entries:
                now = self._clock()
                self._entries = {d: e for d, e in self._entries.items() if e[0] > now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            begun = self._clock() if started is None else started
            self._entries[digest] = (begun + self.ttl, grant)

    def _forget(self, keep: Callable[[KeyGrant], bool]) -> None:
        with self._lock:
            self.generation += 1
            self._entries = {d: e for d, e in self._entries.items() if keep(e[1])}

    def forget_key(self, key_id: int) -> None:
        self._forget(lambda grant: grant.key_id != key_id)

    def forget_user(self, user_id: int) -> None:
        self._forget(lambda grant: grant.user_id != user_id)

    def clear(self) -> None:
        self._forget(lambda _grant: False)

    def __len__(self) -> int:
        return len(self._entries)


def revoke_api_key(session: Session, key: ApiKey, cache: ApiKeyCache | None = None) -> None:
    """Revoke ``key`` (committed here) and forget it in ``cache`` at once."""
    key.revoked_at = datetime.now(UTC)
    session.commit()
    if cache is not None:
        cache.forget_key(key.id)


def deactivate_user(session: Session, user: User, cache: ApiKeyCache | None = None) -> None:
    """Deactivate ``user`` (committed): every session ends server-side and, in this process,
    their API keys stop at once (other processes within ``api_key_cache_seconds``)."""
    user.active = False
    revoke_user_sessions(session, user.id)
    session.commit()
    if cache is not None:
        cache.forget_user(user.id)


_touched: dict[int, datetime] = {}
_touch_lock = threading.Lock()


def due_for_touch(key_id: int, now: datetime) -> bool:
    """True at most once a minute per key and process: when ``last_used_at`` is written."""
    with _touch_lock:
        last = _touched.get(key_id)
        if last is not None and now - last < LAST_USED_RESOLUTION:
            return False
        _touched[key_id] = now
        return True


def touch_api_key(factory: sessionmaker[Session], key_id: int, now: datetime) -> None:
    """Record a key's last use, after the response and in its own short transaction.

    ``last_used_at`` is advisory: when the database is busy the write is skipped rather
    than making the request (or its pooled connection) wait for the lock.
    """
    try:
        with factory() as session:
            session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
            session.commit()
    except OperationalError:
        log.info("api key %s: last_used_at not written (database busy)", key_id)
