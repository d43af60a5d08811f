"""Reviews (PRODUCT.md point 5): 1..5 by clinic users, never anonymous, low ones held first.

* Only clinic users (role ``clinic``) review, a retailer, a product or a retailer's service:
  the "colleagues' reviews" are colleagues'. Retailer staff, merchandisers and admins never
  write one (:func:`require_reviewer`). The author's name and clinic are shown.
* The *retailer concerned* is the reviewed retailer, or for a product the retailer of the
  order it is tied to.
* Every rating <= 2 is ``held``, whatever its target, for ``response_days``. With a retailer
  concerned, the retailer is notified (``retailer_notified_at``) and may respond; the review
  is then published together with the response. Without one (a product review without an
  order) it waits in the admins' moderation queue (``marketplace.moderation``), who publish or
  remove it. Either way it is published when the window has passed and nobody acted
  (:func:`publish_due_reviews`, run by a Celery task and before every read).
* Rating >= 3: published at once.
* The retailer concerned may publicly respond to any of its reviews at any time.
* One review per user per order and target (a unique constraint; a concurrent duplicate
  rolls back and raises :class:`DuplicateReview`, never a database error);
  ``verified_purchase`` when tied to a delivered order of the author (ranking may weigh those
  more). Abuse reports and their resolution are in ``marketplace.moderation``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.db import rows_matched
from catalog.events import (
    ReviewEvent,
    ReviewHeld,
    ReviewPublished,
    ReviewSubmitted,
    publish,
)
from catalog.models import Product, Retailer, User
from catalog.paging import Page, page_rows
from marketplace.access import is_admin, logged_in, require_retailer_staff, staff_of
from marketplace.dates import as_utc
from marketplace.enums import REVIEW_DIMENSIONS, OrderStatus, ReviewState, ReviewTarget
from marketplace.errors import DuplicateReview, InvalidInput, NotAllowed, NotFound
from marketplace.models import Order, Review

HOLD_AT_OR_BELOW = 2
MAX_TEXT = 5000
FORMER_USER = "Tidigare användare"
"""Shown instead of the name of an author whose account was deleted (GDPR)."""


REVIEWER_ROLE = "clinic"


def require_reviewer(user: User | None) -> User:
    """A logged-in clinic user: only colleagues write the colleagues' reviews."""
    author = logged_in(user)
    if author.role != REVIEWER_ROLE:
        raise NotAllowed("only clinic users write reviews")
    return author


@dataclass(frozen=True, slots=True)
class ReviewDraft:
    """What a clinic writes: the target, 1..5, optional per-dimension ratings and text."""

    target_type: str
    target_id: int
    rating: int
    text: str = ""
    order_id: int | None = None
    dimensions: Mapping[str, int | None] | None = None


