"""notifications: e-mail preferences per user, organisations' signed webhooks

- ``notification_preference``: per user, the language of their e-mail and, per
  notification kind, whether it is also sent by e-mail.
- ``webhook_endpoint``: an organisation's URL, the event kinds it receives, its signing
  secret.
- ``webhook_delivery``: each event sent to an endpoint (status, attempts, response code and
  a short excerpt, next attempt): the delivery log and the retry queue.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 11:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "notification_preference",
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("email", sa.JSON(), nullable=False),
        sa.Column("updated_at", ts, nullable=False),
    )
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", ts, nullable=False),
        sa.UniqueConstraint("organisation_id", "url", name="uq_webhook_endpoint_org_url"),
    )
    op.create_index("ix_webhook_endpoint_organisation_id", "webhook_endpoint", ["organisation_id"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "endpoint_id",
            sa.Integer(),
            sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("response_excerpt", sa.String(length=300), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", ts, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("delivered_at", ts, nullable=True),
        sa.UniqueConstraint("endpoint_id", "dedupe_key", name="uq_webhook_delivery_endpoint_key"),
    )
    op.create_index("ix_webhook_delivery_endpoint_id", "webhook_delivery", ["endpoint_id"])
    op.create_index(
        "ix_webhook_delivery_status_next", "webhook_delivery", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_webhook_delivery_status_next", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_endpoint_id", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index("ix_webhook_endpoint_organisation_id", table_name="webhook_endpoint")
    op.drop_table("webhook_endpoint")
    op.drop_table("notification_preference")
