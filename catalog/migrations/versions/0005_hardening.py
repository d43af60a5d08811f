"""hardening: server-side sessions, login throttle, idempotency, index outbox, run leases

- ``user_session``: sessions can be ended server-side (logout, password change, removal).
- ``login_throttle``: failed sign-ins per account and address, shared by every worker.
- ``idempotency_record``: POSTs that create something replay their response (status, body,
  ``Location``) for a repeated ``Idempotency-Key``.
- ``index_outbox``: product ids to reindex, written in the same transaction as the change.
- ``lock_lease``: named cross-process locks with an expiry (reindex).
- ``feed_run``: the worker's heartbeat lease, cancellation and attempts; at most one running
  run per retailer (a partial unique index).
- ``cart``: the last checkout, so a repeated submit is answered with its orders.
- ``review``: ``order_key`` (order id or 0) makes reviews without an order unique as well;
  duplicates already stored are removed, keeping the earliest.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 23:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
RUNNING_WHERE = sa.text("status = 'running'")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "user_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", TS, nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "key", name="uq_idempotency_owner_key"),
    )
    op.create_index("ix_idempotency_record_created_at", "idempotency_record", ["created_at"])
    op.create_table(
        "index_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_index_outbox_product_id", "index_outbox", ["product_id"])
    op.create_table(
        "lock_lease",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("feed_run") as batch:
        batch.add_column(sa.Column("worker", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", TS, nullable=True))
        batch.add_column(sa.Column("lease_expires_at", TS, nullable=True))
        batch.add_column(sa.Column("cancel_requested_at", TS, nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    # a run left 'running' by a process that died before this revision cannot hold the slot
    op.execute(
        "UPDATE feed_run SET status = 'failed', message = 'interrupted (found running at "
        "upgrade)' WHERE status = 'running'"
    )
    op.create_index(
        "uq_feed_run_one_running",
        "feed_run",
        ["retailer_id"],
        unique=True,
        sqlite_where=RUNNING_WHERE,
        postgresql_where=RUNNING_WHERE,
    )
    with op.batch_alter_table("cart") as batch:
        batch.add_column(sa.Column("last_checkout_ref", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("last_checkout_at", TS, nullable=True))

    # reviews: order_key = coalesce(order_id, 0), duplicates without an order removed
    with op.batch_alter_table("review") as batch:
        batch.add_column(
            sa.Column("order_key", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    op.execute("UPDATE review SET order_key = order_id WHERE order_id IS NOT NULL")
    op.execute(
        "DELETE FROM review WHERE id NOT IN (SELECT MIN(id) FROM review "
        "GROUP BY author_id, order_key, target_type, target_id) AND author_id IS NOT NULL"
    )
    with op.batch_alter_table("review") as batch:
        batch.drop_constraint("uq_review_author_target", type_="unique")
        batch.create_unique_constraint(
            "uq_review_author_target", ["author_id", "order_key", "target_type", "target_id"]
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("review") as batch:
        batch.drop_constraint("uq_review_author_target", type_="unique")
        batch.create_unique_constraint(
            "uq_review_author_target", ["author_id", "order_id", "target_type", "target_id"]
        )
        batch.drop_column("order_key")
    with op.batch_alter_table("cart") as batch:
        batch.drop_column("last_checkout_at")
        batch.drop_column("last_checkout_ref")
    op.drop_index("uq_feed_run_one_running", table_name="feed_run")
    with op.batch_alter_table("feed_run") as batch:
        batch.drop_column("attempts")
        batch.drop_column("cancel_requested_at")
        batch.drop_column("lease_expires_at")
        batch.drop_column("heartbeat_at")
        batch.drop_column("worker")
    op.drop_table("lock_lease")
    op.drop_index("ix_index_outbox_product_id", table_name="index_outbox")
    op.drop_table("index_outbox")
    op.drop_index("ix_idempotency_record_created_at", table_name="idempotency_record")
    op.drop_table("idempotency_record")
    op.drop_table("login_throttle")
    op.drop_index("ix_user_session_user_id", table_name="user_session")
    op.drop_table("user_session")
