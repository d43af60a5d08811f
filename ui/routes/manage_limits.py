"""The limits against abuse of a loyalty programme, for its manager (a platform admin at
``/admin/lojalitet/{id}/granser``, the sponsor's representative at
``/sponsor/lojalitet/{id}/granser``: ``ui.loyalty_manage``): the caps per activity per day
and month and the approval threshold, the credits held for approval (approve, or reject
with a reason), and the programme's recent credits to claw back with a reason, whole or in
part. The same domain services as the API's limit routes (``loyalty.limits``); a refusal is
told in Swedish or English (never an account's internal key)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from catalog.models import User
from loyalty import credits, limits
from loyalty.access import require_management_role, require_manager_of
from loyalty.awards import settings_of
from loyalty.errors import InvalidInput, LoyaltyError, NotFound
from loyalty.ledger import describe_account
from loyalty.models import Account, Entry, HeldCredit
from loyalty.programmes import get_programme
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.loyalty_manage import base_of, manage_error, manager_gate, refusal_page
from ui.market_views import see_other
from ui.rendering import render

router = page_router(prefix="/admin")
sponsor_router = page_router(prefix="/sponsor")
CSRF = [Depends(verify_csrf)]
Error = tuple[str, dict[str, object]]


def _path(request: Request, programme_id: int) -> str:
    return f"{base_of(request)}/{programme_id}/granser"


def _account(session: SessionDep, account_id: int) -> str:
    account = session.get(Account, account_id)
    return describe_account(session, account) if account is not None else "-"


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    programme_id: int,
    *,
    error: Error | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    held, _n = limits.held_credits(session, user, programme_id, status="held", limit=100, offset=0)
    decided = [
        h
        for status in ("approved", "rejected")
        for h in limits.held_credits(
            session, user, programme_id, status=status, limit=10, offset=0
        )[0]
    ]
    decided.sort(key=lambda h: h.decided_at or h.created_at, reverse=True)
    row = settings_of(session, programme_id)
    caps: dict[str, Any] = dict(row.caps or {})
    shown = form or {
        f"{kind}_{window}": str(caps.get(kind, {}).get(window) or "")
        for kind in limits.CAP_KINDS
        for window in limits.CAP_WINDOWS
    } | {"threshold": str(row.approval_threshold or "")}
    context = {
        "programme": get_programme(session, programme_id),
        "base": base_of(request),
        "cap_kinds": limits.CAP_KINDS,
        "form": shown,
        "held": [(h, _account(session, h.destination_account_id)) for h in held],
        "decided": [(h, _account(session, h.destination_account_id)) for h in decided[:10]],
        "credits": credits.recent_credits(session, user, programme_id, limit=30),
        "error": error,
    }
    return render(request, "manage_limits.html", context, user=user, status_code=status_code)


@router.get("/lojalitet/{programme_id}/granser", response_class=HTMLResponse)
@sponsor_router.get("/lojalitet/{programme_id}/granser", response_class=HTMLResponse)
def limits_page(
    request: Request, session: SessionDep, user: CurrentUser, programme_id: int
) -> Response:
    """The programme's limits, held credits and recent credits (its manager)."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        return _page(request, session, user, programme_id)
    except LoyaltyError as exc:
        return refusal_page(request, user, exc) or _page(
            request, session, user, programme_id, error=manage_error(exc), status_code=422
        )


