"""What each user gets by e-mail: per notification kind on or off (in-app always), and the
language of their e-mail. Stored in one ``notification_preference`` row per user, made on
the first save; until then (and for a kind added later) the defaults below apply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import User
from marketplace.dates import as_utc
from marketplace.errors import InvalidInput
from marketplace.models import NotificationPreference

REVIEW_HELD = "review_held"
ORDER_PLACED = "order_placed"
ORDER_CANCELLED = "order_cancelled"
ORDER_CONFIRMED = "order_confirmed"
ORDER_SHIPPED = "order_shipped"
RMA_OPENED = "rma_opened"
FEED_FAILED = "feed_failed"
FEED_FETCH_FAILED = "feed_fetch_failed"
SIGNUP_APPROVED = "signup_approved"
SIGNUP_REFUSED = "signup_refused"
PRICE_ALERT = "price_alert"  # a watched product's price or stock (``marketplace.price_watch``)

DEFAULT_EMAIL: dict[str, bool] = {
    ORDER_PLACED: True,
    ORDER_CANCELLED: True,
    ORDER_CONFIRMED: True,
    ORDER_SHIPPED: True,
    RMA_OPENED: True,
    FEED_FAILED: True,
    FEED_FETCH_FAILED: True,
    REVIEW_HELD: True,
    SIGNUP_APPROVED: True,
    SIGNUP_REFUSED: True,
    PRICE_ALERT: True,
}
"""Every notification kind that may go by e-mail, and whether it does until the user
chooses (a removed review's author is told in-app only)."""

KINDS = tuple(DEFAULT_EMAIL)
LANGS = ("sv", "en")

KINDS_FOR_ROLE: dict[str, tuple[str, ...]] = {
    "retailer": (
        REVIEW_HELD,
        ORDER_PLACED,
        ORDER_CANCELLED,
        RMA_OPENED,
        FEED_FAILED,
        FEED_FETCH_FAILED,
    ),
    "clinic": (ORDER_CONFIRMED, ORDER_SHIPPED, PRICE_ALERT),
}
"""The kinds a user of a platform role can receive (shown on their preferences page);
sign-up decisions reach every organisation member."""


class PreferenceError(InvalidInput):
    """A language or notification kind that does not exist (``field`` names it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", code="preference_invalid", field=field)
        self.field = field


@dataclass(frozen=True, slots=True)
class Preferences:
    lang: str
    email: dict[str, bool]

    def wants_email(self, kind: str) -> bool:
        return self.email.get(kind, DEFAULT_EMAIL.get(kind, False))


def kinds_for(user: User) -> tuple[str, ...]:
    base = KINDS_FOR_ROLE.get(user.role, ())
    return (*base, SIGNUP_APPROVED, SIGNUP_REFUSED) if user.organisation_id else base


def preferences_of(session: Session, user_id: int) -> Preferences:
    row = session.get(NotificationPreference, user_id)
    chosen = dict(row.email) if row is not None else {}
    email = {kind: bool(chosen.get(kind, default)) for kind, default in DEFAULT_EMAIL.items()}
    return Preferences(lang=row.lang if row is not None else "sv", email=email)


def preferences_for(session: Session, user_ids: list[int]) -> dict[int, Preferences]:
    """`preferences_of` for many users at once (one query per 900)."""
    rows: dict[int, NotificationPreference] = {}
    for i in range(0, len(user_ids), 900):
        part = user_ids[i : i + 900]
        rows.update(
            (r.user_id, r)
            for r in session.scalars(
                select(NotificationPreference).where(NotificationPreference.user_id.in_(part))
            )
        )
    out: dict[int, Preferences] = {}
    for uid in user_ids:
        row = rows.get(uid)
        chosen = dict(row.email) if row is not None else {}
        email = {k: bool(chosen.get(k, default)) for k, default in DEFAULT_EMAIL.items()}
        out[uid] = Preferences(lang=row.lang if row is not None else "sv", email=email)
    return out


def save_preferences(
    session: Session,
    user_id: int,
    *,
    lang: str | None,
    email: Mapping[str, bool],
    now: datetime,
) -> Preferences:
    """Change the user's language (when given) and the kinds named in ``email``; the
    caller commits. Unknown kinds and languages are refused naming the field."""
    if lang is not None and lang not in LANGS:
        raise PreferenceError("lang", f"must be one of {', '.join(LANGS)}")
    for kind in email:
        if kind not in DEFAULT_EMAIL:
            raise PreferenceError(f"email.{kind}", "is not a notification kind")
    row = session.get(NotificationPreference, user_id)
    if row is None:
        row = NotificationPreference(user_id=user_id, lang=lang or "sv", email={})
        try:
            with session.begin_nested():  # two first saves at once: one row
                session.add(row)
        except IntegrityError:
            found = session.get(NotificationPreference, user_id)
            assert found is not None
            row = found
    merged = {**dict(row.email), **{k: bool(v) for k, v in email.items()}}
    row.email = merged
    if lang is not None:
        row.lang = lang
    row.updated_at = as_utc(now)
    session.flush()
    return preferences_of(session, user_id)
