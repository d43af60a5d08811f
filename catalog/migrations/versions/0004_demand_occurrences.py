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


CHUNK = 1000


def downgrade() -> None:
    """Downgrade schema: one row per event again (folded rows are expanded, in chunks).

    Through a table with typed columns, so ``retailers`` goes back as JSON on PostgreSQL too.
    """
    table = sa.table(
        "demand_event",
        sa.column("id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("product_id", sa.Integer()),
        sa.column("query", sa.String()),
        sa.column("retailers", sa.JSON()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("occurrences", sa.Integer()),
    )
    bind = op.get_bind()
    folded = sa.select(
        table.c.kind,
        table.c.product_id,
        table.c.query,
        table.c.retailers,
        table.c.created_at,
        table.c.occurrences,
    ).where(table.c.occurrences > 1)
    rows = bind.execute(folded.order_by(table.c.id)).all()
    batch: list[dict[str, object]] = []
    for kind, product_id, query, retailers, created_at, occurrences in rows:
        row = {
            "kind": kind,
            "product_id": product_id,
            "query": query,
            "retailers": retailers,
            "created_at": created_at,
            "occurrences": 1,
        }
        for _ in range(int(occurrences) - 1):
            batch.append(row)
            if len(batch) >= CHUNK:
                bind.execute(sa.insert(table), batch)
                batch = []
    if batch:
        bind.execute(sa.insert(table), batch)
    with op.batch_alter_table("demand_event") as alter:
        alter.drop_column("occurrences")
