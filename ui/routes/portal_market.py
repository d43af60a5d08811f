"""Retailer portal, marketplace part: incoming orders (confirm with a promised date, ship,
cancel with a reason), returns, reviews waiting for a response, and statistics."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.models import Retailer, User
from marketplace import orders, price_history, reviews, rma, stats
from marketplace.dates import local_date, utc_now
from marketplace.enums import CancelReason, RmaOutcome, RmaStatus
from marketplace.errors import InvalidInput
from marketplace.models import Order, Rma
from ranking.config import RankingConfig
from ranking.errors import UnknownConfig
from ranking.versions import published
from search.prices import rate_table
from ui.charts import bar_chart
from ui.error_pages import page_router
from ui.history_view import chart_of
from ui.i18n import Formatter, pick_lang, translate
from ui.market_views import overdue, review_view, role_gate, see_other, timeline
from ui.rendering import render
from ui.spec_labels import category_name

router = page_router(prefix="/portal")
CSRF = [Depends(verify_csrf)]
PERIODS = (7, 30, 90, 120)
CHART_ROWS = 10
REVIEW_LIMIT = 50


def _retailer(session: Session, user: User) -> Retailer:
    retailer = session.get(Retailer, user.retailer_id)
    assert retailer is not None  # the foreign key guarantees it
    return retailer


def _gate(request: Request, user: User | None) -> Response | None:
    return role_gate(request, user, "retailer")


# ---------------------------------------------------------------- orders


@router.get("/ordrar", response_class=HTMLResponse, name="ui_portal_orders")
def orders_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    found = orders.list_orders(session, user)
    now = utc_now()
    return render(
        request,
        "portal_orders.html",
        {
            "retailer": _retailer(session, user),
            "orders": found,
            "overdue": {o.id for o in found if overdue(o, now)},
        },
        user=user,
    )


@router.get("/ordrar/{order_id}", response_class=HTMLResponse, name="ui_portal_order")
def order_page(request: Request, order_id: int, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    order = orders.get_order(session, user, order_id)
    today = local_date(utc_now())
    return render(
        request,
        "portal_order.html",
        {
            "retailer": _retailer(session, user),
            "order": order,
            "steps": timeline(order),
            "overdue": overdue(order, utc_now()),
            "today": today.isoformat(),
            "suggested": (today + timedelta(days=2)).isoformat(),
            "reasons": [r.value for r in CancelReason],
            "amounts": orders.amounts_of(order),
            "vat_rate": orders.order_vat_rate(order),
        },
        user=user,
    )


def _done(request: Request, session: Session, order: Order, notice: str) -> Response:
    session.commit()
    return see_other(f"/portal/ordrar/{order.id}", notice)


@router.post("/ordrar/{order_id}/bekrafta", dependencies=CSRF)
async def confirm_order(
    request: Request, order_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    form = await request.form()
    try:
        promised = date.fromisoformat(str(form.get("promised_delivery_date", "")))
        backordered = [int(str(v)) for v in form.getlist("backordered")]
    except ValueError as exc:
        raise InvalidInput("choose a promised delivery date", code="promised_missing") from exc
    order = orders.confirm(
        session, user, order_id, promised, backordered_line_ids=backordered, now=utc_now()
    )
    return _done(request, session, order, "confirmed")


@router.post("/ordrar/{order_id}/skicka", dependencies=CSRF)
def ship_order(request: Request, order_id: int, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    order = orders.ship(session, user, order_id, now=utc_now())
    return _done(request, session, order, "shipped")


@router.post("/ordrar/{order_id}/avbryt", dependencies=CSRF)
def cancel_order(
    request: Request,
    order_id: int,
    session: SessionDep,
    user: CurrentUser,
    reason: str = Form(""),
    note: str = Form(""),
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    order = orders.cancel(session, user, order_id, reason, note=note, now=utc_now())
    return _done(request, session, order, "cancelled")


# ---------------------------------------------------------------- returns (RMA)


@router.get("/reklamationer", response_class=HTMLResponse, name="ui_portal_rma")
def rma_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    cases = rma.list_rmas(session, user)
    lines = orders.lines_by_id(session, [c.order_line_id for c in cases])
    return render(
        request,
        "portal_rma.html",
        {
            "retailer": _retailer(session, user),
            "cases": cases,
            "lines": lines,
            "outcomes": [o.value for o in RmaOutcome],
            "open_status": RmaStatus.REQUESTED.value,
            "accepted_status": RmaStatus.ACCEPTED.value,
        },
        user=user,
    )


def _rma_done(request: Request, session: Session, case: Rma, notice: str) -> Response:
    session.commit()
    return see_other("/portal/reklamationer", notice)


@router.post("/reklamationer/{rma_id}/beslut", dependencies=CSRF)
def decide_rma(
    request: Request,
    rma_id: int,
    session: SessionDep,
    user: CurrentUser,
    accept: str = Form(""),
    note: str = Form(""),
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    case = rma.decide(session, user, rma_id, accept=accept == "1", note=note, now=utc_now())
    return _rma_done(request, session, case, "rma_decided")


@router.post("/reklamationer/{rma_id}/los", dependencies=CSRF)
def resolve_rma(
    request: Request,
    rma_id: int,
    session: SessionDep,
    user: CurrentUser,
    outcome: str = Form(""),
    note: str = Form(""),
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    case = rma.resolve(session, user, rma_id, outcome, note=note, now=utc_now())
    return _rma_done(request, session, case, "rma_resolved")


# ---------------------------------------------------------------- reviews


@router.get("/omdomen", response_class=HTMLResponse, name="ui_portal_reviews")
def reviews_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    retailer = _retailer(session, user)
    held = [review_view(s) for s in reviews.held_reviews(session, user, retailer.id)]
    shown = [
        review_view(s)
        for s in reviews.retailer_published_reviews(session, retailer.id, limit=REVIEW_LIMIT)
    ]
    return render(
        request,
        "portal_reviews.html",
        {"retailer": retailer, "held": held, "published": shown},
        user=user,
    )


@router.post("/omdomen/{review_id}/svar", dependencies=CSRF)
def respond(
    request: Request,
    review_id: int,
    session: SessionDep,
    user: CurrentUser,
    text: str = Form(""),
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    reviews.respond(session, user, review_id, text, now=utc_now())
    session.commit()
    return see_other("/portal/omdomen", "responded")


# ---------------------------------------------------------------- statistics


def _config(session: Session, name: str) -> RankingConfig:
    try:
        return published(session, name)
    except UnknownConfig:
        return RankingConfig(name=name)


@router.get("/statistik", response_class=HTMLResponse, name="ui_portal_stats")
def stats_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    dagar: int = 30,
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    recorder = getattr(request.app.state, "demand_recorder", None)
    if recorder is not None:
        recorder.flush()  # "right now" includes the searches of the last seconds
    days = dagar if dagar in PERIODS else 30
    retailer = _retailer(session, user)
    until = utc_now()
    since = until - timedelta(days=days)
    products = stats.demanded_products(session, since, until, limit=CHART_ROWS)
    groups = stats.demanded_groups(session, since, until, limit=CHART_ROWS)
    found = stats.comparisons(
        session,
        retailer.id,
        _config(session, settings.ranking_config),
        since,
        until,
        rates=rate_table(settings),
    )
    lang = pick_lang(request)
    number = Formatter(lang).number
    context: dict[str, Any] = {
        "retailer": retailer,
        "days": days,
        "periods": PERIODS,
        "products": bar_chart([(d.name, d.score) for d in products], number=number),
        "groups": bar_chart(
            [(category_name(d.name, lang), d.score) for d in groups], number=number
        ),
        "comparisons": found,
        "prices": _price_charts(session, retailer.id, [c.product_id for c in found], days, lang),
    }
    return render(request, "portal_stats.html", context, user=user)


PRICE_PRODUCTS = 5


def _price_charts(
    session: Session, retailer_id: int, ranked: list[int], days: int, lang: str
) -> list[dict[str, Any]]:
    """My price vs the lowest buyable price per day, for the retailer's top products."""
    products = price_history.top_products(session, retailer_id, ranked, limit=PRICE_PRODUCTS)
    today = price_history.today_of(utc_now())
    out = []
    for p in price_history.my_prices(session, retailer_id, products, days, today=today):
        series = [
            (translate(lang, "stats.my_price"), p.mine),
            (translate(lang, "history.lowest_line"), p.lowest),
        ]
        chart, rows = chart_of(p.days, series, lang)
        out.append(
            {
                "product_id": p.product_id,
                "name": p.product_name,
                "chart": chart,
                "rows": rows,
                "columns": [label for label, _ in series],
            }
        )
    return out
