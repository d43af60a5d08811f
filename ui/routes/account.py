"""Log in and out (the session cookie and CSRF handling live in ``api.auth``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import InvalidCredentials, authenticate, clear_session, login_response, verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from ui.rendering import render

router = APIRouter()

HOME_BY_ROLE = {"retailer": "/portal", "merchandiser": "/konsol", "admin": "/konsol"}


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
        {"next": safe_next(next) or "", "failed": False, "email": ""},
        user=user,
    )


@router.post("/logga-in", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),
) -> Response:
    try:
        found = authenticate(session, email, password)
    except InvalidCredentials:
        return render(
            request,
            "login.html",
            {"next": safe_next(next) or "", "failed": True, "email": email},
            user=user,
            status_code=401,
        )
    target = safe_next(next) or HOME_BY_ROLE.get(found.role, "/")
    response = RedirectResponse(target, status_code=303)
    login_response(response, settings, found)
    return response


@router.post("/logga-ut", dependencies=[Depends(verify_csrf)])
def logout(settings: SettingsDep) -> Response:
    response = RedirectResponse("/", status_code=303)
    clear_session(response, settings)
    return response
