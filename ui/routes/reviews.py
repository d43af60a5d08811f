"""Reviews on product and retailer pages: the published list (name and clinic shown,
verified-purchase badge, the retailer's response) and the form for logged-in users."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.models import User
from marketplace import orders, reviews
from marketplace.dates import utc_now
from marketplace.enums import REVIEW_DIMENSIONS, ReviewState, ReviewTarget
from marketplace.errors import DuplicateReview, InvalidInput
from marketplace.models import Order
from ui.error_pages import page_router
from ui.market_views import average, login_gate, review_view, see_other
from ui.routes.account import safe_next

router = page_router()
REVIEW_ORDERS = 20
"""How many of a clinic's delivered orders its retailer review can be tied to."""


def review_section(
    request: Request, session: Session, user: User | None, target_type: str, target_id: int
) -> dict[str, Any]:
    """Published reviews of a target and what its review form needs."""
    shown = reviews.published_reviews(session, target_type, target_id, now=utc_now())
    session.commit()  # due held reviews were published on the way
    rows = [review_view(s) for s in shown]
    delivered: list[Order] = []
    if user is not None and user.role == "clinic" and target_type == ReviewTarget.RETAILER:
        delivered = orders.delivered_orders(session, user.id, target_id, limit=REVIEW_ORDERS)
    return {
        "reviews": rows,
        "review_average": average(rows),
        "review_target": {"type": target_type, "id": target_id},
        "review_orders": delivered,
        "dimensions": REVIEW_DIMENSIONS if target_type != ReviewTarget.PRODUCT else (),
    }


def _stars(form: dict[str, str], name: str) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(f"{name} must be a whole number 1..5")
    return int(raw)


@router.post("/omdomen", dependencies=[Depends(verify_csrf)])
async def submit_review(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Write a review (logged in). Ratings of 2 or below wait for the retailer's response."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    back = safe_next(form.get("next")) or "/"
    if (refused := login_gate(request, user)) is not None:
        return refused
    try:
        target_id = int(form.get("target_id", ""))
        order = form.get("order_id", "").strip()
        order_id = int(order) if order else None
    except ValueError:
        raise InvalidInput("not a number", code="rating") from None
    rating = _stars(form, "rating")
    if rating is None:
        raise InvalidInput("choose a rating 1..5")
    draft = reviews.ReviewDraft(
        target_type=form.get("target_type", ""),
        target_id=target_id,
        rating=rating,
        text=form.get("text", ""),
        order_id=order_id,
        dimensions={name: _stars(form, f"dim_{name}") for name in REVIEW_DIMENSIONS},
    )
    try:
        review = reviews.submit_review(
            session, user, draft, now=utc_now(), response_days=settings.review_response_days
        )
    except DuplicateReview:
        session.rollback()
        if reviews.recent_twin(session, user, draft, now=utc_now()) is not None:
            # a double click: the browser shows this answer, so say it was saved (once)
            return see_other(back, "review_already_saved", "reviews")
        raise
    held = review.status == ReviewState.HELD
    session.commit()
    return see_other(back, "review_held" if held else "review_published", "reviews")
