"""Loyalty engagement as the API shows it: campaigns, quizzes and attempts, leaderboards,
monthly awards and the programme's award bonuses."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime


class CampaignCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Handskveckan"])
    multiplier: Decimal = Field(
        gt=1, le=10, decimal_places=2, examples=["2"], description="x N points (more than 1)."
    )
    target_kind: Literal["product", "brand", "category"] = Field(examples=["category"])
    target_value: str = Field(
        min_length=1,
        max_length=500,
        examples=["Handskar"],
        description="A product id, a brand, or a category (and those below it).",
    )
    starts_at: UtcDatetime
    ends_at: UtcDatetime = Field(description="Exclusive; after starts_at.")


class CampaignPublic(BaseModel):
    id: int
    programme_id: int
    name: str
    multiplier: Decimal
    target_kind: str
    target_value: str
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    created_at: UtcDatetime


class QuestionIn(BaseModel):
    text: str = Field(min_length=1, max_length=500)
    choices: list[str] = Field(min_length=2, max_length=8)
    correct: list[int] = Field(min_length=1, max_length=8, description="Indexes of choices.")


class QuizCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200, examples=["Handskar 101"])
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)
    pass_mark: int = Field(ge=1, le=50, description="Right answers needed to pass.")
    max_attempts: int = Field(ge=1, le=10)
    points: int = Field(ge=1, le=100_000, description="Points paid once on a pass.")


class QuizUpdate(QuizCreate):
    active: bool = Field(default=True, description="False closes the quiz to new attempts.")


class QuestionPublic(BaseModel):
    text: str
    choices: list[str]
    correct: list[int] | None = Field(
        description="The right choices: shown to the programme's manager only."
    )


class QuizPublic(BaseModel):
    id: int
    programme_id: int
    title: str
    questions: list[QuestionPublic]
    pass_mark: int
    max_attempts: int
    points: int
    active: bool
    created_at: UtcDatetime
    my_attempts: int | None = Field(description="A participant's attempts (None for others).")
    passed: bool | None
    attempts: int | None = Field(
        default=None,
        description="Attempts made by anyone (the programme's manager only): once there are "
        "some, only the title and the questions' wording can change.",
    )


class QuizDraft(BaseModel):
    questions: list[QuestionPublic]


class AttemptIn(BaseModel):
    answers: list[list[int]] = Field(
        min_length=1, max_length=50, description="Per question, the indexes chosen."
    )


class AttemptPublic(BaseModel):
    quiz_id: int
    number: int
    score: int
    passed: bool
    points_paid: int
    attempts_left: int


class PlacePublic(BaseModel):
    rank: int
    name: str
    store: str
    points: int
    mine: bool


class LeaderboardPublic(BaseModel):
    board: Literal["sellers", "stores"]
    period: str = Field(description="YYYY-MM or all.")
    data: list[PlacePublic]


class AwardPublic(BaseModel):
    period: str
    kind: Literal["seller", "store"]
    store: str
    seller: str | None
    points_earned: int
    bonus_points: int
    created_at: UtcDatetime


class AwardSettings(BaseModel):
    seller_award_bonus: int = Field(ge=0, le=1_000_000, description="0: no bonus.")
    store_award_bonus: int = Field(ge=0, le=1_000_000)


CapKind = Literal["sale", "quiz", "photo", "referral", "suggestion", "survey", "contest"]
CAP_KIND_NAMES: tuple[CapKind, ...] = (
    "sale",
    "quiz",
    "photo",
    "referral",
    "suggestion",
    "survey",
    "contest",
)


class CapWindows(BaseModel):
    day: int | None = Field(default=None, ge=1, le=1_000_000_000)
    month: int | None = Field(default=None, ge=1, le=1_000_000_000)


class LimitSettings(BaseModel):
    caps: dict[CapKind, CapWindows] = Field(
        default_factory=dict,
        description="Most points one seller earns per activity kind a Swedish day and month.",
    )
    approval_threshold: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000_000,
        description="A credit of more points waits for an admin's approval (None: never).",
    )


class HeldCreditPublic(BaseModel):
    id: int
    programme_id: int
    account_id: int
    account: str = Field(
        description="Whose account the credit goes to (seller or organisation, with ids).",
        examples=["the points of seller Stina Ek (user 9) at Tandab AB (organisation 4)"],
    )
    points: int
    kind: str
    reason: str
    order_id: int | None
    status: Literal["held", "approved", "rejected"]
    decision_reason: str | None
    decided_at: UtcDatetime | None
    created_at: UtcDatetime


class Decision(BaseModel):
    reason: str = Field(default="", max_length=1000, description="Required to reject.")


class ClawbackIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, examples=["A self-dealing order"])
    points: int | None = Field(
        default=None,
        ge=1,
        le=10**12,
        description="Points to take back, at most what is left of the credit (none: all of "
        "it). The account must still hold them: a balance never goes below zero.",
        examples=[50],
    )


class ClawbackPublic(BaseModel):
    entry_id: int
    reverses_entry_id: int
    points: int
    credited: int = Field(description="What the credit paid.")
    clawed_back: int = Field(description="What was taken back of it in all, this included.")
    reason: str
    created: bool = Field(description="False when the credit was reversed already.")
