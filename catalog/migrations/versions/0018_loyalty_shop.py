"""loyalty points shop (issue 15): rewards, shop policy, baskets, redemptions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 16:00:00

Written by hand; ``tests/unit/loyalty/test_loyalty_models_migration.py`` keeps it and
``loyalty.models`` equal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _user_fk(column: str) -> "sa.Column[int]":
    return sa.Column(
        column, sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "loyalty_reward",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "programme_id", sa.Integer(), sa.ForeignKey("loyalty_programme.id"), nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("picture_url", sa.String(length=500), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("price_points", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.CheckConstraint("price_points > 0", name="ck_loyalty_reward_price_positive"),
        sa.CheckConstraint("stock >= 0", name="ck_loyalty_reward_stock_not_negative"),
        sa.UniqueConstraint("programme_id", "name", name="uq_loyalty_reward_name"),
    )
    op.create_index(
        "ix_loyalty_reward_programme_category", "loyalty_reward", ["programme_id", "category"]
    )
    op.create_table(
        "loyalty_shop_policy",
        sa.Column(
            "membership_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_membership.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("redeemer", sa.String(length=10), nullable=False),
        _user_fk("set_by"),
        sa.Column("set_at", _TS, nullable=False),
    )
    op.create_table(
        "loyalty_basket_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("reward_id", sa.Integer(), sa.ForeignKey("loyalty_reward.id"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
        sa.UniqueConstraint("user_id", "reward_id", name="uq_loyalty_basket_item"),
        sa.CheckConstraint("quantity > 0", name="ck_loyalty_basket_quantity_positive"),
    )
    op.create_index("ix_loyalty_basket_item_reward_id", "loyalty_basket_item", ["reward_id"])
    op.create_table(
        "loyalty_redemption",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "programme_id", sa.Integer(), sa.ForeignKey("loyalty_programme.id"), nullable=False
        ),
        sa.Column(
            "membership_id", sa.Integer(), sa.ForeignKey("loyalty_membership.id"), nullable=False
        ),
        sa.Column(
            "participant_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_participant.id"),
            nullable=True,
        ),
        _user_fk("user_id"),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("value_ore", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False, unique=True),
        sa.Column("delivery_name", sa.String(length=200), nullable=False),
        sa.Column("delivery_address", sa.String(length=300), nullable=False),
        sa.Column("delivery_postcode", sa.String(length=10), nullable=False),
        sa.Column("delivery_city", sa.String(length=100), nullable=False),
        sa.Column("delivery_email", sa.String(length=320), nullable=True),
        sa.Column("placed_at", _TS, nullable=False),
        sa.Column("fulfilled_at", _TS, nullable=True),
        sa.Column("cancelled_at", _TS, nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        _user_fk("handled_by"),
        sa.CheckConstraint("points > 0", name="ck_loyalty_redemption_points_positive"),
    )
    op.create_index(
        "ix_loyalty_redemption_programme_status", "loyalty_redemption", ["programme_id", "status"]
    )
    op.create_index("ix_loyalty_redemption_membership_id", "loyalty_redemption", ["membership_id"])
    op.create_table(
        "loyalty_redemption_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "redemption_id", sa.Integer(), sa.ForeignKey("loyalty_redemption.id"), nullable=False
        ),
        sa.Column("reward_id", sa.Integer(), sa.ForeignKey("loyalty_reward.id"), nullable=False),
        sa.Column("reward_name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_points", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_loyalty_redemption_line_redemption_id", "loyalty_redemption_line", ["redemption_id"]
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_loyalty_redemption_line_redemption_id", table_name="loyalty_redemption_line")
    op.drop_table("loyalty_redemption_line")
    op.drop_index("ix_loyalty_redemption_membership_id", table_name="loyalty_redemption")
    op.drop_index("ix_loyalty_redemption_programme_status", table_name="loyalty_redemption")
    op.drop_table("loyalty_redemption")
    op.drop_index("ix_loyalty_basket_item_reward_id", table_name="loyalty_basket_item")
    op.drop_table("loyalty_basket_item")
    op.drop_table("loyalty_shop_policy")
    op.drop_index("ix_loyalty_reward_programme_category", table_name="loyalty_reward")
    op.drop_table("loyalty_reward")
