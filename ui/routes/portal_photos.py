"""Retailer portal, loyalty photo activities (issue 15): the open activities of the
programmes I take part in, my photos' status (and the sponsor's reason when one was
rejected), and a phone-friendly upload form (``accept="image/*" capture``: the camera opens
on a phone). Through ``loyalty.photos`` as the API is; the photo is checked by content,
bounded and stripped of its metadata there.

The upload's body is bounded before it is read: a request that says it is larger than a
photo and its form is refused without reading it; one that does not say is cut off by the
app's body limit for photo routes (``api.app.PHOTO_ROUTES``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.models import User
from catalog.settings import Settings
from loyalty import photo_images, photos, reads
from loyalty.errors import LoyaltyError, NotAllowed, NotFound
from loyalty.models import PhotoSubmission
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.i18n import Formatter, pick_lang, translate
from ui.market_views import role_gate, see_other
from ui.rendering import error_page, render

router = page_router(prefix="/portal/poang")
PAGE = "/portal/poang/foto"
FORM_OVERHEAD = 64 * 1024  # the form around the photo (as api.app.PHOTO_FORM_OVERHEAD)


def bounds_of(settings: Settings) -> photos.PhotoLimits:
    return photos.PhotoLimits(
        max_bytes=settings.loyalty_photo_max_bytes,
        max_pixels=settings.loyalty_photo_max_pixels,
        duplicate_bits=settings.loyalty_photo_duplicate_bits,
    )


def megabytes(lang: str, size: int) -> str:
    """``size`` bytes in MB as the reader writes it (``10``, ``2,5``)."""
    mb = size / (1024 * 1024)
    return Formatter(lang).number(mb, 0 if mb == int(mb) else 1)


def photo_error(lang: str, code: str, settings: Settings) -> str:
    """Why a photo was not taken, in the reader's language."""
    values = {
        "mb": megabytes(lang, settings.loyalty_photo_max_bytes),
        "mp": Formatter(lang).number(settings.loyalty_photo_max_pixels / 1_000_000),
    }
    return translate(lang, f"photo.err.{code}", **values)


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    *,
    error: str = "",
    error_activity: int | None = None,
    status_code: int = 200,
) -> Response:
    try:
        rows = reads.my_points(session, user)
    except NotAllowed:  # a retailer user outside any organisation
        return error_page(request, "error.forbidden", user=user, status_code=403)
    now = utc_now()
    mine: dict[int, list[PhotoSubmission]] = {}
    for submission, _activity in photos.my_photos(session, user, limit=500)[0]:
        mine.setdefault(submission.activity_id, []).append(submission)
    activities: list[dict[str, Any]] = []
    participating = False
    for row in rows:
        if row.participant is None or row.participant.terms_accepted_at is None:
            continue
        participating = True
        found, _total = photos.list_activities(session, row.programme.id, open_at=now)
        for activity in found:
            own = mine.get(activity.id, [])
            activities.append(
                {
                    "activity": activity,
                    "programme": row.programme,
                    "photos": own,
                    "may_upload": all(p.status == "rejected" for p in own),
                }
            )
    context = {
        "activities": activities,
        "participating": participating,
        "error": error,
        "error_activity": error_activity,
        "max_mb": megabytes(pick_lang(request), settings.loyalty_photo_max_bytes),
    }
    return render(request, "portal_photos.html", context, user=user, status_code=status_code)


@router.get("/foto", response_class=HTMLResponse, name="ui_portal_photos")
def photos_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """The open photo activities of the programmes I take part in, with my photos."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    return _page(request, session, settings, user)


@router.post("/foto/{activity_id}")
async def upload_photo(
    request: Request,
    activity_id: int,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    """Upload my photo for an activity (the form's ``photo`` file)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.loyalty_photo_max_bytes + FORM_OVERHEAD:
        return await run_in_threadpool(_too_big, request, session, settings, user, activity_id)
    async with request.form(max_files=1, max_fields=5) as form:  # closes the upload's file
        token = form.get("csrf_token")
        await verify_csrf(request, csrf_token=token if isinstance(token, str) else "")
        if (refused := role_gate(request, user, "retailer")) is not None:
            return refused
        assert user is not None
        upload = form.get("photo")
        return await run_in_threadpool(
            _save,
            request,
            session,
            settings,
            user,
            activity_id,
            upload if isinstance(upload, UploadFile) else None,
        )


def _too_big(
    request: Request, session: Session, settings: Settings, user: User | None, activity_id: int
) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    error = photo_error(pick_lang(request), "photo_size", settings)
    return _page(
        request, session, settings, user, error=error, error_activity=activity_id, status_code=413
    )


def _save(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    activity_id: int,
    upload: UploadFile | None,
) -> Response:
    lang = pick_lang(request)
    try:
        if upload is None or not upload.filename:
            raise photos.PhotoInvalid(
                photo_images.PhotoRejected("photo_empty", "choose a photo to send")
            )
        photos.submit_photo(
            session,
            user,
            activity_id,
            upload.file,
            folder=settings.loyalty_photo_dir,
            bounds=bounds_of(settings),
            now=utc_now(),
        )
    except photos.PhotoInvalid as exc:
        session.rollback()
        status = 413 if isinstance(exc, photos.PhotoTooLarge) else 422
        error = photo_error(lang, exc.code, settings)
        return _page(
            request,
            session,
            settings,
            user,
            error=error,
            error_activity=activity_id,
            status_code=status,
        )
    except (NotFound, NotAllowed):
        session.rollback()
        return error_page(request, "error.not_found", user=user, status_code=404)
    except (photos.AlreadySubmitted, photos.ActivityClosed) as exc:
        session.rollback()
        already = isinstance(exc, photos.AlreadySubmitted)
        key = "photo.err.already" if already else "photo.err.closed"
        return _page(
            request,
            session,
            settings,
            user,
            error=translate(lang, key),
            error_activity=activity_id,
            status_code=409,
        )
    except LoyaltyError as exc:
        session.rollback()
        return error_page(request, "photo.refused", user=user, status_code=422, detail=str(exc))
    session.commit()
    return see_other(PAGE, "photo_uploaded", fragment=f"activity-{activity_id}")


@router.get("/foto/bild/{photo_id}", name="ui_portal_photo_image")
def my_photo_image(
    request: Request,
    photo_id: int,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    """One of my photos, as stored (metadata stripped)."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    try:
        found = photos.visible_submission(session, user, photo_id)
    except (NotFound, NotAllowed):
        return error_page(request, "error.not_found", user=user, status_code=404)
    return image_response(request, settings, found, user=user, download=False)


def image_response(
    request: Request,
    settings: Settings,
    found: PhotoSubmission,
    *,
    user: User | None,
    download: bool,
) -> Response:
    """The stored image with its own type, never sniffed; a download names it by its id."""
    stored = photo_images.stored_path(settings.loyalty_photo_dir, found.file_name)
    if stored is None:
        return error_page(request, "error.not_found", user=user, status_code=404)
    path, content_type = stored
    extension = found.file_name.rsplit(".", 1)[1]
    return FileResponse(
        path,
        media_type=content_type,
        filename=f"valbar-foto-{found.id}.{extension}" if download else None,
        content_disposition_type="attachment" if download else "inline",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )
