"""Who manages a loyalty programme (``loyalty.access``): admins every one, a sponsor's
representative their sponsor's (another sponsor's is not found), nobody else; a programme
given to a sponsor organisation; the same check in every management service."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from catalog.db import transaction
from catalog.models import Organisation, User
from loyalty import access, campaigns, limits, programmes, quizzes, redemptions, shop, statements
from loyalty.errors import InvalidInput, NotAllowed, NotFound
from loyalty.models import Programme
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market


def _sponsor(s: Session, name: str, number: str, *, status: str = "active") -> Organisation:
    org = Organisation(kind="sponsor", name=name, org_number=number, status=status)
    s.add(org)
    s.flush()
    return org


def _member(s: Session, org: Organisation, email: str, org_role: str) -> User:
    user = User(
        email=email,
        name=email.split("@")[0],
        role="sponsor",
        organisation_id=org.id,
        org_role=org_role,
        password_hash="x",
    )
    s.add(user)
    s.flush()
    return user


def _sponsored(market: Market) -> tuple[Loyal, dict[str, int], int]:
    """tandab's programme handed to sponsor A; sponsor B with a programme of its own:
    (loyal, user ids, B's programme)."""
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        a = _sponsor(s, "Dentsply AB", "556030-3335")
        b = _sponsor(s, "Acme AB", "556040-4448")
        s.get_one(Programme, loyal.programme_id).sponsor_organisation_id = a.id
        other = programmes.create_programme(
            s,
            None,
            name="Acmeklubben",
            sponsor_name="",
            points_per_krona=Decimal(1),
            point_value_ore=1,
            expiry_months=12,
            now=NOW,
            sponsor_organisation_id=b.id,
        )
        assert other.sponsor_name == "Acme AB"  # the organisation's name when none is given
        users = {
            "rep_a": _member(s, a, "rep@dentsply.se", "representative").id,
            "staff_a": _member(s, a, "staff@dentsply.se", "staff").id,
            "rep_b": _member(s, b, "rep@acme.se", "representative").id,
        }
        return loyal, users, other.id


def test_the_programmes_sponsor_manages_it_and_nobody_else_but_admins(market: Market) -> None:
    loyal, users, other = _sponsored(market)
    p = loyal.programme_id
    with transaction(market.factory) as s:
        rep_a, staff_a, rep_b = (s.get_one(User, users[k]) for k in ("rep_a", "staff_a", "rep_b"))
        assert access.require_manager(s, rep_a, p) is rep_a
        assert access.require_manager(s, market.user(s, "admin"), p).role == "admin"
        assert access.require_manager(s, rep_b, other) is rep_b
        with pytest.raises(NotFound):  # another sponsor's programme: as if it did not exist
            access.require_manager(s, rep_b, p)
        with pytest.raises(NotFound):
            access.require_manager(s, rep_a, other)
        with pytest.raises(NotAllowed):  # the sponsor's staff manage nothing
            access.require_manager(s, staff_a, p)
        for name in ("clinic", "tand_staff", "merch"):
            with pytest.raises(NotAllowed):
                access.require_manager(s, market.user(s, name), p)
        with pytest.raises(NotAllowed):
            access.require_manager(s, None, p)
        valbar = programmes.create_programme(
            s,
            None,
            name="Valbarklubben",
            sponsor_name="Valbar",
            points_per_krona=Decimal(1),
            point_value_ore=1,
            expiry_months=12,
            now=NOW,
        )
        with pytest.raises(NotFound):  # Valbar's own programme: admins only
            access.require_manager(s, rep_a, valbar.id)
        assert access.require_manager(s, market.user(s, "admin"), valbar.id).role == "admin"
        assert access.managed_programme_ids(s, rep_a) == {p}
        assert access.managed_programme_ids(s, staff_a) == set()
        assert access.managed_programme_ids(s, market.user(s, "admin")) is None
        # a suspended sponsor manages nothing
        s.get_one(Organisation, rep_a.organisation_id).status = "suspended"
        s.flush()
        with pytest.raises(NotFound):
            access.require_manager(s, rep_a, p)


def test_every_management_service_uses_the_check(market: Market) -> None:
    loyal, users, _other = _sponsored(market)
    p = loyal.programme_id
    with transaction(market.factory) as s:
        rep_a, rep_b = s.get_one(User, users["rep_a"]), s.get_one(User, users["rep_b"])
        campaign = campaigns.create_campaign(
            s,
            rep_a,
            p,
            name="Handskveckan",
            multiplier="2",
            target_kind="category",
            target_value="Handskar",
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=8),
            now=NOW,
        )
        quiz = quizzes.create_quiz(
            s,
            rep_a,
            p,
            title="Nitril",
            questions=[{"text": "Nitril?", "choices": ["Ja", "Nej"], "correct": [0]}],
            pass_mark=1,
            max_attempts=1,
            points=5,
            now=NOW,
        )
        reward = shop.create_reward(
            s,
            rep_a,
            p,
            shop.RewardInput("Presentkort", "", None, "Kort", 100, 5, True),
            now=NOW,
        )
        limits.set_limits(s, rep_a, p, caps={}, approval_threshold=1000, now=NOW)
        assert statements.liability(s, rep_a, p).programme_id == p
        assert redemptions.queue(s, rep_a, p, status=None, limit=10, offset=0)[1] == 0
        calls = [
            lambda: campaigns.create_campaign(
                s,
                rep_b,
                p,
                name="X",
                multiplier="2",
                target_kind="brand",
                target_value="Acme",
                starts_at=NOW + timedelta(days=1),
                ends_at=NOW + timedelta(days=2),
                now=NOW,
            ),
            lambda: campaigns.update_campaign(
                s,
                rep_b,
                campaign.id,
                name="X",
                multiplier="2",
                target_kind="category",
                target_value="Handskar",
                starts_at=NOW + timedelta(days=1),
                ends_at=NOW + timedelta(days=8),
                now=NOW,
            ),
            lambda: quizzes.update_quiz(
                s,
                rep_b,
                quiz.id,
                title="X",
                questions=[{"text": "Nitril?", "choices": ["Ja", "Nej"], "correct": [0]}],
                pass_mark=1,
                max_attempts=1,
                points=5,
                active=True,
                now=NOW,
            ),
            lambda: shop.update_reward(
                s,
                rep_b,
                reward.id,
                shop.RewardInput("X", "", None, "Kort", 1, 1, True),
                now=NOW,
            ),
            lambda: shop.visible_reward(s, rep_b, reward.id),
            lambda: limits.set_limits(s, rep_b, p, caps={}, approval_threshold=None, now=NOW),
            lambda: limits.held_credits(s, rep_b, p, status="held", limit=1, offset=0),
            lambda: statements.liability(s, rep_b, p),
            lambda: statements.yearly_statement(s, rep_b, p, 2026),
            lambda: redemptions.queue(s, rep_b, p, status=None, limit=1, offset=0),
        ]
        for call in calls:
            with pytest.raises(NotFound):
                call()


