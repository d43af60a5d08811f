"""loyalty: points earned per account and month (leaderboards read them), filled from the
ledger, and per store; the indexes a seller's own points and the sellers who left are read
by

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 19:00:00

Written by hand; ``tests/unit/loyalty/test_loyalty_models_migration.py`` keeps it and
``loyalty.models`` equal. The rows of existing entries are computed here (a month is a
calendar month in Swedish time, as ``loyalty.months`` has it), streamed from the ledger.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STOCKHOLM = ZoneInfo("Europe/Stockholm")


def upgrade() -> None:
    """Upgrade schema."""
    earned = op.create_table(
        "loyalty_earned_points",
        sa.Column(
            "programme_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_programme.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_account.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("points", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_loyalty_earned_points_account_id", "loyalty_earned_points", ["account_id"])
    stores = op.create_table(
        "loyalty_earned_store_points",
        sa.Column(
            "programme_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_programme.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column(
            "membership_id",
            sa.Integer(),
            sa.ForeignKey("loyalty_membership.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("points", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_loyalty_earned_store_points_board",
        "loyalty_earned_store_points",
        ["programme_id", "period", "points", "membership_id"],
    )
    op.create_index(
        "ix_loyalty_earned_points_board",
        "loyalty_earned_points",
        ["programme_id", "period", "points", "account_id"],
    )
    # a seller's own points are read by their participation
    op.create_index("ix_loyalty_account_participant_id", "loyalty_account", ["participant_id"])
    # the sellers who left (leaderboards leave them out)
    op.create_index("ix_loyalty_participant_ended_at", "loyalty_participant", ["ended_at"])
    _fill(earned, stores)


def _fill(earned: sa.Table | None, stores: sa.Table | None) -> None:
    """What the sponsor of each programme paid each account, less what went back, per
    Swedish month and in all; and per store (its own account and its sellers')."""
    assert earned is not None and stores is not None
    bind = op.get_bind()
    owners = {
        account_id: (kind, membership_id)
        for account_id, kind, membership_id in bind.execute(
            sa.text("SELECT id, kind, membership_id FROM loyalty_account")
        )
    }
    sponsors = {i for i, (kind, _) in owners.items() if kind == "sponsor"}
    if not sponsors:
        return
    totals: dict[tuple[int, str, int], int] = defaultdict(int)
    rows = bind.execution_options(yield_per=20_000).execute(
        sa.text(
            "SELECT e.programme_id, e.source_account_id, e.destination_account_id, e.points, "
            "e.created_at FROM loyalty_entry e JOIN loyalty_account a "
            "ON a.kind = 'sponsor' AND (a.id = e.source_account_id "
            "OR a.id = e.destination_account_id)"
        ).columns(created_at=sa.DateTime(timezone=True))
    )
    for programme_id, source, destination, points, at in rows:
        if source in sponsors:
            account, signed = destination, points
        else:
            account, signed = source, -points
        local = (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(_STOCKHOLM)
        totals[(programme_id, f"{local.year:04d}-{local.month:02d}", account)] += signed
        totals[(programme_id, "all", account)] += signed
    store_totals: dict[tuple[int, str, int], int] = defaultdict(int)
    for (p, period, a), v in totals.items():
        kind, membership_id = owners[a]
        if membership_id is not None and kind in ("seller", "member"):
            store_totals[(p, period, membership_id)] += v
    for table, key, sums in (
        (earned, "account_id", totals),
        (stores, "membership_id", store_totals),
    ):
        values = [
            {"programme_id": p, "period": period, key: i, "points": v}
            for (p, period, i), v in sums.items()
            if v != 0
        ]
        for start in range(0, len(values), 5_000):
            op.bulk_insert(table, values[start : start + 5_000])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_loyalty_participant_ended_at", table_name="loyalty_participant")
    op.drop_index("ix_loyalty_earned_store_points_board", table_name="loyalty_earned_store_points")
    op.drop_table("loyalty_earned_store_points")
    op.drop_index("ix_loyalty_account_participant_id", table_name="loyalty_account")
    op.drop_index("ix_loyalty_earned_points_board", table_name="loyalty_earned_points")
    op.drop_index("ix_loyalty_earned_points_account_id", table_name="loyalty_earned_points")
    op.drop_table("loyalty_earned_points")
