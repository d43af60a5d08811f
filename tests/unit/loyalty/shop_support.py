"""Points and rewards for the shop's tests: points granted from the sponsor's budget at a
given time, and a catalogue of two rewards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import User
from loyalty import shop
from loyalty.enums import EntryKind
from loyalty.ledger import transfer
from loyalty.models import Account
from tests.unit.loyalty.loyalty_support import Loyal
from tests.unit.marketplace.mp_support import NOW

_keys = iter(range(1, 1_000_000))


def grant(session: Session, loyal: Loyal, key: str, points: int, when: datetime = NOW) -> None:
    """``points`` from the sponsor to the account named ``key``, entered at ``when``."""
    target = session.scalar(select(Account.id).where(Account.key == key))
    sponsor = session.scalar(select(Account.id).where(Account.key == loyal.sponsor_key))
    assert target is not None and sponsor is not None
    transfer(
        session,
        programme_id=loyal.programme_id,
        source_id=sponsor,
        destination_id=target,
        points=points,
        kind=EntryKind.SALE.value,
        reason="test grant",
        idempotency_key=f"grant:{next(_keys)}",
        now=when,
    )


def admin(session: Session) -> User:
    found = session.scalar(select(User).where(User.role == "admin"))
    if found is None:
        found = User(email="admin@valbar.se", name="Ada", role="admin", password_hash="x")
        session.add(found)
        session.flush()
    return found


def reward(
    session: Session,
    loyal: Loyal,
    name: str,
    *,
    price: int,
    stock: int,
    category: str = "Presentkort",
    description: str = "",
) -> int:
    return shop.create_reward(
        session,
        admin(session),
        loyal.programme_id,
        shop.RewardInput(
            name=name,
            description=description,
            picture_url=None,
            category=category,
            price_points=price,
            stock=stock,
        ),
        now=NOW,
    ).id
