""" "Månadens säljare" and "månadens butik": the month's best seller and store of each
active programme, chosen once the month is over.

:func:`award_month` takes the first place of the month's sellers' and stores' leaderboards
(``loyalty.leaderboards``: points earned in that Swedish calendar month; a tie goes to the
one listed first), records a :class:`~loyalty.models.MonthlyAward` (unique per programme,
month and kind: a second run, or two at once, awards nothing more), pays the programme's
optional bonus (``ProgrammeSettings``; key ``award:<programme>:<month>:<kind>``) and
publishes :class:`~catalog.events.LoyaltyAwarded`, which the notification subscribers turn
into in-app notifications (loyalty knows nothing of them).

:func:`award_finished_months` is the scheduled job: the in-process housekeeping pass
(hourly, ``api.housekeeping``) and, with a broker, the Celery beat task
``valbar.loyalty_monthly_awards`` (``valbar.worker_wiring``) award the month before the
current one; a month with no points earned awards nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.events import LoyaltyAwarded, publish
from catalog.models import Organisation, User
from loyalty.access import require_manager
from loyalty.enums import AccountKind
from loyalty.errors import InvalidInput
from loyalty.leaderboards import Board, month_of, month_period, previous_month, standings
from loyalty.ledger import ensure_account, transfer
from loyalty.models import Membership, MonthlyAward, Participant, Programme, ProgrammeSettings
from loyalty.programmes import get_programme

BONUS_ENTRY_KIND = "bonus"
MAX_BONUS = 1_000_000
_KINDS = {Board.SELLERS: "seller", Board.STORES: "store"}


def settings_of(session: Session, programme_id: int) -> ProgrammeSettings:
    """The programme's settings (defaults, unsaved, when it has none)."""
    found = session.get(ProgrammeSettings, programme_id)
    return found or ProgrammeSettings(
        programme_id=programme_id,
        seller_award_bonus=0,
        store_award_bonus=0,
        caps={},
        approval_threshold=None,
    )


def set_award_bonus(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    seller_bonus: int,
    store_bonus: int,
    now: datetime,
) -> ProgrammeSettings:
    """The programme's manager (``loyalty.access``) sets the monthly award bonuses (0 for
    none). The caller commits."""
    require_manager(session, user, programme_id)
    for field, value in (("seller_award_bonus", seller_bonus), ("store_award_bonus", store_bonus)):
        if not 0 <= value <= MAX_BONUS:
            raise InvalidInput(f"{field}: 0-{MAX_BONUS}", field=field)
    row = session.get(ProgrammeSettings, programme_id, with_for_update=True)
    if row is None:
        row = ProgrammeSettings(programme_id=programme_id, caps={}, approval_threshold=None)
        try:
            with session.begin_nested():
                session.add(row)
                row.seller_award_bonus, row.store_award_bonus, row.updated_at = (
                    seller_bonus,
                    store_bonus,
                    now,
                )
                session.flush()
            return row
        except IntegrityError:  # a concurrent first save: update it instead
            row = session.get_one(ProgrammeSettings, programme_id, with_for_update=True)
    row.seller_award_bonus, row.store_award_bonus, row.updated_at = seller_bonus, store_bonus, now
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class Awarded:
    award: MonthlyAward
    created: bool


