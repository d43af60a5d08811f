"""Loyalty photo activities (issue 15): the programme's manager (a platform admin, or the
representative of its sponsor organisation: ``loyalty.access``) posts an activity, a
participating seller uploads a photo (multipart; JPEG, PNG or HEIC, checked by content,
metadata stripped), the manager approves (points paid once) or rejects it with a reason;
approved photos form the image bank. Domain errors come from ``loyalty`` (one mapping in
``api.problems``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from api.deps import RateLimitDep, RequireProgrammeStaff, SessionDep, SettingsDep, UserDep
from api.idempotency import Idempotent
from api.paging import PageDep
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.loyalty_photos import (
    ActivityCreate,
    ActivityPublic,
    MyPhotoStatus,
    PhotoDecision,
    PhotoPublic,
)
from catalog.models import User
from catalog.settings import Settings
from loyalty import photo_images, photos
from loyalty.access import may_manage, require_manager, require_sponsor_reader
from loyalty.errors import NotFound
from loyalty.models import Participant, PhotoActivity, PhotoSubmission, Programme
from loyalty.programmes import own_membership
from marketplace.dates import utc_now

router = APIRouter(
    prefix="/loyalty", tags=["loyalty"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)
ProgrammeId = Annotated[int, Path(ge=1, le=MAX_INT)]
ActivityId = Annotated[int, Path(ge=1, le=MAX_INT)]
PhotoId = Annotated[int, Path(ge=1, le=MAX_INT)]
IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}, "image/png": {}}, "description": "The photo."}
}


def bounds_of(settings: Settings) -> photos.PhotoLimits:
    return photos.PhotoLimits(
        max_bytes=settings.loyalty_photo_max_bytes,
        max_pixels=settings.loyalty_photo_max_pixels,
        duplicate_bits=settings.loyalty_photo_duplicate_bits,
    )


def photo_public(
    session: Session, s: PhotoSubmission, activity: PhotoActivity, *, admin: bool
) -> PhotoPublic:
    return PhotoPublic(
        id=s.id,
        activity_id=s.activity_id,
        activity_title=activity.title,
        programme_id=s.programme_id,
        status=s.status,  # type: ignore[arg-type]
        decision_reason=s.decision_reason,
        decided_at=s.decided_at,
        seller=photos.seller_name(session, s) if admin else None,
        membership_id=s.membership_id,
        content_type=s.content_type,  # type: ignore[arg-type]
        original_kind=s.original_kind,  # type: ignore[arg-type]
        size_bytes=s.size_bytes,
        width=s.width,
        height=s.height,
        duplicate_of_id=s.duplicate_of_id if admin else None,
        duplicate_distance=s.duplicate_distance if admin else None,
        credit_outcome=s.credit_outcome,  # type: ignore[arg-type]
        image_url=f"/api/v1/loyalty/photos/{s.id}/image",
        created_at=s.created_at,
    )


def _activity(
    a: PhotoActivity, *, open_now: bool, mine: list[PhotoSubmission] | None
) -> ActivityPublic:
    return ActivityPublic(
        id=a.id,
        programme_id=a.programme_id,
        title=a.title,
        description=a.description,
        points=a.points,
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        open=open_now,
        created_at=a.created_at,
        my_photos=None
        if mine is None
        else [
            MyPhotoStatus(id=s.id, status=s.status, decision_reason=s.decision_reason)  # type: ignore[arg-type]
            for s in mine
        ],
    )


@router.get(
    "/programmes/{programme_id}/photo-activities",
    response_model=ListResponse[ActivityPublic],
    responses=problems(401, 403, 404, 429),
)
def list_activities(
    session: SessionDep, user: UserDep, programme_id: ProgrammeId, page: PageDep
) -> ListResponse[ActivityPublic]:
    """The programme's photo activities, newest first: every one for its manager (an
    admin, its sponsor's representative); the open ones with my photos' status for a
    member (a participating seller sees theirs)."""
    admin = require_sponsor_reader(session, user, programme_id)
    now = utc_now()
    participant: Participant | None = None
    if not admin:
        own_membership(session, user, programme_id)
        try:
            participant = photos.my_participant(session, user, programme_id)
        except NotFound:
            participant = None
    rows, total = photos.list_activities(
        session,
        programme_id,
        open_at=None if admin else now,
        limit=page.limit,
        offset=page.offset,
    )
    mine: dict[int, list[PhotoSubmission]] = {}
    if participant is not None:
        for s, _a in photos.my_photos(session, user, limit=500)[0]:
            mine.setdefault(s.activity_id, []).append(s)
    return page.response(
        [
            _activity(
                a,
                open_now=photos.is_open(a, now),
                mine=mine.get(a.id, []) if participant is not None else None,
            )
            for a in rows
        ],
        total,
    )


@router.post(
    "/programmes/{programme_id}/photo-activities",
    status_code=201,
    response_model=ActivityPublic,
    responses=problems(401, 403, 404, 422, 429),
    dependencies=[Idempotent],
)
def create_activity(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: ProgrammeId,
    body: ActivityCreate,
    response: Response,
) -> ActivityPublic:
    """Post a photo activity ("show our display"): sellers taking part upload one photo
    each between ``starts_at`` and ``ends_at``; an approved photo pays ``points``."""
    activity = photos.create_activity(
        session,
        admin,
        programme_id,
        title=body.title,
        description=body.description,
        points=body.points,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        now=utc_now(),
        channel="api",
    )
    session.commit()
    response.headers["Location"] = f"/api/v1/loyalty/programmes/{programme_id}/photo-activities"
    return _activity(activity, open_now=photos.is_open(activity, utc_now()), mine=None)


@router.post(
    "/photo-activities/{activity_id}/photos",
    status_code=201,
    response_model=PhotoPublic,
    responses=problems(401, 403, 404, 409, 413, 422, 429),
)
def upload_photo(
    session: SessionDep,
    settings: SettingsDep,
    user: UserDep,
    activity_id: ActivityId,
    file: Annotated[UploadFile, File(description="The photo: JPEG, PNG or HEIC.")],
    response: Response,
) -> PhotoPublic:
    """A participating seller uploads their photo for an open activity (multipart field
    ``file``). Checked by its content (not its name), at most
    ``loyalty_photo_max_bytes`` (413 past it, while the body streams in) and
    ``loyalty_photo_max_pixels`` (422), EXIF/GPS and every other metadata stripped by
    re-encoding. One photo per seller and activity until one is rejected (409); a
    near-duplicate of an earlier photo of the programme is flagged for the sponsor."""
    submission = photos.submit_photo(
        session,
        user,
        activity_id,
        file.file,
        folder=settings.loyalty_photo_dir,
        bounds=bounds_of(settings),
        now=utc_now(),
    )
    session.commit()
    activity = photos.get_activity(session, submission.activity_id)
    response.headers["Location"] = f"/api/v1/loyalty/photos/{submission.id}"
    return photo_public(session, submission, activity, admin=False)


@router.get(
    "/me/photos", response_model=ListResponse[PhotoPublic], responses=problems(401, 403, 429)
)
def my_photos(session: SessionDep, user: UserDep, page: PageDep) -> ListResponse[PhotoPublic]:
    """My photos, newest first, with their status and the sponsor's reason."""
    rows, total = photos.my_photos(session, user, limit=page.limit, offset=page.offset)
    return page.response([photo_public(session, s, a, admin=False) for s, a in rows], total)


