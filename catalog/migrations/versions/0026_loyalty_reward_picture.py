"""loyalty: a reward's uploaded picture (stored by content hash, served by the app), in
place of a picture from another site, which the content security policy blocks

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 22:30:00

Written by hand; ``tests/unit/loyalty/test_loyalty_models_migration.py`` keeps it and
``loyalty.models`` equal. ``picture_url`` stays (read only where harmless: a path on this
site).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_reward") as batch:
        batch.add_column(sa.Column("picture", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loyalty_reward") as batch:
        batch.drop_column("picture")
