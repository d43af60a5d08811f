"""Who may act: the checks every service shares (raise typed errors, never HTTP)."""

from __future__ import annotations

from catalog.models import User
from marketplace.errors import NotAllowed, NotLoggedIn


def logged_in(user: User | None) -> User:
    """The user, when registered, logged in and active."""
    if user is None or not user.active:
        raise NotLoggedIn("log in to do this")
    return user


def is_admin(user: User) -> bool:
    return user.role == "admin"


def staff_of(user: User, retailer_id: int) -> bool:
    """True for the retailer's own staff."""
    return user.role == "retailer" and user.retailer_id == retailer_id


def require_retailer_staff(user: User | None, retailer_id: int, *, admin_ok: bool = True) -> User:
    """The retailer's own staff (or an admin when ``admin_ok``), else :class:`NotAllowed`."""
    user = logged_in(user)
    if staff_of(user, retailer_id) or (admin_ok and is_admin(user)):
        return user
    raise NotAllowed("only the retailer's own staff may do this")


def require_clinic(user: User | None) -> User:
    """A clinic user (buyers); other roles cannot order."""
    user = logged_in(user)
    if user.role != "clinic":
        raise NotAllowed("only clinic users can order")
    return user


def require_admin(user: User | None) -> User:
    """An admin, else :class:`NotAllowed`."""
    user = logged_in(user)
    if not is_admin(user):
        raise NotAllowed("only admins may do this")
    return user
