"""Self-service "forgotten password": anyone may ask for a link to choose a new password.

The answer never tells whether an address has an account (the same page, the same 202).
An account that may sign in gets the ``password_forgot`` e-mail with the signed, expiring,
single-use link the HTTP layer makes (``api.password_links``), at most one per account per
:data:`WINDOW_MINUTES`: a dedupe key on the e-mail outbox settles two requests at once.
Unlike an admin's "reset sign-in", nothing else changes: no session ends and no sign-in lock
is lifted (whoever knows an address could otherwise sign its owner out at will).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.models import User
from marketplace.mail.outbox import queue_email

FORGOT_TEMPLATE = "password_forgot"
WINDOW_MINUTES = 15
MAX_EMAIL = 320


def request_password_link(
    session: Session,
    email: str,
    *,
    link_for: Callable[[User], str],
    may_sign_in: Callable[[User], bool],
    lang: str,
    valid_hours: int,
    now: datetime,
    channel: str,
) -> bool:
    """Queue the link for the account of ``email`` (flushed; the caller commits). True when
    a message was queued; False for no such account, one that may not sign in, or one that
    already got a link in this window. Callers answer the same way in every case."""
    wanted = email.strip().lower()
    if not wanted or len(wanted) > MAX_EMAIL or "@" not in wanted or "\x00" in wanted:
        return False
    user = session.scalar(select(User).where(func.lower(User.email) == wanted))
    if user is None or not user.active or not may_sign_in(user):
        return False
    window = int(now.timestamp()) // (WINDOW_MINUTES * 60)
    try:
        with session.begin_nested():
            mail = queue_email(
                session,
                to=user.email,
                template=FORGOT_TEMPLATE,
                lang=lang if lang in ("sv", "en") else "sv",
                context={"name": user.name, "link": link_for(user), "hours": valid_hours},
                user_id=user.id,
                dedupe_key=f"{FORGOT_TEMPLATE}:{user.id}:{window}",
            )
            if mail is None:
                return False
            session.flush()
    except IntegrityError:  # the same request at the same moment queued it
        return False
    audit.record(
        session,
        actor=None,
        channel=channel,
        action="user.password_link_requested",
        target_kind="user",
        target_id=user.id,
        detail={},
    )
    session.flush()
    return True
