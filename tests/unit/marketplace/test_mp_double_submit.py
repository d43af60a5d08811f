"""A cart checked out twice, and a review posted twice by racing requests: the second is
answered with what the first did (its orders; 'duplicate review'), never a second order set
or a database error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import cart, orders, reviews
from marketplace.errors import AlreadyCheckedOut, DuplicateReview, EmptyCart
from marketplace.models import Cart, Order, Review
from marketplace.reviews import ReviewDraft
from tests.unit.marketplace.mp_support import NOW, Market


def _fill(s: Session, m: Market) -> None:
    clinic = m.user(s, "clinic")
    cart.add_item(s, clinic, m.offers["glove_tand"], 1, now=NOW)
    cart.add_item(s, clinic, m.offers["glove_nord"], 1, now=NOW)


def test_a_repeated_checkout_is_answered_with_the_orders_placed(market: Market) -> None:
    with market.factory() as s:
        _fill(s, market)
        placed = orders.checkout(s, market.user(s, "clinic"), now=NOW)
        s.commit()
    with market.factory() as s:
        with pytest.raises(AlreadyCheckedOut) as repeated:
            orders.checkout(s, market.user(s, "clinic"), now=NOW + timedelta(seconds=5))
        assert repeated.value.checkout_ref == placed[0].checkout_ref
        assert sorted(repeated.value.order_ids) == sorted(o.id for o in placed)
        stored = s.scalar(select(Cart))
        assert stored is not None and stored.last_checkout_ref == placed[0].checkout_ref
        assert s.scalar(select(func.count()).select_from(Order)) == 2
    with market.factory() as s:  # long after: just an empty cart
        later = NOW + orders.REPEAT_WINDOW + timedelta(seconds=1)
        with pytest.raises(EmptyCart):
            orders.checkout(s, market.user(s, "clinic"), now=later)


def test_a_refilled_cart_is_checked_out_again(market: Market) -> None:
    with market.factory() as s:
        _fill(s, market)
        first = orders.checkout(s, market.user(s, "clinic"), now=NOW)
        s.commit()
        _fill(s, market)
        second = orders.checkout(s, market.user(s, "clinic"), now=NOW + timedelta(seconds=1))
        s.commit()
    assert first[0].checkout_ref != second[0].checkout_ref


def test_a_review_inserted_by_a_racing_request_is_a_duplicate_not_an_error(
    market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The racing request passed the duplicate check before the other one committed: its
    insert hits the unique constraint, which is reported as a duplicate review."""
    draft = ReviewDraft("retailer", market.retailers["tand"], 4, text="Bra")
    with market.factory() as s:
        reviews.submit_review(s, market.user(s, "clinic"), draft, now=NOW, response_days=7)
        s.commit()
    real = reviews._duplicate
    calls: list[object] = []

    def racing_check(*args: object) -> int | None:
        calls.append(args)  # the first check ran before the other request committed
        return None if len(calls) == 1 else real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(reviews, "_duplicate", racing_check)
    with market.factory() as s, pytest.raises(DuplicateReview, match="duplicate review"):
        reviews.submit_review(s, market.user(s, "clinic"), draft, now=NOW, response_days=7)
    with market.factory() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 1
