"""Log in and out (the session cookie and CSRF handling live in ``api.auth``)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import (
    InvalidCredentials,
    OrganisationInactive,
    authenticate,
    known_device,
    login_response,
    logout_response,
    verify_csrf,
)
from api.client_ip import client_ip
from api.deps import CurrentUser, SessionDep
from api.throttle import SignInThrottle
from catalog.models import User
from marketplace.dates import LOCAL_TZ, utc_now
from ui.error_pages import page_router
from ui.i18n import pick_lang, translator
from ui.rendering import render

router = page_router()

HOME_BY_ROLE = {
    "retailer": "/portal",
    "merchandiser": "/konsol",
    "admin": "/admin",
    "sponsor": "/sponsor/lojalitet",
}


def safe_next(target: str | None) -> str | None:
    """Only local paths: never redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/logga-in", response_class=HTMLResponse, name="ui_login")
def login_page(request: Request, user: CurrentUser, next: str | None = None) -> HTMLResponse:
    return render(
        request,
        "login.html",
        {"next": safe_next(next) or "", "failed": False, "locked": None, "email": ""},
        user=user,
    )


def org_refusal_key(exc: OrganisationInactive) -> str:
    """The message for a member whose organisation is not active (after the right password)."""
    if exc.status == "pending" and not exc.confirmed:
        return "login.org_unconfirmed"
    return f"login.org_{exc.status}"


def locked_message(request: Request, seconds: int) -> str:
    """When the visitor may try again, in their language ("Försök igen om 5 minuter (kl.
    23:47)")."""
    t = translator(pick_lang(request))
    at = (utc_now() + timedelta(seconds=seconds)).astimezone(LOCAL_TZ).strftime("%H:%M")
    if seconds <= 1:
        return t("login.locked_one_second", at=at)
    if seconds <= 60:
        return t("login.locked_seconds", n=seconds, at=at)
    return t("login.locked_minutes", n=-(-seconds // 60), at=at)


def locked_page(
    request: Request, user: User | None, context: dict[str, object], wait: int
) -> Response:
    response = render(
        request,
        "login.html",
        {**context, "failed": False, "locked": locked_message(request, wait)},
        user=user,
        status_code=429,
    )
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/logga-in", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def login_submit(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),
) -> Response:
    """Sign in; repeated wrong passwords lock the account and the address for a while
    (429 with ``Retry-After`` and a message saying when to try again)."""
    context: dict[str, object] = {"next": safe_next(next) or "", "email": email}
    throttle: SignInThrottle = request.app.state.login_throttle
    address = client_ip(request)
    device = known_device(request, email)
    if (wait := throttle.admit(email, address, device)) is not None:
        return locked_page(request, user, context, wait)
    try:
        found = authenticate(session, email, password)
    except OrganisationInactive as exc:
        throttle.succeeded(email, address, device)  # the password was right
        return render(
            request,
            "login.html",
            {**context, "failed": False, "locked": None, "org_refusal": org_refusal_key(exc)},
            user=user,
            status_code=403,
        )
    except InvalidCredentials:
        if (wait := throttle.failed(email, address, device)) is not None:
            return locked_page(request, user, context, wait)
        return render(
            request,
            "login.html",
            {**context, "failed": True, "locked": None},
            user=user,
            status_code=401,
        )
    target = safe_next(next) or HOME_BY_ROLE.get(found.role, "/")
    response = RedirectResponse(target, status_code=303)
    login_response(response, request, session, found)  # commits (a rehashed password too)
    throttle.succeeded(email, address, device)  # after that commit: SQLite has one writer at a time
    return response


@router.post("/logga-ut", dependencies=[Depends(verify_csrf)])
def logout(request: Request, session: SessionDep) -> Response:
    """Sign out: the session ends server-side, so a copied cookie stops working too."""
    response = RedirectResponse("/", status_code=303)
    logout_response(response, request, session)
    return response