def award_month(
    session: Session, programme: Programme, period: str, *, now: datetime
) -> list[Awarded]:
    """Award the month's seller and store (once each). The caller commits; the events are
    delivered after the commit."""
    month = month_period(period)
    if month.end is not None and now < month.end:
        raise InvalidInput(f"period: {period} is not over yet", field="period")
    bonuses = settings_of(session, programme.id)
    out: list[Awarded] = []
    for board, kind in _KINDS.items():
        existing = session.scalar(
            select(MonthlyAward).where(
                MonthlyAward.programme_id == programme.id,
                MonthlyAward.period == period,
                MonthlyAward.kind == kind,
            )
        )
        if existing is not None:
            out.append(Awarded(existing, False))
            continue
        places = standings(session, programme.id, board, month, top=1)
        if not places:
            continue
        winner = places[0]
        bonus = bonuses.seller_award_bonus if kind == "seller" else bonuses.store_award_bonus
        award = MonthlyAward(
            programme_id=programme.id,
            period=period,
            kind=kind,
            membership_id=winner.membership_id,
            participant_id=winner.participant_id,
            points_earned=winner.points,
            bonus_points=bonus,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(award)
                session.flush()
        except IntegrityError:  # awarded by a concurrent run
            found = session.scalar(
                select(MonthlyAward).where(
                    MonthlyAward.programme_id == programme.id,
                    MonthlyAward.period == period,
                    MonthlyAward.kind == kind,
                )
            )
            if found is None:
                raise
            out.append(Awarded(found, False))
            continue
        if bonus > 0:
            _pay_bonus(session, programme, award, now)
        _announce(session, programme, award)
        out.append(Awarded(award, True))
    return out


def _pay_bonus(session: Session, programme: Programme, award: MonthlyAward, now: datetime) -> None:
    sponsor = ensure_account(session, programme.id, AccountKind.SPONSOR)
    if award.participant_id is not None:
        target = ensure_account(
            session,
            programme.id,
            AccountKind.SELLER,
            membership_id=award.membership_id,
            participant_id=award.participant_id,
        )
        what = "månadens säljare"
    else:
        target = ensure_account(
            session, programme.id, AccountKind.MEMBER, membership_id=award.membership_id
        )
        what = "månadens butik"
    transfer(
        session,
        programme_id=programme.id,
        source_id=sponsor.id,
        destination_id=target.id,
        points=award.bonus_points,
        kind=BONUS_ENTRY_KIND,
        reason=f"{what} {award.period}",
        idempotency_key=f"award:{programme.id}:{award.period}:{award.kind}",
        now=now,
    )


def _announce(session: Session, programme: Programme, award: MonthlyAward) -> None:
    membership = session.get_one(Membership, award.membership_id)
    participant = (
        session.get(Participant, award.participant_id) if award.participant_id is not None else None
    )
    publish(
        session,
        LoyaltyAwarded(
            award_id=award.id,
            programme_id=programme.id,
            programme_name=programme.name,
            period=award.period,
            kind=award.kind,
            organisation_id=membership.organisation_id,
            user_id=participant.user_id if participant is not None else None,
            points_earned=award.points_earned,
            bonus_points=award.bonus_points,
        ),
    )


def award_finished_months(session: Session, *, now: datetime) -> int:
    """The scheduled job: award last month in every active programme; new awards made."""
    period = previous_month(month_of(now))
    made = 0
    programmes = session.scalars(
        select(Programme).where(Programme.active.is_(True)).order_by(Programme.id)
    ).all()
    for programme in programmes:
        made += sum(a.created for a in award_month(session, programme, period, now=now))
    return made


@dataclass(frozen=True, slots=True)
class AwardView:
    award: MonthlyAward
    organisation: str
    seller: str | None


def awards(
    session: Session, programme_id: int, *, limit: int, offset: int
) -> tuple[list[AwardView], int]:
    """The programme's awards, newest month first, with the store's and seller's names:
    (page, total)."""
    get_programme(session, programme_id)
    where = MonthlyAward.programme_id == programme_id
    total = session.scalar(select(func.count()).select_from(MonthlyAward).where(where)) or 0
    rows = session.execute(
        select(MonthlyAward, Organisation.name, User.name)
        .join(Membership, Membership.id == MonthlyAward.membership_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .outerjoin(Participant, Participant.id == MonthlyAward.participant_id)
        .outerjoin(User, User.id == Participant.user_id)
        .where(where)
        .order_by(MonthlyAward.period.desc(), MonthlyAward.kind)
        .limit(limit)
        .offset(offset)
    ).all()
    return [AwardView(a, str(org), seller) for a, org, seller in rows], int(total)
