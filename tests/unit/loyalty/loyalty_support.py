"""A seeded marketplace (tests/unit/marketplace) plus loyalty: tandab's organisation with a
representative and a seller, a programme (2 points per krona) tandab is a member of, and
the seller invited and taking part."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db import transaction
from catalog.models import Organisation, User
from loyalty import programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION, AccountKind
from loyalty.ledger import account_key
from loyalty.models import Account
from tests.unit.marketplace.mp_support import NOW, Market

TODAY = (NOW + timedelta(days=2)).date()


@dataclass
class Loyal:
    market: Market
    programme_id: int
    membership_id: int
    org_id: int
    rep_id: int
    seller_id: int

    def balance(self, session: Session, key: str) -> int:
        value = session.scalar(select(Account.balance).where(Account.key == key))
        return int(value or 0)

    @property
    def member_key(self) -> str:
        return account_key(self.programme_id, AccountKind.MEMBER, membership_id=self.membership_id)

    @property
    def sponsor_key(self) -> str:
        return account_key(self.programme_id, AccountKind.SPONSOR)

    def seller_key(self, session: Session) -> str:
        participant = programmes.active_participant(session, self.membership_id, self.seller_id)
        assert participant is not None
        return account_key(self.programme_id, AccountKind.SELLER, participant_id=participant.id)


def seed_loyalty(market: Market, *, rate: str = "2") -> Loyal:
    with transaction(market.factory) as s:
        org = Organisation(
            kind="retailer", name="Tand AB", org_number="556677-8899", status="active"
        )
        org.retailer_id = market.retailers["tand"]
        s.add(org)
        s.flush()
        rep = User(
            email="rep@tand.se",
            name="Rut",
            role="retailer",
            retailer_id=market.retailers["tand"],
            organisation_id=org.id,
            org_role="representative",
            password_hash="x",
        )
        s.add(rep)
        seller = s.get(User, market.users["tand_staff"])
        assert seller is not None
        seller.organisation_id, seller.org_role = org.id, "staff"
        s.flush()
        programme = programmes.create_programme(
            s,
            None,
            name="Tandklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(rate),
            point_value_ore=5,
            expiry_months=24,
            now=NOW,
        )
        membership = programmes.accept_member_terms(
            s, rep, programme.id, MEMBER_TERMS_VERSION, now=NOW
        )
        programmes.invite(s, rep, programme.id, seller.id, now=NOW)
        programmes.accept_participant_terms(
            s, seller, programme.id, PARTICIPANT_TERMS_VERSION, now=NOW
        )
        return Loyal(market, programme.id, membership.id, org.id, rep.id, seller.id)
