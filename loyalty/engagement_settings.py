"""The points a programme pays for recruiting a retailer and for each grade of an accepted
improvement suggestion (``loyalty.referrals``, ``loyalty.suggestions``).

No row: :data:`DEFAULT_REFERRAL_POINTS` and :data:`DEFAULT_GRADE_POINTS`. The programme's
manager (``loyalty.access``) sets them; the write is safe when two save at once (a row lock, and a
savepoint for the first save).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.models import User
from loyalty.access import require_manager
from loyalty.engagement_models import EngagementSettings
from loyalty.errors import InvalidInput

GRADES = ("small", "medium", "large")
DEFAULT_REFERRAL_POINTS = 500
DEFAULT_GRADE_POINTS = {"small": 100, "medium": 300, "large": 1000}
MAX_POINTS = 1_000_000


def engagement_settings(session: Session, programme_id: int) -> EngagementSettings:
    """The programme's settings (the defaults, unsaved, when it has none)."""
    found = session.get(EngagementSettings, programme_id)
    return found or EngagementSettings(
        programme_id=programme_id,
        referral_points=DEFAULT_REFERRAL_POINTS,
        suggestion_points=dict(DEFAULT_GRADE_POINTS),
    )


def grade_points(settings: EngagementSettings, grade: str) -> int:
    """The points of a grade (its default when the row predates it). Pure."""
    if grade not in GRADES:
        raise InvalidInput(f"grade: one of {', '.join(GRADES)}", field="grade")
    value = (settings.suggestion_points or {}).get(grade)
    return int(value) if value is not None else DEFAULT_GRADE_POINTS[grade]


def set_engagement_settings(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    referral_points: int,
    suggestion_points: Mapping[str, int],
    now: datetime,
) -> EngagementSettings:
    """The programme's manager sets the points of a referral and of each suggestion grade (all three
    grades, 1-1000000 each; a referral 0-1000000, 0: recruiting pays nothing), audited.
    The caller commits."""
    admin = require_manager(session, user, programme_id)
    if not 0 <= referral_points <= MAX_POINTS:
        raise InvalidInput(f"referral_points: 0-{MAX_POINTS}", field="referral_points")
    if set(suggestion_points) != set(GRADES):
        raise InvalidInput(
            f"suggestion_points: exactly the grades {', '.join(GRADES)}", field="suggestion_points"
        )
    clean: dict[str, int] = {}
    for grade in GRADES:
        value = suggestion_points[grade]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POINTS:
            where = f"suggestion_points.{grade}"
            raise InvalidInput(f"{where}: 1-{MAX_POINTS}", field=where)
        clean[grade] = value
    row = session.get(EngagementSettings, programme_id, with_for_update=True)
    if row is None:
        row = EngagementSettings(programme_id=programme_id)
        row.referral_points, row.suggestion_points, row.updated_at = referral_points, clean, now
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # a concurrent first save: update it instead
            row = session.get_one(EngagementSettings, programme_id, with_for_update=True)
    row.referral_points, row.suggestion_points, row.updated_at = referral_points, clean, now
    audit.record(
        session,
        actor=admin,
        channel="web",
        action="loyalty.engagement_settings",
        target_kind="loyalty_programme",
        target_id=programme_id,
        detail={"referral_points": referral_points, "suggestion_points": clean},
    )
    session.flush()
    return row
