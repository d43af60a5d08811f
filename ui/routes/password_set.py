"""The page a "reset sign-in" or "forgotten password" e-mail links to: choose a new password
with a signed, expiring, single-use link (``api.password_links``). Setting it ends every
session of the account and lifts its sign-in lock; then the visitor signs in with it.

``/konto/glomt-losenord`` asks for such a link by e-mail address: the same answer whether or
not the address has an account, throttled like sign-ups."""

from __future__ import annotations

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from api.auth import WeakPassword, verify_csrf
from api.client_ip import client_ip
from api.deps import CurrentUser, SessionDep, SettingsDep, public_base
from api.password_links import (
    LINK_HOURS,
    LINK_PATH,
    MAX_TOKEN,
    InvalidLink,
    link_user,
    send_forgot_link,
    set_password_by_link,
)
from api.passwords import MIN_PASSWORD_LENGTH
from api.throttle import SignupThrottle, lift_lock
from catalog.models import User
from ui.error_pages import page_router
from ui.i18n import pick_lang
from ui.market_views import see_other
from ui.rendering import render
from ui.routes.account import locked_message

router = page_router()
FORGOT_PATH = "/konto/glomt-losenord"
MAX_EMAIL = 254


def _form(
    request: Request,
    user: User | None,
    *,
    token: str,
    email: str | None,
    problem: str | None,
    status_code: int,
    reason: str | None = None,
) -> Response:
    response = render(
        request,
        "password_set.html",
        # reason: why a password was refused (``password.<reason>``: too short, too common …)
        {
            "token": token,
            "email": email,
            "problem": problem,
            "reason": reason,
            "min_password": MIN_PASSWORD_LENGTH,
        },
        user=user,
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(LINK_PATH, name="ui_password_set")
def password_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    token: str = "",
) -> Response:
    """The form, when the link is valid; else why it no longer works."""
    token = token[:MAX_TOKEN]
    try:
        target = link_user(session, settings, token)
    except InvalidLink:
        return _form(request, user, token="", email=None, problem="invalid", status_code=400)
    return _form(request, user, token=token, email=target.email, problem=None, status_code=200)


@router.post(LINK_PATH, dependencies=[Depends(verify_csrf)])
def set_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    token: str = Form(""),
    password: str = Form(""),
    repeat: str = Form(""),
) -> Response:
    """Save the new password; a weak one shows the form again, a dead link says so."""
    token = token[:MAX_TOKEN]
    try:
        target = set_password_by_link(session, settings, token, password, repeat)
    except InvalidLink:
        session.rollback()
        return _form(request, user, token="", email=None, problem="invalid", status_code=400)
    except WeakPassword as exc:
        session.rollback()
        email = link_user(session, settings, token).email
        return _form(
            request,
            user,
            token=token,
            email=email,
            problem="weak",
            status_code=422,
            reason=exc.reason,
        )
    lift_lock(session, email=target.email, actor=f"user {target.email} (reset link)")
    return see_other("/logga-in", "password_set")


def _forgot_form(
    request: Request,
    user: User | None,
    *,
    email: str,
    sent: bool,
    wait: int | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    response = render(
        request,
        "password_forgot.html",
        {
            "email": email,
            "sent": sent,
            "problem": problem,
            "locked": locked_message(request, wait) if wait is not None else None,
            "hours": LINK_HOURS,
        },
        user=user,
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(FORGOT_PATH, name="ui_password_forgot")
def forgot_page(request: Request, user: CurrentUser, email: str = "") -> Response:
    """Ask for a link to choose a new password (the sign-in page links here)."""
    return _forgot_form(request, user, email=email[:MAX_EMAIL], sent=False)


@router.post(FORGOT_PATH, dependencies=[Depends(verify_csrf)])
def forgot_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    email: str = Form(""),
) -> Response:
    """E-mail a link when the address has an account; the page says the same either way."""
    email = email.strip()
    if not email or len(email) > MAX_EMAIL or "@" not in email or "\x00" in email:
        return _forgot_form(
            request, user, email=email[:MAX_EMAIL], sent=False, problem="email", status_code=422
        )
    throttle: SignupThrottle = request.app.state.signup_throttle
    if (wait := throttle.for_action("forgot").admit(email, client_ip(request))) is not None:
        return _forgot_form(request, user, email=email, sent=False, wait=wait, status_code=429)
    lang = pick_lang(request)
    send_forgot_link(
        session,
        settings,
        public_base(request),
        email,
        lang=lang if lang in ("sv", "en") else "sv",
        channel="web",
    )
    return _forgot_form(request, user, email=email, sent=True)
