"""The notification centre (``/notiser``: newest first, paged, mark one or all read) and
the e-mail preferences form of "Mina uppgifter"."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from marketplace import notifications, preferences
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.market_views import login_gate, see_other
from ui.rendering import render

router = page_router()
PER_PAGE = 20


def _link(values: dict[str, object]) -> str | None:
    link = values.get("link")
    # only the site's own paths (the subscribers write them)
    return link if isinstance(link, str) and link.startswith("/") and "//" not in link else None


@router.get("/notiser", response_class=HTMLResponse, name="ui_notifications")
def notifications_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    page: Annotated[int, Query(alias="sida", ge=1, le=100_000)] = 1,
) -> Response:
    """The user's notifications, newest first, :data:`PER_PAGE` a page."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    rows, total = notifications.page_for(
        session, user, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    shown = [
        {
            "id": n.id,
            "kind": n.kind,
            "values": dict(n.values),
            "at": n.created_at,
            "new": n.read_at is None,
            "link": _link(dict(n.values)),
        }
        for n in rows
    ]
    pages = max(1, -(-total // PER_PAGE))
    return render(
        request,
        "notifications.html",
        {
            "items": shown,
            "page": page,
            "pages": pages,
            "total": total,
            "unread_total": notifications.unread_count(session, user.id),
        },
        user=user,
    )


@router.post("/notiser/lasta", dependencies=[Depends(verify_csrf)])
def mark_all_read(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := login_gate(request, user)) is not None:
        return refused
    notifications.mark_read(session, user, now=utc_now())
    session.commit()
    return see_other("/notiser", "notifications_read")


@router.post("/notiser/{notification_id}/last", dependencies=[Depends(verify_csrf)])
def mark_one_read(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    notification_id: int,
    page: Annotated[int, Form(alias="sida", ge=1, le=100_000)] = 1,
) -> Response:
    """Mark one read (another user's: not found) and go back to the page it was on."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    notifications.mark_one_read(session, user, notification_id, now=utc_now())
    session.commit()
    target = "/notiser" if page == 1 else f"/notiser?sida={page}"
    return see_other(target, "notifications_read", fragment=f"n{notification_id}")


@router.post("/mina-uppgifter/notiser", dependencies=[Depends(verify_csrf)])
def save_preferences(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    lang: Annotated[str, Form(max_length=2)] = "sv",
    email: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006 - FastAPI copies it
) -> Response:
    """The e-mail choices: a checked kind is on, an unchecked one of the user's kinds off."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    chosen = {kind: kind in email for kind in preferences.kinds_for(user)}
    preferences.save_preferences(session, user.id, lang=lang, email=chosen, now=utc_now())
    session.commit()
    return see_other("/mina-uppgifter", "preferences_saved", fragment="preferences")
