"""Signed, expiring links to set a new password (an admin's "reset sign-in").

The link carries ``{"u": user id, "p": a fingerprint of the current password hash}`` signed
with the secret key (itsdangerous, its own salt) and is valid for :data:`LINK_HOURS`. It
works once: setting a password changes the hash, and with it the fingerprint, so the same
link (or an older one) is refused afterwards. Nothing is stored.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.auth import WeakPassword, member_may_act
from api.passwords import PASSWORD_REASON_TEXT, hash_password, password_weakness
from api.sessions import revoke_user_sessions
from catalog import audit
from catalog.db import rows_matched
from catalog.models import User
from catalog.settings import Settings
from marketplace.dates import utc_now
from marketplace.password_help import request_password_link

LINK_HOURS = 24
LINK_PATH = "/konto/nytt-losenord"
SALT = "valbar-password-set"
MAX_TOKEN = 500
log = logging.getLogger(__name__)


class InvalidLink(ValueError):
    """The link is malformed, forged, expired, already used, or its user cannot sign in."""


@dataclass(frozen=True, slots=True)
class LinkTarget:
    user_id: int
    fingerprint: str


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def link_token(settings: Settings, user: User) -> str:
    """The token of a new link for ``user``."""
    return _serializer(settings).dumps({"u": user.id, "p": _fingerprint(user)})


def link_for(settings: Settings, base_url: str, user: User) -> str:
    """The whole link (``base_url`` is the site's, e.g. ``https://valbar.se/``)."""
    return f"{base_url.rstrip('/')}{LINK_PATH}?token={link_token(settings, user)}"


def send_forgot_link(
    session: Session, settings: Settings, base_url: str, email: str, *, lang: str, channel: str
) -> None:
    """Self-service: e-mail the account of ``email`` a link (committed), or do nothing when
    there is no such account; the caller answers the same either way."""
    request_password_link(
        session,
        email,
        link_for=lambda u: link_for(settings, base_url, u),
        may_sign_in=lambda u: member_may_act(session, u),
        lang=lang,
        valid_hours=LINK_HOURS,
        now=utc_now(),
        channel=channel,
    )
    session.commit()


def link_user(session: Session, settings: Settings, token: str) -> User:
    """The user a valid, unused, unexpired link is for; raises :class:`InvalidLink`."""
    if not token or len(token) > MAX_TOKEN:
        raise InvalidLink("no link token")
    try:
        data = _serializer(settings).loads(token, max_age=LINK_HOURS * 3600)
    except SignatureExpired as exc:
        raise InvalidLink("the link has expired") from exc
    except BadSignature as exc:
        raise InvalidLink("the link is not valid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise InvalidLink("the link is not valid")
    user = session.get(User, data["u"])
    if user is None or not user.active or not member_may_act(session, user):
        raise InvalidLink("the link's account cannot sign in")
    if data.get("p") != _fingerprint(user):
        raise InvalidLink("the link was already used or replaced")
    return user


def check_new_password(user: User, new: str, repeated: str) -> None:
    """Raise :class:`WeakPassword` for a password that is too short or long, not typed the
    same twice or easily guessed."""
    if new != repeated:
        raise WeakPassword("the two passwords differ", "mismatch")
    if (reason := password_weakness(new, user.email, user.name)) is not None:
        raise WeakPassword(f"the new password is {PASSWORD_REASON_TEXT[reason]}", reason)


def set_password_by_link(
    session: Session, settings: Settings, token: str, new: str, repeated: str
) -> User:
    """Set the password of the link's user (committed): every session of theirs ends and
    the change is in the audit trail. Raises :class:`InvalidLink` or :class:`WeakPassword`."""
    user = link_user(session, settings, token)
    check_new_password(user, new, repeated)
    # conditional on the hash the link was made for: of two uses at once, one sets it
    used = rows_matched(
        session.execute(
            update(User)
            .where(User.id == user.id, User.password_hash == user.password_hash)
            .values(password_hash=hash_password(new))
            .execution_options(synchronize_session=False)
        )
    )
    if used != 1:
        session.rollback()
        raise InvalidLink("the link was already used or replaced")
    session.refresh(user)
    ended = revoke_user_sessions(session, user.id)
    audit.record(
        session,
        actor=user,
        channel="web",
        action="user.password_set",
        target_kind="user",
        target_id=user.id,
        detail={"via": "reset link", "sessions_ended": ended},
    )
    session.commit()
    log.info("user %s set a new password by link; %s sessions ended", user.id, ended)
    return user
