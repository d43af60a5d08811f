"""demand events: an ``occurrences`` count per row (repeated impressions aggregated)

A search writes one demand event per product shown; under load the same (query, product,
retailer) impression repeats many times a second. The recorder now folds repeats within its
flush window into one row that counts them; existing rows each stand for one event.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("demand_event") as batch:
        batch.add_column(
            sa.Column("occurrences", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )


def downgrade() -> None:
    """Downgrade schema: one row per event again (aggregated rows are expanded)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT kind, product_id, query, retailers, created_at, occurrences "
            "FROM demand_event WHERE occurrences > 1"
        )
    ).all()
    extra = [
        {"kind": k, "product_id": p, "query": q, "retailers": r, "created_at": at}
        for k, p, q, r, at, n in rows
        for _ in range(int(n) - 1)
    ]
    if extra:
        bind.execute(
            sa.text(
                "INSERT INTO demand_event (kind, product_id, query, retailers, created_at, "
                "occurrences) VALUES (:kind, :product_id, :query, :retailers, :created_at, 1)"
            ),
            extra,
        )
    with op.batch_alter_table("demand_event") as batch:
        batch.drop_column("occurrences")
