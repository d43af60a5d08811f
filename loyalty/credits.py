"""What a programme's manager reads before clawing points back: its recent credits (points
the sponsor's budget paid for a sale, a quiz, a bonus or an adjustment), each with what was
clawed back of it already and whose account it went to. Clawing back is
``loyalty.limits.clawback``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from catalog.models import User
from loyalty.access import require_manager
from loyalty.enums import AccountKind
from loyalty.ledger import account_key, describe_account
from loyalty.limits import REVERSIBLE
from loyalty.models import Account, Entry


@dataclass(frozen=True, slots=True)
class CreditRow:
    entry: Entry
    clawed_back: int  # points of it reversed so far
    account: str  # whose account it went to (``loyalty.ledger.describe_account``)

    @property
    def left(self) -> int:
        """Points of it that can still be clawed back."""
        return max(0, self.entry.points - self.clawed_back)


def recent_credits(
    session: Session, user: User | None, programme_id: int, *, limit: int = 30
) -> list[CreditRow]:
    """The programme's newest credits from the sponsor's budget (its manager only), with
    what was clawed back of each (one query for the sums)."""
    require_manager(session, user, programme_id)
    sponsor_id = session.scalar(
        select(Account.id).where(Account.key == account_key(programme_id, AccountKind.SPONSOR))
    )
    if sponsor_id is None:
        return []
    reversal = aliased(Entry)
    back = (
        select(func.coalesce(func.sum(reversal.points), 0))
        .where(reversal.reverses_entry_id == Entry.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Entry, back)
        .where(
            Entry.programme_id == programme_id,
            Entry.source_account_id == sponsor_id,
            Entry.kind.in_(REVERSIBLE),
        )
        .order_by(Entry.id.desc())
        .limit(max(1, min(limit, 200)))
    ).all()
    labels: dict[int, str] = {}
    out: list[CreditRow] = []
    for entry, clawed in rows:
        if entry.destination_account_id not in labels:
            account = session.get(Account, entry.destination_account_id)
            labels[entry.destination_account_id] = (
                describe_account(session, account) if account is not None else "-"
            )
        out.append(CreditRow(entry, int(clawed or 0), labels[entry.destination_account_id]))
    return out
