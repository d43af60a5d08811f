"""The embedded default's periodic pass: overdue held reviews are published."""

from __future__ import annotations

from sqlalchemy import select

from api.housekeeping import run_once
from catalog.models import RetailerSignals
from catalog.settings import Settings
from marketplace import reviews
from marketplace.models import Review
from marketplace.reviews import ReviewDraft
from tests.unit.marketplace.mp_support import NOW, Market


def test_run_once_publishes_overdue_reviews_and_recomputes_signals(market: Market) -> None:
    with market.factory() as session:
        draft = ReviewDraft("retailer", market.retailers["tand"], 1, text="Kom aldrig fram.")
        held = reviews.submit_review(
            session, market.user(session, "clinic"), draft, now=NOW, response_days=7
        )
        session.commit()
        assert held.status == "held"
    counts = run_once(Settings(environment="test"), market.factory)
    assert counts["reviews_published"] == 1  # NOW is long past the 7-day window
    with market.factory() as session:
        review = session.scalar(select(Review))
        assert review is not None and review.status == "published"
        signals = session.get(RetailerSignals, market.retailers["tand"])
        assert signals is not None and signals.source == "measured"
    assert run_once(Settings(environment="test"), market.factory)["reviews_published"] == 0
