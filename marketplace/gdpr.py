"""GDPR: a user's data export and account deletion.

**Export** (:func:`export_user_data`): everything stored about the user as JSON-ready data:
the profile, reviews written (with responses), abuse reports filed, notifications, the cart,
orders with their lines, RMA requests, and API keys (name and prefix, never a secret).

**Delete** (:func:`delete_account`):

* the user row, its API keys, its sessions (every browser is signed out) and its cart are
  deleted, and so are the ``Idempotency-Key``
  records of the user and of its keys: their stored responses hold the user's orders and
  name, and on SQLite a new user (or key) may get the deleted one's id and with it the
  same owner (``user:<id>``/``key:<id>``), which would replay them to someone else;
* reviews stay published but anonymised: the author link is removed and they are shown as
  written by "Tidigare användare" (former user); abuse reports lose their reporter; an
  admin's moderation decisions stay in the audit trail without the link; notifications go;
* orders are kept for the retailer's books (bookkeeping law) with the clinic's name, but the
  buyer's name is replaced by "Tidigare användare" and the user link removed; RMA requests
  lose their requester;
* demand events never held a user id;
* the parts other packages registered (``catalog.personal_data``: loyalty's participation,
  points, quiz attempts, photos and redemptions) are exported under their names and erased
  or pseudonymised in the same transaction, before the user row goes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from catalog import personal_data
from catalog.models import ApiKey, IdempotencyRecord, User, UserSession
from marketplace.errors import NotFound
from marketplace.models import (
    Cart,
    Notification,
    NotificationPreference,
    Order,
    OutgoingEmail,
    Review,
    ReviewReport,
    Rma,
)
from marketplace.organisations import ensure_not_last_manager
from marketplace.reviews import FORMER_USER


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _row(obj: Any, *skip: str) -> dict[str, Any]:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}


def export_user_data(session: Session, user_id: int) -> dict[str, Any]:
    """Everything stored about the user, as JSON-serializable data."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    cart = session.scalar(
        select(Cart).where(Cart.user_id == user_id).options(selectinload(Cart.items))
    )
    orders = session.scalars(
        select(Order)
        .where(Order.clinic_user_id == user_id)
        .options(selectinload(Order.lines))
        .order_by(Order.id)
    ).all()
    return {
        "user": _row(user, "password_hash"),
        "reviews": [
            _row(r) for r in session.scalars(select(Review).where(Review.author_id == user_id))
        ],
        "review_reports": [
            _row(r)
            for r in session.scalars(
                select(ReviewReport).where(ReviewReport.reporter_id == user_id)
            )
        ],
        "notifications": [
            _row(n)
            for n in session.scalars(
                select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(Notification.id)
            )
        ],
        "notification_preferences": [
            _row(p)
            for p in session.scalars(
                select(NotificationPreference).where(NotificationPreference.user_id == user_id)
            )
        ],
        "cart": [] if cart is None else [_row(item) for item in cart.items],
        "orders": [{**_row(o), "lines": [_row(line) for line in o.lines]} for o in orders],
        "rma_requests": [
            _row(r) for r in session.scalars(select(Rma).where(Rma.requested_by == user_id))
        ],
        "api_keys": [
            _row(k, "key_hash")
            for k in session.scalars(select(ApiKey).where(ApiKey.user_id == user_id))
        ],
        **personal_data.export_parts(session, user_id),
    }


def delete_account(session: Session, user_id: int) -> None:
    """Delete the user: reviews anonymised, orders kept with the clinic's name. The last
    representative / manager of an organisation is refused
    (:class:`marketplace.organisations.LastManager`, ``last_manager_account``): someone
    else takes the role first, as when a member is removed."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    ensure_not_last_manager(session, user)
    personal_data.erase_parts(session, user_id)  # loyalty's part (registered at start-up)
    session.execute(update(Review).where(Review.author_id == user_id).values(author_id=None))
    session.execute(update(Review).where(Review.responder_id == user_id).values(responder_id=None))
    session.execute(
        update(ReviewReport).where(ReviewReport.reporter_id == user_id).values(reporter_id=None)
    )
    # an admin's decisions stay in the audit trail, without the link to the erased account
    session.execute(update(Review).where(Review.moderator_id == user_id).values(moderator_id=None))
    session.execute(
        update(ReviewReport).where(ReviewReport.resolver_id == user_id).values(resolver_id=None)
    )
    session.execute(delete(Notification).where(Notification.user_id == user_id))
    session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user_id))
    # messages to the erased account (queued ones are never sent; sent ones held its address)
    session.execute(delete(OutgoingEmail).where(OutgoingEmail.user_id == user_id))
    session.execute(
        update(Order)
        .where(Order.clinic_user_id == user_id)
        .values(clinic_user_id=None, buyer_name=FORMER_USER)
    )
    session.execute(update(Rma).where(Rma.requested_by == user_id).values(requested_by=None))
    session.execute(delete(Cart).where(Cart.user_id == user_id))
    key_ids = session.scalars(select(ApiKey.id).where(ApiKey.user_id == user_id)).all()
    owners = [f"user:{user_id}", *(f"key:{key_id}" for key_id in key_ids)]  # api.idempotency
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.owner.in_(owners)))
    session.execute(delete(ApiKey).where(ApiKey.user_id == user_id))
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))  # signed out
    session.delete(user)
    session.flush()
