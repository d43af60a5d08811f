"""Campaigns (PRODUCT.md point 6): no advertising, no banners, no paid placement.

Campaigns live only in the campaigns section the clinic chooses to open. Nothing here is
read by search indexing or ranking (``search.documents`` never touches this table), and a
test proves a search never returns campaign text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.models import Offer, Product, Retailer, User
from catalog.paging import Page, page_scalars
from catalog.single_line import has_control
from marketplace.access import require_retailer_staff
from marketplace.dates import as_utc, utc_now
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
    session: Session,
    user: User | None,
    retailer_id: int,
    draft: CampaignDraft,
    *,
    channel: str = "api",
    now: datetime | None = None,
) -> Campaign:
    """A retailer's own campaign over some of the products it offers, for a period that ends
    after it starts and after ``now`` (default: the current time); audited as made through
    ``channel``. A refusal names its field and has a code (``marketplace.campaign_messages``
    words it in Swedish and English)."""
    actor = require_retailer_staff(user, retailer_id)
    if session.get(Retailer, retailer_id) is None:
        raise NotFound(f"no retailer {retailer_id}")
    title, text = draft.title.strip(), draft.text.strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise InvalidInput(
            f"a title of 1..{MAX_TITLE} and a text up to {MAX_TEXT} characters",
            code="campaign_title",
            field="title",
            limit=MAX_TITLE,
        )
    if has_control(title):
        raise InvalidInput(
            "the title is one line: no line breaks or other control characters",
            code="campaign_title_format",
            field="title",
        )
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            f"a title of 1..{MAX_TITLE} and a text up to {MAX_TEXT} characters",
            code="campaign_text",
            field="text",
            limit=MAX_TEXT,
        )
    start, end = as_utc(draft.valid_from), as_utc(draft.valid_to)
    if end <= start:
        raise InvalidInput(
            "valid_to must be after valid_from", code="campaign_period", field="valid_to"
        )
    if end <= as_utc(now or utc_now()):
        raise InvalidInput(
            "valid_to must be in the future (the campaign would have ended already)",
            code="campaign_ended",
            field="valid_to",
        )
    ids = sorted(set(draft.product_ids))
    if len(ids) > MAX_PRODUCTS:
        raise InvalidInput(
            f"at most {MAX_PRODUCTS} products per campaign",
            code="campaign_products_many",
            field="product_ids",
            limit=MAX_PRODUCTS,
        )
    found = set(session.scalars(select(Product.id).where(Product.id.in_(ids))))
    if missing := [pid for pid in ids if pid not in found]:
        raise InvalidInput(
            f"unknown products {missing}",
            code="campaign_products_unknown",
            field="product_ids",
            ids=", ".join(str(pid) for pid in missing[:20]),
        )
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
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="campaign.create",
        target_kind="campaign",
        target_id=campaign.id,
        detail={"retailer_id": retailer_id, "products": len(ids)},
    )
    return campaign


def products_for_skus(session: Session, retailer_id: int, skus: Sequence[str]) -> list[int]:
    """The products the retailer's active offers with these SKUs (its own article numbers)
    are linked to; an unknown SKU, or one not linked to a product yet, is refused naming it."""
    wanted = list(dict.fromkeys(s.strip() for s in skus if s.strip()))
    if len(wanted) > MAX_PRODUCTS:
        raise InvalidInput(
            f"at most {MAX_PRODUCTS} products per campaign",
            code="campaign_products_many",
            field="skus",
            limit=MAX_PRODUCTS,
        )
    if not wanted:
        return []
    rows = session.execute(
        select(Offer.sku, Offer.product_id).where(
            Offer.retailer_id == retailer_id, Offer.sku.in_(wanted), Offer.withdrawn_at.is_(None)
        )
    )
    linked = {sku: pid for sku, pid in rows if pid is not None}
    if missing := [sku for sku in wanted if sku not in linked]:
        raise InvalidInput(
            f"no active offer linked to a product has the SKUs {missing[:20]}",
            code="campaign_skus_unknown",
            field="skus",
            skus=", ".join(missing[:20]),
        )
    return sorted(set(linked.values()))


def retailer_campaigns(
    session: Session, user: User | None, retailer_id: int, *, limit: int = 100
) -> list[Campaign]:
    """The retailer's own campaigns, past, current and coming, the latest ending first."""
    require_retailer_staff(user, retailer_id)
    query = (
        select(Campaign)
        .where(Campaign.retailer_id == retailer_id)
        .order_by(Campaign.valid_to.desc(), Campaign.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def end_campaign(
    session: Session, user: User | None, retailer_id: int, campaign_id: int, now: datetime
) -> Campaign:
    """End the retailer's campaign now (one not started yet never shows). Ending one that has
    ended changes nothing; another retailer's campaign is not found."""
    actor = require_retailer_staff(user, retailer_id)
    campaign = session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())
    if campaign is None or campaign.retailer_id != retailer_id:
        raise NotFound(f"no campaign {campaign_id}", code="campaign_not_found")
    now = as_utc(now)
    if as_utc(campaign.valid_to) <= now:
        return campaign
    campaign.valid_to = max(now, as_utc(campaign.valid_from))
    audit.record(
        session,
        actor=actor,
        channel="web",
        action="campaign.end",
        target_kind="campaign",
        target_id=campaign.id,
        detail={"retailer_id": retailer_id, "valid_to": campaign.valid_to.isoformat()},
    )
    return campaign


def _active_query(now: datetime, retailer_id: int | None) -> Select[Campaign]:
    now = as_utc(now)
    query = select(Campaign).where(Campaign.valid_from <= now, Campaign.valid_to > now)
    if retailer_id is not None:
        query = query.where(Campaign.retailer_id == retailer_id)
    return query.order_by(Campaign.valid_to, Campaign.id)


def active_campaigns(
    session: Session, now: datetime, *, retailer_id: int | None = None
) -> list[Campaign]:
    """Campaigns valid at ``now``, ending soonest first."""
    return list(session.scalars(_active_query(now, retailer_id)))


def active_campaigns_page(
    session: Session, now: datetime, *, retailer_id: int | None = None, limit: int, offset: int
) -> Page:
    """One page of :func:`active_campaigns` and their count."""
    query = _active_query(now, retailer_id)
    return page_scalars(session, query, limit=limit, offset=offset)