def _check_stars(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput(f"{name} must be a whole number 1..5", code="rating")


def _retailer_concerned(session: Session, draft: ReviewDraft, order: Order | None) -> int | None:
    target = draft.target_type
    if target in (ReviewTarget.RETAILER, ReviewTarget.SERVICE):
        if session.get(Retailer, draft.target_id) is None:
            raise NotFound(f"no retailer {draft.target_id}")
        if order is not None and order.retailer_id != draft.target_id:
            raise InvalidInput("the order is not from the reviewed retailer")
        return draft.target_id
    if target == ReviewTarget.PRODUCT:
        if session.get(Product, draft.target_id) is None:
            raise NotFound(f"no product {draft.target_id}")
        if order is None:
            return None
        if draft.target_id not in {line.product_id for line in order.lines}:
            raise InvalidInput("the product is not in the order")
        return order.retailer_id
    raise InvalidInput(f"target_type must be one of {', '.join(t.value for t in ReviewTarget)}")


DUPLICATE_MESSAGE = (
    "duplicate review: you have already reviewed this (one review per order and target)"
)


def _duplicate(session: Session, author_id: int, draft: ReviewDraft) -> int | None:
    """The id of the author's review of this target and order (or of it without an order)."""
    return session.scalar(
        select(Review.id).where(
            Review.author_id == author_id,
            Review.target_type == draft.target_type,
            Review.target_id == draft.target_id,
            Review.order_key == (draft.order_id or 0),
        )
    )


def submit_review(
    session: Session,
    user: User | None,
    draft: ReviewDraft,
    *,
    now: datetime,
    response_days: int,
) -> Review:
    """Create a review by a clinic user: ``held`` (rating <= 2) or ``published``."""
    author = require_reviewer(user)
    _check_stars("rating", draft.rating)
    dimensions = {k: v for k, v in (draft.dimensions or {}).items() if v is not None}
    for name, value in dimensions.items():
        if name not in REVIEW_DIMENSIONS:
            raise InvalidInput(f"unknown rating dimension {name!r}")
        _check_stars(name, value)
    if dimensions and draft.target_type == ReviewTarget.PRODUCT:
        raise InvalidInput("dimension ratings are for retailers and services")
    text = draft.text.strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            f"text is longer than {MAX_TEXT} characters", code="text_length", high=MAX_TEXT
        )
    order: Order | None = None
    if draft.order_id is not None:
        order = session.get(Order, draft.order_id)
        if order is None:
            raise NotFound(f"no order {draft.order_id}")
        if order.clinic_user_id != author.id:
            raise NotAllowed("a review can only be tied to your own order")
    retailer_id = _retailer_concerned(session, draft, order)
    if _duplicate(session, author.id, draft) is not None:
        raise DuplicateReview(DUPLICATE_MESSAGE)
    now = as_utc(now)
    review = Review(
        author_id=author.id,
        target_type=draft.target_type,
        target_id=draft.target_id,
        retailer_id=retailer_id,
        order_id=draft.order_id,
        order_key=draft.order_id or 0,
        rating=draft.rating,
        text=text,
        verified_purchase=order is not None and order.status == OrderStatus.DELIVERED,
        created_at=now,
        **dimensions,
    )
    if draft.rating <= HOLD_AT_OR_BELOW:
        # held for the retailer concerned, or without one for the admins' moderation
        review.status = ReviewState.HELD.value
        review.retailer_notified_at = now if retailer_id is not None else None
        review.response_due_at = now + timedelta(days=response_days)
    else:
        review.status = ReviewState.PUBLISHED.value
        review.published_at = now
    session.add(review)
    try:
        session.flush()
    except IntegrityError:
        # a concurrent post of the same review committed first (the unique constraint on
        # author, order_key, target): this transaction is spoiled, roll it back and say so
        session.rollback()
        if _duplicate(session, author.id, draft) is not None:
            raise DuplicateReview(DUPLICATE_MESSAGE) from None
        raise
    publish(session, review_event(ReviewSubmitted, review))
    held = review.status == ReviewState.HELD
    publish(session, review_event(ReviewHeld if held else ReviewPublished, review))
    return review


def review_event(kind: type[ReviewEvent], review: Review) -> ReviewEvent:
    return kind(review_id=review.id, retailer_id=review.retailer_id)


TWIN_WINDOW = timedelta(minutes=2)
"""A duplicate review this soon after the first, with the same rating and text, is a double
submit of one form (:func:`recent_twin`)."""


def recent_twin(
    session: Session, user: User | None, draft: ReviewDraft, *, now: datetime
) -> Review | None:
    """The author's review that made ``draft`` a :class:`DuplicateReview` when it is the same
    review posted twice (same rating, dimensions and text, less than ``TWIN_WINDOW`` ago):
    the form's double click, to be answered as the first submit was, not as an error."""
    review_id = _duplicate(session, logged_in(user).id, draft)
    review = session.get(Review, review_id) if review_id is not None else None
    if review is None or as_utc(now) - as_utc(review.created_at) > TWIN_WINDOW:
        return None
    dimensions = {k: v for k, v in (draft.dimensions or {}).items() if v is not None}
    same = (
        review.rating == draft.rating
        and review.text == draft.text.strip()
        and all(getattr(review, name) == dimensions.get(name) for name in REVIEW_DIMENSIONS)
    )
    return review if same else None


