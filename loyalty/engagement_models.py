"""Loyalty tables of recruiting, improvement suggestions, surveys and sales contests
(created by migration ``0022``).

Written beside ``loyalty.models`` on the same declarative base; the migration is written by
hand and ``tests/unit/loyalty/test_loyalty_models_migration.py`` keeps the two equal.

* A **referral code** is a member's (or one of its sellers') unguessable link code;
  ``owner_key`` (``p1:member:4`` / ``p1:seller:9``) makes it one per owner.
* A **referral** records a retailer organisation that signed up through a code: one per
  referred organisation (``organisation_id`` unique), paid once both ``approved_at`` and
  ``live_at`` are set.
* A **suggestion** is a seller's improvement idea; ``fingerprint`` (of its normalised title
  and text) is unique per participant, so a double submit stores one.
* A **survey** holds its questions; a **response** is unique per survey and participant.
* A **contest** is a time-boxed competition; its **results** (one per winner,
  ``winner_key`` unique per contest) are written once, when it closes.
* **Engagement settings** are the points a referral and each suggestion grade pay.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models import Base, utcnow

_TS = DateTime(timezone=True)


class EngagementSettings(Base):
    """Points a programme pays for a recruited retailer and per suggestion grade
    (``{"small": 100, "medium": 300, "large": 1000}``). No row: the defaults."""

    __tablename__ = "loyalty_engagement_settings"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("loyalty_programme.id"), primary_key=True, autoincrement=False
    )
    referral_points: Mapped[int] = mapped_column(Integer)
    suggestion_points: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class ReferralCode(Base):
    """A member's or a seller's referral link code (unguessable, one per owner)."""

    __tablename__ = "loyalty_referral_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("loyalty_membership.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_participant.id"))
    owner_key: Mapped[str] = mapped_column(String(80), unique=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Referral(Base):
    """A retailer organisation that signed up through a referral code."""

    __tablename__ = "loyalty_referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("loyalty_referral_code.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("loyalty_membership.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_participant.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    approved_at: Mapped[datetime | None] = mapped_column(_TS)
    live_at: Mapped[datetime | None] = mapped_column(_TS)
    paid_at: Mapped[datetime | None] = mapped_column(_TS)
    outcome: Mapped[str | None] = mapped_column(String(10))  # limits.Credit.outcome
    points: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Suggestion(Base):
    """A seller's improvement suggestion: ``submitted`` -> ``accepted`` (graded, paid once)
    | ``declined`` (with a reason)."""

    __tablename__ = "loyalty_suggestion"
    __table_args__ = (
        UniqueConstraint("participant_id", "fingerprint", name="uq_loyalty_suggestion_twice"),
        Index("ix_loyalty_suggestion_programme_status", "programme_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("loyalty_membership.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("loyalty_participant.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    grade: Mapped[str | None] = mapped_column(String(10))
    points: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(_TS)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Survey(Base):
    """A sponsor's survey: ``questions`` is ``[{kind, text, choices?}]``; ``draft`` ->
    ``open`` -> ``closed``; answering it pays ``points`` once per seller."""

    __tablename__ = "loyalty_survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[Any]] = mapped_column(default=list)
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    opened_at: Mapped[datetime | None] = mapped_column(_TS)
    closed_at: Mapped[datetime | None] = mapped_column(_TS)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class SurveyResponse(Base):
    """A participant's answers to a survey (one per survey and participant)."""

    __tablename__ = "loyalty_survey_response"
    __table_args__ = (
        UniqueConstraint("survey_id", "participant_id", name="uq_loyalty_survey_response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("loyalty_survey.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("loyalty_participant.id"))
    answers: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Contest(Base):
    """A sales contest in ``[starts_at, ends_at)``: ``metric`` sale_points | sales_amount,
    ``audience`` sellers | stores, ``prizes`` the points of rank 1, 2, ...; ``open`` ->
    ``closed`` (once: the prizes are paid then)."""

    __tablename__ = "loyalty_contest"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ck_loyalty_contest_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(20))
    audience: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime] = mapped_column(_TS)
    ends_at: Mapped[datetime] = mapped_column(_TS)
    prizes: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(10))
    closed_at: Mapped[datetime | None] = mapped_column(_TS)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class ContestResult(Base):
    """A prize-winning place of a closed contest and the points it paid."""

    __tablename__ = "loyalty_contest_result"
    __table_args__ = (
        UniqueConstraint("contest_id", "winner_key", name="uq_loyalty_contest_result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("loyalty_contest.id"))
    winner_key: Mapped[str] = mapped_column(String(80))
    rank: Mapped[int] = mapped_column(Integer)
    membership_id: Mapped[int] = mapped_column(ForeignKey("loyalty_membership.id"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_participant.id"))
    score: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    prize_points: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(10))  # limits.Credit.outcome
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
