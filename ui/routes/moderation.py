"""The admins' review moderation page: open abuse reports (dismiss, or remove the review),
held low product reviews no retailer answers (publish or remove), and the decisions so far
(who, when, what, why). Every decision needs a reason; another admin's decision first is
shown as such, never applied twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.models import Product, Retailer, User
from marketplace import moderation
from marketplace.dates import as_utc, utc_now
from marketplace.enums import ReviewTarget
from marketplace.errors import InvalidInput, MarketplaceError
from ui.error_pages import error_detail, message_key, page_router, status_of
from ui.i18n import pick_lang
from ui.market_views import notice, review_view, role_gate, see_other
from ui.rendering import render

router = page_router(prefix="/admin")
PAGE = "/admin/omdomen"
OUTCOMES = ("dismissed", "removed")
"""What the queue's two buttons send for a report."""


@dataclass(frozen=True, slots=True)
class Target:
    """What a review is about, as the queue names and links it."""

    name: str
    href: str


def _targets(session: SessionDep, views: list[dict[str, Any]]) -> dict[tuple[str, int], Target]:
    """The products and retailers the queued reviews are about, by (target type, id)."""
    out: dict[tuple[str, int], Target] = {}
    for view in views:
        key = (str(view["target_type"]), int(view["target_id"]))
        if key in out:
            continue
        if key[0] == ReviewTarget.PRODUCT:
            product = session.get(Product, key[1])
            if product is not None:
                out[key] = Target(product.name, f"/produkt/{product.id}")
        else:
            retailer = session.get(Retailer, key[1])
            if retailer is not None:
                out[key] = Target(retailer.name, f"/handlare/{retailer.slug}")
    return out


@dataclass(frozen=True, slots=True)
class Decision:
    """One line of the decisions table: when, who, the outcome, why, and the review."""

    at: datetime | None
    who: str | None
    outcome: str  # dismissed | removed | published
    reason: str | None
    review: dict[str, Any]


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    error: MarketplaceError | None = None,
    response_days: int,
) -> Response:
    queued = moderation.open_reports(session, user)
    reports = [
        {"report": q.report, "review": review_view(q.review), "reporter": q.reporter_name}
        for q in queued
    ]
    held = [review_view(m.review) for m in moderation.held_for_admins(session, user)]
    history = [
        Decision(
            q.report.resolved_at,
            q.resolver_name,
            q.report.outcome or "",
            q.report.resolution_reason,
            review_view(q.review),
        )
        for q in moderation.resolved_reports(session, user)
    ]
    through_reports = {h.review["id"] for h in history if h.outcome == "removed"}
    history += [
        Decision(
            m.review.review.moderated_at,
            m.moderator_name,
            m.review.review.status,
            m.review.review.moderation_reason,
            review_view(m.review),
        )
        for m in moderation.moderation_history(session, user)
        if m.review.review.id not in through_reports
    ]
    history.sort(key=lambda h: as_utc(h.at) if h.at else as_utc(datetime.min), reverse=True)
    views: list[dict[str, Any]] = [review_view(q.review) for q in queued]
    views += held + [h.review for h in history]
    context = {
        "targets": _targets(session, views),
        "reports": reports,
        "held": held,
        "history": history,
        "response_days": response_days,
        "notice": notice(request),
        "error": None,
        "error_detail": "",
    }
    status = 200
    if error is not None:
        context.update(
            error=message_key(error), error_detail=error_detail(error, pick_lang(request))
        )
        status = status_of(error)
    return render(request, "admin_reviews.html", context, user=user, status_code=status)


@router.get(PAGE.removeprefix("/admin"), name="ui_admin_reviews")
def moderation_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Reports and held reviews waiting for an admin, and the decisions so far (admins)."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    return _page(request, session, user, response_days=settings.review_response_days)


@router.post("/omdomen/anmalan/{report_id}", dependencies=[Depends(verify_csrf)])
def resolve_report(
    request: Request,
    report_id: int,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    outcome: str = Form(""),
    reason: str = Form(""),
) -> Response:
    """Dismiss the report or remove the review, with a reason."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    try:
        if outcome not in OUTCOMES:  # a forged or broken form: never a silent dismissal
            raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}")
        moderation.resolve_report(
            session, user, report_id, remove=outcome == "removed", reason=reason, now=utc_now()
        )
    except MarketplaceError as exc:
        session.rollback()
        return _page(request, session, user, error=exc, response_days=settings.review_response_days)
    session.commit()
    removed = outcome == "removed"
    return see_other(PAGE, "report_removed" if removed else "report_dismissed")


@router.post("/omdomen/{review_id}/beslut", dependencies=[Depends(verify_csrf)])
def moderate_review(
    request: Request,
    review_id: int,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    decision: str = Form(""),
    reason: str = Form(""),
) -> Response:
    """Publish a held review no retailer answers, or remove it, with a reason."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    try:
        moderation.moderate_review(session, user, review_id, decision, reason=reason, now=utc_now())
    except MarketplaceError as exc:
        session.rollback()
        return _page(request, session, user, error=exc, response_days=settings.review_response_days)
    session.commit()
    return see_other(PAGE, f"review_moderated_{decision}")
