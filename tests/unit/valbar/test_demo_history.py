"""The demo's order history is generated through the marketplace services, so retailer
signals are measured from it; worse retailers are late more often; it is made only once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import RetailerSignals, User
from indexer.jobs import factory_for
from marketplace.models import DemandEvent, Order, Review, ReviewReport
from tests.unit.ui.ui_support import seed, ui_settings
from valbar.demo_history import CLINICS, ensure_history

QUALITY = {"nordisk-dentaldepa": 0.95, "lagerbolaget": 0.45, "smilo": 0.9}


def test_a_demo_login_of_another_role_never_buys_or_reviews(tmp_path: Path) -> None:
    """The demo names its clinic login by address; an address that belongs to an admin (or
    a listed clinic address taken by a retailer's staff) is passed over, not made an author."""
    settings = ui_settings(tmp_path)
    _products, retailers = seed(settings)
    factory = factory_for(settings)
    with transaction(factory) as s:
        s.add(
            User(
                email=CLINICS[0][0],
                name="Inte en klinik",
                role="retailer",
                retailer_id=retailers["lagerbolaget"],
                password_hash="x",
            )
        )
    made = ensure_history(
        factory, QUALITY, "x", lambda _m: None, demo_clinic="admin@valbar.test", days=20
    )
    assert made["reviews"] > 0
    with factory() as s:
        authors = s.scalars(
            select(User.role).join(Review, Review.author_id == User.id).distinct()
        ).all()
        buyers = s.scalars(
            select(User.role).join(Order, Order.clinic_user_id == User.id).distinct()
        ).all()
    assert authors == ["clinic"] and buyers == ["clinic"]


def test_history_measures_signals_and_is_made_once(tmp_path: Path) -> None:
    settings = ui_settings(tmp_path)
    _products, retailers = seed(settings)
    factory = factory_for(settings)
    said: list[str] = []
    made = ensure_history(
        factory,
        QUALITY,
        "not-a-login",
        said.append,
        demo_retailer="nordisk-dentaldepa",
        demo_clinic="klinik@valbar.test",
        days=45,
    )
    assert made["orders"] > 100 and made["late"] > 0 and made["reviews"] > 0
    with factory() as s:
        rows = {r.retailer_id: r for r in s.scalars(select(RetailerSignals))}
        good, bad = rows[retailers["nordisk-dentaldepa"]], rows[retailers["lagerbolaget"]]
        assert {r.source for r in rows.values()} == {"measured"}
        assert good.delivery_count > 10 and bad.delivery_count > 10
        assert (good.delivery_precision or 0) > (bad.delivery_precision or 0)
        assert (good.review_overall or 0) > (bad.review_overall or 0)
        held = s.scalar(
            select(func.count())
            .select_from(Review)
            .where(Review.retailer_id == retailers["nordisk-dentaldepa"], Review.status == "held")
        )
        assert held == 1  # a fresh low review waits in the demo retailer's portal
        # the admins' moderation screen has work: a review held for them and open reports
        for_admins = s.scalar(
            select(func.count())
            .select_from(Review)
            .where(Review.retailer_id.is_(None), Review.status == "held")
        )
        assert for_admins == 1
        reports = s.scalars(select(ReviewReport).where(ReviewReport.resolved_at.is_(None))).all()
        assert len(reports) == 2
        for report in reports:
            review = s.get(Review, report.review_id)
            assert review is not None and review.author_id != report.reporter_id
        responded = s.scalar(
            select(func.count()).select_from(Review).where(Review.response.is_not(None))
        )
        unanswered_low = s.scalar(
            select(func.count())
            .select_from(Review)
            .where(Review.rating <= 2, Review.response.is_(None), Review.status == "published")
        )
        assert responded and unanswered_low
        assert (s.scalar(select(func.count()).select_from(DemandEvent)) or 0) > 1000
        orders = s.scalar(select(func.count()).select_from(Order))
    with factory() as s:  # issue 13 item 1: no review by a non-clinic user
        roles = s.scalars(
            select(User.role).join(Review, Review.author_id == User.id).distinct()
        ).all()
        assert roles == ["clinic"]
    assert ensure_history(factory, QUALITY, "x", said.append) == {}
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == orders
