"""Quizzes: built by an admin for the sponsor, taken by a participating seller, points once
on a pass, attempts limited, a draft from the catalogue's product data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import Manufacturer, Product, User
from loyalty import quizzes
from loyalty.errors import InvalidInput, NotAllowed, NotFound
from loyalty.ledger import verify
from loyalty.models import Entry, QuizAttempt
from loyalty.quizzes import (
    AttemptsUsed,
    ProductMaker,
    Question,
    draft_questions,
    gives_away,
    parse_questions,
    score,
)
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market

QUESTIONS: list[dict[str, Any]] = [
    {"text": "Vad är nitril?", "choices": ["Gummi", "Metall", "Trä"], "correct": [0]},
    {"text": "Välj två färger", "choices": ["Röd", "Bil", "Blå"], "correct": [0, 2]},
]
RIGHT = [[0], [0, 2]]


def test_parse_questions_names_the_bad_field() -> None:
    assert parse_questions(QUESTIONS)[1] == Question(
        "Välj två färger", ("Röd", "Bil", "Blå"), frozenset({0, 2})
    )
    cases = [
        ([], "questions"),
        ([{**QUESTIONS[0], "text": " "}], "questions[0].text"),
        ([QUESTIONS[0], {**QUESTIONS[1], "choices": ["A"]}], "questions[1].choices"),
        ([{**QUESTIONS[0], "choices": ["A", "A"]}], "questions[0].choices"),
        ([{**QUESTIONS[0], "correct": [3]}], "questions[0].correct"),
        ([{**QUESTIONS[0], "correct": []}], "questions[0].correct"),
        ([{**QUESTIONS[0], "correct": [True]}], "questions[0].correct"),
    ]
    for raw, field in cases:
        with pytest.raises(InvalidInput) as caught:
            parse_questions(raw)
        assert caught.value.field == field


def test_a_question_is_right_only_with_exactly_its_right_choices() -> None:
    parsed = parse_questions(QUESTIONS)
    assert score(parsed, RIGHT) == 2
    assert score(parsed, [[0], [0]]) == 1  # one of two right choices is wrong
    assert score(parsed, [[0, 1], [2, 0]]) == 1  # an extra choice is wrong; order no matter
    with pytest.raises(InvalidInput) as caught:
        score(parsed, [[0]])
    assert caught.value.field == "answers"
    with pytest.raises(InvalidInput) as caught:
        score(parsed, [[0], [9]])
    assert caught.value.field == "answers[1]"


def test_draft_asks_for_each_products_manufacturer_with_others_as_distractors() -> None:
    makers = [
        ProductMaker("Nitrilhandske M", "Dentsply"),
        ProductMaker("Komposit A2", "3M"),
        ProductMaker("Bonding", "Ivoclar"),
        ProductMaker("Nitrilhandske M", "Dentsply"),  # a duplicate: one question
        ProductMaker("Okänd", " "),  # no manufacturer: no question
    ]
    draft = draft_questions(makers, count=5, choices=3, seed=7)
    assert [q["text"] for q in draft] == [
        "Vilken tillverkare gör Nitrilhandske M?",
        "Vilken tillverkare gör Komposit A2?",
        "Vilken tillverkare gör Bonding?",
    ]
    for question, maker in zip(draft, ["Dentsply", "3M", "Ivoclar"], strict=True):
        assert len(question["choices"]) == 3 and len(set(question["choices"])) == 3
        assert question["choices"][question["correct"][0]] == maker
        assert set(question["choices"]) <= {"Dentsply", "3M", "Ivoclar"}
    assert draft == draft_questions(makers, count=5, choices=3, seed=7)  # the seed fixes it
    parse_questions(draft)  # a valid quiz as it stands
    english = draft_questions(makers, count=1, language="en")
    assert english[0]["text"] == "Which manufacturer makes Nitrilhandske M?"
    assert draft_questions([ProductMaker("X", "Only")]) == []  # nothing to tell apart


def test_draft_skips_products_whose_name_names_the_manufacturer() -> None:
    """The demo drafted "Which manufacturer makes Darby Dental Supply, LLC BARRIER
    ENVELOPES?" with DARBY DENTAL SUPPLY, LLC among the choices: a question that answers
    itself. Generic words ("Dental", "Inc") shared with the maker do not count."""
    assert gives_away("Darby Dental Supply, LLC BARRIER ENVELOPES", "DARBY DENTAL SUPPLY, LLC")
    assert gives_away("BioHorizons Tapered Pro Template", "BIOHORIZONS IMPLANT SYSTEMS, INC")
    assert gives_away("Visionary by 3D Dental Bitewing Ring", "3D DENTAL DESIGNS, LLC")
    assert not gives_away("Dental mirror, single-use", "YOUNG DENTAL MFG CO 1, LLC")
    assert not gives_away("Nitrilhandske M", "Dentsply")
    makers = [
        ProductMaker("Darby Dental Supply BARRIER ENVELOPES", "DARBY DENTAL SUPPLY, LLC"),
        ProductMaker("Nitrilhandske M", "Dentsply"),
        ProductMaker("Komposit A2", "3M"),
    ]
    draft = draft_questions(makers, count=5, choices=3, seed=1)
    assert [q["text"] for q in draft] == [
        "Vilken tillverkare gör Nitrilhandske M?",
        "Vilken tillverkare gör Komposit A2?",
    ]
    assert any("DARBY DENTAL SUPPLY, LLC" in q["choices"] for q in draft)  # a distractor still


def test_catalogue_makers_reads_products_with_their_manufacturer(market: Market) -> None:
    with transaction(market.factory) as s:
        maker = Manufacturer(name="Dentsply", name_key="dentsply")
        s.add(maker)
        s.flush()
        glove = s.get(Product, market.products["glove"])
        assert glove is not None
        glove.manufacturer_id = maker.id
        s.flush()
        assert quizzes.catalogue_makers(s) == [ProductMaker("Nitrilhandske M", "Dentsply")]


def _quiz(market: Market, loyal: Loyal, *, attempts: int = 2) -> int:
    with transaction(market.factory) as s:
        return quizzes.create_quiz(
            s,
            market.user(s, "admin"),
            loyal.programme_id,
            title="Handskar 101",
            questions=QUESTIONS,
            pass_mark=2,
            max_attempts=attempts,
            points=300,
            now=NOW,
        ).id


def test_passing_pays_once_and_closes_the_quiz(market: Market) -> None:
    loyal = seed_loyalty(market)
    quiz_id = _quiz(market, loyal)
    with transaction(market.factory) as s:
        seller = market.user(s, "tand_staff")
        failed = quizzes.submit(s, seller, quiz_id, [[1], [0, 2]], now=NOW)
        assert (failed.attempt.score, failed.attempt.passed, failed.points_paid) == (1, False, 0)
        assert failed.attempts_left == 1
        passed = quizzes.submit(s, seller, quiz_id, RIGHT, now=NOW)
        assert passed.attempt.passed and passed.points_paid == 300 and passed.attempts_left == 0
        with pytest.raises(AttemptsUsed):
            quizzes.submit(s, seller, quiz_id, RIGHT, now=NOW)
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 300
        assert s.scalar(select(func.count()).select_from(Entry)) == 1
        assert verify(s).ok


def test_attempts_are_limited(market: Market) -> None:
    loyal = seed_loyalty(market)
    quiz_id = _quiz(market, loyal, attempts=1)
    with transaction(market.factory) as s:
        seller = market.user(s, "tand_staff")
        quizzes.submit(s, seller, quiz_id, [[1], [1]], now=NOW)
        with pytest.raises(AttemptsUsed):
            quizzes.submit(s, seller, quiz_id, RIGHT, now=NOW)
        assert s.scalar(select(func.count()).select_from(QuizAttempt)) == 1
        assert s.scalar(select(func.count()).select_from(Entry)) == 0


def test_only_participants_take_quizzes_and_only_admins_build_them(market: Market) -> None:
    loyal = seed_loyalty(market)
    quiz_id = _quiz(market, loyal)
    with transaction(market.factory) as s:
        with pytest.raises(NotFound):  # the representative never accepted participant terms
            quizzes.submit(s, s.get_one(User, loyal.rep_id), quiz_id, RIGHT, now=NOW)
        with pytest.raises(NotAllowed):  # another retailer's staff: not a member
            quizzes.submit(s, market.user(s, "nord_staff"), quiz_id, RIGHT, now=NOW)
        with pytest.raises(NotAllowed):
            quizzes.create_quiz(
                s,
                market.user(s, "tand_staff"),
                loyal.programme_id,
                title="x",
                questions=QUESTIONS,
                pass_mark=1,
                max_attempts=1,
                points=1,
                now=NOW,
            )
        with pytest.raises(InvalidInput) as caught:
            quizzes.create_quiz(
                s,
                market.user(s, "admin"),
                loyal.programme_id,
                title="x",
                questions=QUESTIONS,
                pass_mark=3,
                max_attempts=1,
                points=1,
                now=NOW,
            )
        assert caught.value.field == "pass_mark"
