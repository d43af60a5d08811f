"""Programmes, member terms, invitations and participant terms: who may do what, versioned
terms kept with their time, idempotent repeats; a seller's erased account leaves the
organisation's points and entries, pseudonymised."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog import personal_data
from catalog.db import transaction
from catalog.models import User
from loyalty import gdpr as loyalty_gdpr
from loyalty import programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
from loyalty.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from loyalty.ledger import verify
from loyalty.models import Entry, Membership, Participant
from loyalty.subscribers import wire
from marketplace.gdpr import delete_account
from tests.unit.loyalty.loyalty_support import seed_loyalty
from tests.unit.loyalty.test_loyalty_earning import _delivered_order
from tests.unit.marketplace.mp_support import NOW, Market


def test_the_representative_accepts_member_terms_with_version_and_time(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        membership = s.get(Membership, loyal.membership_id)
        assert membership is not None
        assert membership.terms_version == MEMBER_TERMS_VERSION
        assert membership.terms_accepted_at is not None
        assert membership.terms_accepted_by == loyal.rep_id
        rep = s.get(User, loyal.rep_id)
        again = programmes.accept_member_terms(
            s, rep, loyal.programme_id, MEMBER_TERMS_VERSION, now=NOW
        )
        assert again.id == membership.id  # accepting again changes nothing
        assert s.scalar(select(func.count()).select_from(Membership)) == 1


def test_unknown_terms_versions_are_refused_naming_the_current_one(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        rep = s.get(User, loyal.rep_id)
        with pytest.raises(
            InvalidInput, match=f"current member terms are '{MEMBER_TERMS_VERSION}'"
        ):
            programmes.accept_member_terms(s, rep, loyal.programme_id, "1999-01", now=NOW)
        seller = s.get(User, loyal.seller_id)
        with pytest.raises(InvalidInput) as refused:
            programmes.accept_participant_terms(s, seller, loyal.programme_id, "x", now=NOW)
        assert refused.value.field == "terms_version"


def test_only_the_representative_invites_and_only_its_own_organisations_users(
    market: Market,
) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        seller = s.get(User, loyal.seller_id)
        rep = s.get(User, loyal.rep_id)
        with pytest.raises(NotAllowed, match="representative"):
            programmes.invite(s, seller, loyal.programme_id, loyal.rep_id, now=NOW)
        with pytest.raises(NotAllowed, match="representative"):
            programmes.accept_member_terms(
                s, seller, loyal.programme_id, MEMBER_TERMS_VERSION, now=NOW
            )
        outsider = market.users["nord_staff"]  # a user of another retailer
        with pytest.raises(NotFound, match="not an active member of your organisation"):
            programmes.invite(s, rep, loyal.programme_id, outsider, now=NOW)
        clinic = s.get(User, market.users["clinic"])
        with pytest.raises(NotAllowed, match="retailer organisation"):
            programmes.accept_member_terms(
                s, clinic, loyal.programme_id, MEMBER_TERMS_VERSION, now=NOW
            )
        again, created = programmes.invite(s, rep, loyal.programme_id, loyal.seller_id, now=NOW)
        assert not created and again.terms_accepted_at is not None


def test_an_uninvited_user_cannot_accept_participant_terms(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        rep = s.get(User, loyal.rep_id)
        with pytest.raises(NotFound, match="not invited"):
            programmes.accept_participant_terms(
                s, rep, loyal.programme_id, PARTICIPANT_TERMS_VERSION, now=NOW
            )


def test_programme_values_are_checked_and_names_unique(market: Market) -> None:
    seed_loyalty(market)
    with transaction(market.factory) as s:
        admin = s.get(User, market.users["admin"])
        values = {
            "sponsor_name": "S",
            "points_per_krona": Decimal(1),
            "point_value_ore": 1,
            "expiry_months": 12,
            "now": NOW,
        }
        with pytest.raises(AlreadyExists):
            programmes.create_programme(s, admin, name="Tandklubben", **values)  # type: ignore[arg-type]
        for field, bad in (
            ("points_per_krona", Decimal(0)),
            ("points_per_krona", Decimal("0.00001")),
            ("point_value_ore", 0),
            ("expiry_months", 121),
        ):
            with pytest.raises(InvalidInput) as refused:
                programmes.create_programme(s, admin, name="Ny", **{**values, field: bad})  # type: ignore[arg-type]
            assert refused.value.field == field
        staff = s.get(User, market.users["tand_staff"])
        with pytest.raises(NotAllowed, match="admins"):
            programmes.create_programme(s, staff, name="Ny", **values)  # type: ignore[arg-type]


def test_an_erased_sellers_points_stay_with_the_organisation(
    market: Market, tmp_path: Path
) -> None:
    """With loyalty's GDPR part installed (as the app does at start-up) the erased seller's
    points move to the organisation's account as when a seller leaves; every entry stays,
    the participation pseudonymised (test_loyalty_gdpr.py covers the rest)."""
    loyal = seed_loyalty(market)
    wire(market.factory, clock=lambda: NOW)
    _delivered_order(market)
    loyalty_gdpr.install(tmp_path / "photos")
    try:
        with transaction(market.factory) as s:
            seller_key = loyal.seller_key(s)
            delete_account(s, loyal.seller_id)
    finally:
        personal_data.unregister(loyalty_gdpr.PART)
    with transaction(market.factory) as s:
        participant = s.scalar(select(Participant))
        assert participant is not None and participant.user_id is None  # pseudonymised
        assert participant.ended_at is not None
        assert loyal.balance(s, seller_key) == 0
        assert loyal.balance(s, loyal.member_key) == 1296  # the organisation's points
        assert s.scalar(select(func.count()).select_from(Entry)) == 3  # sale + the move
        assert verify(s).ok
