"""Fixtures of the marketplace unit tests (a migrated, seeded SQLite per test)."""

from tests.unit.marketplace.mp_support import market, session, template_db

__all__ = ["market", "session", "template_db"]
