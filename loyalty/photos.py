"""Photo activities: the sponsor posts one, a participating seller uploads a photo from a
phone, the sponsor approves (points paid once) or rejects it with a reason; approved
photos form the sponsor's image bank.

* **Activities** are created by a platform admin (for the sponsor): title, description,
  points and the period a photo may be uploaded in (``[starts_at, ends_at)``).
* **Uploads** go through :mod:`loyalty.photo_images`: size cap while reading, type by
  content, decoding bounded, every piece of metadata (EXIF with its GPS position, XMP,
  ICC, comments) gone by re-encoding, stored by content hash. The seller must take part
  in the activity's programme (terms accepted, not ended).
* **One photo per seller and activity**: while a photo is pending or approved its
  ``open_participant_id`` holds the participant, and ``(activity, open_participant_id)``
  is unique, so of two uploads at once one is stored and the other refused
  (:class:`AlreadySubmitted`); a rejection clears it, and the seller may upload again.
* **Near-duplicates are flagged, not refused**: the photo's difference hash is compared
  with the pending and approved photos of the same programme (any seller); the closest
  within ``Settings.loyalty_photo_duplicate_bits`` bits is recorded as
  ``duplicate_of_id`` / ``duplicate_distance`` and shown in the sponsor's queue beside the
  earlier photo. Refusing outright would punish a seller whose honest photo of the same
  display resembles a colleague's; the sponsor sees the two side by side and decides.
  Rejected photos are not compared (a seller re-shooting a rejected photo is not flagged
  against it).
* **Decisions** move a pending photo once (a conditional ``UPDATE``: of two admins
  deciding at once, or an approval replayed, one wins, the other gets
  :class:`AlreadyDecided`). Approval pays ``points`` through
  :func:`loyalty.limits.credit` with the idempotency key ``photo:<submission id>`` (caps
  of kind ``photo``, approval above the threshold, never paid twice) to the seller's
  sub-account, or to the member's account when the seller has left since. A rejection
  needs a reason, which the seller sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.models import User
from catalog.private_files import private_dir
from loyalty import limits, photo_images
from loyalty.access import may_manage, require_management_role, require_manager, require_manager_of
from loyalty.enums import AccountKind
from loyalty.errors import InvalidInput, LoyaltyError, NotAllowed, NotFound
from loyalty.ledger import ensure_account
from loyalty.models import Account, Participant, PhotoActivity, PhotoSubmission, Programme
from loyalty.programmes import (
    active_participant,
    get_programme,
    own_membership,
    retailer_organisation,
)

PHOTO_ENTRY_KIND = "photo"
MAX_ACTIVITY_POINTS = 100_000
STATUSES = ("pending", "approved", "rejected")


class PhotoInvalid(InvalidInput):
    """The uploaded file is not a photo we take: ``code`` (``photo_type``, ``photo_size``,
    ...) and ``values`` name why, for the UI's message; the field is ``file``."""

    def __init__(self, exc: photo_images.PhotoRejected) -> None:
        super().__init__(f"file: {exc}", field="file")
        self.code = exc.code
        self.values = exc.values


class PhotoTooLarge(PhotoInvalid):
    """The upload is larger than the photo cap (``photo_size``)."""


class AlreadySubmitted(LoyaltyError):
    """The seller has a pending or approved photo for this activity (or one was uploaded at
    the same time): nothing stored."""


class ActivityClosed(LoyaltyError):
    """The activity's period has not started or is over: no upload."""


class AlreadyDecided(LoyaltyError):
    """The photo was approved or rejected already (by another admin, or a replay)."""


@dataclass(frozen=True, slots=True)
class PhotoLimits:
    """The upload bounds (from ``Settings``)."""

    max_bytes: int
    max_pixels: int
    duplicate_bits: int


