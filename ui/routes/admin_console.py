"""The admin console's pages: its home (``/admin``: links to every console area and the
number of waiting sign-ups), organisations (search, a detail page with members, retailer
link and status history, and the decisions: approve, refuse, suspend, reactivate, correct)
and the audit log. Admins only; every action is audited by ``marketplace.org_admin``."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from catalog.enums import OrgKind, OrgStatus
from catalog.models import User
from catalog.paging import Page
from marketplace import admin_common, org_admin
from marketplace.dates import utc_now
from marketplace.errors import InvalidInput, MarketplaceError, NotFound
from marketplace.organisations import AWAITING, AWAITING_EMAIL
from marketplace.organisations import awaiting as awaiting_of
from ui.error_pages import error_detail, message_key, page_router, status_of
from ui.i18n import pick_lang
from ui.market_views import notice, role_gate, see_other
from ui.rendering import render
from ui.routes.admin_queues import queues_context

router = page_router(prefix="/admin")
HOME = "/admin"
ORGS = "/admin/organisationer"
LOG = "/admin/logg"
PAGE_SIZE = 50


def _int(value: str | None, default: int, *, low: int, high: int) -> int:
    """A paging parameter from the query string; anything else is the default."""
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if low <= number <= high else default


def paging(request: Request) -> tuple[int, int]:
    """(limit, offset) of ``?offset=`` (the page size is fixed on the pages)."""
    return PAGE_SIZE, _int(request.query_params.get("offset"), 0, low=0, high=2**31 - 1)


def pager(page: Page) -> dict[str, Any]:
    """What the pager partial needs: the range shown and the neighbours' offsets."""
    last = min(page.offset + len(page.items), page.count)
    return {
        "total": page.count,
        "first": page.offset + 1 if page.items else 0,
        "last": last,
        "previous": max(page.offset - page.limit, 0) if page.offset > 0 else None,
        "next": page.offset + page.limit if last < page.count else None,
    }


def failure(request: Request, exc: MarketplaceError) -> dict[str, Any]:
    """The error context a page shows above its forms."""
    return {"error": message_key(exc), "error_detail": error_detail(exc, pick_lang(request))}


@router.get("", name="ui_admin_home")
def home(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The admins' landing page: a link to each console area (organisations, users, review
    moderation, the ranking console, the audit log) with what waits there."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    context = {
        "pending": org_admin.pending_signups(session, user),
        "unconfirmed": org_admin.pending_signups(session, user, AWAITING_EMAIL),
        **queues_context(session),
    }
    return render(request, "admin_home.html", context, user=user)


