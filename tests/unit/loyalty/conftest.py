from tests.unit.marketplace.mp_support import market, session, template_db

__all__ = ["market", "session", "template_db"]
