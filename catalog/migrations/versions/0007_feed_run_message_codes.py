"""feed run messages as data: the code and values a run's message is rendered from

- ``feed_run.message_code``: the message's code in ``indexer.messages`` (``run.cancelled``,
  ``refusal.mass_withdrawal``, ``file.no_header``, ...); NULL for a message stored before
  codes existed, which is shown as stored.
- ``feed_run.message_values``: the values its sentence names (file, row, limit, ...).

Row errors keep theirs in ``feed_run.row_errors`` (JSON: ``code`` and ``values`` per error).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 08:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("feed_run") as batch:
        batch.add_column(sa.Column("message_code", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("message_values", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("feed_run") as batch:
        batch.drop_column("message_values")
        batch.drop_column("message_code")
