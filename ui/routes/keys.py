""" "Mina uppgifter › API-nycklar": my API keys (an organisation's representative or clinic
manager sees every member's), create one (its secret shown once, on the answer to the form,
never in a URL), revoke one. Every rule is ``api.api_keys``'s, as for the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.api_keys import (
    FEED_ROLES,
    KEY_TIME_ZONE,
    KeyNotFound,
    KeyRefused,
    KeyRow,
    TooManyKeys,
    check_new_key,
    issue_api_key,
    manages_keys_of_organisation,
    revoke_visible_key,
    visible_keys,
)
from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.enums import KeyScope
from catalog.models import User
from ui.error_pages import page_router
from ui.i18n import pick_lang, translator
from ui.market_views import login_gate, notice, see_other
from ui.rendering import error_page, render

router = page_router()
PAGE = "/mina-uppgifter/nycklar"
SHOWN = 100  # keys on the page, newest first (a cap per organisation keeps it short)


def _last_day(expires_at: datetime | None) -> date | None:
    """The last day a key works (its expiry is the end of that day, Swedish time)."""
    if expires_at is None:
        return None
    moment = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
    return (moment.astimezone(KEY_TIME_ZONE) - timedelta(seconds=1)).date()


def _row(row: KeyRow, now: datetime, me: User) -> dict[str, Any]:
    key = row.key
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scope": key.scope,
        "owner": row.owner_email,
        "mine": key.user_id == me.id,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "last_day": _last_day(key.expires_at),
        "revoked_at": key.revoked_at,
        "state": row.state(now),
    }


def _scopes(user: User) -> list[str]:
    """The scopes this user may choose (a feeds key only for who uploads feeds)."""
    return [s.value for s in KeyScope if s is not KeyScope.FEEDS or user.role in FEED_ROLES]


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    rows, total = visible_keys(session, user, limit=SHOWN, offset=0)
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "keys": [_row(r, now, user) for r in rows],
        "total": total,
        "shown": SHOWN,
        "manager": manages_keys_of_organisation(user),
        "scopes": _scopes(user),
        "today": now.astimezone(KEY_TIME_ZONE).date().isoformat(),
        "notice": notice(request),
        "error": None,
        "error_field": None,
        "created": None,
        "form": {"name": "", "scope": KeyScope.SEARCH.value, "expires": ""},
        **context,
    }
    response = render(request, "keys.html", values, user=user, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # a new key's secret may be on it
    return response


@router.get(PAGE, response_class=HTMLResponse, name="ui_keys")
def keys_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    return _page(request, session, user)


def _expiry(raw: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise KeyRefused("expires", "not a date (YYYY-MM-DD)") from None


@router.post(PAGE, dependencies=[Depends(verify_csrf)])
def create_key(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    name: str = Form(""),
    scope: str = Form(KeyScope.SEARCH.value),
    expires: str = Form(""),
) -> Response:
    """Create a key; the answer shows its secret once (no redirect: never in a URL)."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    t = translator(pick_lang(request))
    form = {"name": name, "scope": scope, "expires": expires}
    now = datetime.now(UTC)
    try:
        clean, wanted, expires_at = check_new_key(
            user, name, scope, _expiry(expires), now.astimezone(KEY_TIME_ZONE).date()
        )
        key, plaintext = issue_api_key(
            session,
            user,
            clean,
            wanted,
            expires_at,
            cap=settings.api_keys_per_organisation,
            now=now,
            channel="web",
        )
    except KeyRefused as exc:
        session.rollback()
        message = t(f"keys.refused.{exc.field}")
        return _page(
            request,
            session,
            user,
            status_code=422,
            form=form,
            error=message,
            error_field=exc.field,
        )
    except TooManyKeys as exc:
        session.rollback()
        message = t("keys.too_many", n=exc.cap)
        return _page(request, session, user, status_code=409, form=form, error=message)
    created = {"name": key.name, "prefix": key.prefix, "scope": key.scope, "secret": plaintext}
    session.commit()
    return _page(request, session, user, status_code=201, created=created)


@router.post(PAGE + "/{key_id}/aterkalla", dependencies=[Depends(verify_csrf)])
def revoke_key(key_id: int, request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Revoke my key, or (representative, manager) a member's; another's is not found."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        revoke_visible_key(session, user, key_id, request.app.state.api_keys, channel="web")
    except KeyNotFound:
        return error_page(request, "keys.not_found", user=user, status_code=404)
    return see_other(PAGE, "key_revoked")
