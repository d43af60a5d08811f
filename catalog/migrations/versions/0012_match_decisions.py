"""match decisions: the admins' labelled offer/product pairs; the review queue by status

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "match_decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "offer_id", sa.Integer(), sa.ForeignKey("offer.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("product.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "candidate_id",
            sa.Integer(),
            sa.ForeignKey("match_candidate.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("label", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("implied", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("retailer_id", sa.Integer(), nullable=True),
        sa.Column("offer_sku", sa.String(length=200), nullable=False),
        sa.Column("offer_name", sa.Text(), nullable=False),
        sa.Column("offer_brand", sa.String(length=300), nullable=True),
        sa.Column("offer_mpn", sa.String(length=200), nullable=True),
        sa.Column("offer_gtin", sa.String(length=14), nullable=True),
        sa.Column("offer_price", sa.Numeric(14, 2), nullable=True),
        sa.Column("product_name", sa.Text(), nullable=False),
        sa.Column("product_brand", sa.String(length=300), nullable=True),
        sa.Column("product_manufacturer", sa.String(length=300), nullable=True),
        sa.Column("product_mpn", sa.String(length=200), nullable=True),
        sa.Column("product_gtin", sa.String(length=14), nullable=True),
        sa.Column(
            "decided_by_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("decided_by", sa.String(length=300), nullable=False),
        sa.Column("decided_at", ts, nullable=False),
    )
    op.create_index("ix_match_decision_offer_id", "match_decision", ["offer_id"])
    op.create_index("ix_match_decision_decided_at", "match_decision", ["decided_at", "id"])
    op.create_index("ix_match_candidate_status", "match_candidate", ["status", "offer_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_match_candidate_status", table_name="match_candidate")
    op.drop_index("ix_match_decision_decided_at", table_name="match_decision")
    op.drop_index("ix_match_decision_offer_id", table_name="match_decision")
    op.drop_table("match_decision")
