"""Abuse reports and the admins' moderation (issue 13 item 3): dismiss or remove with a
reason, the audit trail, one outcome when two admins decide at once, the author notified."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.events import EventBus, ReviewPublished, ReviewRemoved, attach, pending
from marketplace import moderation, notifications, reviews
from marketplace.dates import as_utc
from marketplace.errors import AlreadyDecided, DuplicateReport, InvalidInput, NotAllowed, NotFound
from marketplace.models import Notification, Review, ReviewReport
from marketplace.reviews import ReviewDraft
from tests.unit.marketplace.mp_support import NOW, Market

DAYS = 7
LATER = NOW + timedelta(hours=1)


def _review(s: Session, m: Market, rating: int = 5, target: str = "retailer") -> Review:
    target_id = m.products["glove"] if target == "product" else m.retailers["tand"]
    draft = ReviewDraft(target, target_id, rating, "Usel service, personalen är idioter")
    return reviews.submit_review(s, m.user(s, "clinic"), draft, now=NOW, response_days=DAYS)


def _report(s: Session, m: Market, review: Review, who: str = "clinic2") -> ReviewReport:
    return moderation.report_review(s, m.user(s, who), review.id, "Kränkande", now=NOW)


def test_dismissing_keeps_the_review_and_records_who_when_and_why(
    session: Session, market: Market
) -> None:
    review = _review(session, market)
    report = _report(session, market, review)
    admin = market.user(session, "admin")
    assert [q.report.id for q in moderation.open_reports(session, admin)] == [report.id]
    moderation.resolve_report(
        session, admin, report.id, remove=False, reason="Skarpt men sakligt", now=LATER
    )
    assert review.status == "published"
    assert (
        report.outcome,
        report.resolver_id,
        report.resolution_reason,
        as_utc(report.resolved_at),
    ) == (
        "dismissed",
        admin.id,
        "Skarpt men sakligt",
        LATER,
    )
    assert moderation.open_reports(session, admin) == []
    (past,) = moderation.resolved_reports(session, admin)
    assert (past.report.id, past.resolver_name, past.reporter_name) == (report.id, "Ada", "Dino")
    assert not any(isinstance(e, ReviewRemoved) for e in pending(session))


def test_removing_hides_the_review_closes_its_reports_and_publishes_removed(
    session: Session, market: Market
) -> None:
    review = _review(session, market)
    first = _report(session, market, review)
    second = _report(session, market, review, who="clinic3")
    admin = market.user(session, "admin")
    moderation.resolve_report(
        session, admin, first.id, remove=True, reason="Personangrepp", now=LATER
    )
    session.refresh(second)
    assert review.status == "removed" and review.moderation_reason == "Personangrepp"
    assert (second.outcome, second.resolver_id) == ("removed", admin.id)
    assert moderation.open_reports(session, admin) == []
    assert reviews.published_reviews(session, "retailer", market.retailers["tand"], now=LATER) == []
    removed = [e for e in pending(session) if isinstance(e, ReviewRemoved)]
    assert [e.review_id for e in removed] == [review.id]


def test_a_reason_is_required_and_only_admins_resolve(session: Session, market: Market) -> None:
    report = _report(session, market, _review(session, market))
    with pytest.raises(InvalidInput, match="reason"):
        moderation.resolve_report(
            session, market.user(session, "admin"), report.id, remove=True, reason="  ", now=NOW
        )
    for who in ("clinic", "tand_staff", "merch"):
        with pytest.raises(NotAllowed):
            moderation.resolve_report(
                session, market.user(session, who), report.id, remove=True, reason="x", now=NOW
            )
    assert report.resolved_at is None


def test_one_report_per_user_and_review(session: Session, market: Market) -> None:
    review = _review(session, market)
    _report(session, market, review)
    with pytest.raises(DuplicateReport):
        _report(session, market, review)


def test_two_admins_resolving_the_same_report_get_one_outcome(market: Market) -> None:
    """Both admins have the open report on screen; the second decision is refused, and the
    first one (dismissed) stands: the review is not removed behind it."""
    with market.factory() as s:
        report_id = _report(s, market, _review(s, market)).id
        s.commit()
    first, second = market.factory(), market.factory()
    try:
        assert first.get(ReviewReport, report_id) is not None
        assert second.get(ReviewReport, report_id) is not None  # both loaded it open
        moderation.resolve_report(
            first, market.user(first, "admin"), report_id, remove=False, reason="ok", now=LATER
        )
        first.commit()
        with pytest.raises(AlreadyDecided):
            moderation.resolve_report(
                second,
                market.user(second, "admin2"),
                report_id,
                remove=True,
                reason="bort",
                now=LATER,
            )
        second.rollback()
    finally:
        first.close()
        second.close()
    with market.factory() as s:
        report = s.get(ReviewReport, report_id)
        assert report is not None and report.outcome == "dismissed"
        assert s.scalars(select(Review.status)).all() == ["published"]


def test_admin_publishes_or_removes_a_held_product_review_without_an_order(
    session: Session, market: Market
) -> None:
    admin = market.user(session, "admin")
    kept = _review(session, market, 2, target="product")
    moderation.moderate_review(session, admin, kept.id, "publish", reason="Sakligt", now=LATER)
    assert (kept.status, as_utc(kept.published_at), kept.moderator_id) == (
        "published",
        LATER,
        admin.id,
    )
    assert any(isinstance(e, ReviewPublished) and e.review_id == kept.id for e in pending(session))
    with pytest.raises(AlreadyDecided):
        moderation.moderate_review(session, admin, kept.id, "publish", reason="igen", now=LATER)
    gone = reviews.submit_review(
        session,
        market.user(session, "clinic2"),
        ReviewDraft("product", market.products["glove"], 1, "Skräp"),
        now=NOW,
        response_days=DAYS,
    )
    moderation.moderate_review(session, admin, gone.id, "remove", reason="Spam", now=LATER)
    assert gone.status == "removed"
    assert moderation.held_for_admins(session, admin) == []
    history = moderation.moderation_history(session, admin)
    assert [(m.review.review.id, m.moderator_name) for m in history] == [
        (gone.id, "Ada"),
        (kept.id, "Ada"),
    ]
    with pytest.raises(InvalidInput, match="decision"):
        moderation.moderate_review(session, admin, kept.id, "hide", reason="x", now=LATER)


def test_held_review_with_a_retailer_is_not_published_by_an_admin(
    session: Session, market: Market
) -> None:
    review = _review(session, market, 1)  # the retailer concerned answers it
    with pytest.raises(InvalidInput, match="retailer"):
        moderation.moderate_review(
            session, market.user(session, "admin"), review.id, "publish", reason="x", now=NOW
        )


def test_the_author_of_a_removed_review_is_notified_once(market: Market) -> None:
    bus = EventBus()
    attach(market.factory, bus)
    notifications.subscribe(bus, market.factory)
    notifications.subscribe(bus, market.factory)  # wired twice: still one subscriber
    with market.factory() as s:
        report_id = _report(s, market, _review(s, market)).id
        s.commit()
        moderation.resolve_report(
            s, market.user(s, "admin"), report_id, remove=True, reason="Personangrepp", now=LATER
        )
        s.commit()
    with market.factory() as s:
        author = market.user(s, "clinic")
        (note,) = notifications.notifications_for(s, author)
        assert note.kind == notifications.REVIEW_REMOVED
        assert note.values["reason"] == "Personangrepp"
        assert note.values["target"] == "Tand AB"
        review_id = s.scalars(select(Review.id)).one()
        assert notifications.review_removed(s, review_id, now=LATER) is False  # once
        assert s.query(Notification).count() == 1
        assert notifications.notifications_for(s, market.user(s, "clinic2")) == []
    assert bus.failures == 0


def test_nobody_reports_their_own_review_nor_one_they_cannot_see(
    session: Session, market: Market
) -> None:
    """Before, the author could report their own review into the admins' queue, and anybody
    could report a held review by its id (the queue learnt of a review nobody was shown,
    and the 201 told the reporter it existed)."""
    published = _review(session, market, rating=5)
    with pytest.raises(NotAllowed):
        moderation.report_review(
            session, market.user(session, "clinic"), published.id, "x", now=NOW
        )
    draft = ReviewDraft("retailer", market.retailers["tand"], 1, "Sen leverans", None)
    held = reviews.submit_review(
        session, market.user(session, "clinic2"), draft, now=NOW, response_days=DAYS
    )
    assert held.status == "held"
    for who in ("clinic3", "nord_staff", "merch"):
        with pytest.raises(NotFound):
            moderation.report_review(session, market.user(session, who), held.id, "x", now=NOW)
    # the retailer concerned sees it in its portal and may report it
    report = moderation.report_review(
        session, market.user(session, "tand_staff"), held.id, "Osant", now=NOW
    )
    assert report.review_id == held.id
    assert session.scalars(select(ReviewReport.reporter_id)).all() == [
        market.user(session, "tand_staff").id
    ]
