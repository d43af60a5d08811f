"""Managing API keys: issue one (name, scope, expiry, the organisation's cap), list the
keys a user may see, revoke one.

Who sees what: every user their own keys; an organisation's representative (retailer) or
manager (clinic) also the keys of every member of their organisation, and may revoke them.
Nobody sees another organisation's keys: such a key is "not found" (:class:`KeyNotFound`),
never "forbidden", so its existence does not leak.

The cap of active keys (``api_keys_per_organisation``) counts the unrevoked, unexpired keys
of every member of the organisation (of the user alone without organisation). Two creates
at once cannot both take the last place: the organisation's (or user's) row is locked
first (``SELECT .. FOR UPDATE`` on PostgreSQL) and the key is inserted by one ``INSERT ..
SELECT .. WHERE <active count> < cap`` statement, which SQLite runs under its single
writer lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from api.auth import (
    ApiKeyCache,
    key_expired,
    key_hash_of,
    new_key_secret,
    revoke_api_key,
)
from catalog import audit
from catalog.enums import KeyScope, OrgRole
from catalog.models import ApiKey, Organisation, User
from catalog.single_line import has_control

KEY_TIME_ZONE = ZoneInfo("Europe/Stockholm")
MAX_KEY_DAYS = 5 * 366  # an expiry further off is a typo, not a plan
FEED_ROLES = frozenset({"retailer", "merchandiser", "admin"})  # who may upload feeds


class KeyRefused(ValueError):
    """A key that cannot be made as asked; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class TooManyKeys(Exception):
    """The organisation (or user) already holds ``cap`` active keys."""

    def __init__(self, cap: int) -> None:
        super().__init__(
            f"your organisation already has {cap} active API keys (the most allowed); "
            "revoke one first"
        )
        self.cap = cap


class KeyNotFound(LookupError):
    """No key with this id that the user may see."""


def expiry_of(day: date) -> datetime:
    """The moment a key "valid through ``day``" expires: the end of that day in Sweden."""
    return datetime.combine(day + timedelta(days=1), time(0), KEY_TIME_ZONE).astimezone(UTC)


def check_new_key(
    user: User, name: str, scope: str, expires_on: date | None, today: date
) -> tuple[str, KeyScope, datetime | None]:
    """The key's name, scope and expiry moment once valid; :class:`KeyRefused` names the
    field that is not."""
    clean = name.strip()
    if not clean or len(clean) > 100:
        raise KeyRefused("name", "the name must be 1-100 characters")
    if has_control(clean):  # listed one a line (valbar key list, the keys page)
        raise KeyRefused("name", "the name must be one line (no line breaks or control characters)")
    try:
        wanted = KeyScope(scope)
    except ValueError:
        allowed = ", ".join(s.value for s in KeyScope)
        raise KeyRefused("scope", f"unknown scope {scope[:20]!r}; one of {allowed}") from None
    if wanted is KeyScope.FEEDS and user.role not in FEED_ROLES:
        raise KeyRefused("scope", "a 'feeds' key is for retailer accounts (feed uploads)")
    if expires_on is None:
        return clean, wanted, None
    if expires_on < today:
        raise KeyRefused("expires", "the expiry date has passed; give today or a later date")
    if expires_on > today + timedelta(days=MAX_KEY_DAYS):
        raise KeyRefused("expires", "the expiry date is more than five years away")
    return clean, wanted, expiry_of(expires_on)


def _active(now: datetime) -> ColumnElement[bool]:
    return ApiKey.revoked_at.is_(None) & or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now)


def _holder_keys(user: User) -> ColumnElement[bool]:
    """The keys counted together with ``user``'s: their organisation's, else their own."""
    if user.organisation_id is None:
        return ApiKey.user_id == user.id
    members = select(User.id).where(User.organisation_id == user.organisation_id)
    return ApiKey.user_id.in_(members.scalar_subquery())


def _lock_holder(session: Session, user: User) -> None:
    """Hold the organisation's (or the user's) row until the commit: concurrent creates for
    one organisation on PostgreSQL take turns (SQLite emits no FOR UPDATE; its writes are
    serialised, and the insert below decides in one statement)."""
    if user.organisation_id is not None:
        lock: Select[int] = select(Organisation.id).where(Organisation.id == user.organisation_id)
    else:
        lock = select(User.id).where(User.id == user.id)
    session.execute(lock.with_for_update())


