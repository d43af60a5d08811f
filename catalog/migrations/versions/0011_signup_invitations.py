"""sign-up confirmation and invitations

- ``organisation.submitted_at``: when the sign-up's e-mail address was confirmed (the
  sign-up then waits for an admin); NULL for a sign-up not yet confirmed and for
  organisations an admin or the command line created.
- ``invitation``: a member's invitation to join an organisation with an org role; only the
  sha256 of the link's token is stored. ``open_email`` is the address while the invitation
  is open (NULL once accepted or revoked), unique per organisation, so one address has at
  most one open invitation per organisation however many are sent at once.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    ts = sa.DateTime(timezone=True)
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("submitted_at", ts, nullable=True))
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("open_email", sa.String(length=254), nullable=True),
        sa.Column("org_role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "invited_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("expires_at", ts, nullable=False),
        sa.Column("accepted_at", ts, nullable=True),
        sa.Column(
            "accepted_user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("revoked_at", ts, nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_invitation_token_hash"),
        sa.UniqueConstraint("organisation_id", "open_email", name="uq_invitation_open_email"),
    )
    op.create_index("ix_invitation_organisation_id", "invitation", ["organisation_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_invitation_organisation_id", table_name="invitation")
    op.drop_table("invitation")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("submitted_at")
