"""Loyalty activities beyond sales and quizzes as the API shows them: referral links and
recruited retailers, improvement suggestions, surveys (results in aggregate only) and sales
contests with their standings."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime

Grade = Literal["small", "medium", "large"]


class EngagementSettingsBody(BaseModel):
    referral_points: int = Field(
        ge=0, le=1_000_000, description="Points for a recruited retailer (0: none)."
    )
    suggestion_points: dict[Grade, int] = Field(
        description="Points per grade of an accepted suggestion (1-1000000 each, all three).",
        examples=[{"small": 100, "medium": 300, "large": 1000}],
    )


class ReferralPublic(BaseModel):
    organisation: str
    created_at: UtcDatetime
    approved_at: UtcDatetime | None
    live_at: UtcDatetime | None = Field(description="When its first feed put offers live.")
    paid_at: UtcDatetime | None
    outcome: str | None = Field(description="paid, held (for approval), capped or none.")
    points: int | None


class ReferralLink(BaseModel):
    programme_id: int
    code: str
    link: str = Field(description="The retailer sign-up page with this code.")
    for_seller: bool = Field(description="A seller's own link (else the member's).")
    referrals: list[ReferralPublic]


class SuggestionIn(BaseModel):
    title: str = Field(min_length=1, max_length=200, examples=["Fler handskstorlekar"])
    text: str = Field(min_length=1, max_length=4000, examples=["XS saknas ofta."])


class SuggestionPublic(BaseModel):
    id: int
    programme_id: int
    title: str
    text: str
    status: Literal["submitted", "accepted", "declined"]
    grade: Grade | None
    points: int | None
    decision_reason: str | None
    decided_at: UtcDatetime | None
    created_at: UtcDatetime
    seller: str | None = Field(default=None, description="Shown to admins.")
    store: str | None = Field(default=None, description="Shown to admins.")


class AcceptIn(BaseModel):
    grade: Grade
    reason: str = Field(default="", max_length=1000)


class DeclineIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class SurveyQuestionIn(BaseModel):
    kind: Literal["single", "multiple", "scale", "text"]
    text: str = Field(min_length=1, max_length=500)
    choices: list[str] | None = Field(
        default=None, max_length=10, description="2-10 choices: single and multiple only."
    )


class SurveyCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200, examples=["Handskenkäten"])
    questions: list[SurveyQuestionIn] = Field(min_length=1, max_length=30)
    points: int = Field(ge=0, le=100_000, description="Points for answering (once).")


class SurveyQuestionPublic(BaseModel):
    kind: Literal["single", "multiple", "scale", "text"]
    text: str
    choices: list[str] | None


class SurveyPublic(BaseModel):
    id: int
    programme_id: int
    title: str
    questions: list[SurveyQuestionPublic]
    points: int
    status: Literal["draft", "open", "closed"]
    opened_at: UtcDatetime | None
    closed_at: UtcDatetime | None
    created_at: UtcDatetime
    answered: bool | None = Field(description="A participant's: answered already.")


class SurveyAnswers(BaseModel):
    answers: list[int | list[int] | str | None] = Field(
        min_length=1,
        max_length=30,
        description="Per question: a choice index (single), indexes (multiple), 1-5 "
        "(scale) or text (free text, may be empty).",
    )


class SurveyAnswered(BaseModel):
    survey_id: int
    points_paid: int


class CountPublic(BaseModel):
    label: str
    count: int


class QuestionResultPublic(BaseModel):
    kind: str
    text: str
    counts: list[CountPublic]
    average: Decimal | None
    texts: list[str] = Field(description="Free-text answers without names, alphabetical.")


class SurveyResultsPublic(BaseModel):
    survey_id: int
    respondents: int
    suppressed: bool = Field(
        description="Fewer respondents than min_respondents: no breakdown is shown."
    )
    min_respondents: int
    questions: list[QuestionResultPublic]


class ContestCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Vårens säljrace"])
    metric: Literal["sale_points", "sales_amount"] = Field(
        description="Points earned from sales, or kronor of delivered lines."
    )
    audience: Literal["sellers", "stores"]
    starts_at: UtcDatetime
    ends_at: UtcDatetime = Field(description="Exclusive; after starts_at, in the future.")
    prizes: list[int] = Field(
        min_length=1, max_length=20, description="Points of rank 1, 2, ... (1-1000000 each)."
    )


class ContestPublic(BaseModel):
    id: int
    programme_id: int
    name: str
    metric: Literal["sale_points", "sales_amount"]
    audience: Literal["sellers", "stores"]
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    prizes: list[int]
    status: Literal["open", "closed"]
    closed_at: UtcDatetime | None
    created_at: UtcDatetime


class StandingPublic(BaseModel):
    rank: int
    name: str
    store: str
    score: Decimal
    prize: int
    mine: bool


class StandingsPublic(BaseModel):
    contest: ContestPublic
    data: list[StandingPublic]


class ContestResultPublic(BaseModel):
    rank: int
    score: Decimal
    prize_points: int
    outcome: str


class ContestClosed(BaseModel):
    contest: ContestPublic
    results: list[ContestResultPublic]
