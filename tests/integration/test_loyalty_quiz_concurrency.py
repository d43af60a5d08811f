"""A quiz submitted by one seller from several threads at once (a double click, two tabs)
on PostgreSQL and SQLite: at most max_attempts attempts are stored and a pass pays once;
the leaderboards' one statement and the month's awards on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import User
from loyalty import awards, programmes, quizzes
from loyalty.enums import PARTICIPANT_TERMS_VERSION
from loyalty.errors import LoyaltyError
from loyalty.leaderboards import Board, Period, month_of, month_period, standings
from loyalty.ledger import verify
from loyalty.models import Entry, QuizAttempt
from tests.integration.test_loyalty_concurrency import (  # noqa: F401 - the fixture
    NOW,
    THREADS,
    _at_once,
    _seed,
    factory,
)

QUESTIONS = [{"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [0]}]


def test_a_quiz_submitted_in_parallel_pays_once(factory: sessionmaker[Session]) -> None:  # noqa: F811
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
        quiz_id = quizzes.create_quiz(
            s,
            admin,
            programme,
            title="Handskar",
            questions=QUESTIONS,
            pass_mark=1,
            max_attempts=2,
            points=100,
            now=NOW,
        ).id
        seller_id = seller.id

    def take(_i: int) -> int:
        with transaction(factory) as s:
            return quizzes.submit(
                s, s.get_one(User, seller_id), quiz_id, [[0]], now=NOW
            ).points_paid

    results = _at_once(THREADS, take)
    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, LoyaltyError)
    ]
    assert not unexpected, results
    assert sum(r for r in results if isinstance(r, int)) == 100
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(Entry)) == 1
        assert (s.scalar(select(func.count()).select_from(QuizAttempt)) or 0) <= 2
        assert verify(s).ok
        for board in (Board.SELLERS, Board.STORES):
            (place,) = standings(s, programme, board, month_period(month_of(NOW)), top=5)
            assert (place.rank, place.points) == (1, 100)
        ever = standings(s, programme, Board.SELLERS, Period("all", None, None), top=1)
        assert [p.name for p in ever] == ["Olle"]
        later = NOW + timedelta(days=40)
        assert awards.award_finished_months(s, now=later) == 2
    with transaction(factory) as s:
        assert awards.award_finished_months(s, now=later) == 0


def test_parallel_credits_of_one_seller_never_pass_the_cap(
    factory: sessionmaker[Session],  # noqa: F811
) -> None:
    from loyalty import limits
    from loyalty.enums import AccountKind

    programme, _sponsor, member, _shop, _retailer = _seed(factory)
    with transaction(factory) as s:
        admin = User(email="ada@valbar.se", name="Ada", role="admin", password_hash="x")
        s.add(admin)
        s.flush()
        limits.set_limits(
            s,
            admin,
            programme,
            caps={"sale": {"day": 100}},
            approval_threshold=None,
            now=NOW,
        )
        from loyalty.models import Account

        account = s.get_one(Account, member)
        # caps bind sellers: make the member's account stand for a seller in this test
        account.kind = AccountKind.SELLER.value

    def earn(i: int) -> int:
        with transaction(factory) as s:
            from loyalty.models import Account

            target = s.get_one(Account, member)
            return limits.credit(
                s,
                programme_id=programme,
                destination=target,
                points=30,
                kind="sale",
                reason="test",
                idempotency_key=f"cap-{i}",
                now=NOW,
            ).points

    results = _at_once(THREADS, earn)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r for r in results if isinstance(r, int)) == 100
    with transaction(factory) as s:
        assert verify(s).ok
