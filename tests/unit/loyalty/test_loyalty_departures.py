"""A seller removed from the member organisation: the participation ends (kept, marked),
the sub-account's points move to the member's account once (a replayed MemberRemoved moves
nothing more), and the seller leaves the participant list and the sellers' leaderboard."""

from __future__ import annotations

from sqlalchemy import func, select

from catalog.db import transaction
from catalog.events import EventBus, MemberRemoved, attach
from catalog.models import Organisation, User
from loyalty import programmes, subscribers
from loyalty.enums import PARTICIPANT_TERMS_VERSION, SELLER_LEFT_ENTRY
from loyalty.leaderboards import leaderboard
from loyalty.ledger import verify
from loyalty.models import Entry, Participant
from marketplace import organisations
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.loyalty.test_loyalty_earning import _delivered_order
from tests.unit.marketplace.mp_support import NOW, Market

EARNED = 2 * (2 * 99 + 450)


def _wired(market: Market) -> EventBus:
    bus = EventBus()
    attach(market.factory, bus)
    subscribers.wire(market.factory, clock=lambda: NOW)
    return bus


def _earned_then_removed(market: Market) -> tuple[Loyal, EventBus, str]:
    loyal = seed_loyalty(market)
    bus = _wired(market)
    _delivered_order(market)
    with transaction(market.factory) as s:
        seller_key = loyal.seller_key(s)
        assert loyal.balance(s, seller_key) == EARNED
        org = s.get(Organisation, loyal.org_id)
        assert org is not None
        organisations.remove_member(
            s, org, loyal.seller_id, actor=s.get(User, loyal.rep_id), channel="api", now=NOW
        )
    assert bus.failures == 0
    return loyal, bus, seller_key


def test_a_removed_sellers_points_go_to_the_member_and_the_participation_ends(
    market: Market,
) -> None:
    loyal, _bus, seller_key = _earned_then_removed(market)
    with transaction(market.factory) as s:
        assert loyal.balance(s, seller_key) == 0
        assert loyal.balance(s, loyal.member_key) == EARNED
        moved = s.scalars(select(Entry).where(Entry.kind == SELLER_LEFT_ENTRY)).all()
        assert [e.points for e in moved] == [EARNED]
        (kept,) = s.scalars(select(Participant)).all()  # marked, not deleted
        assert kept.user_id == loyal.seller_id and kept.ended_at is not None
        rep = s.get(User, loyal.rep_id)
        assert programmes.participants(s, rep, loyal.programme_id) == []
        assert programmes.active_participant(s, loyal.membership_id, loyal.seller_id) is None
        board = leaderboard(s, rep, loyal.programme_id, "sellers", "all", now=NOW)
        assert board.places == []
        stores = leaderboard(s, rep, loyal.programme_id, "stores", "all", now=NOW)
        assert [p.points for p in stores.places] == [EARNED]  # the store keeps its place
        assert verify(s).ok


def test_a_replayed_member_removed_moves_nothing_more(market: Market) -> None:
    loyal, bus, seller_key = _earned_then_removed(market)
    event = MemberRemoved(organisation_id=loyal.org_id, user_id=loyal.seller_id)
    bus.deliver([event])
    bus.deliver([event])
    assert bus.failures == 0
    with transaction(market.factory) as s:
        count = s.scalar(
            select(func.count()).select_from(Entry).where(Entry.kind == SELLER_LEFT_ENTRY)
        )
        assert count == 1
        assert loyal.balance(s, loyal.member_key) == EARNED
        assert loyal.balance(s, seller_key) == 0
        assert verify(s).ok


def test_a_seller_invited_again_accepts_the_terms_again(market: Market) -> None:
    loyal, _bus, _key = _earned_then_removed(market)
    with transaction(market.factory) as s:
        seller = s.get(User, loyal.seller_id)
        assert seller is not None
        seller.active, seller.organisation_id, seller.org_role = True, loyal.org_id, "staff"
        rep = s.get(User, loyal.rep_id)
        participant, created = programmes.invite(
            s, rep, loyal.programme_id, loyal.seller_id, now=NOW
        )
        assert created and participant.ended_at is None
        assert participant.terms_accepted_at is None
        programmes.accept_participant_terms(
            s, seller, loyal.programme_id, PARTICIPANT_TERMS_VERSION, now=NOW
        )
        assert [p.user_id for p in programmes.participants(s, rep, loyal.programme_id)] == [
            loyal.seller_id
        ]
