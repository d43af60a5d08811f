"""Typed domain errors of the marketplace (the API maps each to a problem+json status)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType


class MarketplaceError(Exception):
    """Base of every marketplace error.

    The message is English, for logs and the API's problem detail. ``code`` and ``values``
    say the same as data, for a reader in another language: the UI shows its own sentence
    for a code (``market_error.<code>`` of ``ui.messages_market``) filled with the values,
    and no detail for an error without one.
    """

    code: str | None = None
    values: Mapping[str, object] = MappingProxyType({})

    def __init__(self, message: str = "", *, code: str | None = None, **values: object) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
            self.values = MappingProxyType(dict(values))


class NotLoggedIn(MarketplaceError):
    """The action needs a registered, logged-in user (reviews are never anonymous)."""


class NotAllowed(MarketplaceError):
    """The user may not do this (wrong role, or not their order/review/retailer)."""


class NotFound(MarketplaceError):
    """A referenced review, order, offer, line, RMA or campaign does not exist."""


class InvalidInput(MarketplaceError):
    """A value outside its domain (rating not 1..5, empty text, bad dates)."""


class DuplicateReview(MarketplaceError):
    """One review per user per order and target."""


class DuplicateReport(MarketplaceError):
    """One abuse report per user per review."""


class AlreadyDecided(MarketplaceError):
    """Another admin resolved this report (or decided on this review) first."""


class EmptyCart(MarketplaceError):
    """Checkout of an empty cart."""


class CartChanged(MarketplaceError):
    """The cart is not the one the clinic was shown (an item, quantity, price or stock status
    changed since): it must look again before placing it."""


class AlreadyCheckedOut(MarketplaceError):
    """The cart was just checked out (a double submit): here are that checkout's orders."""

    def __init__(self, checkout_ref: str, order_ids: Sequence[int]) -> None:
        super().__init__(
            f"this cart was already checked out (checkout {checkout_ref}, "
            f"orders {', '.join(str(i) for i in order_ids)})"
        )
        self.checkout_ref = checkout_ref
        self.order_ids = tuple(order_ids)


class OfferUnavailable(MarketplaceError):
    """The offer was withdrawn or has no price: it cannot be bought."""


class IllegalTransition(MarketplaceError):
    """An order or RMA cannot go from its current status to the requested one."""

    def __init__(self, kind: str, current: str, action: str) -> None:
        super().__init__(
            f"cannot {action} a {current} {kind}",
            code="illegal_transition",
            kind=kind.lower(),
            status=str(current),
        )
        self.kind = kind
        self.current = current
        self.action = action


RETAILER_SUSPENDED = "retailer_suspended"


class SignupUnconfirmed(IllegalTransition):
    """A sign-up whose e-mail address is not confirmed yet cannot be decided on: its address
    is unproven (it waits for the applicant, not for an admin)."""

    def __init__(self, org_id: int, action: str) -> None:
        MarketplaceError.__init__(
            self,
            f"cannot {action} organisation {org_id}: its sign-up's e-mail address is not "
            "confirmed yet",
            code="signup_unconfirmed",
        )
        self.kind = "Organisation"
        self.current = "unconfirmed sign-up"
        self.action = action


@dataclass(frozen=True, slots=True)
class ItemChange:
    """What changed on a cart item's offer since it was added."""

    item_id: int
    offer_id: int
    name: str
    old_price: Decimal | None
    new_price: Decimal | None
    old_stock: str
    new_stock: str
    # why the offer can no longer be bought, when that is the change (``retailer_suspended``)
    unavailable: str | None = None

    def describe(self) -> str:
        parts = []
        if self.unavailable == RETAILER_SUSPENDED:
            parts.append("retailer suspended")
        if self.old_price != self.new_price:
            parts.append(f"price {self.old_price} -> {self.new_price}")
        if self.old_stock != self.new_stock:
            parts.append(f"stock {self.old_stock} -> {self.new_stock}")
        return f"{self.name}: {', '.join(parts)}"


class PriceChanged(MarketplaceError):
    """Prices or stock changed since the items were added; checkout again accepting them."""

    def __init__(self, changes: Sequence[ItemChange]) -> None:
        listed = "; ".join(c.describe() for c in changes)
        super().__init__(f"{len(changes)} item(s) changed since added: {listed}")
        self.changes = tuple(changes)
