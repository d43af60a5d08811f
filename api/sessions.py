"""Server-side browser sessions (table ``user_session``), so a session can be ended.

The cookie carries a random token; only its sha256 is stored (a database leak yields no
usable cookie). A session is valid while it is not revoked, not expired and its user is
active; ``last_seen_at`` is written at most once a minute. Logout revokes the session,
a password change revokes the user's other sessions, suspending an organisation revokes
its members' (and the lookup checks the organisation is active), deleting a user deletes them
(``ON DELETE CASCADE``; :func:`marketplace.gdpr.delete_account` also deletes them) and a
deactivated user's sessions stop at once (the lookup checks ``active``).

Sessions are not cached: each request with a session cookie reads its row and user in one
query, so an ended session stops in every worker process with the next request.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from catalog.db import rows_matched
from catalog.enums import OrgStatus
from catalog.models import Organisation, User, UserSession
from marketplace.dates import as_utc, utc_now

TOUCH_EVERY = timedelta(minutes=1)
log = logging.getLogger(__name__)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(
    db: Session,
    user_id: int,
    *,
    days: int,
    ip: str | None = None,
    user_agent: str | None = None,
    now: datetime | None = None,
) -> str:
    """A new session for ``user_id`` (flushed, not committed); returns the cookie token."""
    now = now or utc_now()
    token = secrets.token_urlsafe(32)
    db.add(
        UserSession(
            id=token_digest(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=days),
            ip=(ip or None) and ip[:64],
            user_agent=(user_agent or None) and user_agent[:300],
        )
    )
    db.flush()
    return token


def session_user(db: Session, token: str, now: datetime | None = None) -> int | None:
    """The id of the active user whose live session ``token`` is, else ``None``.

    Writes ``last_seen_at`` (committed) when it is a minute old or more.
    """
    now = now or utc_now()
    row = db.execute(
        select(UserSession.id, UserSession.user_id, UserSession.last_seen_at)
        .join(User, User.id == UserSession.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(
            UserSession.id == token_digest(token),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
            User.active.is_(True),
            # a member of a suspended (or not yet approved) organisation is signed out
            or_(User.organisation_id.is_(None), Organisation.status == OrgStatus.ACTIVE.value),
        )
    ).first()
    if row is None:
        return None
    if now - as_utc(row.last_seen_at) >= TOUCH_EVERY:
        try:
            db.execute(
                update(UserSession)
                .where(UserSession.id == row.id, UserSession.last_seen_at < now - TOUCH_EVERY)
                .values(last_seen_at=now)
            )
            db.commit()
        except OperationalError:  # advisory: never fail a request for it
            db.rollback()
            log.info("session last_seen_at not written (database busy)")
    return int(row.user_id)


def revoke_session(db: Session, token: str, now: datetime | None = None) -> None:
    """End the session of ``token`` (not committed)."""
    db.execute(
        update(UserSession)
        .where(UserSession.id == token_digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now or utc_now())
    )


def revoke_user_sessions(
    db: Session, user_id: int, *, keep_token: str | None = None, now: datetime | None = None
) -> int:
    """End every live session of ``user_id`` except ``keep_token``'s (not committed)."""
    query = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep_token is not None:
        query = query.where(UserSession.id != token_digest(keep_token))
    result = db.execute(query.values(revoked_at=now or utc_now()))
    return rows_matched(result)


def delete_user_sessions(db: Session, user_id: int) -> None:
    db.execute(delete(UserSession).where(UserSession.user_id == user_id))


def purge_sessions(db: Session, now: datetime | None = None) -> int:
    """Delete sessions that expired or were revoked more than a day ago (not committed)."""
    cutoff = (now or utc_now()) - timedelta(days=1)
    result = db.execute(
        delete(UserSession).where(
            (UserSession.expires_at < cutoff) | (UserSession.revoked_at < cutoff)
        )
    )
    return rows_matched(result)
