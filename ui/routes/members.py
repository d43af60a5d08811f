""" "Medlemmar": the members of the signed-in user's organisation (issue 14 item 3).

Everyone of the organisation sees who its members are and their roles; only its
representative (retailer) or manager (clinic) invites, changes roles, removes members and
withdraws invitations. A member only ever sees and changes their own organisation: the ids
in the paths are looked up within it (another organisation's member or invitation is not
found). Platform staff (merchandisers, admins) belong to no organisation: 403 (they work
from the admin console).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.auth import ApiKeyCache, verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep, public_base
from catalog.enums import ORG_ROLES, OrgKind
from catalog.models import Organisation, User
from marketplace import invitations, organisations
from marketplace.dates import as_utc, utc_now
from marketplace.errors import InvalidInput, NotAllowed
from ui.error_pages import error_detail, page_router
from ui.i18n import pick_lang, translate
from ui.market_views import login_gate, see_other
from ui.rendering import error_page, render

router = page_router()
PAGE = "/organisation/medlemmar"


def _own_org(request: Request, session: Session, user: User | None) -> Response | Organisation:
    """The user's organisation, or the response refusing the page."""
    if (refused := login_gate(request, user)) is not None:
        return refused
    assert user is not None
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    if org is None:
        return error_page(
            request,
            "error.forbidden",
            user=user,
            status_code=403,
            detail=_t(request, "members.no_org"),
        )
    return org


def _t(request: Request, key: str) -> str:
    return translate(pick_lang(request), key)


def _page(
    request: Request,
    session: Session,
    user: User,
    org: Organisation,
    days: int,
    *,
    error: str | None = None,
    invite_email: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    manages = organisations.managers(user, org)
    now = utc_now()
    pending = [
        {
            "id": i.id,
            "email": i.email,
            "role": i.org_role,
            "expires_at": i.expires_at,
            "expired": as_utc(i.expires_at) <= now,
        }
        for i in (invitations.open_invitations(session, org) if manages else [])
    ]
    return render(
        request,
        "members.html",
        {
            "org": org,
            "members": organisations.members(session, org),
            "manages": manages,
            "roles": [r.value for r in ORG_ROLES[OrgKind(org.kind)]],
            "invitations": pending,
            "error": error,
            "invite_email": invite_email,
            "invitation_days": days,
        },
        user=user,
        status_code=status_code,
    )


@router.get(PAGE, response_class=HTMLResponse, name="ui_members")
def members_page(
    request: Request, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> Response:
    found = _own_org(request, session, user)
    if isinstance(found, Response):
        return found
    assert user is not None
    return _page(request, session, user, found, settings.invitation_days)


def _manager_org(request: Request, session: Session, user: User | None) -> Response | Organisation:
    found = _own_org(request, session, user)
    if (
        isinstance(found, Organisation)
        and user is not None
        and not organisations.managers(user, found)
    ):
        raise NotAllowed("only the representative or manager manages members", code="not_manager")
    return found


@router.post(f"{PAGE}/bjud-in", dependencies=[Depends(verify_csrf)])
def invite(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
    org_role: Annotated[str, Form()] = "",
) -> Response:
    """Invite a colleague: an e-mail with a link that expires (``invitation_days``)."""
    found = _manager_org(request, session, user)
    if isinstance(found, Response):
        return found
    assert user is not None
    lang = pick_lang(request)
    try:
        invitations.invite(
            session,
            found,
            user,
            email[:300],
            org_role[:40],
            days=settings.invitation_days,
            max_open=settings.invitation_max_open,
            lang=lang,
            link_base=public_base(request),
        )
    except InvalidInput as exc:
        session.rollback()
        message = error_detail(exc, lang)
        if isinstance(exc, organisations.OrgInvalid):
            from ui.routes.signup import field_message

            message = " ".join(field_message(lang, f, r) for f, r in exc.fields.items())
        return _page(
            request,
            session,
            user,
            found,
            settings.invitation_days,
            error=message,
            invite_email=email[:300],
            status_code=422,
        )
    return see_other(PAGE, "invited")


@router.post(f"{PAGE}/{{member_id}}/roll", dependencies=[Depends(verify_csrf)])
def change_role(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    member_id: int,
    org_role: Annotated[str, Form()] = "",
) -> Response:
    """Give a member another role; the organisation keeps a representative / manager."""
    found = _manager_org(request, session, user)
    if isinstance(found, Response):
        return found
    organisations.change_role(session, found, member_id, org_role[:40], actor=user, channel="web")
    session.commit()
    return see_other(PAGE, "role_changed")


@router.post(f"{PAGE}/{{member_id}}/ta-bort", dependencies=[Depends(verify_csrf)])
def remove(request: Request, session: SessionDep, user: CurrentUser, member_id: int) -> Response:
    """Remove a member: their sessions and API keys end at once."""
    found = _manager_org(request, session, user)
    if isinstance(found, Response):
        return found
    organisations.remove_member(session, found, member_id, actor=user, channel="web")
    session.commit()
    cache: ApiKeyCache = request.app.state.api_keys
    cache.forget_user(member_id)
    if user is not None and member_id == user.id:
        return see_other("/")  # removed themselves: their session has ended
    return see_other(PAGE, "member_removed")


@router.post(
    "/organisation/inbjudningar/{invitation_id}/aterkalla", dependencies=[Depends(verify_csrf)]
)
def revoke(
    request: Request, session: SessionDep, user: CurrentUser, invitation_id: int
) -> Response:
    """Withdraw an invitation: its link stops working."""
    found = _manager_org(request, session, user)
    if isinstance(found, Response):
        return found
    assert user is not None
    invitations.revoke(session, found, invitation_id, user)
    return see_other(PAGE, "invitation_revoked")
