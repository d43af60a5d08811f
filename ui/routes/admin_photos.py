"""The management pages of loyalty photo activities (issue 15), for the programme's manager
(a platform admin at ``/admin/lojalitet/…``, the sponsor's representative at
``/sponsor/lojalitet/…``: ``ui.loyalty_manage``): a programme's activities with the form to
post one, the approval queue (each photo beside the earlier photo it nearly duplicates,
when flagged) with approve and reject-with-reason, and the image bank of approved photos
(each downloadable). Through ``loyalty.photos``; another sponsor's programme or photo is
the not-found page."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.models import Organisation, User
from loyalty import photos, programmes
from loyalty.access import require_management_role, require_manager, require_manager_of
from loyalty.errors import InvalidInput, LoyaltyError, NotAllowed, NotFound
from loyalty.models import Membership, PhotoSubmission
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.i18n import pick_lang, translate
from ui.loyalty_manage import base_of, manage_error, manager_gate, refusal_page
from ui.market_views import see_other
from ui.rendering import error_page, render
from ui.routes.admin_loyalty import _local_day
from ui.routes.portal_photos import image_response

router = page_router(prefix="/admin/lojalitet")
sponsor_router = page_router(prefix="/sponsor/lojalitet")
PAGE_SIZE = 50


def _page_of(request: Request, programme_id: int) -> str:
    return f"{base_of(request)}/{programme_id}/foto"


def _refused(request: Request, user: User, exc: LoyaltyError) -> Response:
    """The not-found or forbidden page (``loyalty.access``'s refusal)."""
    return refusal_page(request, user, exc) or error_page(
        request, "error.not_found", user=user, status_code=404
    )


def _told(request: Request, exc: LoyaltyError) -> str:
    """A refusal wholly in the page's language: the refused field's sentence ("Ange ett
    skäl …"), else the general one (the library's English detail only on the English
    page, never inside a Swedish one)."""
    key, values = manage_error(exc)
    lang = pick_lang(request)
    told = translate(lang, key, **values)
    return f"{told} ({exc})" if lang == "en" and key == "manage.err.invalid" else told


def _store(session: Session, membership_id: int) -> str:
    membership = session.get(Membership, membership_id)
    org = session.get(Organisation, membership.organisation_id) if membership else None
    return org.name if org is not None else ""


def _photo_rows(session: Session, rows: list[PhotoSubmission]) -> list[dict[str, Any]]:
    return [
        {
            "photo": s,
            "activity": photos.get_activity(session, s.activity_id),
            "seller": photos.seller_name(session, s),
            "store": _store(session, s.membership_id),
        }
        for s in rows
    ]


def _page(
    request: Request,
    session: Session,
    user: User,
    programme_id: int,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        require_manager(session, user, programme_id)
    except (NotFound, NotAllowed) as exc:
        return _refused(request, user, exc)
    programme = programmes.get_programme(session, programme_id)
    activities, _total = photos.list_activities(session, programme_id, limit=PAGE_SIZE)
    pending, pending_total = photos.queue(session, programme_id, status="pending", limit=PAGE_SIZE)
    now = utc_now()
    context = {
        "programme": programme,
        "base": base_of(request),
        "activities": [{"activity": a, "open": photos.is_open(a, now)} for a in activities],
        "queue": _photo_rows(session, pending),
        "queue_total": pending_total,
        "error": error,
        "form": form or {},
    }
    return render(request, "admin_photos.html", context, user=user, status_code=status_code)


@router.get("/{programme_id}/foto", name="ui_admin_photos")
@sponsor_router.get("/{programme_id}/foto", name="ui_sponsor_photos")
def photos_page(
    request: Request, programme_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    """A programme's photo activities and the approval queue (its manager)."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    return _page(request, session, user, programme_id)


@router.post("/{programme_id}/foto/aktiviteter", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/{programme_id}/foto/aktiviteter", dependencies=[Depends(verify_csrf)])
def create_activity(
    request: Request,
    programme_id: int,
    session: SessionDep,
    user: CurrentUser,
    title: str = Form(""),
    description: str = Form(""),
    points: str = Form(""),
    starts: str = Form(""),
    ends: str = Form(""),
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        if not points.strip().isdigit():
            raise InvalidInput("points: a whole number of points", field="points")
        photos.create_activity(
            session,
            user,
            programme_id,
            title=title[:300],
            description=description[:5000],
            points=int(points.strip()[:9]),
            starts_at=_local_day(starts, "starts_at"),
            ends_at=_local_day(ends, "ends_at", end=True),
            now=utc_now(),
        )
    except (NotFound, NotAllowed) as exc:
        session.rollback()
        return _refused(request, user, exc)
    except LoyaltyError as exc:
        session.rollback()
        form = {"title": title, "description": description, "points": points}
        return _page(
            request, session, user, programme_id, error=_told(request, exc), form=form,
            status_code=422,
        )  # fmt: skip
    session.commit()
    return see_other(
        _page_of(request, programme_id), "photo_activity_created", fragment="activities"
    )


def _decide(
    request: Request,
    session: Session,
    user: User | None,
    photo_id: int,
    *,
    approve: bool,
    reason: str,
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        decided = photos.decide(
            session, user, photo_id, approve=approve, reason=reason[:1200], now=utc_now()
        )
    except (NotFound, NotAllowed) as exc:
        session.rollback()
        return _refused(request, user, exc)
    except photos.AlreadyDecided:
        session.rollback()
        found = photos.get_submission(session, photo_id)
        return see_other(
            _page_of(request, found.programme_id), "photo_already_decided", fragment="queue"
        )
    except LoyaltyError as exc:
        session.rollback()
        found = photos.get_submission(session, photo_id)
        error = _told(request, exc)
        return _page(request, session, user, found.programme_id, error=error, status_code=422)
    programme_id = decided.programme_id
    session.commit()
    notice = "photo_approved" if approve else "photo_rejected"
    return see_other(_page_of(request, programme_id), notice, fragment="queue")


@router.post("/foto/{photo_id}/godkann", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/foto/{photo_id}/godkann", dependencies=[Depends(verify_csrf)])
def approve_photo(
    request: Request, photo_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    """Approve a pending photo: into the image bank, its points paid once."""
    return _decide(request, session, user, photo_id, approve=True, reason="")


@router.post("/foto/{photo_id}/avvisa", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/foto/{photo_id}/avvisa", dependencies=[Depends(verify_csrf)])
def reject_photo(
    request: Request,
    photo_id: int,
    session: SessionDep,
    user: CurrentUser,
    reason: str = Form(""),
) -> Response:
    """Reject a pending photo with a reason the seller sees."""
    return _decide(request, session, user, photo_id, approve=False, reason=reason)


@router.get("/{programme_id}/bildbank", name="ui_admin_image_bank")
@sponsor_router.get("/{programme_id}/bildbank", name="ui_sponsor_image_bank")
def image_bank(
    request: Request,
    programme_id: int,
    session: SessionDep,
    user: CurrentUser,
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    """The programme's approved photos, newest first, each downloadable (its manager)."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        require_manager(session, user, programme_id)
    except (NotFound, NotAllowed) as exc:
        return _refused(request, user, exc)
    programme = programmes.get_programme(session, programme_id)
    rows, total = photos.queue(
        session,
        programme_id,
        status="approved",
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context = {
        "programme": programme,
        "base": base_of(request),
        "photos": _photo_rows(session, rows),
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
    }
    return render(request, "admin_image_bank.html", context, user=user)


@router.get("/foto/{photo_id}/bild", name="ui_admin_photo_image")
@sponsor_router.get("/foto/{photo_id}/bild", name="ui_sponsor_photo_image")
def photo_image(
    request: Request,
    photo_id: int,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    download: bool = Query(False),
) -> Response:
    """A photo as stored (metadata stripped); ``?download=1`` as an attachment (its
    programme's manager)."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        require_management_role(user)
        found = photos.get_submission(session, photo_id)
        require_manager_of(session, user, found.programme_id, f"no photo {photo_id}")
    except (NotFound, NotAllowed) as exc:
        return _refused(request, user, exc)
    return image_response(request, settings, found, user=user, download=download)
