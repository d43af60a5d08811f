"""Recruiting, suggestions, surveys and contests under concurrency on PostgreSQL (and
SQLite): a referral's two events handled by many threads at once pay once; an accepted
suggestion decided by many admins at once pays once; a survey answered from many threads
is stored and paid once; a contest closed by many runs at once pays its prizes once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import Offer, Organisation, Retailer, User
from loyalty import contests, programmes, referrals, suggestions, surveys
from loyalty.engagement_models import ContestResult, SurveyResponse
from loyalty.enums import PARTICIPANT_TERMS_VERSION, AccountKind, EntryKind
from loyalty.errors import LoyaltyError
from loyalty.ledger import ensure_account, transfer, verify
from loyalty.models import Entry
from tests.integration.test_loyalty_concurrency import (  # noqa: F401 - the fixture
    NOW,
    THREADS,
    _at_once,
    _seed,
    factory,
)


def _people(factory: sessionmaker[Session]) -> tuple[int, int, int]:  # noqa: F811
    """(programme, the seller Olle taking part, an admin)."""
    programme, _sponsor, _member, _shop, retailer = _seed(factory)
    with transaction(factory) as s:
        rep = s.scalar(select(User).where(User.email == "rep@tand.se"))
        assert rep is not None
        seller = User(
            email="olle@tand.se",
            name="Olle",
            role="retailer",
            retailer_id=retailer,
            organisation_id=rep.organisation_id,
            org_role="staff",
            password_hash="x",
        )
        admin = User(email="ada@valbar.se", name="Ada", role="admin", password_hash="x")
        s.add_all([seller, admin])
        s.flush()
        programmes.invite(s, rep, programme, seller.id, now=NOW)
        programmes.accept_participant_terms(
            s, seller, programme, PARTICIPANT_TERMS_VERSION, now=NOW
        )
        return programme, seller.id, admin.id


def _only_refusals(results: list[object]) -> list[object]:
    return [r for r in results if isinstance(r, BaseException) and not isinstance(r, LoyaltyError)]


def _entries(factory: sessionmaker[Session], kind: str) -> int:  # noqa: F811
    with transaction(factory) as s:
        assert verify(s).ok
        return int(s.scalar(select(func.count()).select_from(Entry).where(Entry.kind == kind)) or 0)


def test_a_referrals_events_at_once_pay_once(factory: sessionmaker[Session]) -> None:  # noqa: F811
    programme, seller_id, _admin = _people(factory)
    with transaction(factory) as s:
        code = referrals.my_code(s, s.get_one(User, seller_id), programme, now=NOW).code
        retailer = Retailer(slug="nytand", name="Ny Tand")
        s.add(retailer)
        s.flush()
        org = Organisation(
            kind="retailer",
            name="Ny Tand AB",
            org_number="559900-0001",
            status="pending",
            retailer_id=retailer.id,
            created_at=NOW,
        )
        s.add(org)
        s.flush()
        referrals.record_signup(s, code, org.id, now=NOW)
        s.add(Offer(retailer_id=retailer.id, sku="A", raw_name="Handske", content_hash="h"))
        org_id, retailer_id = org.id, retailer.id

    def handle(i: int) -> None:
        with transaction(factory) as s:
            if i % 2:
                referrals.on_approved(s, org_id, now=NOW)
            else:
                referrals.on_feed_finished(s, retailer_id, now=NOW)

    results = _at_once(THREADS, handle)
    assert not _only_refusals(results), results
    assert _entries(factory, "referral") == 1


def test_a_suggestion_accepted_at_once_pays_once(factory: sessionmaker[Session]) -> None:  # noqa: F811
    programme, seller_id, admin_id = _people(factory)
    with transaction(factory) as s:
        sid = suggestions.submit(
            s, s.get_one(User, seller_id), programme, title="Fler storlekar", text="XS", now=NOW
        ).id

    def accept(_i: int) -> int:
        with transaction(factory) as s:
            done = suggestions.decide(
                s, s.get_one(User, admin_id), sid, accept=True, grade="large", reason="", now=NOW
            )
            return done.credit.points if done.credit is not None else 0

    results = _at_once(THREADS, accept)
    assert not _only_refusals(results), results
    assert sum(r for r in results if isinstance(r, int)) == 1000
    assert _entries(factory, "suggestion") == 1


def test_a_suggestion_sent_twice_at_once_is_stored_once(factory: sessionmaker[Session]) -> None:  # noqa: F811
    programme, seller_id, _admin = _people(factory)

    def send(_i: int) -> int:
        with transaction(factory) as s:
            return suggestions.submit(
                s, s.get_one(User, seller_id), programme, title="Samma", text="idé", now=NOW
            ).id

    results = _at_once(THREADS, send)
    assert not _only_refusals(results), results
    assert len({r for r in results if isinstance(r, int)}) == 1


def test_a_survey_answered_at_once_is_stored_and_paid_once(factory: sessionmaker[Session]) -> None:  # noqa: F811
    programme, seller_id, admin_id = _people(factory)
    with transaction(factory) as s:
        admin = s.get_one(User, admin_id)
        sid = surveys.create_survey(
            s,
            admin,
            programme,
            title="Enkät",
            questions=[{"kind": "scale", "text": "Nöjd?"}],
            points=30,
            now=NOW,
        ).id
        surveys.set_status(s, admin, sid, to="open", now=NOW)

    def answer(_i: int) -> int:
        with transaction(factory) as s:
            return surveys.answer(s, s.get_one(User, seller_id), sid, [4], now=NOW).points_paid

    results = _at_once(THREADS, answer)
    assert not _only_refusals(results), results
    assert sum(r for r in results if isinstance(r, int)) == 30
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert _entries(factory, "survey") == 1


def test_a_contest_closed_at_once_pays_once(factory: sessionmaker[Session]) -> None:  # noqa: F811
    programme, seller_id, admin_id = _people(factory)
    with transaction(factory) as s:
        membership = s.scalar(select(Organisation.id).where(Organisation.name == "Tand AB"))
        assert membership is not None
        member = programmes.membership_of(s, programme, membership)
        assert member is not None
        participant = programmes.active_participant(s, member.id, seller_id)
        assert participant is not None
        seller = ensure_account(
            s, programme, AccountKind.SELLER, membership_id=member.id, participant_id=participant.id
        )
        sponsor = ensure_account(s, programme, AccountKind.SPONSOR)
        transfer(
            s,
            programme_id=programme,
            source_id=sponsor.id,
            destination_id=seller.id,
            points=100,
            kind=EntryKind.SALE.value,
            reason="sale",
            idempotency_key="sale:x",
            now=NOW,
        )
        contests.create_contest(
            s,
            s.get_one(User, admin_id),
            programme,
            name="Race",
            metric="sale_points",
            audience="sellers",
            starts_at=NOW - timedelta(days=1),
            ends_at=NOW + timedelta(hours=1),
            prizes=[700],
            now=NOW,
        )
    later = NOW + timedelta(hours=2)

    def close(_i: int) -> int:
        with transaction(factory) as s:
            return contests.close_finished(s, now=later)

    results = _at_once(THREADS, close)
    assert not _only_refusals(results), results
    assert sum(r for r in results if isinstance(r, int)) == 1
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(ContestResult)) == 1
    assert _entries(factory, "contest") == 1