@router.get(
    "/programmes/{programme_id}/photos",
    response_model=ListResponse[PhotoPublic],
    responses=problems(401, 403, 404, 422, 429),
)
def list_photos(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: ProgrammeId,
    page: PageDep,
    status: Annotated[Literal["pending", "approved", "rejected"], Query()] = "pending",
) -> ListResponse[PhotoPublic]:
    """The programme's photos of ``status``: ``pending`` is the approval queue (oldest
    first, near-duplicates flagged), ``approved`` the sponsor's image bank."""
    require_manager(session, admin, programme_id)
    rows, total = photos.queue(
        session, programme_id, status=status, limit=page.limit, offset=page.offset
    )
    return page.response(
        [
            photo_public(session, s, photos.get_activity(session, s.activity_id), admin=True)
            for s in rows
        ],
        total,
    )


@router.get(
    "/photos/{photo_id}", response_model=PhotoPublic, responses=problems(401, 403, 404, 429)
)
def get_photo(session: SessionDep, user: UserDep, photo_id: PhotoId) -> PhotoPublic:
    """A photo: its programme's manager any, a seller their own (404 otherwise)."""
    found = photos.visible_submission(session, user, photo_id)
    activity = photos.get_activity(session, found.activity_id)
    manager = may_manage(session, user, session.get_one(Programme, found.programme_id))
    return photo_public(session, found, activity, admin=manager)


@router.get(
    "/photos/{photo_id}/image",
    response_class=FileResponse,
    responses={**IMAGE, **problems(401, 403, 404, 429)},
)
def photo_image(
    session: SessionDep, settings: SettingsDep, user: UserDep, photo_id: PhotoId
) -> FileResponse:
    """The stored image (metadata stripped), as a download: its programme's manager any, a seller
    their own."""
    found = photos.visible_submission(session, user, photo_id)
    stored = photo_images.stored_path(settings.loyalty_photo_dir, found.file_name)
    if stored is None:
        raise NotFound(f"the image of photo {photo_id} is gone")
    path, content_type = stored
    extension = found.file_name.rsplit(".", 1)[1]
    return FileResponse(
        path,
        media_type=content_type,
        filename=f"valbar-foto-{found.id}.{extension}",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )


def _decide(
    session: Session, admin: User, photo_id: int, *, approve: bool, reason: str
) -> PhotoPublic:
    decided = photos.decide(
        session, admin, photo_id, approve=approve, reason=reason, now=utc_now(), channel="api"
    )
    session.commit()
    activity = photos.get_activity(session, decided.activity_id)
    return photo_public(session, decided, activity, admin=True)


@router.post(
    "/photos/{photo_id}/approve",
    response_model=PhotoPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def approve_photo(
    session: SessionDep, admin: RequireProgrammeStaff, photo_id: PhotoId, body: PhotoDecision
) -> PhotoPublic:
    """Approve a pending photo: it joins the image bank and its points are paid once
    (within the programme's caps; above the approval threshold the credit is held). 409
    when it was decided already (a replayed approval pays nothing)."""
    return _decide(session, admin, photo_id, approve=True, reason=body.reason)


@router.post(
    "/photos/{photo_id}/reject",
    response_model=PhotoPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def reject_photo(
    session: SessionDep, admin: RequireProgrammeStaff, photo_id: PhotoId, body: PhotoDecision
) -> PhotoPublic:
    """Reject a pending photo with a reason (required; the seller sees it and may upload
    another). 409 when it was decided already."""
    return _decide(session, admin, photo_id, approve=False, reason=body.reason)
