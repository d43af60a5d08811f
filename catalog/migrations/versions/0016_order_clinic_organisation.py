"""orders belong to the clinic organisation they were placed for (its managers see them)

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07 15:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema: the column, its index, and the orders placed so far given their
    buyer's organisation."""
    with op.batch_alter_table("customer_order") as batch:
        batch.add_column(sa.Column("clinic_organisation_id", sa.Integer(), nullable=True))
        batch.create_index(
            "ix_customer_order_clinic_organisation_id", ["clinic_organisation_id"], unique=False
        )
        batch.create_foreign_key(
            "fk_customer_order_clinic_organisation_id_organisation",
            "organisation",
            ["clinic_organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        "UPDATE customer_order SET clinic_organisation_id = ("
        " SELECT app_user.organisation_id FROM app_user"
        " WHERE app_user.id = customer_order.clinic_user_id)"
        " WHERE clinic_user_id IS NOT NULL"
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("customer_order") as batch:
        batch.drop_constraint(
            "fk_customer_order_clinic_organisation_id_organisation", type_="foreignkey"
        )
        batch.drop_index("ix_customer_order_clinic_organisation_id")
        batch.drop_column("clinic_organisation_id")
