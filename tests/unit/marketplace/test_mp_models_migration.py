"""Migrations 0003-0004 (written by hand) and marketplace.models describe the same schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

import marketplace.models  # noqa: F401 - registers the tables on Base.metadata
from catalog.db import alembic_config, make_engine
from tests.factories import ENGINES
from tests.schema_match import assert_tables_match_migration

MARKETPLACE_TABLES = {
    "review",
    "review_report",
    "cart",
    "cart_item",
    "customer_order",
    "order_line",
    "rma",
    "campaign",
    "demand_event",
    "notification",
    "outgoing_email",
    "organisation",
    "audit_entry",
    "notification_preference",
    "webhook_endpoint",
    "webhook_delivery",
    "invitation",
    "feed_source",
    "feed_fetch",
}


def test_every_marketplace_table_matches_the_migrated_schema(template_db: Path) -> None:
    assert_tables_match_migration(template_db, MARKETPLACE_TABLES)


def test_0003_downgrades_and_upgrades_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), "0002")
    engine = make_engine(url)
    ENGINES.append(engine)
    assert not MARKETPLACE_TABLES & set(inspect(engine).get_table_names())
    command.upgrade(alembic_config(url), "head")
    assert set(inspect(engine).get_table_names()) >= MARKETPLACE_TABLES


def test_0004_downgrade_expands_folded_demand_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    ENGINES.append(engine)
    insert = (
        "INSERT INTO demand_event (kind, product_id, query, retailers, created_at, occurrences) "
        "VALUES ('search', 7, 'handskar', '[[1, 1]]', '2026-11-24 09:00:00', 3)"
    )
    with engine.begin() as conn:
        conn.execute(text(insert))
    command.downgrade(alembic_config(url), "0003")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, product_id, query FROM demand_event")).all()
    assert rows == [("search", 7, "handskar")] * 3
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT occurrences FROM demand_event")).scalars().all() == [1] * 3


def test_0006_keeps_one_report_per_reporter_and_renames_kept(tmp_path: Path) -> None:
    """Reports stored before 0006: a reporter's second report of a review goes (the first is
    kept), and the outcome "kept" becomes "dismissed"; downgrading turns it back."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    command.upgrade(alembic_config(url), "0005")
    engine = make_engine(url)
    ENGINES.append(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO app_user (id, email, name, role, password_hash, active, created_at) "
                "VALUES (1, 'c@x.se', 'C', 'clinic', 'x', 1, '2026-11-24 09:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO review (id, author_id, target_type, target_id, order_key, rating, "
                "text, status, verified_purchase, created_at) VALUES "
                "(1, 1, 'product', 1, 0, 5, '', 'published', 0, '2026-11-24 09:00:00')"
            )
        )
        for rid, outcome in ((1, "'kept'"), (2, "NULL"), (3, "NULL")):
            reporter = "NULL" if rid == 3 else "1"
            conn.execute(
                text(
                    "INSERT INTO review_report (id, review_id, reporter_id, reason, created_at, "
                    f"outcome) VALUES ({rid}, 1, {reporter}, 'r', '2026-11-24 09:00:00', "
                    f"{outcome})"
                )
            )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, outcome FROM review_report ORDER BY id")).all()
    assert rows == [(1, "dismissed"), (3, None)]
    command.downgrade(alembic_config(url), "0005")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT outcome FROM review_report WHERE id = 1")).scalar() == (
            "kept"
        )
