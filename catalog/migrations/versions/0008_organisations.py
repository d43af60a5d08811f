"""organisations: retailers and clinics as legal entities with members; the audit trail

- ``organisation``: kind (retailer | clinic), name, organisationsnummer (canonical
  ``NNNNNN-NNNN``, unique per kind; NULL for an organisation migrated from before), VAT
  number, address, status (pending | active | suspended | refused) with reason, who and
  when, the retailer it owns, the terms accepted (version, time).
- ``app_user.organisation_id`` and ``app_user.org_role`` (representative | staff for a
  retailer, manager | buyer for a clinic).
- ``audit_entry``: who did what to whom.

Existing users are migrated: every retailer becomes an active retailer organisation; its
earliest user is its representative, the others staff. Clinic users are grouped by the
clinic name they gave (their own name when none) into active clinic organisations; the
earliest user of each is its manager, the others buyers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 11:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("org_number", sa.String(length=11), nullable=True),
        sa.Column("vat_number", sa.String(length=14), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status_changed_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "retailer_id", sa.Integer(), sa.ForeignKey("retailer.id"), nullable=True, unique=True
        ),
        sa.Column("terms_version", sa.String(length=20), nullable=True),
        sa.Column("terms_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "org_number", name="uq_organisation_kind_number"),
    )
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("org_role", sa.String(length=20), nullable=True))
        batch.create_foreign_key(
            "fk_app_user_organisation", "organisation", ["organisation_id"], ["id"]
        )
        batch.create_index("ix_app_user_organisation_id", ["organisation_id"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "actor_user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_kind", sa.String(length=30), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_target", "audit_entry", ["target_kind", "target_id"])
    _migrate_members()


def _migrate_members() -> None:
    bind = op.get_bind()
    now = sa.func.now() if bind.dialect.name == "postgresql" else sa.text("CURRENT_TIMESTAMP")
    org = sa.table(
        "organisation",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("status", sa.String),
        sa.column("retailer_id", sa.Integer),
        sa.column("created_at", sa.DateTime),
    )
    user = sa.table(
        "app_user",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("clinic", sa.String),
        sa.column("role", sa.String),
        sa.column("retailer_id", sa.Integer),
        sa.column("organisation_id", sa.Integer),
        sa.column("org_role", sa.String),
    )
    retailers = bind.execute(sa.text("SELECT id, name FROM retailer ORDER BY id")).all()
    for rid, name in retailers:
        org_id = bind.execute(
            org.insert()
            .values(kind="retailer", name=name, status="active", retailer_id=rid, created_at=now)
            .returning(org.c.id)
        ).scalar_one()
        members = bind.execute(
            sa.select(user.c.id)
            .where(user.c.role == "retailer", user.c.retailer_id == rid)
            .order_by(user.c.id)
        ).scalars()
        for i, uid in enumerate(members):
            bind.execute(
                user.update()
                .where(user.c.id == uid)
                .values(organisation_id=org_id, org_role="representative" if i == 0 else "staff")
            )
    clinics: dict[str, int] = {}
    rows = bind.execute(
        sa.select(user.c.id, user.c.name, user.c.clinic)
        .where(user.c.role == "clinic")
        .order_by(user.c.id)
    ).all()
    for uid, uname, clinic in rows:
        name = (clinic or "").strip() or uname
        first = name not in clinics
        if first:
            clinics[name] = bind.execute(
                org.insert()
                .values(kind="clinic", name=name, status="active", created_at=now)
                .returning(org.c.id)
            ).scalar_one()
        bind.execute(
            user.update()
            .where(user.c.id == uid)
            .values(
                organisation_id=clinics[name],
                org_role="manager" if first else "buyer",
                clinic=name,
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_audit_entry_target", table_name="audit_entry")
    op.drop_index("ix_audit_entry_at", table_name="audit_entry")
    op.drop_table("audit_entry")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_index("ix_app_user_organisation_id")
        batch.drop_constraint("fk_app_user_organisation", type_="foreignkey")
        batch.drop_column("org_role")
        batch.drop_column("organisation_id")
    op.drop_table("organisation")
