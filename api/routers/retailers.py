"""Retailers and their presentation pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import func, select

from api.deps import RateLimitDep, SessionDep
from api.problems import NotFound
from api.schemas.common import ListResponse, problems
from api.schemas.retailers import RetailerPublic, RetailerSummaryPublic, SignalPublic
from catalog.models import Offer, Retailer, RetailerSignals
from catalog.reads import active_offer_count, retailer_by_slug

router = APIRouter(tags=["retailers"], dependencies=[RateLimitDep])

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
        .where(Offer.withdrawn_at.is_(None))
        .group_by(Offer.retailer_id)
    ).all()
    return {int(rid): int(n) for rid, n in rows}


@router.get("/retailers", response_model=ListResponse[RetailerSummaryPublic])
def list_retailers(session: SessionDep) -> ListResponse[RetailerSummaryPublic]:
    """Every retailer with its number of active offers. Example: ``GET /api/v1/retailers``"""
    counts = _counts(session)
    retailers = session.scalars(select(Retailer).order_by(Retailer.name)).all()
    data = [
        RetailerSummaryPublic(
            slug=r.slug, name=r.name, website=r.website, offer_count=counts.get(r.id, 0)
        )
        for r in retailers
    ]
    return ListResponse[RetailerSummaryPublic](data=data, count=len(data))


@router.get("/retailers/{slug}", response_model=RetailerPublic, responses=problems(404))
def get_retailer(slug: Slug, session: SessionDep) -> RetailerPublic:
    """A retailer's presentation page: text, optional video, measured service signals.
    Example: ``GET /api/v1/retailers/nordisk-dentaldepa``"""
    retailer = retailer_by_slug(session, slug)
    if retailer is None:
        raise NotFound(f"no retailer {slug!r}")
    signals = session.get(RetailerSignals, retailer.id)
    return RetailerPublic(
        slug=retailer.slug,
        name=retailer.name,
        presentation=retailer.presentation,
        video_url=retailer.video_url,
        website=retailer.website,
        offer_count=active_offer_count(session, retailer.id),
        signals={
            name: SignalPublic(
                value=None if signals is None else getattr(signals, name),
                count=0 if signals is None else int(getattr(signals, count)),
            )
            for name, count in _SIGNALS
        },
    )
