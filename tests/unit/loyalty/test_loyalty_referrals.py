"""Recruiting: a referral link per seller or member; a retailer that signs up through it is
recorded as referred; the referrer earns points once, only after the retailer is approved
**and** its first feed is live; self-referral and existing organisations are refused."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.db import transaction
from catalog.events import FeedRunFinished, OrganisationApproved
from catalog.models import Offer, Organisation, Retailer, User
from loyalty import limits, referrals, subscribers
from loyalty.engagement_models import Referral, ReferralCode
from loyalty.errors import NotAllowed
from loyalty.ledger import verify
from loyalty.models import Entry
from loyalty.referrals import ReferralRefused
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market

_n = count(1)


def _recruit(s: Session, *, status: str = "pending", kind: str = "retailer") -> Organisation:
    """A retailer organisation just signed up (pending), with its retailer."""
    n = next(_n)
    retailer = Retailer(slug=f"ny-{n}", name=f"Ny Tand {n}")
    s.add(retailer)
    s.flush()
    org = Organisation(
        kind=kind,
        name=f"Ny Tand {n} AB",
        org_number=f"559900-{1000 + n}",
        status=status,
        retailer_id=retailer.id if kind == "retailer" else None,
        created_at=NOW,
    )
    s.add(org)
    s.flush()
    return org


def _go_live(s: Session, org: Organisation) -> None:
    assert org.retailer_id is not None
    s.add(
        Offer(
            retailer_id=org.retailer_id,
            sku=f"S-{next(_n)}",
            raw_name="Nitrilhandske",
            content_hash="h",
        )
    )
    s.flush()


def _seller_code(market: Market, loyal: Loyal) -> str:
    with transaction(market.factory) as s:
        return referrals.my_code(
            s, s.get_one(User, loyal.seller_id), loyal.programme_id, now=NOW
        ).code


def test_each_seller_and_member_has_one_unguessable_code(market: Market) -> None:
    loyal = seed_loyalty(market)
    first = _seller_code(market, loyal)
    assert _seller_code(market, loyal) == first  # asked again: the same code
    assert len(first) >= 24 and referrals.link_of(first).endswith(f"?ref={first}")
    with transaction(market.factory) as s:
        rep = s.get_one(User, loyal.rep_id)  # the representative does not take part here
        member = referrals.my_code(s, rep, loyal.programme_id, now=NOW)
        assert member.participant_id is None and member.code != first
        assert s.scalar(select(func.count()).select_from(ReferralCode)) == 2
        assert referrals.code_exists(s, first) and not referrals.code_exists(s, "x" * 24)
        assert not referrals.code_exists(s, "not a code!")
        with pytest.raises(NotAllowed):  # a clinic user
            referrals.my_code(s, market.user(s, "clinic"), loyal.programme_id, now=NOW)


def test_points_only_after_approval_and_a_live_feed_and_once(market: Market) -> None:
    loyal = seed_loyalty(market)
    code = _seller_code(market, loyal)
    with transaction(market.factory) as s:
        org = _recruit(s)
        referrals.record_signup(s, code, org.id, now=NOW)
        org_id, retailer_id = org.id, org.retailer_id
    assert retailer_id is not None
    later = NOW + timedelta(days=1)
    with transaction(market.factory) as s:
        assert referrals.on_approved(s, org_id, now=later) is None  # no feed yet
        # a successful run that left no offer on the market is not "live"
        assert referrals.on_feed_finished(s, retailer_id, now=later) is None
    with transaction(market.factory) as s:
        org = s.get_one(Organisation, org_id)
        _go_live(s, org)
        paid = referrals.on_feed_finished(s, retailer_id, now=later)
        assert paid is not None and paid.outcome == "paid" and paid.points == 500
    with transaction(market.factory) as s:  # replays of both events pay nothing more
        assert referrals.on_approved(s, org_id, now=later) is None
        assert referrals.on_feed_finished(s, retailer_id, now=later) is None
        assert loyal.balance(s, loyal.seller_key(s)) == 500
        entry = s.scalars(select(Entry).where(Entry.kind == "referral")).one()
        assert entry.idempotency_key == f"referral:{loyal.programme_id}:{org_id}"
        row = s.scalars(select(Referral)).one()
        assert row.paid_at is not None and row.outcome == "paid" and row.points == 500
        assert verify(s).ok


def test_a_live_feed_before_approval_pays_on_approval(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:  # the representative's (member's) link
        code = referrals.my_code(s, s.get_one(User, loyal.rep_id), loyal.programme_id, now=NOW).code
        org = _recruit(s)
        referrals.record_signup(s, code, org.id, now=NOW)
        _go_live(s, org)
        assert org.retailer_id is not None
        assert referrals.on_feed_finished(s, org.retailer_id, now=NOW) is None
        org_id = org.id
    with transaction(market.factory) as s:
        paid = referrals.on_approved(s, org_id, now=NOW)
        assert paid is not None and paid.outcome == "paid"
        assert loyal.balance(s, loyal.member_key) == 500  # the member's own account
        assert verify(s).ok


def test_the_events_through_the_bus_pay_once(market: Market) -> None:
    loyal = seed_loyalty(market)
    code = _seller_code(market, loyal)
    bus = subscribers.wire(market.factory, clock=lambda: NOW)
    with transaction(market.factory) as s:
        org = _recruit(s)
        referrals.record_signup(s, code, org.id, now=NOW)
        _go_live(s, org)
        org_id, retailer_id = org.id, org.retailer_id
    assert retailer_id is not None
    events = [
        OrganisationApproved(organisation_id=org_id),
        FeedRunFinished(run_id=1, retailer_id=retailer_id, status="succeeded", message=None),
    ]
    bus.deliver(events)
    bus.deliver(events)  # replayed
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 500
        assert (
            s.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "referral")) == 1
        )


def test_refusals_store_nothing(market: Market) -> None:
    loyal = seed_loyalty(market)
    code = _seller_code(market, loyal)
    with transaction(market.factory) as s:
        cases = [
            ("y" * 24, _recruit(s).id, "unknown_code"),
            (code, loyal.org_id, "self"),  # the referrer's own organisation
            (code, _recruit(s, status="active").id, "existing"),
            (code, _recruit(s, kind="clinic").id, "clinic"),
        ]
        old = _recruit(s)
        old.created_at = NOW - timedelta(days=30)  # registered long before this link
        cases.append((code, old.id, "existing"))
        for given, org_id, why in cases:
            with pytest.raises(ReferralRefused) as caught:
                referrals.record_signup(s, given, org_id, now=NOW)
            assert caught.value.code == why, why
        fresh = _recruit(s)
        referrals.record_signup(s, code, fresh.id, now=NOW)
        with pytest.raises(ReferralRefused) as caught:
            referrals.record_signup(s, code, fresh.id, now=NOW)
        assert caught.value.code == "referred"
        assert s.scalar(select(func.count()).select_from(Referral)) == 1


def test_referral_points_follow_the_limits(market: Market) -> None:
    loyal = seed_loyalty(market)
    code = _seller_code(market, loyal)
    with transaction(market.factory) as s:
        limits.set_limits(
            s, market.user(s, "admin"), loyal.programme_id, caps={}, approval_threshold=100, now=NOW
        )
        org = _recruit(s)
        referrals.record_signup(s, code, org.id, now=NOW)
        _go_live(s, org)
        referrals.on_approved(s, org.id, now=NOW)
        assert org.retailer_id is not None
        paid = referrals.on_feed_finished(s, org.retailer_id, now=NOW)
        assert paid is not None and paid.outcome == "held"  # 500 > 100: an admin decides
        assert loyal.balance(s, loyal.seller_key(s)) == 0
