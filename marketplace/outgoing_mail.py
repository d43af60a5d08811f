"""The outgoing e-mail as admins read it (``/admin/e-post``): every message the site queued,
newest first, with its status. Where no SMTP server is configured (the demo) messages stay
queued, and this is where a person reads them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import User
from catalog.paging import Page, page_scalars
from marketplace.access import require_admin
from marketplace.admin_common import choice, page_bounds
from marketplace.models import OutgoingEmail

MAIL_STATUSES = ("queued", "sent", "failed")
MASK = "…"
ALWAYS_HIDDEN = frozenset({"password_reset", "password_forgot"})
"""Templates whose link signs a person in: its token is never shown, in any environment."""
TOKEN_TEMPLATES = ALWAYS_HIDDEN | {"invitation", "signup_confirm"}
"""Templates whose ``link`` ends in a one-time token (an invitation, a sign-up to confirm)."""
_SIGN_IN_TOKENS = (re.compile(r"([?&]token=)[^&#\s]+"),)
"""A password-reset link's token (``/konto/nytt-losenord?token=...``)."""
_ONE_TIME_TOKENS = (
    re.compile(r"(/inbjudan/)[^/?#\s]+"),
    re.compile(r"(/bekrafta-registrering/)[^/?#\s]+"),
)
"""An invitation's or a sign-up confirmation's token (the last part of the path)."""


def mask_tokens(text: str, reveal_links: bool = False) -> str:
    """``text`` with the token of every password-reset link in it replaced by :data:`MASK`,
    and of every invitation or sign-up confirmation link unless ``reveal_links``."""
    patterns = _SIGN_IN_TOKENS + (() if reveal_links else _ONE_TIME_TOKENS)
    for pattern in patterns:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def _mask_link(link: str) -> str:
    """A one-time link without its token: the ``token=`` value, else the last path part."""
    masked = mask_tokens(link)
    if masked != link:
        return masked
    head, sep, _token = link.rstrip("/").rpartition("/")
    return f"{head}{sep}{MASK}" if sep and head else MASK


def hides_link(template: str, reveal_links: bool) -> bool:
    """Whether the message's ``link`` is shown without its token."""
    return template in ALWAYS_HIDDEN or (template in TOKEN_TEMPLATES and not reveal_links)


def shown_context(template: str, context: Mapping[str, Any], reveal_links: bool) -> dict[str, Any]:
    """The values a message is shown to an admin with (``/admin/e-post``): a password
    reset's link never carries its token; an invitation's or a sign-up confirmation's only
    when ``reveal_links`` (the demo: development and no SMTP server, where that page is the
    only way to read them). Use :func:`mask_tokens` on the rendered text as well."""
    shown: dict[str, Any] = {}
    for key, value in context.items():
        if isinstance(value, str):
            if key == "link" and value and hides_link(template, reveal_links):
                value = _mask_link(value)
            value = mask_tokens(value, reveal_links)
        shown[key] = value
    return shown


def outgoing_emails(
    session: Session,
    user: User | None,
    *,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Outgoing messages (of one ``status``: queued, sent or failed), newest first (admins)."""
    require_admin(user)
    limit, offset = page_bounds(limit, offset)
    status = choice("status", status, MAIL_STATUSES)
    query = select(OutgoingEmail)
    if status is not None:
        query = query.where(OutgoingEmail.status == status)
    query = query.order_by(OutgoingEmail.id.desc())
    return page_scalars(session, query, limit=limit, offset=offset)
