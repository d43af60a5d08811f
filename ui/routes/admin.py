"""Admin pages: the users and the sign-in locks, with a button that lifts a lock (an
account or an address the throttle locked for up to an hour)."""

from __future__ import annotations

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from api.throttle import current_locks, lift_lock
from catalog.models import User
from catalog.reads import users_by_role
from ui.error_pages import page_router
from ui.i18n import pick_lang, translate
from ui.market_views import role_gate, see_other
from ui.rendering import render

router = page_router(prefix="/admin")
USERS_PAGE = "/admin/anvandare"


def _page(
    request: Request, session: SessionDep, user: User, *, error: str = "", status_code: int = 200
) -> Response:
    users = users_by_role(session)
    locks = [
        {"key": k, "kind": k.partition(":")[0], "who": k.partition(":")[2], "until": u, "n": n}
        for k, u, n in current_locks(session)
    ]
    return render(
        request,
        "admin_users.html",
        {"users": users, "locks": locks, "error": error},
        user=user,
        status_code=status_code,
    )


@router.get(USERS_PAGE.removeprefix("/admin"), name="ui_admin_users")
def users_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Users and the accounts and addresses the sign-in throttle has locked now (admins)."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    return _page(request, session, user)


@router.post("/anvandare/las-upp", dependencies=[Depends(verify_csrf)])
def unlock(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    key: str = Form(""),
    email: str = Form(""),
    ip: str = Form(""),
) -> Response:
    """Lift a sign-in lock: one listed (``key``), or an account's (``email``) or an
    address's (``ip``) typed in; logged with the admin who did it."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    given = [v.strip() or None for v in (key, email, ip)]
    one = sum(v is not None for v in given) == 1
    try:
        if not one:
            raise ValueError("give one e-mail address or one IP address")
        lift_lock(
            session,
            key=given[0],
            email=given[1],
            address=given[2],
            actor=f"admin {user.email} (web)",
        )
    except ValueError as exc:
        session.rollback()
        lang = pick_lang(request)
        typed = next((v for v in given if v is not None), "")
        if lang == "en":
            error = str(exc)
        elif one:
            error = translate(lang, "admin.unlock_refused", value=typed[:60])
        else:
            error = translate(lang, "admin.unlock_one")
        return _page(request, session, user, error=error, status_code=422)
    return see_other(USERS_PAGE, "unlocked")
