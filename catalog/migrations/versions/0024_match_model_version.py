"""matching: the version of the matching model that linked an offer (issue 16)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 19:00:00

Written by hand; ``tests/unit/catalog/test_migrations.py`` keeps it and ``catalog.models``
equal. Offers linked before this revision, and offers an admin linked by hand, have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("offer") as batch:
        batch.add_column(sa.Column("match_model_version", sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("offer") as batch:
        batch.drop_column("match_model_version")