def _number(raw: str, field: str) -> int | None:
    """A form's whole number (empty: None); :class:`InvalidInput` naming ``field``."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        raise InvalidInput(f"{field}: a whole number of points, not {raw.strip()!r}", field=field)
    return int(text)


CAP_FIELDS = tuple(f"{k}_{w}" for k in limits.CAP_KINDS for w in limits.CAP_WINDOWS)


async def _cap_form(request: Request) -> dict[str, str]:
    """The limits form: a cap per activity kind and window (``sale_day``, ``photo_month``
    …) and the approval threshold, each at most 20 characters (longer: cut, then refused
    as not a number)."""
    form = await request.form()
    return {
        name: str(value)[:21] if isinstance((value := form.get(name, "")), str) else ""
        for name in (*CAP_FIELDS, "threshold")
    }


@router.post("/lojalitet/{programme_id}/granser", dependencies=CSRF)
@sponsor_router.post("/lojalitet/{programme_id}/granser", dependencies=CSRF)
def save_limits(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    raw: Annotated[dict[str, str], Depends(_cap_form)],
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    threshold = raw["threshold"]
    try:
        caps = {
            kind: {w: _number(raw[f"{kind}_{w}"], f"caps.{kind}.{w}") for w in limits.CAP_WINDOWS}
            for kind in limits.CAP_KINDS
        }
        limits.set_limits(
            session,
            user,
            programme_id,
            caps=caps,
            approval_threshold=_number(threshold, "approval_threshold"),
            now=utc_now(),
        )
    except LoyaltyError as exc:
        session.rollback()
        if (page := refusal_page(request, user, exc)) is not None:
            return page
        return _page(
            request,
            session,
            user,
            programme_id,
            error=manage_error(exc),
            form=raw,
            status_code=422,
        )
    session.commit()
    return see_other(_path(request, programme_id), "limits_saved")


def _held_programme(session: SessionDep, user: User, held_id: int) -> int:
    require_management_role(user)
    held = session.get(HeldCredit, held_id)
    if held is None:
        raise NotFound(f"no held loyalty credit {held_id}")
    require_manager_of(session, user, held.programme_id, f"no held loyalty credit {held_id}")
    return held.programme_id


def _decide(
    request: Request,
    session: SessionDep,
    user: User | None,
    held_id: int,
    *,
    approve: bool,
    reason: str,
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        programme_id = _held_programme(session, user, held_id)
    except LoyaltyError as exc:
        return refusal_page(request, user, exc) or see_other(base_of(request))
    try:
        limits.decide(session, user, held_id, approve=approve, reason=reason, now=utc_now())
    except LoyaltyError as exc:
        session.rollback()
        if (page := refusal_page(request, user, exc)) is not None:
            return page
        status = 422 if isinstance(exc, InvalidInput) else 409  # bad input, or decided already
        return _page(
            request, session, user, programme_id, error=manage_error(exc), status_code=status
        )
    session.commit()
    notice = "credit_approved" if approve else "credit_rejected"
    return see_other(_path(request, programme_id), notice, "held")


@router.post("/lojalitet/tillgodo/{held_id}/godkann", dependencies=CSRF)
@sponsor_router.post("/lojalitet/tillgodo/{held_id}/godkann", dependencies=CSRF)
def approve(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    held_id: int,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return _decide(request, session, user, held_id, approve=True, reason=reason)


@router.post("/lojalitet/tillgodo/{held_id}/avsla", dependencies=CSRF)
@sponsor_router.post("/lojalitet/tillgodo/{held_id}/avsla", dependencies=CSRF)
def reject(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    held_id: int,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return _decide(request, session, user, held_id, approve=False, reason=reason)


@router.post("/lojalitet/poster/{entry_id}/aterkrav", dependencies=CSRF)
@sponsor_router.post("/lojalitet/poster/{entry_id}/aterkrav", dependencies=CSRF)
def clawback(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    entry_id: int,
    reason: Annotated[str, Form(max_length=1000)] = "",
    points: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Claw back a credit with a reason, whole (no points given) or in part."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        require_management_role(user)
        original = session.get(Entry, entry_id)
        if original is None:
            raise NotFound(f"no loyalty entry {entry_id}")
        programme_id = original.programme_id
        require_manager_of(session, user, programme_id, f"no loyalty entry {entry_id}")
    except LoyaltyError as exc:
        return refusal_page(request, user, exc) or see_other(base_of(request))
    try:
        limits.clawback(
            session,
            user,
            entry_id,
            reason=reason,
            points=_number(points, "points"),
            now=utc_now(),
        )
    except LoyaltyError as exc:
        session.rollback()
        if (page := refusal_page(request, user, exc)) is not None:
            return page
        status = 422 if isinstance(exc, InvalidInput) else 409  # bad input, or too much
        return _page(
            request, session, user, programme_id, error=manage_error(exc), status_code=status
        )
    session.commit()
    return see_other(_path(request, programme_id), "clawed_back", f"credit-{entry_id}")
