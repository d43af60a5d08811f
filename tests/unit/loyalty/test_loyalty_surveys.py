"""Surveys: built and opened by the sponsor, answered once per seller (points once), and
results in aggregate only: counts, averages, free text without names, nothing broken down
below five respondents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import Organisation, User
from loyalty import programmes, surveys
from loyalty.enums import PARTICIPANT_TERMS_VERSION
from loyalty.errors import InvalidInput, NotAllowed, NotFound, WrongState
from loyalty.ledger import verify
from loyalty.models import Entry
from loyalty.surveys import AlreadyAnswered, SurveyQuestion, aggregate, check_answers
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market

QUESTIONS: list[dict[str, Any]] = [
    {"kind": "single", "text": "Bästa handsken?", "choices": ["Nitril", "Latex"]},
    {"kind": "multiple", "text": "Vad säljer ni?", "choices": ["Handskar", "Munskydd", "Sprit"]},
    {"kind": "scale", "text": "Hur nöjd är du?"},
    {"kind": "text", "text": "Något mer?"},
]


def test_questions_and_answers_are_checked_naming_the_field() -> None:
    parsed = surveys.parse_questions(QUESTIONS)
    assert parsed[2] == SurveyQuestion("scale", "Hur nöjd är du?")
    for raw, field in [
        ([], "questions"),
        ([{**QUESTIONS[0], "kind": "rank"}], "questions[0].kind"),
        ([{**QUESTIONS[0], "choices": ["A"]}], "questions[0].choices"),
        ([{**QUESTIONS[2], "choices": ["A", "B"]}], "questions[0].choices"),
        ([{**QUESTIONS[3], "text": ""}], "questions[0].text"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            surveys.parse_questions(raw)
        assert caught.value.field == field
    assert check_answers(parsed, [1, [2, 0, 2], 4, " bra "]) == [1, [0, 2], 4, "bra"]
    for answers, field in [
        ([0, [0], 3], "answers"),
        ([2, [0], 3, ""], "answers[0]"),
        ([0, [], 3, ""], "answers[1]"),
        ([0, [0], 6, ""], "answers[2]"),
        ([0, [0], True, ""], "answers[2]"),
        ([0, [0], 3, "x" * 2001], "answers[3]"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            check_answers(parsed, answers)
        assert caught.value.field == field


def test_aggregate_counts_averages_and_sorts_free_text() -> None:
    parsed = surveys.parse_questions(QUESTIONS)
    found = aggregate(parsed, [[0, [0, 1], 5, "Zebra"], [1, [0], 4, ""], [0, [2], 4, "Apa"]])
    assert found[0].counts == [("Nitril", 2), ("Latex", 1)]
    assert found[1].counts == [("Handskar", 2), ("Munskydd", 1), ("Sprit", 1)]
    assert found[2].average == Decimal("4.33") and found[2].counts[3] == ("4", 2)
    assert found[3].texts == ["Apa", "Zebra"]  # alphabetical, never in the order given


def _survey(market: Market, loyal: Loyal, *, points: int = 20) -> int:
    with transaction(market.factory) as s:
        admin = market.user(s, "admin")
        survey = surveys.create_survey(
            s,
            admin,
            loyal.programme_id,
            title="Handskenkät",
            questions=QUESTIONS,
            points=points,
            now=NOW,
        )
        assert survey.status == "draft"
        surveys.set_status(s, admin, survey.id, to="open", now=NOW)
        return survey.id


def _sellers(market: Market, loyal: Loyal, n: int) -> list[int]:
    """``n`` more sellers of tandab taking part."""
    ids = []
    with transaction(market.factory) as s:
        rep = s.get_one(User, loyal.rep_id)
        org = s.get_one(Organisation, loyal.org_id)
        for i in range(n):
            user = User(
                email=f"s{i}@tand.se",
                name=f"Säljare {i}",
                role="retailer",
                retailer_id=org.retailer_id,
                organisation_id=org.id,
                org_role="staff",
                password_hash="x",
            )
            s.add(user)
            s.flush()
            programmes.invite(s, rep, loyal.programme_id, user.id, now=NOW)
            programmes.accept_participant_terms(
                s, user, loyal.programme_id, PARTICIPANT_TERMS_VERSION, now=NOW
            )
            ids.append(user.id)
    return ids


def test_answering_pays_once_and_a_second_answer_is_refused(market: Market) -> None:
    loyal = seed_loyalty(market)
    sid = _survey(market, loyal)
    with transaction(market.factory) as s:
        seller = s.get_one(User, loyal.seller_id)
        done = surveys.answer(s, seller, sid, [0, [1], 5, "Bra"], now=NOW)
        assert done.points_paid == 20
    with transaction(market.factory) as s:
        seller = s.get_one(User, loyal.seller_id)
        with pytest.raises(AlreadyAnswered):
            surveys.answer(s, seller, sid, [1, [0], 1, ""], now=NOW)
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 20
        entry = s.scalars(select(Entry).where(Entry.kind == "survey")).one()
        assert entry.idempotency_key.startswith(f"survey:{sid}:")
        admin = market.user(s, "admin")
        surveys.set_status(s, admin, sid, to="closed", now=NOW)
        with pytest.raises(WrongState):
            surveys.set_status(s, admin, sid, to="closed", now=NOW)
        with pytest.raises(NotFound):  # closed: no more answers
            surveys.answer(s, s.get_one(User, loyal.rep_id), sid, [0, [0], 3, ""], now=NOW)
        assert verify(s).ok


def test_results_are_aggregate_and_suppressed_below_five(market: Market) -> None:
    loyal = seed_loyalty(market)
    sid = _survey(market, loyal, points=0)
    sellers = [loyal.seller_id, *_sellers(market, loyal, 4)]
    for i, uid in enumerate(sellers):
        with transaction(market.factory) as s:
            answers = [i % 2, [0], 1 + i, f"Svar {i}" if i < 2 else ""]
            surveys.answer(s, s.get_one(User, uid), sid, answers, now=NOW)
            if i == 3:  # four respondents: only the count
                few = surveys.results(s, market.user(s, "admin"), sid)
                assert few.suppressed and few.respondents == 4 and few.questions == []
    with transaction(market.factory) as s:
        with pytest.raises(NotAllowed):  # the sponsor's (admins') only
            surveys.results(s, s.get_one(User, loyal.rep_id), sid)
        found = surveys.results(s, market.user(s, "admin"), sid)
        assert not found.suppressed and found.respondents == 5
        assert found.questions[0].counts == [("Nitril", 3), ("Latex", 2)]
        assert found.questions[2].average == Decimal("3.00")
        assert found.questions[3].texts == ["Svar 0", "Svar 1"]
        # nothing in the results names a respondent
        names = {u.name for u in s.scalars(select(User).where(User.id.in_(sellers)))}
        assert not any(n in repr(found.questions) for n in names)
        assert s.scalar(select(func.count()).select_from(Entry)) == 0  # 0 points: no entries
