"""Migrations 0017, 0019, 0021 and 0022 (by hand) and loyalty.models describe the same schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

import loyalty.engagement_models  # registers the tables on Base.metadata
import loyalty.models  # noqa: F401 - registers the tables on Base.metadata
from catalog.db import alembic_config, make_engine, session_factory
from loyalty import earned
from tests.factories import ENGINES
from tests.schema_match import assert_tables_match_migration

LOYALTY_TABLES = {
    "loyalty_programme",
    "loyalty_membership",
    "loyalty_participant",
    "loyalty_account",
    "loyalty_entry",
    "loyalty_order_handler",
    "loyalty_reward",
    "loyalty_shop_policy",
    "loyalty_basket_item",
    "loyalty_redemption",
    "loyalty_redemption_line",
    # 0019: engagement
    "loyalty_campaign",
    "loyalty_quiz",
    "loyalty_quiz_attempt",
    "loyalty_monthly_award",
    "loyalty_programme_settings",
    "loyalty_held_credit",
    # 0021: photo activities
    "loyalty_photo_activity",
    "loyalty_photo_submission",
    # 0022: recruiting, suggestions, surveys, contests
    "loyalty_engagement_settings",
    "loyalty_referral_code",
    "loyalty_referral",
    "loyalty_suggestion",
    "loyalty_survey",
    "loyalty_survey_response",
    "loyalty_contest",
    "loyalty_contest_result",
    # 0025: points earned per month
    "loyalty_earned_points",
    "loyalty_earned_store_points",
}


def test_every_loyalty_table_matches_the_migrated_schema(template_db: Path) -> None:
    assert_tables_match_migration(template_db, LOYALTY_TABLES)


def test_0017_downgrades_and_upgrades_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), "0017-1")  # one step: the revision before loyalty's
    engine = make_engine(url)
    ENGINES.append(engine)
    assert not LOYALTY_TABLES & set(inspect(engine).get_table_names())
    command.upgrade(alembic_config(url), "head")
    assert set(inspect(engine).get_table_names()) >= LOYALTY_TABLES


def test_0025_fills_the_points_earned_from_the_existing_ledger(tmp_path: Path) -> None:
    """Entries made before the table existed count on the boards: per Swedish month
    (23:30 UTC on 31 January is February in Stockholm) and in all, clawbacks subtracted,
    spending not."""

    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    command.upgrade(alembic_config(url), "0020")
    engine = make_engine(url)
    ENGINES.append(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO loyalty_programme (id, name, sponsor_name, points_per_krona, "
                "point_value_ore, expiry_months, active, created_at) "
                "VALUES (1, 'P', 'S', 1, 5, 12, 1, '2026-01-01 00:00:00.000000')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO organisation (id, kind, name, status, created_at) "
                "VALUES (1, 'retailer', 'Tand AB', 'active', '2026-01-01 00:00:00.000000')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO loyalty_membership (id, programme_id, organisation_id, "
                "terms_version, terms_accepted_at, created_at) VALUES (9, 1, 1, '2026-12', "
                "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')"
            )
        )
        for aid, key, kind in (
            (1, "p1:sponsor", "sponsor"),
            (2, "p1:member:9", "member"),
            (3, "p1:shop", "shop"),
        ):
            conn.execute(
                text(
                    "INSERT INTO loyalty_account (id, key, programme_id, kind, membership_id, "
                    "balance, overdraft_allowed, created_at) VALUES (:id, :key, 1, :kind, "
                    ":membership, 0, 0, '2026-01-01 00:00:00.000000')"
                ),
                {
                    "id": aid,
                    "key": key,
                    "kind": kind,
                    "membership": 9 if kind == "member" else None,
                },
            )
        for n, (src, dst, points, at) in enumerate(
            [
                (1, 2, 100, "2026-01-15 10:00:00.000000"),
                (1, 2, 40, "2026-01-31 23:30:00.000000"),
                (2, 1, 15, "2026-02-02 10:00:00.000000"),
                (2, 3, 50, "2026-02-03 10:00:00.000000"),
            ]
        ):
            conn.execute(
                text(
                    "INSERT INTO loyalty_entry (programme_id, source_account_id, "
                    "destination_account_id, points, kind, reason, idempotency_key, created_at) "
                    "VALUES (1, :src, :dst, :points, 'adjustment', 'r', :key, :at)"
                ),
                {"src": src, "dst": dst, "points": points, "key": f"k{n}", "at": at},
            )
    command.upgrade(alembic_config(url), "head")
    with session_factory(engine)() as s:
        assert earned.stored(s, 1) == {
            ("account", "2026-01", 2): 100,
            ("account", "2026-02", 2): 25,
            ("account", earned.ALL, 2): 125,
            ("store", "2026-01", 9): 100,
            ("store", "2026-02", 9): 25,
            ("store", earned.ALL, 9): 125,
        }
        assert earned.stored(s, 1) == earned.from_entries(s, 1)
