"""Retailer portal: "Mina poäng" (issue 15), the loyalty points of the signed-in seller or
representative: per programme their organisation is a member of, the organisation's points
and their value, the user's own sub-account, and the paged history (a seller sees their own
sub-account's movements, the representative the organisation's). Read through
``loyalty.reads``, as the API's ``/api/v1/loyalty/me`` is. An invited seller accepts the
participant terms here (a button beside the invitation)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from catalog.enums import OrgRole
from catalog.models import User
from loyalty import programmes, reads
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
from loyalty.errors import InvalidInput, NotAllowed, NotFound
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.market_views import role_gate, see_other
from ui.rendering import error_page, render

router = page_router(prefix="/portal")
PAGE_SIZE = 25


def _representative(user: User) -> bool:
    return user.org_role == OrgRole.REPRESENTATIVE.value


def _programme_view(session: Session, user: User, row: reads.ProgrammePoints) -> dict[str, Any]:
    programme = row.programme
    rate = programme.points_per_krona.normalize()
    exponent = rate.as_tuple().exponent
    return {
        "programme": programme,
        "rate": rate,
        "rate_decimals": max(0, -exponent) if isinstance(exponent, int) else 0,
        "member_total": row.member_total,
        "member_own": row.member_own,
        "value": Decimal(row.member_total * programme.point_value_ore) / 100,
        "invited": row.participant is not None,
        "participating": row.participant is not None
        and row.participant.terms_accepted_at is not None,
        "my_points": row.my_points,
        # the representative invites the organisation's users (not themselves: they redeem
        # and see every account as the organisation's representative already)
        "team": [m for m in reads.team(session, user, row.membership) if m.user.id != user.id]
        if _representative(user)
        else None,
    }


@router.get("/poang", response_class=HTMLResponse, name="ui_portal_loyalty")
def loyalty_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    try:
        rows = reads.my_points(session, user)
        entries, total = reads.my_entries(session, user, limit=PAGE_SIZE, offset=offset)
    except NotAllowed:  # a retailer user outside any organisation
        return error_page(request, "error.forbidden", user=user, status_code=403)
    last = min(offset + len(entries), total)
    context = {
        "programmes": [_programme_view(session, user, r) for r in rows],
        "joinable": reads.joinable(session, user) if _representative(user) else [],
        "member_terms": MEMBER_TERMS_VERSION,
        "entries": [{"entry": e, "change": change} for e, change in entries],
        "participant_terms": PARTICIPANT_TERMS_VERSION,
        "pager": {
            "total": total,
            "first": offset + 1 if entries else 0,
            "last": last,
            "previous": max(offset - PAGE_SIZE, 0) if offset > 0 else None,
            "next": offset + PAGE_SIZE if last < total else None,
        }
        if total > PAGE_SIZE or offset
        else None,
    }
    return render(request, "portal_loyalty.html", context, user=user)


@router.post("/poang/{programme_id}/villkor", dependencies=[Depends(verify_csrf)])
def accept_participant_terms(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    terms_version: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """An invited seller accepts the participant terms shown on the page (the API's
    ``POST /api/v1/loyalty/programmes/{id}/participation``): their sub-account opens."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    try:
        programmes.accept_participant_terms(
            session, user, programme_id, terms_version, now=utc_now()
        )
    except NotAllowed:  # a retailer user outside any organisation
        return error_page(request, "error.forbidden", user=user, status_code=403)
    except NotFound:  # no such programme, not a member, or not invited
        return error_page(request, "error.not_found", user=user, status_code=404)
    except InvalidInput:  # the terms changed since the page was shown: show the new ones
        session.rollback()
        return see_other("/portal/poang", fragment=f"programme-{programme_id}")
    session.commit()
    return see_other(
        "/portal/poang", "participant_terms_accepted", fragment=f"programme-{programme_id}"
    )


@router.post("/poang/{programme_id}/medlemsvillkor", dependencies=[Depends(verify_csrf)])
def accept_member_terms(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    terms_version: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The representative accepts the member terms for the organisation (the API's
    ``POST /api/v1/loyalty/programmes/{id}/membership``): it joins the programme."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    try:
        programmes.accept_member_terms(session, user, programme_id, terms_version, now=utc_now())
    except NotAllowed:  # a seller, or a retailer user outside any organisation
        return error_page(request, "error.forbidden", user=user, status_code=403)
    except NotFound:
        return error_page(request, "error.not_found", user=user, status_code=404)
    except InvalidInput:  # newer terms, or the programme closed: the page shows what is open
        session.rollback()
        return see_other("/portal/poang")
    session.commit()
    return see_other("/portal/poang", "member_terms_accepted", fragment=f"programme-{programme_id}")


@router.post("/poang/{programme_id}/bjud-in", dependencies=[Depends(verify_csrf)])
def invite_seller(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    user_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    """The representative invites a user of the organisation to take part (the API's
    ``POST /api/v1/loyalty/programmes/{id}/participants``); inviting twice changes nothing."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    try:
        programmes.invite(session, user, programme_id, user_id, now=utc_now())
    except NotAllowed:
        return error_page(request, "error.forbidden", user=user, status_code=403)
    except NotFound:  # no such programme or membership, or not a user of the organisation
        return error_page(request, "error.not_found", user=user, status_code=404)
    session.commit()
    return see_other("/portal/poang", "seller_invited", fragment=f"programme-{programme_id}")
