"""loyalty: a programme may be owned by a sponsor organisation (its representatives manage it)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 19:00:00

Written by hand; ``tests/unit/loyalty/test_loyalty_models_migration.py`` keeps it and
``loyalty.models`` equal. A sponsor organisation is ``organisation.kind = 'sponsor'`` (the
column holds it already); programmes made before stay Valbar's (NULL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("loyalty_programme") as batch:
        batch.add_column(sa.Column("sponsor_organisation_id", sa.Integer(), nullable=True))
        batch.create_index(
            "ix_loyalty_programme_sponsor_organisation_id",
            ["sponsor_organisation_id"],
            unique=False,
        )
        batch.create_foreign_key(
            "fk_loyalty_programme_sponsor_organisation_id_organisation",
            "organisation",
            ["sponsor_organisation_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("loyalty_programme") as batch:
        batch.drop_constraint(
            "fk_loyalty_programme_sponsor_organisation_id_organisation", type_="foreignkey"
        )
        batch.drop_index("ix_loyalty_programme_sponsor_organisation_id")
        batch.drop_column("sponsor_organisation_id")
