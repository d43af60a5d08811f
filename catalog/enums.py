"""Small closed vocabularies shared by every layer."""

from __future__ import annotations

from enum import StrEnum


class StockStatus(StrEnum):
    IN_STOCK = "in_stock"
    LIMITED = "limited"
    BACKORDER = "backorder"
    OUT_OF_STOCK = "out_of_stock"
    UNKNOWN = "unknown"


class FeedRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    REJECTED = "rejected"  # refused as a whole (mass withdrawal, missing column, bad file)
    FAILED = "failed"  # crashed, hit a limit or lost its process; nothing was changed
    CANCELLED = "cancelled"  # stopped on request before it committed; nothing was changed


class MatchMethod(StrEnum):
    GTIN = "gtin"
    BRAND_MPN = "brand_mpn"
    MPN = "mpn"
    TITLE = "title"
    MANUAL = "manual"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class KeyScope(StrEnum):
    """What an API key may call (besides its user's role, which always applies)."""

    SEARCH = "search"  # read-only catalogue: search, suggest, products, compare, retailers
    FEEDS = "feeds"  # a retailer's feed uploads and runs (its own retailer), the feed template
    FULL = "full"  # everything the key's user may do by their role


class OrgKind(StrEnum):
    RETAILER = "retailer"
    CLINIC = "clinic"
    SPONSOR = "sponsor"  # a manufacturer running a loyalty programme (created by admins)


class OrgStatus(StrEnum):
    PENDING = "pending"  # signed up, waiting for an admin's approval
    ACTIVE = "active"
    SUSPENDED = "suspended"  # members cannot sign in; nothing is deleted
    REFUSED = "refused"  # a sign-up an admin refused, with a reason


class OrgRole(StrEnum):
    """A member's role inside their organisation (platform roles are ``User.role``)."""

    REPRESENTATIVE = "representative"  # retailer: företrädare, manages members and keys
    STAFF = "staff"  # retailer
    MANAGER = "manager"  # clinic: manages members, approves
    BUYER = "buyer"  # clinic

    @property
    def manages(self) -> bool:
        return self in (OrgRole.REPRESENTATIVE, OrgRole.MANAGER)


ORG_ROLES: dict[OrgKind, tuple[OrgRole, ...]] = {
    OrgKind.RETAILER: (OrgRole.REPRESENTATIVE, OrgRole.STAFF),
    OrgKind.CLINIC: (OrgRole.MANAGER, OrgRole.BUYER),
    # a sponsor's representative manages its members and its loyalty programmes; its staff
    # sign in but manage nothing (``loyalty.access``)
    OrgKind.SPONSOR: (OrgRole.REPRESENTATIVE, OrgRole.STAFF),
}
