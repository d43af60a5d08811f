"""Who may act: the checks every service shares (raise typed errors, never HTTP)."""

from __future__ import annotations

from catalog.enums import OrgRole
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


def manages_clinic_org(user: User, clinic_organisation_id: int | None) -> bool:
    """True for a manager of the clinic organisation an order was placed for."""
    return (
        clinic_organisation_id is not None
        and user.role == "clinic"
        and user.organisation_id == clinic_organisation_id
        and user.org_role == OrgRole.MANAGER.value
    )


def acts_for_clinic(
    user: User, clinic_user_id: int | None, clinic_organisation_id: int | None
) -> bool:
    """True for the clinic side of an order: the buyer who placed it or a manager of its
    clinic organisation (they confirm delivery, cancel, reorder, open an RMA)."""
    return (clinic_user_id is not None and clinic_user_id == user.id) or manages_clinic_org(
        user, clinic_organisation_id
    )


def party_to_order(
    user: User, clinic_user_id: int | None, retailer_id: int, clinic_organisation_id: int | None
) -> bool:
    """True for who may see an order (and its lines' RMAs): the clinic user who placed it, a
    manager of its clinic organisation, the selling retailer's own staff, an admin. Anyone
    else (another clinic's members too) is told it does not exist."""
    return (
        acts_for_clinic(user, clinic_user_id, clinic_organisation_id)
        or staff_of(user, retailer_id)
        or is_admin(user)
    )


def require_retailer_staff(user: User | None, retailer_id: int, *, admin_ok: bool = True) -> User:
    """The retailer's own staff (or an admin when ``admin_ok``), else :class:`NotAllowed`."""
    user = logged_in(user)
    if staff_of(user, retailer_id) or (admin_ok and is_admin(user)):
        return user
    raise NotAllowed("only the retailer's own staff may do this")


def require_clinic(user: User | None) -> User:
    """A clinic user (buyers); other roles cannot order or keep a cart."""
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