def test_a_programme_is_given_only_to_an_active_sponsor_organisation(market: Market) -> None:
    with transaction(market.factory) as s:
        pending = _sponsor(s, "Väntar AB", "556050-5551", status="pending")
        retailer = Organisation(kind="retailer", name="Butik AB", org_number="556060-6664")
        s.add(retailer)
        s.flush()
        for org_id in (pending.id, retailer.id, 10**6):
            with pytest.raises(InvalidInput) as caught:
                programmes.create_programme(
                    s,
                    None,
                    name=f"Klubb {org_id}",
                    sponsor_name="",
                    points_per_krona=Decimal(1),
                    point_value_ore=1,
                    expiry_months=12,
                    now=NOW,
                    sponsor_organisation_id=org_id,
                )
            assert caught.value.field == "sponsor_organisation_id"
        with pytest.raises(InvalidInput):  # Valbar's own programme names its sponsor
            programmes.create_programme(
                s,
                None,
                name="Valbarklubben",
                sponsor_name=" ",
                points_per_krona=Decimal(1),
                point_value_ore=1,
                expiry_months=12,
                now=NOW,
            )


def _new(s: Session, user: User | None, name: str, sponsor_org: int | None = None) -> Programme:
    return programmes.create_programme(
        s,
        user,
        name=name,
        sponsor_name="",
        points_per_krona=Decimal(1),
        point_value_ore=1,
        expiry_months=12,
        now=NOW,
        sponsor_organisation_id=sponsor_org,
    )


def test_an_admin_hands_a_new_programme_to_a_sponsor_and_a_sponsor_starts_its_own(
    market: Market,
) -> None:
    _loyal, users, other = _sponsored(market)
    with transaction(market.factory) as s:
        rep_a, staff_a, rep_b = (s.get_one(User, users[k]) for k in ("rep_a", "staff_a", "rep_b"))
        a_id, b_id = rep_a.organisation_id, rep_b.organisation_id
        handed = _new(s, market.user(s, "admin"), "Dentsplyklubben", a_id)
        assert (handed.sponsor_organisation_id, handed.sponsor_name) == (a_id, "Dentsply AB")
        assert access.require_manager(s, rep_a, handed.id) is rep_a
        own = _new(s, rep_b, "Acme vår")  # no organisation given: its own
        assert (own.sponsor_organisation_id, own.sponsor_name) == (b_id, "Acme AB")
        assert access.managed_programme_ids(s, rep_b) == {other, own.id}
        assert _new(s, rep_b, "Acme höst", b_id).sponsor_organisation_id == b_id
        with pytest.raises(NotAllowed):  # another sponsor's organisation
            _new(s, rep_b, "Kapad", a_id)
        with pytest.raises(NotAllowed):  # the sponsor's staff start nothing
            _new(s, staff_a, "Personalens")
        for name in ("clinic", "tand_staff", "merch"):
            with pytest.raises(NotAllowed):
                _new(s, market.user(s, name), f"Av {name}")
