"""Retailers and their presentation pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import func, select

from api.deps import CurrentUser, RateLimitDep, SessionDep
from api.key_scopes import allow_keys
from api.paging import PageDep
from api.problems import NotFound
from api.schemas.common import API_PROBLEMS, ListResponse, problems
from api.schemas.retailers import RetailerPublic, RetailerSummaryPublic, SignalPublic
from catalog.enums import KeyScope
from catalog.listing import listed_seller
from catalog.models import Offer, Retailer, RetailerSignals
from catalog.reads import active_offer_count, listed_retailer_by_slug
from marketplace.video_links import video_link

router = APIRouter(
    tags=["retailers"],
    dependencies=[RateLimitDep, allow_keys(KeyScope.SEARCH)],
    responses=API_PROBLEMS,
)

Slug = Annotated[str, Path(min_length=1, max_length=80)]

_SIGNALS = (
    ("delivery_precision", "delivery_count"),
    ("stock_accuracy", "stock_count"),
    ("review_overall", "review_count"),
    ("treatment", "treatment_count"),
    ("feedback", "feedback_count"),
    ("rma", "rma_count"),
    ("competence", "competence_count"),
)


def _counts(session: SessionDep) -> dict[int, int]:
    rows = session.execute(
        select(Offer.retailer_id, func.count())
        .where(Offer.withdrawn_at.is_(None), listed_seller(Offer.retailer_id))
        .group_by(Offer.retailer_id)
    ).all()
    return {int(rid): int(n) for rid, n in rows}


@router.get(
    "/retailers", response_model=ListResponse[RetailerSummaryPublic], responses=problems(422)
)
def list_retailers(session: SessionDep, page: PageDep) -> ListResponse[RetailerSummaryPublic]:
    """Retailers by name with their number of active offers, one page (those whose
    organisation is suspended, refused or not yet approved are left out).
    Example: ``GET /api/v1/retailers?limit=20``"""
    counts = _counts(session)
    listed = listed_seller(Retailer.id)
    total = int(session.scalar(select(func.count()).select_from(Retailer).where(listed)) or 0)
    retailers = session.scalars(
        page.query(select(Retailer).where(listed).order_by(Retailer.name, Retailer.id))
    )
    data = [
        RetailerSummaryPublic(
            slug=r.slug, name=r.name, website=r.website, offer_count=counts.get(r.id, 0)
        )
        for r in retailers
    ]
    return page.response(data, total)


@router.get("/retailers/{slug}", response_model=RetailerPublic, responses=problems(404))
def get_retailer(slug: Slug, session: SessionDep, caller: CurrentUser) -> RetailerPublic:
    """A retailer's presentation page: text, optional video, logo, contact, delivery terms,
    measured service signals. A retailer whose organisation is suspended, refused or not yet
    approved is not found (404), except by admins and its own users.
    Example: ``GET /api/v1/retailers/nordisk-dentaldepa``"""
    retailer = listed_retailer_by_slug(
        session,
        slug,
        viewer_retailer_id=caller.retailer_id if caller is not None else None,
        admin=caller is not None and caller.role == "admin",
    )
    if retailer is None:
        raise NotFound(f"no retailer {slug!r}")
    signals = session.get(RetailerSignals, retailer.id)
    embed = video_link(retailer.video_url)
    return RetailerPublic(
        slug=retailer.slug,
        name=retailer.name,
        presentation=retailer.presentation,
        video_url=retailer.video_url,
        video_embed_url=embed.embed_url if embed else None,
        website=retailer.website,
        logo_url=(
            f"/handlare/{retailer.slug}/logotyp?v={retailer.logo_file[:12]}"
            if retailer.logo_file
            else None
        ),
        contact_email=retailer.contact_email,
        contact_phone=retailer.contact_phone,
        free_shipping_from=retailer.free_shipping_from,
        delivery_fee=retailer.delivery_fee,
        delivery_days=retailer.delivery_days,
        return_terms=retailer.return_terms,
        offer_count=active_offer_count(session, retailer.id),
        signals={
            name: SignalPublic(
                value=None if signals is None else getattr(signals, name),
                count=0 if signals is None else int(getattr(signals, count)),
            )
            for name, count in _SIGNALS
        },
    )
