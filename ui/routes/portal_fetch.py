"""The retailer portal's scheduled fetch (``/portal/hamtning``, issue 19): the retailer's
feed URLs, a form to add one, and per URL its settings, its last fetches (status, HTTP
answer, duration, bytes and the run each made) and "Hämta nu" (fetch now: two clicks, one
fetch). See ``marketplace.feed_sources``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.models import User
from marketplace import feed_sources
from marketplace.dates import utc_now
from marketplace.errors import InvalidInput
from marketplace.feed_address import networks
from marketplace.feed_secrets import master_key
from ui.error_pages import error_detail, page_router
from ui.i18n import pick_lang
from ui.market_views import role_gate, see_other
from ui.rendering import render

router = page_router()
BASE = "/portal/hamtning"
SourceId = int  # out of range: the app's bounded_path_ids answers 404
Text = Annotated[str, Form(max_length=2000)]


def _form(
    url: str, schedule: str, mode: str, auth_kind: str, auth_username: str, auth_secret: str
) -> feed_sources.SourceInput:
    return feed_sources.SourceInput(
        url=url,
        schedule=schedule,
        mode=mode,
        auth_kind=auth_kind,
        auth_username=auth_username,
        auth_secret=auth_secret or None,
    )


def _invalid(request: Request, exc: InvalidInput) -> str:
    return error_detail(exc, pick_lang(request)) or str(exc)


def _list_page(
    request: Request,
    session: SessionDep,
    user: User | None,
    *,
    status_code: int = 200,
    **extra: object,
) -> Response:
    sources = feed_sources.sources_of(session, user)
    last = {
        s.id: next(iter(feed_sources.fetches_of(session, user, s.id, limit=1)), None)
        for s in sources
    }
    context: dict[str, object] = {
        "sources": sources,
        "last": last,
        "error": None,
        "form": {"schedule": "daily", "mode": "full", "auth_kind": "none"},
        **extra,
    }
    return render(request, "portal_fetch.html", context, user=user, status_code=status_code)


def _source_page(
    request: Request,
    session: SessionDep,
    user: User | None,
    source_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    source = feed_sources.source_of(session, user, source_id)
    context = {
        "source": source,
        "fetches": feed_sources.fetches_of(session, user, source_id),
        "error": error,
    }
    return render(request, "portal_fetch_source.html", context, user=user, status_code=status_code)


@router.get(BASE, response_class=HTMLResponse, name="ui_portal_fetch")
def fetch_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    return _list_page(request, session, user)


@router.post(BASE, dependencies=[Depends(verify_csrf)])
def add_feed_url(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    url: Text = "",
    schedule: Text = "",
    mode: Text = "full",
    auth_kind: Text = "none",
    auth_username: Text = "",
    auth_secret: Text = "",
) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    data = _form(url, schedule, mode, auth_kind, auth_username, auth_secret)
    try:
        source = feed_sources.create_source(
            session,
            user,
            data,
            master=master_key(settings),
            allow=networks(settings.feed_fetch_allow_networks),
            now=utc_now(),
        )
    except InvalidInput as exc:
        session.rollback()
        form = {
            "url": url,
            "schedule": schedule,
            "mode": mode,
            "auth_kind": auth_kind,
            "auth_username": auth_username,
        }
        return _list_page(
            request, session, user, status_code=422, error=_invalid(request, exc), form=form
        )
    session.commit()
    request.app.state.feed_fetcher.kick(source.id)  # due at once: the first fetch now
    return see_other(f"{BASE}/{source.id}", "feed_url_added")


@router.get(f"{BASE}/{{source_id}}", response_class=HTMLResponse, name="ui_portal_fetch_source")
def source_page(
    request: Request, session: SessionDep, user: CurrentUser, source_id: SourceId
) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    return _source_page(request, session, user, source_id)


@router.post(f"{BASE}/{{source_id}}", dependencies=[Depends(verify_csrf)])
def edit_feed_url(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    source_id: SourceId,
    url: Text = "",
    schedule: Text = "",
    mode: Text = "full",
    auth_kind: Text = "none",
    auth_username: Text = "",
    auth_secret: Text = "",
) -> Response:
    """Save the settings (an empty password or token keeps the stored one)."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    data = _form(url, schedule, mode, auth_kind, auth_username, auth_secret)
    try:
        feed_sources.update_source(
            session,
            user,
            source_id,
            data,
            master=master_key(settings),
            allow=networks(settings.feed_fetch_allow_networks),
            now=utc_now(),
        )
    except InvalidInput as exc:
        session.rollback()
        error = _invalid(request, exc)
        return _source_page(request, session, user, source_id, status_code=422, error=error)
    session.commit()
    return see_other(f"{BASE}/{source_id}", "feed_url_saved")


@router.post(f"{BASE}/{{source_id}}/ta-bort", dependencies=[Depends(verify_csrf)])
def remove_feed_url(
    request: Request, session: SessionDep, user: CurrentUser, source_id: SourceId
) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    feed_sources.delete_source(session, user, source_id)
    session.commit()
    return see_other(BASE, "feed_url_removed")


@router.post(f"{BASE}/{{source_id}}/hamta", dependencies=[Depends(verify_csrf)])
def fetch_now(
    request: Request, session: SessionDep, user: CurrentUser, source_id: SourceId
) -> Response:
    """ "Hämta nu": one fetch however often it is clicked while it is pending."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    requested = feed_sources.request_fetch(session, user, source_id, now=utc_now())
    session.commit()
    if requested:
        request.app.state.feed_fetcher.kick(source_id)
    notice = "feed_fetch_requested" if requested else "feed_fetch_pending"
    return see_other(f"{BASE}/{source_id}", notice)
