"""search: merchandisers' synonym rule versions, and searches per query and day (the
zero-result and no-click report)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 22:00:00

Written by hand; ``tests/unit/search/test_synonym_versions.py`` keeps it and the models
(``catalog.models.SynonymSetVersion``, ``marketplace.models.SearchQueryStat``) equal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "synonym_set_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version", name="uq_synonym_set_version"),
    )
    op.create_table(
        "search_query_stat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=300), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("zero_results", sa.Integer(), nullable=False),
        sa.Column("clicked", sa.Integer(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("query", "day", name="uq_search_query_stat_query_day"),
    )
    op.create_index("ix_search_query_stat_day", "search_query_stat", ["day"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_search_query_stat_day", table_name="search_query_stat")
    op.drop_table("search_query_stat")
    op.drop_table("synonym_set_version")
