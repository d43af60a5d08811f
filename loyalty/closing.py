"""The month-end close of one programme, on its manager's request (the admin's or the
sponsor's console button, the API): "månadens säljare" and "månadens butik" of the month
just ended (``loyalty.awards.award_month``) and the points that expired by now
(``loyalty.expiry.expire_programme``), in one transaction. The hourly housekeeping does the
same for every programme; the button does not wait for it.

Idempotent, and once under concurrency: the programme's row is locked first (a no-op
UPDATE: PostgreSQL's row lock, SQLite's write lock), so of two clicks at once the second
waits for the first's commit and then finds the month awarded and the points expired
(nothing more made, :attr:`Closed.already` True). The close that did something is in the
audit trail (``loyalty.month_close``) with what it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from catalog import audit
from catalog.models import User
from loyalty import awards, expiry
from loyalty.access import require_manager
from loyalty.errors import InvalidInput
from loyalty.leaderboards import month_of, previous_month
from loyalty.models import Programme
from loyalty.programmes import get_programme


@dataclass(frozen=True, slots=True)
class Closed:
    programme_id: int
    month: str  # "2026-11": the month awarded
    awards_made: int
    expired_accounts: int
    expired_points: int

    @property
    def already(self) -> bool:
        """Nothing was left to do (closed before, or by a concurrent click)."""
        return self.awards_made == 0 and self.expired_accounts == 0


def close_month(
    session: Session, user: User | None, programme_id: int, *, now: datetime, channel: str = "web"
) -> Closed:
    """Close the month before ``now`` in the programme (its manager only; see the module).
    The caller commits."""
    manager = require_manager(session, user, programme_id)
    session.execute(  # one close of a programme at a time (see the module)
        update(Programme)
        .where(Programme.id == programme_id)
        .values(active=Programme.active)
        .execution_options(synchronize_session=False)
    )
    programme = get_programme(session, programme_id)
    session.refresh(programme)
    if not programme.active:
        raise InvalidInput(
            f"programme {programme_id} is not active: nothing to close", field="programme_id"
        )
    month = previous_month(month_of(now))
    made = sum(a.created for a in awards.award_month(session, programme, month, now=now))
    expired = expiry.expire_programme(session, programme, now)
    closed = Closed(
        programme_id=programme_id,
        month=month,
        awards_made=made,
        expired_accounts=len(expired),
        expired_points=sum(e.points for e in expired),
    )
    if not closed.already:
        audit.record(
            session,
            actor=manager,
            channel=channel,
            action="loyalty.month_close",
            target_kind="loyalty_programme",
            target_id=programme_id,
            detail={
                "month": month,
                "awards": made,
                "expired_accounts": closed.expired_accounts,
                "expired_points": closed.expired_points,
            },
        )
    session.flush()
    return closed
