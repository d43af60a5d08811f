"""loyalty engagement (issue 15): recruiting, improvement suggestions, surveys, sales contests

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 19:00:00

Written by hand; ``tests/unit/loyalty/test_loyalty_models_migration.py`` keeps it and
``loyalty.engagement_models`` equal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _fk(name: str, target: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=nullable)


def _user(name: str) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "loyalty_engagement_settings",
        sa.Column(
            "programme_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_programme.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("referral_points", sa.Integer(), nullable=False),
        sa.Column("suggestion_points", sa.JSON(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "loyalty_referral_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("programme_id", "loyalty_programme.id"),
        _fk("membership_id", "loyalty_membership.id"),
        _fk("participant_id", "loyalty_participant.id", nullable=True),
        sa.Column("owner_key", sa.String(length=80), nullable=False, unique=True),
        sa.Column("code", sa.String(length=40), nullable=False, unique=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index(
        "ix_loyalty_referral_code_membership_id", "loyalty_referral_code", ["membership_id"]
    )
    op.create_table(
        "loyalty_referral",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("programme_id", "loyalty_programme.id"),
        _fk("code_id", "loyalty_referral_code.id"),
        _fk("membership_id", "loyalty_membership.id"),
        _fk("participant_id", "loyalty_participant.id", nullable=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("approved_at", _TS, nullable=True),
        sa.Column("live_at", _TS, nullable=True),
        sa.Column("paid_at", _TS, nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_loyalty_referral_programme_id", "loyalty_referral", ["programme_id"])
    op.create_index("ix_loyalty_referral_membership_id", "loyalty_referral", ["membership_id"])
    op.create_table(
        "loyalty_suggestion",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("programme_id", "loyalty_programme.id"),
        _fk("membership_id", "loyalty_membership.id"),
        _fk("participant_id", "loyalty_participant.id"),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        _user("decided_by"),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("participant_id", "fingerprint", name="uq_loyalty_suggestion_twice"),
    )
    op.create_index(
        "ix_loyalty_suggestion_programme_status", "loyalty_suggestion", ["programme_id", "status"]
    )
    op.create_table(
        "loyalty_survey",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("programme_id", "loyalty_programme.id"),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opened_at", _TS, nullable=True),
        sa.Column("closed_at", _TS, nullable=True),
        _user("created_by"),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_loyalty_survey_programme_id", "loyalty_survey", ["programme_id"])
    op.create_table(
        "loyalty_survey_response",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("survey_id", "loyalty_survey.id"),
        _fk("participant_id", "loyalty_participant.id"),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("survey_id", "participant_id", name="uq_loyalty_survey_response"),
    )
    op.create_table(
        "loyalty_contest",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("programme_id", "loyalty_programme.id"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("starts_at", _TS, nullable=False),
        sa.Column("ends_at", _TS, nullable=False),
        sa.Column("prizes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_at", _TS, nullable=True),
        _user("created_by"),
        sa.Column("created_at", _TS, nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="ck_loyalty_contest_period"),
    )
    op.create_index("ix_loyalty_contest_programme_id", "loyalty_contest", ["programme_id"])
    op.create_table(
        "loyalty_contest_result",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("contest_id", "loyalty_contest.id"),
        sa.Column("winner_key", sa.String(length=80), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        _fk("membership_id", "loyalty_membership.id"),
        _fk("participant_id", "loyalty_participant.id", nullable=True),
        sa.Column("score", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("prize_points", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("contest_id", "winner_key", name="uq_loyalty_contest_result"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("loyalty_contest_result")
    op.drop_index("ix_loyalty_contest_programme_id", table_name="loyalty_contest")
    op.drop_table("loyalty_contest")
    op.drop_table("loyalty_survey_response")
    op.drop_index("ix_loyalty_survey_programme_id", table_name="loyalty_survey")
    op.drop_table("loyalty_survey")
    op.drop_index("ix_loyalty_suggestion_programme_status", table_name="loyalty_suggestion")
    op.drop_table("loyalty_suggestion")
    op.drop_index("ix_loyalty_referral_membership_id", table_name="loyalty_referral")
    op.drop_index("ix_loyalty_referral_programme_id", table_name="loyalty_referral")
    op.drop_table("loyalty_referral")
    op.drop_index("ix_loyalty_referral_code_membership_id", table_name="loyalty_referral_code")
    op.drop_table("loyalty_referral_code")
    op.drop_table("loyalty_engagement_settings")
