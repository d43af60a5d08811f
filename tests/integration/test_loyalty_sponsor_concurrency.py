"""Writes a programme's manager makes, under concurrency on PostgreSQL (and SQLite):
parallel clawbacks of one credit never take back more than it paid nor take an account
below zero, a partial clawback racing a refund reverses the credit once in all, and a quiz
edit racing an attempt never scores the attempt on a mix of versions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import User
from loyalty import earning, limits, quizzes
from loyalty.enums import EntryKind
from loyalty.errors import InsufficientPoints
from loyalty.ledger import balance, transfer, verify
from loyalty.models import Entry, QuizAttempt
from loyalty.quizzes import QuizAttempted
from tests.factories import migrated_factory
from tests.integration.conftest import pg_schema
from tests.integration.test_loyalty_concurrency import NOW, THREADS, _at_once, _seed

pytestmark = pytest.mark.integration


@pytest.fixture(params=["postgresql", "sqlite"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        yield migrated_factory(f"sqlite:///{tmp_path / 'sponsor.sqlite3'}")
        return
    with pg_schema() as url:
        yield migrated_factory(url)


def _admin(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as s:
        admin = User(email="ada@valbar.se", name="Ada", role="admin", password_hash="x")
        s.add(admin)
        s.flush()
        return admin.id


def _credit(
    factory: sessionmaker[Session], programme: int, sponsor: int, member: int, points: int
) -> int:
    with transaction(factory) as s:
        entry, _ = transfer(
            s,
            programme_id=programme,
            source_id=sponsor,
            destination_id=member,
            points=points,
            kind=EntryKind.SALE.value,
            reason="order 4242 line 1 delivered",
            idempotency_key="sale:4242:1",
            now=NOW,
            order_id=4242,
            order_line_id=1,
        )
        return entry.id


def _claw(factory: sessionmaker[Session], admin: int, entry: int, points: int | None) -> int:
    with transaction(factory) as s:
        reversal, _created = limits.clawback(
            s, s.get_one(User, admin), entry, reason="fusk", points=points, now=NOW
        )
        return reversal.points


def _reversed(factory: sessionmaker[Session], entry: int) -> int:
    with transaction(factory) as s:
        return limits.reversed_points(s, entry)


def test_parallel_partial_clawbacks_never_take_back_more_than_the_credit(
    factory: sessionmaker[Session],
) -> None:
    programme, sponsor, member, _shop, _retailer = _seed(factory)
    admin = _admin(factory)
    entry = _credit(factory, programme, sponsor, member, 100)
    results = _at_once(THREADS, lambda _i: _claw(factory, admin, entry, 30))
    taken = [r for r in results if r == 30]
    too_large = [r for r in results if isinstance(r, limits.ClawbackTooLarge)]
    assert len(taken) == 3 and len(too_large) == THREADS - 3, results
    assert _reversed(factory, entry) == 90
    with transaction(factory) as s:
        assert balance(s, member) == 10
        assert verify(s).ok


def test_parallel_clawbacks_never_take_an_account_below_zero(
    factory: sessionmaker[Session],
) -> None:
    programme, sponsor, member, shop, _retailer = _seed(factory)
    admin = _admin(factory)
    entry = _credit(factory, programme, sponsor, member, 100)
    with transaction(factory) as s:  # the member spent 70 of it
        transfer(
            s,
            programme_id=programme,
            source_id=member,
            destination_id=shop,
            points=70,
            kind=EntryKind.REDEMPTION.value,
            reason="shop",
            idempotency_key="spend",
            now=NOW,
        )
    results = _at_once(THREADS, lambda _i: _claw(factory, admin, entry, 20))
    assert results.count(20) == 1, results
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert len(refused) == THREADS - 1, results
    assert all("the points of Tand AB (organisation" in str(r) for r in refused), refused
    assert all(f"p{programme}:" not in str(r) for r in refused)  # never the internal key
    with transaction(factory) as s:
        assert balance(s, member) == 10
        assert verify(s).ok


def test_a_partial_clawback_racing_a_refund_reverses_the_credit_once(
    factory: sessionmaker[Session],
) -> None:
    programme, sponsor, member, _shop, _retailer = _seed(factory)
    admin = _admin(factory)
    entry = _credit(factory, programme, sponsor, member, 100)

    def work(i: int) -> object:
        if i % 2:
            return _claw(factory, admin, entry, 40)
        with transaction(factory) as s:
            return earning.reverse_lines(s, 4242, [1], "RMA refunded", now=NOW)

    results = _at_once(4, work)
    assert not [
        r
        for r in results
        if isinstance(r, Exception) and not isinstance(r, limits.ClawbackTooLarge)
    ], results
    assert _reversed(factory, entry) == 100  # whole, never more
    with transaction(factory) as s:
        assert balance(s, member) == 0
        assert (
            s.scalar(
                select(func.count())
                .select_from(Entry)
                .where(Entry.idempotency_key == f"clawback:{entry}")
            )
            == 1
        )
        assert verify(s).ok


def test_a_quiz_edit_racing_an_attempt_never_scores_on_a_mix(
    factory: sessionmaker[Session],
) -> None:
    from loyalty import programmes
    from loyalty.enums import PARTICIPANT_TERMS_VERSION

    programme, _sponsor, _member, _shop, _retailer = _seed(factory)
    admin = _admin(factory)
    with transaction(factory) as s:
        rep = s.scalar(select(User).where(User.email == "rep@tand.se"))
        assert rep is not None
        programmes.invite(s, rep, programme, rep.id, now=NOW)
        programmes.accept_participant_terms(s, rep, programme, PARTICIPANT_TERMS_VERSION, now=NOW)
        quiz = quizzes.create_quiz(
            s,
            s.get_one(User, admin),
            programme,
            title="Nitril",
            questions=[{"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [0]}],
            pass_mark=1,
            max_attempts=3,
            points=10,
            now=NOW,
        ).id
        rep_id = rep.id

    def work(i: int) -> object:
        with transaction(factory) as s:
            if i == 0:  # the answer key changes: allowed only before any attempt
                return quizzes.update_quiz(
                    s,
                    s.get_one(User, admin),
                    quiz,
                    title="Nitril",
                    questions=[
                        {"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [1]}
                    ],
                    pass_mark=1,
                    max_attempts=3,
                    points=10,
                    active=True,
                    now=NOW,
                ).id
            return quizzes.submit(s, s.get_one(User, rep_id), quiz, [[0]], now=NOW).attempt.score

    edit, score = _at_once(2, work)
    with transaction(factory) as s:
        attempt = s.scalar(select(QuizAttempt).where(QuizAttempt.quiz_id == quiz))
        assert attempt is not None
        if isinstance(edit, QuizAttempted):  # the attempt came first: scored on the old key
            assert score == attempt.score == 1
        else:  # the edit came first: the attempt was scored on the new key
            assert edit == quiz and score == attempt.score == 0, (edit, score)
