"""Admin pages: users (search, a page per user with their roles, suspend/reactivate and
"reset sign-in") and the sign-in locks, with a button that lifts a lock (an account or an
address the throttle locked for up to an hour). Every user action is audited by
``marketplace.user_admin``."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep, public_base
from api.password_links import LINK_HOURS, link_for
from api.throttle import current_locks, lift_lock
from catalog import audit
from catalog.enums import ORG_ROLES, OrgKind
from catalog.models import User
from marketplace import user_admin
from marketplace.dates import utc_now
from marketplace.errors import InvalidInput, MarketplaceError
from ui.error_pages import page_router, status_of
from ui.i18n import pick_lang, translate
from ui.market_views import notice, role_gate, see_other
from ui.rendering import render
from ui.routes.admin_console import failure, pager, paging

router = page_router(prefix="/admin")
USERS_PAGE = "/admin/anvandare"


def _page(
    request: Request, session: SessionDep, user: User, *, error: str = "", status_code: int = 200
) -> Response:
    q = request.query_params.get("q", "")[:200]
    role = request.query_params.get("role", "")
    limit, offset = paging(request)
    listing: dict[str, Any] = {"q": q, "role": role, "roles": user_admin.PLATFORM_ROLES}
    try:
        page = user_admin.list_users(session, user, q=q, role=role, limit=limit, offset=offset)
        listing.update(users=page.items, pager=pager(page), search_error=None)
    except InvalidInput as exc:
        listing.update(users=[], pager=None, search_error=failure(request, exc))
        status_code = 422
    locks = [
        {"key": k, "kind": k.partition(":")[0], "who": k.partition(":")[2], "until": u, "n": n}
        for k, u, n in current_locks(session)
    ]
    return render(
        request,
        "admin_users.html",
        {**listing, "locks": locks, "error": error},
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


def _user_page(
    request: Request,
    session: SessionDep,
    user: User,
    user_id: int,
    *,
    error: MarketplaceError | None = None,
) -> Response:
    found = user_admin.get_user(session, user, user_id)
    org = found.organisation
    context: dict[str, Any] = {
        "target": found.user,
        "org": org,
        "roles": user_admin.STAFF_ROLES if org is None else (found.user.role,),
        "org_roles": [r.value for r in ORG_ROLES[OrgKind(org.kind)]] if org else [],
        "history": audit.entries_for(session, "user", found.user.id),
        "hours": LINK_HOURS,
        "notice": notice(request),
        "error": None,
        "error_detail": "",
    }
    status = 200
    if error is not None:
        context.update(failure(request, error))
        status = status_of(error)
    return render(request, "admin_user.html", context, user=user, status_code=status)


@router.get(USERS_PAGE.removeprefix("/admin") + "/{user_id}", name="ui_admin_user")
def user_page(request: Request, user_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """One user: organisation, roles, account state, history and the actions."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    return _user_page(request, session, user, user_id)


@router.post("/anvandare/{user_id}/roller", dependencies=[Depends(verify_csrf)])
def set_roles(
    request: Request,
    user_id: int,
    session: SessionDep,
    user: CurrentUser,
    role: str = Form(""),
    org_role: str = Form(""),
) -> Response:
    """Change the platform role and/or the role in the organisation."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    try:
        user_admin.change_roles(
            session, user, user_id, role=role[:20] or None, org_role=org_role[:20] or None
        )
    except MarketplaceError as exc:
        session.rollback()
        return _user_page(request, session, user, user_id, error=exc)
    session.commit()
    return see_other(f"{USERS_PAGE}/{user_id}", "roles_saved")


@router.post("/anvandare/{user_id}/stang-av", dependencies=[Depends(verify_csrf)])
def suspend(
    request: Request, user_id: int, session: SessionDep, user: CurrentUser, reason: str = Form("")
) -> Response:
    """Suspend the user with a reason: signed out everywhere, API keys refused."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    try:
        user_admin.suspend_user(session, user, user_id, reason, now=utc_now())
    except MarketplaceError as exc:
        session.rollback()
        return _user_page(request, session, user, user_id, error=exc)
    session.commit()
    request.app.state.api_keys.forget_user(user_id)
    return see_other(f"{USERS_PAGE}/{user_id}", "user_suspended")


@router.post("/anvandare/{user_id}/ateraktivera", dependencies=[Depends(verify_csrf)])
def reactivate(
    request: Request, user_id: int, session: SessionDep, user: CurrentUser, reason: str = Form("")
) -> Response:
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    try:
        user_admin.reactivate_user(session, user, user_id, now=utc_now(), reason=reason)
    except MarketplaceError as exc:
        session.rollback()
        return _user_page(request, session, user, user_id, error=exc)
    session.commit()
    return see_other(f"{USERS_PAGE}/{user_id}", "user_reactivated")


@router.post("/anvandare/{user_id}/aterstall-inloggning", dependencies=[Depends(verify_csrf)])
def reset_sign_in(
    request: Request,
    user_id: int,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    lang: str = Form("sv"),
) -> Response:
    """Sign the user out everywhere, lift their account's lock and e-mail them a link to
    choose a new password."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    try:
        target, _ = user_admin.reset_sign_in(
            session,
            user,
            user_id,
            link_for=lambda u: link_for(settings, public_base(request), u),
            lang=lang if lang in ("sv", "en") else "sv",
            valid_hours=LINK_HOURS,
            now=utc_now(),
        )
    except MarketplaceError as exc:
        session.rollback()
        return _user_page(request, session, user, user_id, error=exc)
    session.commit()
    lift_lock(session, email=target.email, actor=f"admin {user.email} (web)")
    return see_other(f"{USERS_PAGE}/{user_id}", "sign_in_reset")
