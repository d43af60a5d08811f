"""marketplace: reviews, carts, orders, RMA, campaigns, demand events

Written by hand (the catalog does not import ``marketplace.models``);
``tests/unit/marketplace/test_models_migration.py`` checks it against the models.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _user_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["app_user.id"], ondelete="SET NULL")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "customer_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkout_ref", sa.String(length=32), nullable=False),
        sa.Column("retailer_id", sa.Integer(), nullable=False),
        sa.Column("clinic_user_id", sa.Integer(), nullable=True),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("clinic_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Numeric(14, 2), nullable=False),
        sa.Column("placed_at", TS, nullable=False),
        sa.Column("confirmed_at", TS, nullable=True),
        sa.Column("promised_delivery_date", sa.Date(), nullable=True),
        sa.Column("shipped_at", TS, nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("delivered_by", sa.String(length=10), nullable=True),
        sa.Column("delivered_on_time", sa.Boolean(), nullable=True),
        sa.Column("cancelled_at", TS, nullable=True),
        sa.Column("cancel_reason", sa.String(length=20), nullable=True),
        sa.Column("cancel_note", sa.Text(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["retailer_id"], ["retailer.id"]),
        _user_fk("clinic_user_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_order_checkout_ref", "customer_order", ["checkout_ref"])
    op.create_index("ix_customer_order_clinic_user_id", "customer_order", ["clinic_user_id"])
    op.create_index(
        "ix_customer_order_retailer_status", "customer_order", ["retailer_id", "status"]
    )
    op.create_index("ix_customer_order_status_shipped", "customer_order", ["status", "shipped_at"])

    op.create_table(
        "order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("unit_price", sa.Numeric(14, 2), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("stock_status_at_checkout", sa.String(length=20), nullable=False),
        sa.Column("backordered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["customer_order.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["offer_id"], ["offer.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_order_line_order_id", "order_line", ["order_id"])
    op.create_index("ix_order_line_offer_id", "order_line", ["offer_id"])

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("target_type", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("retailer_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("delivery_precision", sa.SmallInteger(), nullable=True),
        sa.Column("availability", sa.SmallInteger(), nullable=True),
        sa.Column("treatment", sa.SmallInteger(), nullable=True),
        sa.Column("feedback", sa.SmallInteger(), nullable=True),
        sa.Column("rma", sa.SmallInteger(), nullable=True),
        sa.Column("competence", sa.SmallInteger(), nullable=True),
        sa.Column("price", sa.SmallInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("verified_purchase", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("retailer_notified_at", TS, nullable=True),
        sa.Column("response_due_at", TS, nullable=True),
        sa.Column("published_at", TS, nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_at", TS, nullable=True),
        sa.Column("responder_id", sa.Integer(), nullable=True),
        _user_fk("author_id"),
        _user_fk("responder_id"),
        sa.ForeignKeyConstraint(["retailer_id"], ["retailer.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["customer_order.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "author_id", "order_id", "target_type", "target_id", name="uq_review_author_target"
        ),
    )
    op.create_index("ix_review_author_id", "review", ["author_id"])
    op.create_index("ix_review_retailer_id", "review", ["retailer_id"])
    op.create_index("ix_review_target", "review", ["target_type", "target_id", "status"])
    op.create_index("ix_review_held_due", "review", ["status", "response_due_at"])

    op.create_table(
        "review_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"], ondelete="CASCADE"),
        _user_fk("reporter_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_report_review_id", "review_report", ["review_id"])

    op.create_table(
        "cart",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_table(
        "cart_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cart_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price_at_add", sa.Numeric(14, 2), nullable=True),
        sa.Column("stock_status_at_add", sa.String(length=20), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["cart_id"], ["cart.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["offer_id"], ["offer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cart_id", "offer_id", name="uq_cart_item_offer"),
    )
    op.create_index("ix_cart_item_cart_id", "cart_item", ["cart_id"])

    op.create_table(
        "rma",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("retailer_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"]),
        sa.ForeignKeyConstraint(["retailer_id"], ["retailer.id"]),
        _user_fk("requested_by"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rma_order_line_id", "rma", ["order_line_id"])
    op.create_index("ix_rma_retailer_id", "rma", ["retailer_id"])

    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("retailer_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_to", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["retailer_id"], ["retailer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_campaign_retailer_id", "campaign", ["retailer_id"])
    op.create_index("ix_campaign_validity", "campaign", ["valid_from", "valid_to"])

    op.create_table(
        "demand_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("query", sa.String(length=300), nullable=True),
        sa.Column("retailers", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_demand_event_kind_at", "demand_event", ["kind", "created_at"])
    op.create_index("ix_demand_event_product_at", "demand_event", ["product_id", "created_at"])


def downgrade() -> None:
    """Downgrade schema."""
    for table in (
        "demand_event",
        "campaign",
        "rma",
        "cart_item",
        "cart",
        "review_report",
        "review",
        "order_line",
        "customer_order",
    ):
        op.drop_table(table)
