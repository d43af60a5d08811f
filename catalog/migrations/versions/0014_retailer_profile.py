"""the retailer's presentation page (logo, contact, delivery terms) and feed-run phases

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 11:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("retailer") as batch:
        batch.add_column(sa.Column("logo_file", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("contact_phone", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column("free_shipping_from", sa.Numeric(precision=12, scale=2), nullable=True)
        )
        batch.add_column(sa.Column("delivery_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("return_terms", sa.Text(), nullable=True))
        batch.add_column(sa.Column("profile_updated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("feed_run") as batch:
        batch.add_column(sa.Column("phase", sa.String(length=12), nullable=True))
        batch.add_column(
            sa.Column("rows_done", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("rows_total", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("feed_run") as batch:
        batch.drop_column("rows_total")
        batch.drop_column("rows_done")
        batch.drop_column("phase")
    with op.batch_alter_table("retailer") as batch:
        for name in (
            "profile_updated_at",
            "return_terms",
            "delivery_days",
            "free_shipping_from",
            "contact_phone",
            "contact_email",
            "logo_file",
        ):
            batch.drop_column(name)