def active_key_count(session: Session, user: User, now: datetime) -> int:
    stmt = select(func.count()).select_from(ApiKey).where(_holder_keys(user), _active(now))
    return int(session.scalar(stmt) or 0)


def issue_api_key(
    session: Session,
    user: User,
    name: str,
    scope: KeyScope,
    expires_at: datetime | None,
    *,
    cap: int,
    now: datetime,
    channel: str = "api",
    operator: bool = False,
) -> tuple[ApiKey, str]:
    """A new key for ``user`` (flushed, audited; the caller commits) and its plaintext,
    shown once. Raises :class:`TooManyKeys` when the holder has ``cap`` active keys.
    ``operator``: made by the service's operator (the CLI), not by ``user``."""
    _lock_holder(session, user)
    prefix, plaintext = new_key_secret()
    room = select(func.count()).select_from(ApiKey).where(_holder_keys(user), _active(now))
    values: dict[str, ColumnElement[Any]] = {
        "user_id": literal(user.id),
        "name": literal(name),
        "prefix": literal(prefix),
        "key_hash": literal(key_hash_of(plaintext)),
        "scope": literal(scope.value),
        "created_at": literal(now, ApiKey.created_at.type),
        "expires_at": literal(expires_at, ApiKey.expires_at.type),
    }
    source = select(*values.values()).where(room.scalar_subquery() < cap)
    # the columns' plain defaults (rate_limit_per_minute) join the insert (include_defaults)
    new_id = session.scalar(insert(ApiKey).from_select(list(values), source).returning(ApiKey.id))
    if new_id is None:
        raise TooManyKeys(cap)
    key = session.get(ApiKey, new_id)
    assert key is not None
    audit.record(
        session,
        actor=None if operator else user,
        channel=channel,
        action="api_key.create",
        target_kind="api_key",
        target_id=key.id,
        detail={"name": name, "scope": scope.value, "prefix": prefix, "owner_id": user.id},
    )
    return key, plaintext


def manages_keys_of_organisation(user: User) -> bool:
    """True for a representative or manager: they see and revoke their members' keys."""
    if user.organisation_id is None or user.org_role is None:
        return False
    try:
        return OrgRole(user.org_role).manages
    except ValueError:
        return False


def _visible(user: User) -> ColumnElement[bool]:
    if manages_keys_of_organisation(user):
        return _holder_keys(user)
    return ApiKey.user_id == user.id


@dataclass(frozen=True, slots=True)
class KeyRow:
    """A key as its list shows it, with its owner's e-mail address."""

    key: ApiKey
    owner_email: str

    def state(self, now: datetime) -> str:
        if self.key.revoked_at is not None:
            return "revoked"
        if key_expired(self.key.expires_at, now):
            return "expired"
        return "active"


def visible_keys(
    session: Session, user: User, *, limit: int, offset: int
) -> tuple[Sequence[KeyRow], int]:
    """The keys ``user`` may see, newest first, one page of them, and how many in all."""
    where = _visible(user)
    total = int(session.scalar(select(func.count()).select_from(ApiKey).where(where)) or 0)
    rows = session.execute(
        select(ApiKey, User.email)
        .join(User, User.id == ApiKey.user_id)
        .where(where)
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [KeyRow(key, email) for key, email in rows], total


def visible_key(session: Session, user: User, key_id: int) -> ApiKey:
    """The key ``key_id`` if ``user`` may see (and so revoke) it, else :class:`KeyNotFound`."""
    key = session.scalar(select(ApiKey).where(ApiKey.id == key_id, _visible(user)))
    if key is None:
        raise KeyNotFound(f"no API key {key_id}")
    return key


def revoke_visible_key(
    session: Session,
    user: User,
    key_id: int,
    cache: ApiKeyCache | None,
    *,
    channel: str = "api",
) -> ApiKey:
    """Revoke a key ``user`` may see (committed, audited; at once in this worker's cache).
    Revoking a revoked key again changes nothing."""
    key = visible_key(session, user, key_id)
    if key.revoked_at is not None:
        return key
    audit.record(
        session,
        actor=user,
        channel=channel,
        action="api_key.revoke",
        target_kind="api_key",
        target_id=key.id,
        detail={"prefix": key.prefix, "owner_id": key.user_id},
    )
    revoke_api_key(session, key, cache)
    return key
