""" "Mina uppgifter" (GDPR export and account deletion) and the campaigns section, which a
clinic opens by choice: campaigns are never shown in search or on product pages."""

from __future__ import annotations

import json

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import (
    InvalidCredentials,
    WeakPassword,
    change_password,
    clear_device,
    clear_session,
    known_device,
    session_token,
    verify_csrf,
)
from api.client_ip import client_ip
from api.deps import CurrentUser, SessionDep, SettingsDep
from api.passwords import MIN_PASSWORD_LENGTH
from api.throttle import SignInThrottle
from catalog.reads import product_names, retailers_by_id
from loyalty import activity_export
from marketplace import campaigns, gdpr, notifications, preferences
from marketplace.dates import utc_now
from marketplace.organisations import LastManager
from ui.error_pages import error_detail, page_router
from ui.i18n import MESSAGES, pick_lang, translator
from ui.market_views import login_gate, notice, see_other
from ui.rendering import render

router = page_router()


@router.get("/mina-uppgifter", response_class=HTMLResponse, name="ui_me")
def my_data_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The user's data, with their messages (a removed review's reason); shown = read."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    found = notifications.notifications_for(session, user)
    shown = [
        {"kind": n.kind, "values": dict(n.values), "at": n.created_at, "new": n.read_at is None}
        for n in found
    ]
    notifications.mark_read(session, user, now=utc_now())
    session.commit()
    assert user is not None
    chosen = preferences.preferences_of(session, user.id)
    kinds = preferences.kinds_for(user)
    email_prefs = {
        "kinds": kinds,
        "email": {k: chosen.wants_email(k) for k in kinds},
        "lang": chosen.lang,
        "manages_webhooks": user.organisation_id is not None
        and user.org_role in ("representative", "manager"),
    }
    context = _context(request, notifications=shown, email_prefs=email_prefs)
    return render(request, "me.html", context, user=user)


def _context(request: Request, **changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "failed": False,
        "notice": notice(request),
        "password_error": None,
        "delete_error": None,
        "min_password": MIN_PASSWORD_LENGTH,
    }
    return {**base, **changes}


@router.post("/mina-uppgifter/losenord", dependencies=[Depends(verify_csrf)])
def change_my_password(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    current_password: str = Form(""),
    new_password: str = Form(""),
    repeat_password: str = Form(""),
) -> Response:
    """A new password: the current one, the new one twice. Every other session of the user
    ends (other browsers are signed out); this one and the API keys stay."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    from ui.routes.account import locked_message

    throttle: SignInThrottle = request.app.state.login_throttle
    address = client_ip(request)
    t = translator(pick_lang(request))

    def refuse(error: str, status: int = 422, wait: int | None = None) -> Response:
        response = render(
            request,
            "me.html",
            _context(request, notice=None, password_error=error),
            user=user,
            status_code=status,
        )
        if wait is not None:
            response.headers["Retry-After"] = str(wait)
        return response

    if new_password != repeat_password:
        return refuse(t("me.password_mismatch"))
    device = known_device(request, user.email)
    if (wait := throttle.admit(user.email, address, device)) is not None:
        return refuse(locked_message(request, wait), 429, wait)
    try:
        change_password(
            session, user, current_password, new_password, keep_token=session_token(request)
        )
    except InvalidCredentials:
        if (wait := throttle.failed(user.email, address, device)) is not None:
            return refuse(locked_message(request, wait), 429, wait)
        return refuse(t("me.password_wrong"), 401)
    except WeakPassword as exc:
        throttle.succeeded(user.email, address, device)  # the current password was right
        why = f"password.{exc.reason}"  # say why: too short, too common, the name …
        return refuse(t(why if why in MESSAGES else "me.password_weak", n=MIN_PASSWORD_LENGTH))
    throttle.succeeded(user.email, address, device)
    return see_other("/mina-uppgifter", "password_changed")


@router.get("/mina-uppgifter/export", name="ui_me_export")
def export_my_data(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Everything stored about the user, as a JSON download (GDPR art. 15 and 20)."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    data = gdpr.export_user_data(session, user.id)
    data["loyalty_activities"] = activity_export.activity_of(session, user.id)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="valbar-mina-uppgifter.json"'},
    )


@router.post("/mina-uppgifter/radera", dependencies=[Depends(verify_csrf)])
def delete_my_account(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    confirm: str = Form(""),
    email: str = Form(""),
) -> Response:
    """Delete the account after an explicit confirmation (the box and the e-mail typed)."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    if confirm != "1" or email.strip().lower() != user.email.lower():
        return render(
            request,
            "me.html",
            _context(request, failed=True, notice=None),
            user=user,
            status_code=422,
        )
    user_id = user.id
    try:
        gdpr.delete_account(session, user_id)  # its sessions go with it
    except LastManager as exc:
        session.rollback()
        return render(
            request,
            "me.html",
            _context(request, notice=None, delete_error=error_detail(exc, pick_lang(request))),
            user=user,
            status_code=422,
        )
    session.commit()
    request.app.state.api_keys.forget_user(user_id)  # its API keys stop working at once
    response = see_other("/", "account_deleted")
    clear_session(response, settings)
    clear_device(response, settings)  # the known-browser mark names no account any more
    return response


@router.get("/kampanjer", response_class=HTMLResponse, name="ui_campaigns")
def campaigns_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    found = campaigns.active_campaigns(session, utc_now())
    retailers = retailers_by_id(session, {c.retailer_id for c in found})
    names = product_names(session, {int(pid) for c in found for pid in (c.product_ids or [])})
    return render(
        request,
        "campaigns.html",
        {"campaigns": found, "retailers": retailers, "product_names": names},
        user=user,
    )
