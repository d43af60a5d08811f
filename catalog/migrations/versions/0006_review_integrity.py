"""review integrity: moderation audit, one report per reporter, notifications, verified signal

- ``review``: ``moderator_id``, ``moderated_at``, ``moderation_reason``: an admin's decision
  on a held review (publish or remove) or a removal through a report.
- ``review_report``: ``resolver_id`` and ``resolution_reason`` (the audit trail of a
  resolved report); one report per reporter and review (duplicates already stored are
  removed, keeping the earliest); an index for the open-report queue.
- ``notification``: per-user messages (the author of a removed review is told why).
- ``retailer_signals``: ``review_verified`` / ``review_verified_count``, the mean rating of
  the verified-purchase reviews, which ranking may weigh more.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 08:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("review") as batch:
        batch.add_column(sa.Column("moderator_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("moderated_at", TS, nullable=True))
        batch.add_column(sa.Column("moderation_reason", sa.Text(), nullable=True))
        batch.create_foreign_key(
            "fk_review_moderator_id", "app_user", ["moderator_id"], ["id"], ondelete="SET NULL"
        )
    op.execute(
        "DELETE FROM review_report WHERE reporter_id IS NOT NULL AND id NOT IN "
        "(SELECT MIN(id) FROM review_report GROUP BY review_id, reporter_id)"
    )
    op.execute("UPDATE review_report SET outcome = 'dismissed' WHERE outcome = 'kept'")
    with op.batch_alter_table("review_report") as batch:
        batch.add_column(sa.Column("resolver_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resolution_reason", sa.Text(), nullable=True))
        batch.create_foreign_key(
            "fk_review_report_resolver_id",
            "app_user",
            ["resolver_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_unique_constraint("uq_review_report_reporter", ["review_id", "reporter_id"])
        batch.create_index("ix_review_report_open", ["resolved_at", "created_at"])
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind", "ref", name="uq_notification_user_kind_ref"),
    )
    op.create_index("ix_notification_user_id", "notification", ["user_id"])
    with op.batch_alter_table("retailer_signals") as batch:
        batch.add_column(sa.Column("review_verified", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column(
                "review_verified_count", sa.Integer(), nullable=False, server_default=sa.text("0")
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("retailer_signals") as batch:
        batch.drop_column("review_verified_count")
        batch.drop_column("review_verified")
    op.drop_index("ix_notification_user_id", table_name="notification")
    op.drop_table("notification")
    with op.batch_alter_table("review_report") as batch:
        batch.drop_index("ix_review_report_open")
        batch.drop_constraint("uq_review_report_reporter", type_="unique")
        batch.drop_constraint("fk_review_report_resolver_id", type_="foreignkey")
        batch.drop_column("resolution_reason")
        batch.drop_column("resolver_id")
    op.execute("UPDATE review_report SET outcome = 'kept' WHERE outcome = 'dismissed'")
    with op.batch_alter_table("review") as batch:
        batch.drop_constraint("fk_review_moderator_id", type_="foreignkey")
        batch.drop_column("moderation_reason")
        batch.drop_column("moderated_at")
        batch.drop_column("moderator_id")
