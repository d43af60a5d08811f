"""A seller's loyalty activities for their GDPR export (art. 15 and 20): the suggestions
they sent, the surveys they answered (their own answers), the retailers their referral link
recruited and the contest prizes they won. Read through their participations; nothing here
is written. After an erasure the participation no longer names the user, so the rows stay
with the member organisation, pseudonymised."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Organisation
from loyalty.engagement_models import (
    Contest,
    ContestResult,
    Referral,
    Suggestion,
    Survey,
    SurveyResponse,
)
from loyalty.models import Participant


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def activity_of(session: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """JSON-ready lists of the user's suggestions, survey answers, referrals and prizes."""
    mine = select(Participant.id).where(Participant.user_id == user_id)
    suggestions = [
        {
            "programme_id": s.programme_id,
            "title": s.title,
            "text": s.body,
            "status": s.status,
            "grade": s.grade,
            "points": s.points,
            "decision_reason": s.decision_reason,
            "created_at": _iso(s.created_at),
            "decided_at": _iso(s.decided_at),
        }
        for s in session.scalars(
            select(Suggestion).where(Suggestion.participant_id.in_(mine)).order_by(Suggestion.id)
        )
    ]
    answers = [
        {
            "survey": title,
            "programme_id": programme_id,
            "answers": r.answers,
            "at": _iso(r.created_at),
        }
        for r, title, programme_id in session.execute(
            select(SurveyResponse, Survey.title, Survey.programme_id)
            .join(Survey, Survey.id == SurveyResponse.survey_id)
            .where(SurveyResponse.participant_id.in_(mine))
            .order_by(SurveyResponse.id)
        )
    ]
    referrals = [
        {
            "programme_id": r.programme_id,
            "organisation": name,
            "created_at": _iso(r.created_at),
            "paid_at": _iso(r.paid_at),
            "points": r.points,
        }
        for r, name in session.execute(
            select(Referral, Organisation.name)
            .join(Organisation, Organisation.id == Referral.organisation_id)
            .where(Referral.participant_id.in_(mine))
            .order_by(Referral.id)
        )
    ]
    prizes = [
        {"contest": name, "rank": r.rank, "score": str(r.score), "points": r.prize_points}
        for r, name in session.execute(
            select(ContestResult, Contest.name)
            .join(Contest, Contest.id == ContestResult.contest_id)
            .where(ContestResult.participant_id.in_(mine))
            .order_by(ContestResult.id)
        )
    ]
    return {
        "suggestions": suggestions,
        "survey_answers": answers,
        "referrals": referrals,
        "contest_prizes": prizes,
    }
