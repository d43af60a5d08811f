"""What the points shop is worth: the sponsor's liability report and the yearly statement of
redeemed reward value per participant (for benefit taxation).

Money is in öre: points x the programme's ``point_value_ore``. A redemption keeps the value
it had when placed (``Redemption.value_ore``), so a later change of the point value does not
rewrite history. Cancelled redemptions count for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.enums import OrgRole
from catalog.models import Organisation, User
from loyalty.access import require_manager, require_sponsor_reader
from loyalty.enums import AccountKind, RedemptionStatus
from loyalty.errors import InvalidInput, NotAllowed
from loyalty.leaderboards import LOCAL_TZ
from loyalty.models import Account, Membership, Participant, Redemption
from loyalty.programmes import (
    get_programme,
    own_membership,
    retailer_organisation,
)


@dataclass(frozen=True, slots=True)
class Liability:
    programme_id: int
    point_value_ore: int
    outstanding_points: int  # held by members and sellers
    outstanding_value_ore: int
    redeemed_points: int  # placed or fulfilled redemptions
    redeemed_value_ore: int
    placed: int
    fulfilled: int
    cancelled: int
    expired_points: int


def liability(session: Session, user: User | None, programme_id: int) -> Liability:
    """The sponsor's report (the programme's manager): outstanding points and their value,
    redeemed value."""
    require_manager(session, user, programme_id)
    programme = get_programme(session, programme_id)
    outstanding = session.scalar(
        select(func.coalesce(func.sum(Account.balance), 0)).where(
            Account.programme_id == programme_id,
            Account.kind.in_([AccountKind.MEMBER.value, AccountKind.SELLER.value]),
        )
    )
    expired = session.scalar(
        select(func.coalesce(func.sum(Account.balance), 0)).where(
            Account.programme_id == programme_id, Account.kind == AccountKind.EXPIRY.value
        )
    )
    counts = {
        status: (int(n), int(p or 0), int(v or 0))
        for status, n, p, v in session.execute(
            select(
                Redemption.status,
                func.count(),
                func.sum(Redemption.points),
                func.sum(Redemption.value_ore),
            )
            .where(Redemption.programme_id == programme_id)
            .group_by(Redemption.status)
        )
    }
    live = [
        counts.get(s.value, (0, 0, 0))
        for s in (RedemptionStatus.PLACED, RedemptionStatus.FULFILLED)
    ]
    return Liability(
        programme_id=programme_id,
        point_value_ore=programme.point_value_ore,
        outstanding_points=int(outstanding or 0),
        outstanding_value_ore=int(outstanding or 0) * programme.point_value_ore,
        redeemed_points=sum(c[1] for c in live),
        redeemed_value_ore=sum(c[2] for c in live),
        placed=counts.get(RedemptionStatus.PLACED.value, (0, 0, 0))[0],
        fulfilled=counts.get(RedemptionStatus.FULFILLED.value, (0, 0, 0))[0],
        cancelled=counts.get(RedemptionStatus.CANCELLED.value, (0, 0, 0))[0],
        expired_points=int(expired or 0),
    )


@dataclass(frozen=True, slots=True)
class StatementRow:
    organisation: str
    org_number: str
    participant: str  # the seller's name, or the organisation itself
    email: str
    redemptions: int
    points: int
    value_ore: int


def yearly_statement(
    session: Session, user: User | None, programme_id: int, year: int
) -> list[StatementRow]:
    """Redeemed reward value per participant in ``year`` (by the day placed, Swedish time;
    cancelled ones left out): the programme's manager sees every member; a representative
    their own organisation. A redemption the entity made is the organisation's row."""
    if not 2000 <= year <= 2100:
        raise InvalidInput("year: 2000-2100", field="year")
    programme = get_programme(session, programme_id)
    if require_sponsor_reader(session, user, programme_id):
        org_filter = None
    else:
        org = retailer_organisation(session, user)
        assert user is not None
        if user.org_role != OrgRole.REPRESENTATIVE.value:
            raise NotAllowed("only the representative reads the organisation's statement")
        own_membership(session, user, programme_id)  # NotFound for a non-member
        org_filter = org.id
    # the Swedish calendar year (benefit taxation's): New Year's night at 00:30 is the new year
    start = datetime(year, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    stmt = (
        select(
            Organisation.name,
            Organisation.org_number,
            Redemption.participant_id,
            User.name,
            User.email,
            func.count(Redemption.id),
            func.sum(Redemption.points),
            func.sum(Redemption.value_ore),
        )
        .join(Membership, Membership.id == Redemption.membership_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .outerjoin(Participant, Participant.id == Redemption.participant_id)
        .outerjoin(User, User.id == Participant.user_id)
        .where(
            Redemption.programme_id == programme.id,
            Redemption.status != RedemptionStatus.CANCELLED.value,
            Redemption.placed_at >= start,
            Redemption.placed_at < end,
        )
        .group_by(
            Organisation.name,
            Organisation.org_number,
            Redemption.participant_id,
            User.name,
            User.email,
        )
        .order_by(Organisation.name, Redemption.participant_id)
    )
    if org_filter is not None:
        stmt = stmt.where(Membership.organisation_id == org_filter)
    rows = []
    for org_name, org_number, participant_id, name, email, n, points, value in session.execute(
        stmt
    ):
        if participant_id is None:
            who = org_name
        else:
            who = name if name is not None else f"(raderad deltagare {participant_id})"
        rows.append(
            StatementRow(
                organisation=org_name,
                org_number=org_number or "",
                participant=who,
                email=email or "",
                redemptions=int(n),
                points=int(points or 0),
                value_ore=int(value or 0),
            )
        )
    return rows


STATEMENT_HEADER_SV = (
    "Organisation",
    "Organisationsnummer",
    "Deltagare",
    "E-post",
    "Antal uttag",
    "Poäng",
    "Förmånsvärde (kr)",
)


def kronor(ore: int) -> str:
    """``1234`` öre as ``12,34`` (a Swedish decimal comma). Pure."""
    sign = "-" if ore < 0 else ""
    whole, part = divmod(abs(ore), 100)
    return f"{sign}{whole},{part:02d}"


def statement_cells(row: StatementRow) -> tuple[str, ...]:
    """A statement row as CSV cells (under :data:`STATEMENT_HEADER_SV`). Pure."""
    return (
        row.organisation,
        row.org_number,
        row.participant,
        row.email,
        str(row.redemptions),
        str(row.points),
        kronor(row.value_ore),
    )
