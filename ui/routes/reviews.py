"""Reviews on product and retailer pages: the published list (name and clinic shown,
verified-purchase badge, the retailer's response, a report button on each) and the form,
which only clinic users get. A refused review is shown again in its form with the reason,
the typed text kept."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.models import Product, Retailer, User
from marketplace import moderation, orders, reviews
from marketplace.dates import utc_now
from marketplace.enums import REVIEW_DIMENSIONS, ReviewState, ReviewTarget
from marketplace.errors import DuplicateReview, InvalidInput, MarketplaceError
from marketplace.models import Order
from ui.error_pages import error_detail, message_key, page_router, status_of
from ui.i18n import pick_lang
from ui.market_views import average, login_gate, review_view, see_other
from ui.rendering import render
from ui.routes.account import safe_next

router = page_router()
REVIEW_ORDERS = 20
"""How many of a clinic's delivered orders its review can be tied to."""


def _review_orders(
    session: Session, user: User | None, target_type: str, target_id: int
) -> list[Order]:
    """The delivered orders a clinic's review may be tied to (of the retailer, or with the
    product on a line), never one it has already tied a review of this target to."""
    if user is None or user.role != reviews.REVIEWER_ROLE:
        return []
    if target_type == ReviewTarget.PRODUCT:
        of: dict[str, int] = {"product_id": target_id}
    elif target_type in (ReviewTarget.RETAILER, ReviewTarget.SERVICE):
        of = {"retailer_id": target_id}
    else:
        return []
    done = reviews.reviewed_order_ids(session, user.id, target_type, target_id)
    delivered = orders.delivered_orders(session, user.id, limit=REVIEW_ORDERS + len(done), **of)
    return [order for order in delivered if order.id not in done][:REVIEW_ORDERS]


def review_section(
    request: Request, session: Session, user: User | None, target_type: str, target_id: int
) -> dict[str, Any]:
    """Published reviews of a target and what its review form needs."""
    shown = reviews.published_reviews(session, target_type, target_id, now=utc_now())
    session.commit()  # due held reviews were published on the way
    rows = [review_view(s) for s in shown]
    return {
        "reviews": rows,
        "review_average": average(rows),
        "review_target": {"type": target_type, "id": target_id},
        "review_orders": _review_orders(session, user, target_type, target_id),
        "dimensions": REVIEW_DIMENSIONS if target_type != ReviewTarget.PRODUCT else (),
        "may_review": user is not None and user.role == reviews.REVIEWER_ROLE,
        "review_form": {},
        "review_back": "",
    }


def _stars(form: dict[str, str], name: str) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(f"{name} must be a whole number 1..5")
    return int(raw)


def _draft(form: dict[str, str]) -> reviews.ReviewDraft:
    try:
        target_id = int(form.get("target_id", ""))
    except ValueError:
        raise InvalidInput("target_id is not a number") from None
    try:
        order = form.get("order_id", "").strip()
        order_id = int(order) if order else None
    except ValueError:
        raise InvalidInput("order_id is not a number") from None
    rating = _stars(form, "rating")
    if rating is None:
        raise InvalidInput("rating: choose a rating 1..5")
    return reviews.ReviewDraft(
        target_type=form.get("target_type", ""),
        target_id=target_id,
        rating=rating,
        text=form.get("text", ""),
        order_id=order_id,
        dimensions={name: _stars(form, f"dim_{name}") for name in REVIEW_DIMENSIONS},
    )


def _target_name(session: Session, target_type: str, raw_id: str) -> str:
    try:
        target_id = int(raw_id)
    except ValueError:
        return ""
    if target_type == ReviewTarget.PRODUCT:
        product = session.get(Product, target_id)
        return product.name if product is not None else ""
    retailer = session.get(Retailer, target_id)
    return retailer.name if retailer is not None else ""


def _refused(
    request: Request,
    session: Session,
    user: User,
    form: dict[str, str],
    back: str,
    exc: MarketplaceError,
) -> Response:
    """The form again, as the clinic filled it in, with why it was refused."""
    session.rollback()
    target_type = form.get("target_type", "")
    try:
        target_id = int(form.get("target_id", ""))
    except ValueError:
        target_id = 0
    context = {
        "review_error": message_key(exc),
        "review_error_detail": error_detail(exc, pick_lang(request)),
        "review_target": {"type": target_type, "id": target_id},
        "target_name": _target_name(session, target_type, form.get("target_id", "")),
        "review_orders": _review_orders(session, user, target_type, target_id),
        "dimensions": REVIEW_DIMENSIONS if target_type != ReviewTarget.PRODUCT else (),
        "may_review": user.role == reviews.REVIEWER_ROLE,
        "review_form": form,
        "review_back": back,
    }
    return render(request, "review_form.html", context, user=user, status_code=status_of(exc))


@router.post("/omdomen", dependencies=[Depends(verify_csrf)])
async def submit_review(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Write a review (clinic users). Ratings of 2 or below are held first; a refused review
    comes back in its form with the reason, nothing typed lost."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    back = safe_next(form.get("next")) or "/"
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        draft = _draft(form)
        review = reviews.submit_review(
            session, user, draft, now=utc_now(), response_days=settings.review_response_days
        )
    except DuplicateReview as exc:
        session.rollback()
        if reviews.recent_twin(session, user, _draft(form), now=utc_now()) is not None:
            # a double click: the browser shows this answer, so say it was saved (once)
            return see_other(back, "review_already_saved", "reviews")
        return _refused(request, session, user, form, back, exc)
    except MarketplaceError as exc:
        return _refused(request, session, user, form, back, exc)
    held = review.status == ReviewState.HELD
    session.commit()
    return see_other(back, "review_held" if held else "review_published", "reviews")


@router.post("/omdomen/{review_id}/anmal", dependencies=[Depends(verify_csrf)])
def report_review(
    request: Request,
    review_id: int,
    session: SessionDep,
    user: CurrentUser,
    reason: str = Form(""),
    next: str = Form(""),
) -> Response:
    """Report a review as abusive (logged-in users, once per review); admins decide."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    moderation.report_review(session, user, review_id, reason, now=utc_now())
    session.commit()
    return see_other(safe_next(next) or "/", "review_reported", "reviews")