def _utc(value: datetime) -> datetime:
    """Aware UTC (SQLite gives naive UTC back)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_open(activity: PhotoActivity, at: datetime) -> bool:
    """True while photos may be uploaded to the activity. Pure."""
    return _utc(activity.starts_at) <= _utc(at) < _utc(activity.ends_at)


def _text(value: str, field: str, most: int, *, blank: bool = False) -> str:
    cleaned = value.strip()
    if (not cleaned and not blank) or len(cleaned) > most:
        raise InvalidInput(f"{field}: {0 if blank else 1}-{most} characters", field=field)
    return cleaned


def create_activity(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    title: str,
    description: str,
    points: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    channel: str = "web",
) -> PhotoActivity:
    """A new photo activity (the programme's manager: ``loyalty.access``), audited."""
    admin = require_manager(session, user, programme_id)
    title = " ".join(_text(title, "title", 200).split())
    description = _text(description, "description", 4000, blank=True)
    if isinstance(points, bool) or not 1 <= points <= MAX_ACTIVITY_POINTS:
        raise InvalidInput(f"points: 1-{MAX_ACTIVITY_POINTS}", field="points")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("starts_at, ends_at: with a time zone", field="starts_at")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at: after starts_at", field="ends_at")
    activity = PhotoActivity(
        programme_id=programme_id,
        title=title,
        description=description,
        points=points,
        starts_at=_utc(starts_at),
        ends_at=_utc(ends_at),
        created_by=admin.id,
        created_at=now,
    )
    session.add(activity)
    session.flush()
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="loyalty.photo_activity.create",
        target_kind="loyalty_photo_activity",
        target_id=activity.id,
        detail={"programme_id": programme_id, "title": title, "points": points},
    )
    return activity


