"""What the marketplace pages share: login and role gates, commits that recompute measured
signals, notices after a redirect, and view models (order timelines, reviews) built from
the ``marketplace`` services' objects. Domain errors become pages in ``ui.error_pages``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.requests import Request

from catalog.models import User
from marketplace import reviews
from marketplace.dates import local_date, utc_now
from marketplace.enums import REVIEW_DIMENSIONS, OrderStatus
from marketplace.models import Order
from marketplace.reviews import ShownReview
from ui.rendering import NOTICES, error_page, wants_fragment


def login_gate(request: Request, user: User | None) -> Response | None:
    """Anonymous visitors are sent to log in and brought back here.

    An HTMX request (a fragment swapped into a page after the session ended) gets
    ``HX-Redirect``: the whole browser goes to log in, and back to the page it was on.
    """
    if user is None:
        if wants_fragment(request):
            target = quote(_current_page(request), safe="/")
            return Response(status_code=401, headers={"HX-Redirect": f"/logga-in?next={target}"})
        target = quote(request.url.path, safe="/")
        return RedirectResponse(f"/logga-in?next={target}", status_code=303)
    return None


def _current_page(request: Request) -> str:
    """The path of the page an HTMX request came from (``HX-Current-URL``) when it is this
    site's, else the request's own path."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if current.netloc == request.url.netloc and current.path.startswith("/"):
        return current.path
    return request.url.path


def role_gate(request: Request, user: User | None, *roles: str) -> Response | None:
    """Log in first; then only ``roles`` (a 403 page for others)."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    if user.role not in roles or (user.role == "retailer" and user.retailer_id is None):
        return error_page(request, "error.forbidden", user=user, status_code=403)
    return None


def see_other(path: str, notice: str | None = None, fragment: str = "") -> RedirectResponse:
    """Post/redirect/get, with a notice key the next page shows."""
    if notice is not None:
        path = f"{path}{'&' if '?' in path else '?'}notice={notice}"
    return RedirectResponse(f"{path}#{fragment}" if fragment else path, status_code=303)


def notice(request: Request) -> str | None:
    """The whitelisted notice key of ``?notice=`` (never free text from the URL)."""
    value = request.query_params.get("notice")
    return value if value in NOTICES else None


def publish_due(request: Request, session: Session) -> None:
    """Publish held reviews whose response window has passed (before showing reviews)."""
    reviews.publish_due_reviews(session, utc_now())
    session.commit()


# ---------------------------------------------------------------- view models


@dataclass(frozen=True, slots=True)
class Step:
    key: str  # order_status.* key
    at: datetime | None
    done: bool
    note_key: str | None = None
    note_date: date | None = None


def timeline(order: Order) -> list[Step]:
    """Pure: the order's status steps (placed, confirmed, shipped, delivered | cancelled)."""
    steps = [Step("order_status.placed", order.placed_at, True)]
    promised = order.promised_delivery_date
    steps.append(
        Step(
            "order_status.confirmed",
            order.confirmed_at,
            order.confirmed_at is not None,
            "order.promised" if promised else None,
            promised,
        )
    )
    if order.status == OrderStatus.CANCELLED:
        steps.append(
            Step(
                "order_status.cancelled",
                order.cancelled_at,
                True,
                f"cancel_reason.{order.cancel_reason or 'other'}",
            )
        )
        return [s for s in steps if s.done]
    steps.append(Step("order_status.shipped", order.shipped_at, order.shipped_at is not None))
    note = None
    if order.delivered_at is not None:
        note = {True: "order.on_time", False: "order.late", None: "order.auto_delivered"}[
            order.delivered_on_time
        ]
    steps.append(
        Step("order_status.delivered", order.delivered_at, order.delivered_at is not None, note)
    )
    return steps


def overdue(order: Order, now: datetime) -> bool:
    """Pure: confirmed or shipped and past its promised (Swedish) date."""
    promised = order.promised_delivery_date
    return (
        order.status in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED)
        and promised is not None
        and promised < local_date(now)
    )


def review_view(shown: ShownReview) -> dict[str, Any]:
    """A review as the templates show it: author, clinic, stars, dimensions, response."""
    r = shown.review
    return {
        "id": r.id,
        "author_id": r.author_id,
        "author": shown.author_name,
        "clinic": shown.author_clinic,
        "rating": r.rating,
        "text": r.text,
        "verified": r.verified_purchase,
        "status": r.status,
        "target_type": r.target_type,
        "target_id": r.target_id,
        "created_at": r.created_at,
        "published_at": r.published_at,
        "due": r.response_due_at,
        "response": r.response,
        "responded_at": r.responded_at,
        "dimensions": [
            (name, getattr(r, name)) for name in REVIEW_DIMENSIONS if getattr(r, name) is not None
        ],
    }


def average(rows: list[dict[str, Any]]) -> float | None:
    return sum(r["rating"] for r in rows) / len(rows) if rows else None
