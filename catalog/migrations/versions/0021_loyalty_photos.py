"""loyalty photo activities (issue 15): activities and sellers' photos

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 19:00:00

Written by hand; ``tests/unit/loyalty/test_loyalty_models_migration.py`` keeps it and
``loyalty.models`` equal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _user(name: str) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "loyalty_photo_activity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "programme_id", sa.Integer(), sa.ForeignKey("loyalty_programme.id"), nullable=False
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("starts_at", _TS, nullable=False),
        sa.Column("ends_at", _TS, nullable=False),
        _user("created_by"),
        sa.Column("created_at", _TS, nullable=False),
        sa.CheckConstraint("points > 0", name="ck_loyalty_photo_activity_points"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_loyalty_photo_activity_period"),
    )
    op.create_index(
        "ix_loyalty_photo_activity_programme_id", "loyalty_photo_activity", ["programme_id"]
    )
    op.create_table(
        "loyalty_photo_submission",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "activity_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_photo_activity.id"),
            nullable=False,
        ),
        sa.Column(
            "programme_id", sa.Integer(), sa.ForeignKey("loyalty_programme.id"), nullable=False
        ),
        sa.Column(
            "membership_id", sa.Integer(), sa.ForeignKey("loyalty_membership.id"), nullable=False
        ),
        sa.Column(
            "participant_id", sa.Integer(), sa.ForeignKey("loyalty_participant.id"), nullable=True
        ),
        sa.Column("open_participant_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("original_kind", sa.String(length=10), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("dhash", sa.String(length=16), nullable=False),
        sa.Column(
            "duplicate_of_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_photo_submission.id"),
            nullable=True,
        ),
        sa.Column("duplicate_distance", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        _user("decided_by"),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("credit_outcome", sa.String(length=10), nullable=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("loyalty_entry.id"), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint(
            "activity_id", "open_participant_id", name="uq_loyalty_photo_submission_open"
        ),
    )
    op.create_index(
        "ix_loyalty_photo_submission_activity_id", "loyalty_photo_submission", ["activity_id"]
    )
    op.create_index(
        "ix_loyalty_photo_submission_participant_id",
        "loyalty_photo_submission",
        ["participant_id"],
    )
    op.create_index(
        "ix_loyalty_photo_submission_programme_status",
        "loyalty_photo_submission",
        ["programme_id", "status"],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("loyalty_photo_submission")
    op.drop_table("loyalty_photo_activity")
