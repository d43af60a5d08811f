"""Two stores in the seeded programme: tandab (sellers Olle and the representative Rut) and
Dental Nord (seller Otto, its own representative), and points paid straight from the
sponsor's budget at chosen times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import count

from sqlalchemy.orm import Session

from catalog.db import transaction
from catalog.models import Organisation, User
from loyalty import programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION, AccountKind, EntryKind
from loyalty.ledger import ensure_account, transfer
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market

_keys = count(1)


@dataclass
class Stores:
    loyal: Loyal
    nord_membership_id: int
    nord_rep_id: int
    accounts: dict[str, int]  # "olle", "rut", "otto" (sellers), "tand", "nord" (members)
    participants: dict[str, int]


def seed_stores(market: Market) -> Stores:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        org = Organisation(kind="retailer", name="Dental Nord AB", status="active")
        org.retailer_id = market.retailers["nord"]
        s.add(org)
        s.flush()
        nord_rep = User(
            email="rep@nord.se",
            name="Nils",
            role="retailer",
            retailer_id=market.retailers["nord"],
            organisation_id=org.id,
            org_role="representative",
            password_hash="x",
        )
        s.add(nord_rep)
        otto = market.user(s, "nord_staff")
        otto.organisation_id, otto.org_role = org.id, "staff"
        s.flush()
        p = loyal.programme_id
        nord = programmes.accept_member_terms(s, nord_rep, p, MEMBER_TERMS_VERSION, now=NOW)
        programmes.invite(s, nord_rep, p, otto.id, now=NOW)
        programmes.accept_participant_terms(s, otto, p, PARTICIPANT_TERMS_VERSION, now=NOW)
        rut = s.get_one(User, loyal.rep_id)
        programmes.invite(s, rut, p, rut.id, now=NOW)
        programmes.accept_participant_terms(s, rut, p, PARTICIPANT_TERMS_VERSION, now=NOW)
        accounts: dict[str, int] = {}
        participants: dict[str, int] = {}
        for name, membership_id, user_id in [
            ("olle", loyal.membership_id, loyal.seller_id),
            ("rut", loyal.membership_id, loyal.rep_id),
            ("otto", nord.id, otto.id),
        ]:
            participant = programmes.active_participant(s, membership_id, user_id)
            assert participant is not None
            participants[name] = participant.id
            accounts[name] = ensure_account(
                s, p, AccountKind.SELLER, membership_id=membership_id, participant_id=participant.id
            ).id
        accounts["tand"] = ensure_account(
            s, p, AccountKind.MEMBER, membership_id=loyal.membership_id
        ).id
        accounts["nord"] = ensure_account(s, p, AccountKind.MEMBER, membership_id=nord.id).id
        return Stores(loyal, nord.id, nord_rep.id, accounts, participants)


def pay(
    session: Session, stores: Stores, to: str, points: int, at: datetime, *, back: bool = False
) -> int:
    """The sponsor pays ``to`` (or, ``back``, ``to`` returns points: a clawback)."""
    p = stores.loyal.programme_id
    sponsor = ensure_account(session, p, AccountKind.SPONSOR).id
    src, dst = (stores.accounts[to], sponsor) if back else (sponsor, stores.accounts[to])
    entry, _created = transfer(
        session,
        programme_id=p,
        source_id=src,
        destination_id=dst,
        points=points,
        kind=(EntryKind.CLAWBACK if back else EntryKind.SALE).value,
        reason="test",
        idempotency_key=f"test:{next(_keys)}",
        now=at,
    )
    return entry.id
