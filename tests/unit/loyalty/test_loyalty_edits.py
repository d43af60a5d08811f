"""Editing a quiz and a campaign never changes what was scored or paid: a quiz changes freely
until someone attempts it, then only its wording; a campaign changes freely until it starts,
then only its name and its end (not into the past), after its end only its name."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import AuditEntry, User
from loyalty import campaigns, quizzes
from loyalty.campaigns import CampaignStarted
from loyalty.errors import InvalidInput, NotAllowed
from loyalty.models import Campaign, Quiz
from loyalty.quizzes import QuizAttempted
from marketplace.dates import as_utc
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market

QUESTIONS = [{"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [0]}]


def _quiz(market: Market, loyal: Loyal) -> int:
    with transaction(market.factory) as s:
        return quizzes.create_quiz(
            s,
            market.user(s, "admin"),
            loyal.programme_id,
            title="Nitril",
            questions=QUESTIONS,
            pass_mark=1,
            max_attempts=2,
            points=40,
            now=NOW,
        ).id


def _edit_quiz(market: Market, quiz: int, **change: Any) -> Quiz:
    fields: dict[str, Any] = {
        "title": "Nitril",
        "questions": QUESTIONS,
        "pass_mark": 1,
        "max_attempts": 2,
        "points": 40,
        "active": True,
    } | change
    with transaction(market.factory) as s:
        return quizzes.update_quiz(s, market.user(s, "admin"), quiz, now=NOW, **fields)


def test_a_quiz_changes_freely_until_it_is_attempted_then_only_its_wording(
    market: Market,
) -> None:
    loyal = seed_loyalty(market)
    quiz = _quiz(market, loyal)
    two = [*QUESTIONS, {"text": "Latex?", "choices": ["Ja", "Nej", "Kanske"], "correct": [1]}]
    _edit_quiz(market, quiz, questions=two, pass_mark=2, points=60, max_attempts=3)
    with transaction(market.factory) as s:
        seller = s.get_one(User, loyal.seller_id)
        result = quizzes.submit(s, seller, quiz, [[0], [1]], now=NOW)
        assert result.attempt.score == 2 and result.points_paid == 60
    for change in (
        {"questions": two, "pass_mark": 1},
        {"questions": two, "pass_mark": 2, "points": 100, "max_attempts": 3},
        {"questions": two[:1], "pass_mark": 1, "points": 60, "max_attempts": 3},
        {
            "questions": [two[0], {**two[1], "correct": [0]}],
            "pass_mark": 2,
            "points": 60,
            "max_attempts": 3,
        },
        {
            "questions": [two[0], {**two[1], "choices": ["Ja", "Nej", "Ibland"]}],
            "pass_mark": 2,
            "points": 60,
            "max_attempts": 3,
        },
    ):
        with pytest.raises(QuizAttempted):
            _edit_quiz(market, quiz, **change)
    reworded = [{**two[0], "text": "Vad är nitril?"}, two[1]]
    saved = _edit_quiz(
        market,
        quiz,
        title="Nitril och latex",
        questions=reworded,
        pass_mark=2,
        points=60,
        max_attempts=3,
        active=False,
    )
    assert saved.title == "Nitril och latex" and not saved.active
    with transaction(market.factory) as s:
        stored = s.get_one(Quiz, quiz)
        assert stored.questions[0]["text"] == "Vad är nitril?" and stored.points == 60
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.target_kind == "loyalty_quiz")
        ).all()
        assert actions.count("loyalty.quiz.update") == 2
        with pytest.raises(NotAllowed):
            quizzes.update_quiz(
                s,
                s.get_one(User, loyal.rep_id),  # a retailer's representative
                quiz,
                title="x",
                questions=QUESTIONS,
                pass_mark=1,
                max_attempts=1,
                points=1,
                active=True,
                now=NOW,
            )


def _campaign(market: Market, loyal: Loyal, starts: timedelta, ends: timedelta) -> int:
    with transaction(market.factory) as s:
        return campaigns.create_campaign(
            s,
            market.user(s, "admin"),
            loyal.programme_id,
            name="Handskveckan",
            multiplier="2",
            target_kind="category",
            target_value="Handskar",
            starts_at=NOW + starts,
            ends_at=NOW + ends,
            now=NOW,
        ).id


def _edit_campaign(market: Market, campaign: int, **change: Any) -> Campaign:
    with transaction(market.factory) as s:
        found = s.get_one(Campaign, campaign)
        fields: dict[str, Any] = {
            "name": found.name,
            "multiplier": found.multiplier,
            "target_kind": found.target_kind,
            "target_value": found.target_value,
            "starts_at": as_utc(found.starts_at),
            "ends_at": as_utc(found.ends_at),
        } | change
        return campaigns.update_campaign(s, market.user(s, "admin"), campaign, now=NOW, **fields)


def test_a_campaign_before_its_start_changes_freely_but_not_into_the_past(
    market: Market,
) -> None:
    loyal = seed_loyalty(market)
    campaign = _campaign(market, loyal, timedelta(days=1), timedelta(days=8))
    saved = _edit_campaign(
        market,
        campaign,
        multiplier="3",
        target_kind="brand",
        target_value="Acme",
        starts_at=NOW + timedelta(days=2),
    )
    assert saved.multiplier == Decimal(3) and saved.target_value == "Acme"
    with pytest.raises(InvalidInput) as caught:
        _edit_campaign(market, campaign, starts_at=NOW - timedelta(days=1))
    assert caught.value.field == "starts_at"


def test_a_running_campaign_keeps_what_paid_points_and_an_ended_one_all_but_its_name(
    market: Market,
) -> None:
    loyal = seed_loyalty(market)
    running = _campaign(market, loyal, -timedelta(days=1), timedelta(days=6))
    for change in (
        {"multiplier": "3"},
        {"target_value": "Instrument"},
        {"starts_at": NOW - timedelta(days=3)},
    ):
        with pytest.raises(CampaignStarted):
            _edit_campaign(market, running, **change)
    with pytest.raises(InvalidInput) as caught:
        _edit_campaign(market, running, ends_at=NOW - timedelta(hours=1))
    assert caught.value.field == "ends_at"
    ended_now = _edit_campaign(market, running, name="Handskveckan (kort)", ends_at=NOW)
    assert ended_now.name == "Handskveckan (kort)"
    with pytest.raises(CampaignStarted):  # ended: the end stays
        _edit_campaign(market, running, ends_at=NOW + timedelta(days=3))
    assert _edit_campaign(market, running, name="Handskveckan 2026").name == "Handskveckan 2026"
    with transaction(market.factory) as s:
        assert campaigns.running(s, loyal.programme_id, NOW) == []
        updates = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "loyalty.campaign.update")
        ).all()
        assert len(updates) == 2 and "ends_at" in updates[0].detail
