"""when an invitation's link was last sent (a re-invitation sends the open invitation again)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 15:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("invitation") as batch:
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE invitation SET sent_at = created_at")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("invitation") as batch:
        batch.drop_column("sent_at")