def shown_review(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None or review.status == ReviewState.REMOVED:
        raise NotFound(f"no review {review_id}")
    return review


def respond(
    session: Session, user: User | None, review_id: int, text: str, *, now: datetime
) -> Review:
    """The retailer concerned answers publicly; a held review is published with the answer."""
    review = shown_review(session, review_id)
    viewer = logged_in(user)
    if review.status == ReviewState.HELD and not (
        is_admin(viewer)
        or (review.retailer_id is not None and staff_of(viewer, review.retailer_id))
    ):
        raise NotFound(f"no review {review_id}")  # held: only its retailer and admins see it
    if review.retailer_id is None:
        raise NotAllowed("no retailer is concerned by this review")
    responder = require_retailer_staff(viewer, review.retailer_id, admin_ok=False)
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(
            f"a response needs 1..{MAX_TEXT} characters", code="text_length", high=MAX_TEXT
        )
    now = as_utc(now)
    review.response = text
    review.responded_at = now
    review.responder_id = responder.id
    if review.status == ReviewState.HELD:
        review.status = ReviewState.PUBLISHED.value
        review.published_at = now
        publish(session, review_event(ReviewPublished, review))
    session.flush()
    return review


def publish_due_reviews(session: Session, now: datetime) -> list[Review]:
    """Publish held reviews whose response window has passed (without a response). Each is
    one conditional UPDATE (``... WHERE status = 'held'``): a review an admin removed or the
    retailer answered meanwhile is left as they decided, never published over it."""
    now = as_utc(now)
    due = session.scalars(
        select(Review).where(Review.status == ReviewState.HELD.value, Review.response_due_at <= now)
    ).all()
    published = []
    for review in due:
        claimed = rows_matched(
            session.execute(
                update(Review)
                .where(Review.id == review.id, Review.status == ReviewState.HELD.value)
                .values(status=ReviewState.PUBLISHED.value, published_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        session.refresh(review)
        if claimed == 1:
            published.append(review)
            publish(session, review_event(ReviewPublished, review))
    session.flush()
    return published


@dataclass(frozen=True, slots=True)
class ShownReview:
    """A review as the public sees it: with the author's name and clinic."""

    review: Review
    author_name: str
    author_clinic: str | None


def _shown(review: Review, author: User | None) -> ShownReview:
    if author is None:
        return ShownReview(review, FORMER_USER, None)
    return ShownReview(review, author.name, author.clinic)


def _published_query(target_type: str, target_id: int) -> Select[Review, User]:
    return (
        select(Review, User)
        .outerjoin(User, User.id == Review.author_id)
        .where(
            Review.target_type == target_type,
            Review.target_id == target_id,
            Review.status == ReviewState.PUBLISHED.value,
        )
        .order_by(Review.published_at.desc(), Review.id.desc())
    )


def published_reviews(
    session: Session, target_type: str, target_id: int, *, now: datetime
) -> list[ShownReview]:
    """The target's published reviews, newest first (due held reviews are published first)."""
    publish_due_reviews(session, now)
    rows = session.execute(_published_query(target_type, target_id)).all()
    return [_shown(review, author) for review, author in rows]


def published_reviews_page(
    session: Session, target_type: str, target_id: int, *, now: datetime, limit: int, offset: int
) -> Page:
    """One page of :func:`published_reviews` (``ShownReview`` items) and their count."""
    publish_due_reviews(session, now)
    query = _published_query(target_type, target_id)
    rows, total = page_rows(session, query, limit=limit, offset=offset)
    return Page([_shown(review, author) for review, author in rows], total, limit, offset)


def _held_query(retailer_id: int) -> Select[Review, User]:
    return (
        select(Review, User)
        .outerjoin(User, User.id == Review.author_id)
        .where(Review.retailer_id == retailer_id, Review.status == ReviewState.HELD.value)
        .order_by(Review.response_due_at, Review.id)
    )


def held_reviews(session: Session, user: User | None, retailer_id: int) -> list[ShownReview]:
    """Low reviews waiting for the retailer's response (its own staff or admins only)."""
    require_retailer_staff(user, retailer_id)
    rows = session.execute(_held_query(retailer_id)).all()
    return [_shown(review, author) for review, author in rows]


def held_reviews_page(
    session: Session, user: User | None, retailer_id: int, *, limit: int, offset: int
) -> Page:
    """One page of :func:`held_reviews` (``ShownReview`` items) and their count."""
    require_retailer_staff(user, retailer_id)
    rows, total = page_rows(session, _held_query(retailer_id), limit=limit, offset=offset)
    return Page([_shown(review, author) for review, author in rows], total, limit, offset)


def retailer_published_reviews(
    session: Session, retailer_id: int, *, limit: int
) -> list[ShownReview]:
    """The newest ``limit`` published reviews concerning the retailer (of it, its service
    or products bought from it), with their authors."""
    rows = session.execute(
        select(Review, User)
        .outerjoin(User, User.id == Review.author_id)
        .where(Review.retailer_id == retailer_id, Review.status == ReviewState.PUBLISHED.value)
        .order_by(Review.published_at.desc(), Review.id.desc())
        .limit(limit)
    ).all()
    return [_shown(review, author) for review, author in rows]


def reviewed_retailer_in_order(session: Session, author_id: int, order_id: int) -> bool:
    """Whether the author has reviewed the retailer of this order (tied to the order)."""
    found = session.scalar(
        select(Review.id).where(
            Review.author_id == author_id,
            Review.order_id == order_id,
            Review.target_type == ReviewTarget.RETAILER.value,
        )
    )
    return found is not None


def reviewed_order_ids(
    session: Session, author_id: int, target_type: str, target_id: int
) -> set[int]:
    """The orders the author has already tied a review of this target to (the form never
    offers them again)."""
    rows = session.scalars(
        select(Review.order_id).where(
            Review.author_id == author_id,
            Review.target_type == target_type,
            Review.target_id == target_id,
            Review.order_id.is_not(None),
        )
    )
    return {int(order_id) for order_id in rows if order_id is not None}
