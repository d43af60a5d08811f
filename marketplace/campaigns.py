"""Campaigns (PRODUCT.md point 6): no advertising, no banners, no paid placement.

Campaigns live only in the campaigns section the clinic chooses to open. Nothing here is
read by search indexing or ranking (``search.documents`` never touches this table), and a
test proves a search never returns campaign text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Product, Retailer, User
from marketplace.access import require_retailer_staff
from marketplace.dates import as_utc
from marketplace.errors import InvalidInput, NotFound
from marketplace.models import Campaign

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_PRODUCTS = 500


@dataclass(frozen=True, slots=True)
class CampaignDraft:
    title: str
    text: str
    product_ids: Sequence[int]
    valid_from: datetime
    valid_to: datetime


def create_campaign(
    session: Session, user: User | None, retailer_id: int, draft: CampaignDraft
) -> Campaign:
    """A retailer's own campaign over some of the products it offers, for a period."""
    require_retailer_staff(user, retailer_id)
    if session.get(Retailer, retailer_id) is None:
        raise NotFound(f"no retailer {retailer_id}")
    title, text = draft.title.strip(), draft.text.strip()
    if not 1 <= len(title) <= MAX_TITLE or len(text) > MAX_TEXT:
        raise InvalidInput(f"a title of 1..{MAX_TITLE} and a text up to {MAX_TEXT} characters")
    start, end = as_utc(draft.valid_from), as_utc(draft.valid_to)
    if end <= start:
        raise InvalidInput("valid_to must be after valid_from")
    ids = sorted(set(draft.product_ids))
    if len(ids) > MAX_PRODUCTS:
        raise InvalidInput(f"at most {MAX_PRODUCTS} products per campaign")
    found = set(session.scalars(select(Product.id).where(Product.id.in_(ids))))
    if missing := [pid for pid in ids if pid not in found]:
        raise InvalidInput(f"unknown products {missing}")
    campaign = Campaign(
        retailer_id=retailer_id,
        title=title,
        text=text,
        product_ids=ids,
        valid_from=start,
        valid_to=end,
    )
    session.add(campaign)
    session.flush()
    return campaign


def active_campaigns(
    session: Session, now: datetime, *, retailer_id: int | None = None
) -> list[Campaign]:
    """Campaigns valid at ``now``, ending soonest first."""
    now = as_utc(now)
    query = select(Campaign).where(Campaign.valid_from <= now, Campaign.valid_to > now)
    if retailer_id is not None:
        query = query.where(Campaign.retailer_id == retailer_id)
    return list(session.scalars(query.order_by(Campaign.valid_to, Campaign.id)))