@router.get("/organisationer", name="ui_admin_organisations")
def organisations(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    q: str = "",
    kind: str = "",
    status: str = "",
    awaiting: str = "",
) -> Response:
    """Organisations by name, org number or member e-mail, filtered by kind, status and what
    a pending one waits for (``awaiting``: its e-mail confirmation or a decision)."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    limit, offset = paging(request)
    context: dict[str, Any] = {
        "q": q[:200],
        "kind": kind,
        "status": status,
        "kinds": [k.value for k in OrgKind],
        "statuses": [s.value for s in OrgStatus],
        "awaiting": awaiting,
        "awaitings": AWAITING,
        "waits": {},
        "error": None,
        "error_detail": "",
    }
    try:
        page = org_admin.list_organisations(
            session,
            user,
            q=q,
            kind=kind,
            status=status,
            awaiting=awaiting,
            limit=limit,
            offset=offset,
        )
    except InvalidInput as exc:
        context.update(failure(request, exc), orgs=[], pager=None)
        return render(request, "admin_orgs.html", context, user=user, status_code=422)
    waits = {o.id: awaiting_of(o) for o in page.items}
    context.update(orgs=page.items, pager=pager(page), waits=waits)
    return render(request, "admin_orgs.html", context, user=user)


def _detail_page(
    request: Request,
    session: SessionDep,
    user: User,
    org_id: int,
    *,
    error: MarketplaceError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    found = org_admin.organisation_detail(session, user, org_id)
    org = found.organisation
    fields = {f: getattr(org, f) or "" for f in org_admin.EDITABLE}
    context: dict[str, Any] = {
        "org": org,
        "waits_for": awaiting_of(org),
        "members": found.members,
        "retailer": found.retailer,
        "history": found.history,
        "fields": {**fields, **(typed or {})},
        "notice": notice(request),
        "error": None,
        "error_detail": "",
    }
    status = 200
    if error is not None:
        context.update(failure(request, error))
        status = status_of(error)
    return render(request, "admin_org.html", context, user=user, status_code=status)


@router.get("/organisationer/{org_id}", name="ui_admin_organisation")
def organisation(request: Request, org_id: int, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    return _detail_page(request, session, user, org_id)


def _decide(
    request: Request, session: SessionDep, user: User, org_id: int, decision: str, reason: str
) -> Response:
    now = utc_now()
    try:
        if decision == "approve":
            org_admin.approve(session, user, org_id, now=now)
        elif decision == "refuse":
            org_admin.refuse(session, user, org_id, reason, now=now)
        elif decision == "suspend":
            _, members = org_admin.suspend(session, user, org_id, reason, now=now)
        else:
            org_admin.reactivate(session, user, org_id, now=now, reason=reason)
    except MarketplaceError as exc:
        session.rollback()
        return _detail_page(request, session, user, org_id, error=exc)
    session.commit()
    if decision == "suspend":
        for uid in members:
            request.app.state.api_keys.forget_user(uid)
    done = {
        "approve": "org_approved",
        "refuse": "org_refused",
        "suspend": "org_suspended",
        "reactivate": "org_reactivated",
    }
    return see_other(f"{ORGS}/{org_id}", done[decision])


@router.post("/organisationer/{org_id}/uppgifter", dependencies=[Depends(verify_csrf)])
def save_details(
    request: Request,
    org_id: int,
    session: SessionDep,
    user: CurrentUser,
    name: str = Form(""),
    org_number: str = Form(""),
    vat_number: str = Form(""),
    street: str = Form(""),
    postal_code: str = Form(""),
    city: str = Form(""),
) -> Response:
    """Correct the organisation's fields; a refusal shows the form again with what was
    typed and which field is wrong."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    typed = {
        "name": name[:300],
        "org_number": org_number[:40],
        "vat_number": vat_number[:40],
        "street": street[:300],
        "postal_code": postal_code[:40],
        "city": city[:200],
    }
    try:
        org_admin.update_organisation(session, user, org_id, dict(typed))
    except MarketplaceError as exc:
        session.rollback()
        return _detail_page(request, session, user, org_id, error=exc, typed=typed)
    session.commit()
    return see_other(f"{ORGS}/{org_id}", "org_saved")


DECISIONS = {"godkann": "approve", "avsla": "refuse", "stang-av": "suspend", "ateraktivera": ""}


@router.post("/organisationer/{org_id}/{action}", dependencies=[Depends(verify_csrf)])
def decide(
    request: Request,
    org_id: int,
    action: str,
    session: SessionDep,
    user: CurrentUser,
    reason: str = Form(""),
) -> Response:
    """Approve (``godkann``), refuse (``avsla``, with a reason), suspend (``stang-av``, with
    a reason) or reactivate (``ateraktivera``); another admin's decision first is shown."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    if action not in DECISIONS:
        raise NotFound(f"no such action: {action[:40]}")
    return _decide(request, session, user, org_id, DECISIONS[action] or "reactivate", reason)


@router.get("/logg", name="ui_admin_log")
def audit_log(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    target_kind: str = "",
    target_id: str = "",
) -> Response:
    """Audit entries, newest first, optionally of one target."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    limit, offset = paging(request)
    context: dict[str, Any] = {
        "target_kind": target_kind[:30],
        "target_id": target_id[:64],
        "error": None,
        "error_detail": "",
    }
    try:
        page = admin_common.audit_log(
            session,
            user,
            target_kind=target_kind or None,
            target_id=target_id or None,
            limit=limit,
            offset=offset,
        )
    except InvalidInput as exc:
        context.update(failure(request, exc), entries=[], pager=None)
        return render(request, "admin_log.html", context, user=user, status_code=422)
    context.update(entries=page.items, pager=pager(page))
    return render(request, "admin_log.html", context, user=user)