def list_activities(
    session: Session,
    programme_id: int,
    *,
    open_at: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[PhotoActivity], int]:
    """The programme's activities, newest first (only those open at ``open_at`` if given)."""
    get_programme(session, programme_id)
    where = [PhotoActivity.programme_id == programme_id]
    if open_at is not None:
        at = _utc(open_at)
        where += [PhotoActivity.starts_at <= at, PhotoActivity.ends_at > at]
    total = session.scalar(select(func.count()).select_from(PhotoActivity).where(*where)) or 0
    rows = session.scalars(
        select(PhotoActivity)
        .where(*where)
        .order_by(PhotoActivity.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


def get_activity(session: Session, activity_id: int) -> PhotoActivity:
    activity = session.get(PhotoActivity, activity_id)
    if activity is None:
        raise NotFound(f"no photo activity {activity_id}")
    return activity


def my_participant(session: Session, user: User | None, programme_id: int) -> Participant:
    """The user's participation in the programme (invited, terms accepted, not ended)."""
    membership = own_membership(session, user, programme_id)
    assert user is not None
    participant = active_participant(session, membership.id, user.id)
    if participant is None:
        raise NotFound(f"you do not take part in loyalty programme {programme_id}")
    return participant


def _open_submission(
    session: Session, activity_id: int, participant_id: int
) -> PhotoSubmission | None:
    return session.scalar(
        select(PhotoSubmission).where(
            PhotoSubmission.activity_id == activity_id,
            PhotoSubmission.open_participant_id == participant_id,
        )
    )


def nearest_duplicate(
    session: Session, programme_id: int, dhash: str, max_bits: int
) -> tuple[int, int] | None:
    """(id, distance) of the closest pending or approved photo of the programme within
    ``max_bits`` of ``dhash``, or None."""
    best: tuple[int, int] | None = None
    rows = session.execute(
        select(PhotoSubmission.id, PhotoSubmission.dhash).where(
            PhotoSubmission.programme_id == programme_id,
            PhotoSubmission.status.in_(("pending", "approved")),
        )
    )
    for submission_id, other in rows:
        distance = photo_images.hamming(dhash, other)
        if distance <= max_bits and (best is None or distance < best[1]):
            best = (int(submission_id), distance)
    return best


def submit_photo(
    session: Session,
    user: User | None,
    activity_id: int,
    stream: BinaryIO,
    *,
    folder: Path,
    bounds: PhotoLimits,
    now: datetime,
) -> PhotoSubmission:
    """Check, clean and keep a seller's photo for the activity (see the module). The
    caller commits."""
    activity = get_activity(session, activity_id)
    participant = my_participant(session, user, activity.programme_id)
    if not is_open(activity, now):
        raise ActivityClosed(f"photo activity {activity_id} is not open now")
    if _open_submission(session, activity.id, participant.id) is not None:
        raise AlreadySubmitted(f"you have a photo for activity {activity_id} already")
    try:
        data = photo_images.read_bounded(stream, bounds.max_bytes)
        photo = photo_images.clean(data, max_pixels=bounds.max_pixels)
    except photo_images.PhotoRejected as exc:
        raise (PhotoTooLarge if exc.code == "photo_size" else PhotoInvalid)(exc) from exc
    name = photo_images.store(private_dir(folder), photo)
    near = nearest_duplicate(session, activity.programme_id, photo.dhash, bounds.duplicate_bits)
    submission = PhotoSubmission(
        activity_id=activity.id,
        programme_id=activity.programme_id,
        membership_id=participant.membership_id,
        participant_id=participant.id,
        open_participant_id=participant.id,
        file_name=name,
        content_type=photo.content_type,
        original_kind=photo.original_kind,
        size_bytes=len(photo.data),
        width=photo.width,
        height=photo.height,
        dhash=photo.dhash,
        duplicate_of_id=near[0] if near else None,
        duplicate_distance=near[1] if near else None,
        status="pending",
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(submission)
            session.flush()
    except IntegrityError as exc:
        # the other upload won; the file stays (it may be the winner's, the same bytes)
        raise AlreadySubmitted(
            f"a photo for activity {activity_id} was uploaded at the same time"
        ) from exc
    return submission


def get_submission(session: Session, submission_id: int) -> PhotoSubmission:
    found = session.get(PhotoSubmission, submission_id)
    if found is None:
        raise NotFound(f"no photo {submission_id}")
    return found


def visible_submission(session: Session, user: User | None, submission_id: int) -> PhotoSubmission:
    """A photo its programme's manager (``loyalty.access``), or the seller who uploaded it,
    may see (:class:`NotFound` else)."""
    if user is None or not user.active:
        raise NotAllowed("log in to do this")
    found = get_submission(session, submission_id)
    if may_manage(session, user, session.get_one(Programme, found.programme_id)):
        return found
    if found.participant_id is not None:
        participant = session.get(Participant, found.participant_id)
        if participant is not None and participant.user_id == user.id:
            return found
    raise NotFound(f"no photo {submission_id}")


def my_photos(
    session: Session, user: User | None, *, limit: int = 100, offset: int = 0
) -> tuple[list[tuple[PhotoSubmission, PhotoActivity]], int]:
    """The user's photos (every programme), newest first, with their activities (members
    of a retailer organisation)."""
    retailer_organisation(session, user)
    assert user is not None
    where = (Participant.user_id == user.id,)
    base = select(PhotoSubmission, PhotoActivity).join(
        PhotoActivity, PhotoActivity.id == PhotoSubmission.activity_id
    )
    base = base.join(Participant, Participant.id == PhotoSubmission.participant_id).where(*where)
    total = session.scalar(
        select(func.count())
        .select_from(PhotoSubmission)
        .join(Participant, Participant.id == PhotoSubmission.participant_id)
        .where(*where)
    )
    rows = session.execute(
        base.order_by(PhotoSubmission.id.desc()).limit(limit).offset(offset)
    ).all()
    return [(s, a) for s, a in rows], int(total or 0)


def queue(
    session: Session,
    programme_id: int,
    *,
    status: str,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[PhotoSubmission], int]:
    """The programme's photos of ``status`` (pending: oldest first, the approval queue;
    otherwise newest first: approved is the image bank)."""
    if status not in STATUSES:
        raise InvalidInput(f"status: one of {', '.join(STATUSES)}", field="status")
    get_programme(session, programme_id)
    where = (PhotoSubmission.programme_id == programme_id, PhotoSubmission.status == status)
    total = session.scalar(select(func.count()).select_from(PhotoSubmission).where(*where)) or 0
    order = PhotoSubmission.id if status == "pending" else PhotoSubmission.id.desc()
    rows = session.scalars(
        select(PhotoSubmission).where(*where).order_by(order).limit(limit).offset(offset)
    )
    return list(rows), int(total)


def _seller_target(session: Session, submission: PhotoSubmission) -> tuple[int, bool]:
    """The account an approval pays: the seller's sub-account, or the member's account when
    the seller left (or was erased) since: (account id, to the seller)."""
    participant = (
        session.get(Participant, submission.participant_id)
        if submission.participant_id is not None
        else None
    )
    if participant is not None and participant.ended_at is None and participant.user_id:
        account = ensure_account(
            session,
            submission.programme_id,
            AccountKind.SELLER,
            membership_id=submission.membership_id,
            participant_id=participant.id,
        )
        return account.id, True
    member = ensure_account(
        session, submission.programme_id, AccountKind.MEMBER, membership_id=submission.membership_id
    )
    return member.id, False


def decide(
    session: Session,
    user: User | None,
    submission_id: int,
    *,
    approve: bool,
    reason: str,
    now: datetime,
    channel: str = "web",
) -> PhotoSubmission:
    """The programme's manager approves (points paid once) or rejects (a reason the seller
    sees) a pending photo, once. The caller commits."""
    admin = require_management_role(user)
    submission = get_submission(session, submission_id)
    require_manager_of(session, admin, submission.programme_id, f"no photo {submission_id}")
    reason = " ".join(reason.split())
    if not approve and not reason:
        raise InvalidInput("reason: say why the photo is rejected", field="reason")
    if len(reason) > 1000:
        raise InvalidInput("reason: 1000 characters at most", field="reason")
    values: dict[str, object] = {
        "status": "approved" if approve else "rejected",
        "decided_by": admin.id,
        "decided_at": now,
        "decision_reason": reason or None,
    }
    if not approve:
        values["open_participant_id"] = None  # the seller may upload again
    result = session.execute(
        update(PhotoSubmission)
        .where(PhotoSubmission.id == submission_id, PhotoSubmission.status == "pending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        raise AlreadyDecided(f"photo {submission_id} was decided already")
    session.refresh(submission)
    detail: dict[str, object] = {"reason": reason}
    if approve:
        activity = get_activity(session, submission.activity_id)
        account_id, _to_seller = _seller_target(session, submission)
        destination = session.get_one(Account, account_id)
        paid = limits.credit(
            session,
            programme_id=submission.programme_id,
            destination=destination,
            points=activity.points,
            kind=PHOTO_ENTRY_KIND,
            reason=f"photo {submission.id} for activity {activity.id} {activity.title} approved",
            idempotency_key=f"photo:{submission.id}",
            now=now,
        )
        submission.credit_outcome = paid.outcome
        submission.entry_id = paid.entry.id if paid.entry is not None else None
        detail |= {"points": paid.points, "outcome": paid.outcome}
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action=f"loyalty.photo_{submission.status}",
        target_kind="loyalty_photo_submission",
        target_id=submission.id,
        detail=detail,
    )
    session.flush()
    return submission


def seller_name(session: Session, submission: PhotoSubmission) -> str | None:
    """The uploading seller's name (None once their account was erased)."""
    if submission.participant_id is None:
        return None
    participant = session.get(Participant, submission.participant_id)
    if participant is None or participant.user_id is None:
        return None
    user = session.get(User, participant.user_id)
    return user.name if user is not None else None


ORPHAN_AGE_SECONDS = 24 * 3600.0


def sweep_unreferenced(
    session: Session, folder: Path, *, now: float, max_age_s: float = ORPHAN_AGE_SECONDS
) -> int:
    """Remove photo files no photo row names, once older than ``max_age_s`` (an upload
    whose transaction failed after its file was written, a loser of two uploads at once, a
    half-written temporary file, an erasure whose file removal failed); how many. Younger
    files are left: their upload may not have committed yet."""
    if not folder.is_dir():
        return 0
    candidates = [
        path
        for path in folder.iterdir()
        if path.is_file() and now - path.stat().st_mtime > max_age_s
    ]
    if not candidates:
        return 0
    named = {p.name for p in candidates if photo_images.STORED_NAME.fullmatch(p.name)}
    # every name a row holds, in one query (an IN list of every file would outgrow SQLite's
    # bound parameters once the bank holds tens of thousands of photos)
    kept = set(session.scalars(select(PhotoSubmission.file_name).distinct()))
    removed = 0
    for path in candidates:
        if path.name in kept:
            continue
        if path.name in named or path.name.startswith("."):  # ours: a photo or a partial
            path.unlink(missing_ok=True)
            removed += 1
    return removed
