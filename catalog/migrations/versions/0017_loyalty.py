"""loyalty (issue 15): programmes, memberships, participants, accounts, the points ledger

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07 15:00:00

Written by hand; ``tests/unit/loyalty/test_loyalty_models_migration.py`` keeps it and
``loyalty.models`` equal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "loyalty_programme",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False, unique=True),
        sa.Column("sponsor_name", sa.String(length=200), nullable=False),
        sa.Column("points_per_krona", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("point_value_ore", sa.Integer(), nullable=False),
        sa.Column("expiry_months", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "loyalty_membership",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "programme_id", sa.Integer(), sa.ForeignKey("loyalty_programme.id"), nullable=False
        ),
        sa.Column(
            "organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False
        ),
        sa.Column("terms_version", sa.String(length=20), nullable=False),
        sa.Column("terms_accepted_at", _TS, nullable=False),
        sa.Column(
            "terms_accepted_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("programme_id", "organisation_id", name="uq_loyalty_membership"),
    )
    op.create_index(
        "ix_loyalty_membership_organisation_id", "loyalty_membership", ["organisation_id"]
    )
    op.create_table(
        "loyalty_participant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "membership_id", sa.Integer(), sa.ForeignKey("loyalty_membership.id"), nullable=False
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "invited_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("invited_at", _TS, nullable=False),
        sa.Column("terms_version", sa.String(length=20), nullable=True),
        sa.Column("terms_accepted_at", _TS, nullable=True),
        sa.UniqueConstraint("membership_id", "user_id", name="uq_loyalty_participant"),
    )
    op.create_index("ix_loyalty_participant_user_id", "loyalty_participant", ["user_id"])
    op.create_table(
        "loyalty_account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=80), nullable=False, unique=True),
        sa.Column(
            "programme_id", sa.Integer(), sa.ForeignKey("loyalty_programme.id"), nullable=False
        ),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column(
            "membership_id", sa.Integer(), sa.ForeignKey("loyalty_membership.id"), nullable=True
        ),
        sa.Column(
            "participant_id", sa.Integer(), sa.ForeignKey("loyalty_participant.id"), nullable=True
        ),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("overdraft_allowed", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_loyalty_account_programme_id", "loyalty_account", ["programme_id"])
    op.create_index("ix_loyalty_account_membership_id", "loyalty_account", ["membership_id"])
    op.create_table(
        "loyalty_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "programme_id", sa.Integer(), sa.ForeignKey("loyalty_programme.id"), nullable=False
        ),
        sa.Column(
            "source_account_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_account.id"),
            nullable=False,
        ),
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
        sa.Column(
            "reverses_entry_id", sa.Integer(), sa.ForeignKey("loyalty_entry.id"), nullable=True
        ),
        sa.Column("created_at", _TS, nullable=False),
        sa.CheckConstraint("points > 0", name="ck_loyalty_entry_points_positive"),
        sa.CheckConstraint(
            "source_account_id <> destination_account_id", name="ck_loyalty_entry_two_accounts"
        ),
    )
    op.create_index("ix_loyalty_entry_source", "loyalty_entry", ["source_account_id", "id"])
    op.create_index(
        "ix_loyalty_entry_destination", "loyalty_entry", ["destination_account_id", "id"]
    )
    op.create_index("ix_loyalty_entry_order_line", "loyalty_entry", ["order_line_id"])
    op.create_table(
        "loyalty_order_handler",
        sa.Column("order_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("recorded_at", _TS, nullable=False),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("loyalty_order_handler")
    op.drop_index("ix_loyalty_entry_order_line", table_name="loyalty_entry")
    op.drop_index("ix_loyalty_entry_destination", table_name="loyalty_entry")
    op.drop_index("ix_loyalty_entry_source", table_name="loyalty_entry")
    op.drop_table("loyalty_entry")
    op.drop_index("ix_loyalty_account_membership_id", table_name="loyalty_account")
    op.drop_index("ix_loyalty_account_programme_id", table_name="loyalty_account")
    op.drop_table("loyalty_account")
    op.drop_index("ix_loyalty_participant_user_id", table_name="loyalty_participant")
    op.drop_table("loyalty_participant")
    op.drop_index("ix_loyalty_membership_organisation_id", table_name="loyalty_membership")
    op.drop_table("loyalty_membership")
    op.drop_table("loyalty_programme")
