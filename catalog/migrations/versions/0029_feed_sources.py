"""feed sources: a retailer's feed URLs fetched on a schedule, and the log of each fetch

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 22:30:00

Written by hand; ``tests/unit/marketplace/test_mp_models_migration.py`` keeps it and
``marketplace.models`` (``FeedSource``, ``FeedFetch``) equal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "feed_source",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "retailer_id",
            sa.Integer(),
            sa.ForeignKey("retailer.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("schedule", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("auth_kind", sa.String(length=10), nullable=False),
        sa.Column("auth_username", sa.String(length=200), nullable=False),
        sa.Column("auth_secret", sa.Text(), nullable=True),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_fetch_at", ts, nullable=False),
        sa.Column("fetch_requested_at", ts, nullable=True),
        sa.Column("claimed_until", ts, nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", ts, nullable=True),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.UniqueConstraint("retailer_id", "url", name="uq_feed_source_retailer_url"),
    )
    op.create_index("ix_feed_source_retailer_id", "feed_source", ["retailer_id"])
    op.create_index("ix_feed_source_next_fetch_at", "feed_source", ["next_fetch_at"])
    op.create_table(
        "feed_fetch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer(),
            sa.ForeignKey("feed_source.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column(
            "feed_run_id",
            sa.Integer(),
            sa.ForeignKey("feed_run.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", ts, nullable=False),
        sa.Column("finished_at", ts, nullable=False),
    )
    op.create_index("ix_feed_fetch_source_started", "feed_fetch", ["source_id", "started_at"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_feed_fetch_source_started", table_name="feed_fetch")
    op.drop_table("feed_fetch")
    op.drop_index("ix_feed_source_next_fetch_at", table_name="feed_source")
    op.drop_index("ix_feed_source_retailer_id", table_name="feed_source")
    op.drop_table("feed_source")
