"""loyalty engagement (issue 15): campaigns, quizzes, attempts, awards, settings, holds

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-07 16:00:00

Written by hand; ``tests/unit/loyalty/test_loyalty_models_migration.py`` keeps it and
``loyalty.models`` equal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _programme() -> sa.Column[int]:
    return sa.Column(
        "programme_id", sa.Integer(), sa.ForeignKey("loyalty_programme.id"), nullable=False
    )


def _created_by() -> sa.Column[int]:
    return sa.Column(
        "created_by",
        sa.Integer(),
        sa.ForeignKey("app_user.id", ondelete="SET NULL"),
        nullable=True,
    )


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "loyalty_campaign",
        sa.Column("id", sa.Integer(), primary_key=True),
        _programme(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("multiplier", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target_value", sa.String(length=500), nullable=False),
        sa.Column("starts_at", _TS, nullable=False),
        sa.Column("ends_at", _TS, nullable=False),
        _created_by(),
        sa.Column("created_at", _TS, nullable=False),
        sa.CheckConstraint("multiplier > 1", name="ck_loyalty_campaign_multiplier"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_loyalty_campaign_period"),
    )
    op.create_index("ix_loyalty_campaign_programme_id", "loyalty_campaign", ["programme_id"])
    op.create_table(
        "loyalty_quiz",
        sa.Column("id", sa.Integer(), primary_key=True),
        _programme(),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _created_by(),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_loyalty_quiz_programme_id", "loyalty_quiz", ["programme_id"])
    op.create_table(
        "loyalty_quiz_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("quiz_id", sa.Integer(), sa.ForeignKey("loyalty_quiz.id"), nullable=False),
        sa.Column(
            "participant_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_participant.id"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("quiz_id", "participant_id", "number", name="uq_loyalty_quiz_attempt"),
    )
    op.create_table(
        "loyalty_monthly_award",
        sa.Column("id", sa.Integer(), primary_key=True),
        _programme(),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column(
            "membership_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_membership.id"),
            nullable=False,
        ),
        sa.Column(
            "participant_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_participant.id"),
            nullable=True,
        ),
        sa.Column("points_earned", sa.BigInteger(), nullable=False),
        sa.Column("bonus_points", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("programme_id", "period", "kind", name="uq_loyalty_monthly_award"),
    )
    op.create_table(
        "loyalty_programme_settings",
        sa.Column(
            "programme_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_programme.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("seller_award_bonus", sa.Integer(), nullable=False),
        sa.Column("store_award_bonus", sa.Integer(), nullable=False),
        sa.Column("caps", sa.JSON(), nullable=False),
        sa.Column("approval_threshold", sa.Integer(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "loyalty_held_credit",
        sa.Column("id", sa.Integer(), primary_key=True),
        _programme(),
        sa.Column(
            "destination_account_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_account.id"),
            nullable=False,
        ),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False, unique=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "decided_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("loyalty_entry.id"), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_loyalty_held_credit_programme_id", "loyalty_held_credit", ["programme_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_loyalty_held_credit_programme_id", table_name="loyalty_held_credit")
    op.drop_table("loyalty_held_credit")
    op.drop_table("loyalty_programme_settings")
    op.drop_table("loyalty_monthly_award")
    op.drop_table("loyalty_quiz_attempt")
    op.drop_index("ix_loyalty_quiz_programme_id", table_name="loyalty_quiz")
    op.drop_table("loyalty_quiz")
    op.drop_index("ix_loyalty_campaign_programme_id", table_name="loyalty_campaign")
    op.drop_table("loyalty_campaign")
