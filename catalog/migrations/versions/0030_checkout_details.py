"""checkout details an invoice needs: the clinic's PO number, delivery and invoice addresses and
a note per retailer order; the VAT rate and each line's VAT basis fixed at checkout; the
retailer's stated delivery fee and the delivery cost of each order (issue 17)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 22:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | Sequence[str] | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("retailer") as batch:
        batch.add_column(
            sa.Column("delivery_fee", sa.Numeric(precision=12, scale=2), nullable=True)
        )
    with op.batch_alter_table("customer_order") as batch:
        batch.add_column(sa.Column("po_number", sa.String(length=50), nullable=True))
        batch.add_column(sa.Column("delivery_address", sa.Text(), nullable=True))
        batch.add_column(sa.Column("invoice_address", sa.Text(), nullable=True))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("vat_rate", sa.Numeric(precision=5, scale=4), nullable=True))
        batch.add_column(
            sa.Column("delivery_cost", sa.Numeric(precision=12, scale=2), nullable=True)
        )
    with op.batch_alter_table("order_line") as batch:
        batch.add_column(sa.Column("vat_included", sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("order_line") as batch:
        batch.drop_column("vat_included")
    with op.batch_alter_table("customer_order") as batch:
        for column in (
            "delivery_cost",
            "vat_rate",
            "note",
            "invoice_address",
            "delivery_address",
            "po_number",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("retailer") as batch:
        batch.drop_column("delivery_fee")
