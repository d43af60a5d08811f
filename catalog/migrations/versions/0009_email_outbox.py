"""the e-mail outbox: messages queued in the transaction that causes them, sent after it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 11:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "outgoing_email",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", ts, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("sent_at", ts, nullable=True),
        sa.UniqueConstraint("dedupe_key", name="uq_outgoing_email_dedupe_key"),
    )
    op.create_index(
        "ix_outgoing_email_status_next", "outgoing_email", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_outgoing_email_status_next", table_name="outgoing_email")
    op.drop_table("outgoing_email")
