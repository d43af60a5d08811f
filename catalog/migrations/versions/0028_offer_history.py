"""price history: one row per change of an offer's price or stock status (issue 17), and
clinic users' price watches

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 22:00:00

Written by hand; ``tests/unit/catalog/test_migrations.py`` keeps it and the models equal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "offer_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "offer_id", sa.Integer(), sa.ForeignKey("offer.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("feed_run_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", _TS, nullable=False),
        sa.Column("price", sa.Numeric(14, 2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("stock_status", sa.String(length=20), nullable=False),
        sa.Column("buyable", sa.Boolean(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_offer_history_offer_at", "offer_history", ["offer_id", "changed_at"])
    op.create_index("ix_offer_history_run", "offer_history", ["feed_run_id"])
    # every stored offer's state as of its last write: the history starts where it stands
    op.execute(
        "INSERT INTO offer_history (offer_id, feed_run_id, changed_at, price, currency,"
        " stock_status, buyable, withdrawn)"
        " SELECT id, NULL, updated_at, price, currency, stock_status,"
        " CASE WHEN stock_status IN ('in_stock', 'limited')"
        " OR (stock_status = 'backorder' AND delivery_days IS NOT NULL) THEN TRUE ELSE FALSE END,"
        " CASE WHEN withdrawn_at IS NULL THEN FALSE ELSE TRUE END"
        " FROM offer"
    )
    op.create_table(
        "price_watch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("product.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("target_price", sa.Numeric(14, 2), nullable=True),
        sa.Column("back_in_stock", sa.Boolean(), nullable=False),
        sa.Column(
            "retailer_id",
            sa.Integer(),
            sa.ForeignKey("retailer.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("below", sa.Boolean(), nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("user_id", "product_id", name="uq_price_watch_user_product"),
    )
    op.create_index("ix_price_watch_product", "price_watch", ["product_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_price_watch_product", table_name="price_watch")
    op.drop_table("price_watch")
    op.drop_index("ix_offer_history_run", table_name="offer_history")
    op.drop_index("ix_offer_history_offer_at", table_name="offer_history")
    op.drop_table("offer_history")
