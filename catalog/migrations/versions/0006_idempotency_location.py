"""idempotency: keep the ``Location`` header of a stored response

- ``idempotency_record.location``: a replayed 201/202 (a feed upload's run to poll, a ranking
  draft) carries the ``Location`` of the first response again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 00:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("idempotency_record", sa.Column("location", sa.String(length=500)))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("idempotency_record") as batch:
        batch.drop_column("location")
