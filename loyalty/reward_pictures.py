"""A reward's picture in the points shop: uploaded by the programme's manager and served by
the app, never fetched from another site (the content security policy blocks those).

The upload goes through the activity photos' pipeline (``loyalty.photo_images``): read
bounded (``Settings.loyalty_photo_max_bytes``), recognised by its first bytes (JPEG, PNG,
HEIC), decoded bounded (``loyalty_photo_max_pixels``), re-encoded without EXIF, GPS or any
other metadata, and stored as ``<sha256>.<jpg|png>`` under the photo folder's
``rewards/`` (the same picture twice is one file). Anything else is refused with
:class:`PictureRefused` naming why (``code``: ``photo_type``, ``photo_size``, ...).

The old ``picture_url`` (from before uploads) is shown only when harmless: a path on this
site (:func:`shown_url`); a new one must be such a path too.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from catalog import audit
from catalog.models import User
from catalog.private_files import private_dir
from loyalty import photo_images
from loyalty.access import require_management_role, require_manager_of
from loyalty.errors import InvalidInput, NotFound
from loyalty.models import Reward
from loyalty.photos import PhotoLimits
from loyalty.shop import is_local_path

FOLDER = "rewards"


class PictureRefused(InvalidInput):
    """The upload is not a picture we take: ``code`` and ``values`` name why (the UI's
    message, ``photo.err.<code>``); the field is ``picture``."""

    def __init__(self, exc: photo_images.PhotoRejected) -> None:
        super().__init__(f"picture: {exc}", field="picture")
        self.code = exc.code
        self.values = exc.values


def folder_of(photo_dir: Path) -> Path:
    """Where reward pictures are kept (``rewards/`` under the photo folder)."""
    return photo_dir / FOLDER


def prepare(stream: BinaryIO, bounds: PhotoLimits) -> photo_images.CleanPhoto:
    """Read ``stream`` bounded, check and clean it (see the module): the picture to keep,
    or :class:`PictureRefused`. Touches no row: a form checks its picture before it saves
    anything."""
    try:
        data = photo_images.read_bounded(stream, bounds.max_bytes)
        return photo_images.clean(data, max_pixels=bounds.max_pixels)
    except photo_images.PhotoRejected as exc:
        raise PictureRefused(exc) from exc


def set_picture(
    session: Session,
    user: User | None,
    reward_id: int,
    stream: BinaryIO | photo_images.CleanPhoto,
    *,
    photo_dir: Path,
    bounds: PhotoLimits,
    now: datetime,
    channel: str = "web",
) -> Reward:
    """Keep ``stream`` (checked and cleaned by :func:`prepare`, unless it was already) as
    the reward's picture (its programme's manager), audited. The caller commits; a refused
    upload changes nothing."""
    manager = require_management_role(user)
    reward = session.get(Reward, reward_id)
    if reward is None:
        raise NotFound(f"no reward {reward_id}")
    require_manager_of(session, manager, reward.programme_id, f"no reward {reward_id}")
    picture = stream if isinstance(stream, photo_images.CleanPhoto) else prepare(stream, bounds)
    reward.picture = photo_images.store(private_dir(folder_of(photo_dir)), picture)
    reward.updated_at = now
    audit.record(
        session,
        actor=manager,
        channel=channel,
        action="loyalty.reward.picture",
        target_kind="loyalty_reward",
        target_id=reward.id,
        detail={"picture": reward.picture, "uploaded": picture.original_kind},
    )
    session.flush()
    return reward


def picture_file(session: Session, reward_id: int, photo_dir: Path) -> tuple[Path, str]:
    """The reward's stored picture and its content type; :class:`NotFound` when it has
    none (or the file is gone)."""
    reward = session.get(Reward, reward_id)
    found = (
        photo_images.stored_path(folder_of(photo_dir), reward.picture)
        if reward is not None
        else None
    )
    if found is None:
        raise NotFound(f"reward {reward_id} has no picture")
    return found


def shown_url(reward: Reward) -> str | None:
    """The picture a page shows: the uploaded one (served by the app), else an old
    ``picture_url`` only when it is a path on this site; None otherwise."""
    if reward.picture:
        return f"/lojalitet/beloningsbild/{reward.id}"
    url = (reward.picture_url or "").strip()
    return url if url and is_local_path(url) else None
