"""The product page's price history and price watch, and a clinic user's watches.

``price_section`` fills the product page's "Prishistorik" (30/90/365 days, chart, table,
"lägsta på 90 dagar") and, for a clinic user, the watch form. Watching is an upsert
(``marketplace.price_watch``): a double click saves one watch.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from catalog.models import User
from marketplace import price_history, price_watch
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.history_view import history_context
from ui.i18n import pick_lang, translate
from ui.market_views import role_gate, see_other
from ui.rendering import render

router = page_router()
CSRF = [Depends(verify_csrf)]
DEFAULT_DAYS = 90


def window(days: int) -> int:
    """One of the windows the page offers (else the default). Pure."""
    return days if days in price_history.WINDOWS else DEFAULT_DAYS


def price_section(
    session: Session,
    user: User | None,
    product_id: int,
    days: int,
    lang: str,
) -> dict[str, Any]:
    """The product page's price history and watch context."""
    days = window(days)
    found = price_history.price_history(
        session, product_id, days, today=price_history.today_of(utc_now())
    )
    watched = price_watch.watch_of(session, user, product_id)
    return {
        "history": history_context(found, days, lang),
        "history_days": days,
        "history_windows": price_history.WINDOWS,
        "watch": watched,
        "watch_retailer": price_history.retailer_slug(
            session, watched.retailer_id if watched is not None else None
        ),
        "watch_retailers": price_history.listed_retailers_of(session, product_id),
    }


@router.post("/produkt/{product_id}/bevaka", dependencies=CSRF)
def save_watch(
    request: Request,
    product_id: int,
    session: SessionDep,
    user: CurrentUser,
    target_price: str = Form("", max_length=40),
    back_in_stock: str = Form(""),
    retailer: str = Form("", max_length=80),
) -> Response:
    """Watch the product (or change the watch): the same form twice leaves one watch."""
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    price_watch.watch(
        session,
        user,
        product_id,
        target_price=price_watch.parse_target(target_price),
        back_in_stock=bool(back_in_stock),
        retailer_slug=retailer or None,
        now=utc_now(),
    )
    session.commit()
    return see_other(f"/produkt/{product_id}", "watch_saved", "prishistorik")


@router.post("/produkt/{product_id}/sluta-bevaka", dependencies=CSRF)
def remove_watch(
    request: Request, product_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    """Stop watching (no watch left is no error: a double click's second submit)."""
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    price_watch.unwatch(session, user, product_id)
    session.commit()
    return see_other(f"/produkt/{product_id}", "watch_removed", "prishistorik")


@router.get("/bevakningar", response_class=HTMLResponse, name="ui_watches")
def watches_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    views = price_watch.watches_of(session, user).items  # every watch (at most MAX_WATCHES)
    lang = pick_lang(request)
    rows = []
    for v in views:
        w = v.watch
        conditions: list[tuple[str, object]] = []
        if w.target_price is not None:
            conditions.append(("target", w.target_price))
        if w.back_in_stock:
            conditions.append(("stock", None))
        if v.retailer_name:
            conditions.append(("retailer", v.retailer_name))
        below = w.target_price is not None and v.lowest is not None and v.lowest < w.target_price
        rows.append({"view": v, "conditions": conditions, "below": below})
    context = {"rows": rows, "title": translate(lang, "watch.list_title")}
    return render(request, "watches.html", context, user=user)
