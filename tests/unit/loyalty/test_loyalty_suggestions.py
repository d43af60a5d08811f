"""Improvement suggestions: a seller submits (bounded, never twice), the sponsor accepts
with a grade (points once, as configured) or declines with a reason; a second decision is
refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import User
from loyalty import engagement_settings, suggestions
from loyalty.errors import InvalidInput, NotAllowed, NotFound
from loyalty.ledger import verify
from loyalty.limits import AlreadyDecided
from loyalty.models import Entry
from loyalty.suggestions import DuplicateSuggestion, fingerprint
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market


def _submit(market: Market, loyal: Loyal, title: str = "Fler storlekar", text: str = "XS") -> int:
    with transaction(market.factory) as s:
        seller = s.get_one(User, loyal.seller_id)
        return suggestions.submit(s, seller, loyal.programme_id, title=title, text=text, now=NOW).id


def test_fingerprint_ignores_case_and_spacing() -> None:
    assert fingerprint("Fler  storlekar", "XS\n och XXL") == fingerprint(
        "fler storlekar", "xs och xxl"
    )
    assert fingerprint("A", "B") != fingerprint("A", "C")


def test_a_suggestion_is_bounded_and_stored_once(market: Market) -> None:
    loyal = seed_loyalty(market)
    _submit(market, loyal)
    with transaction(market.factory) as s:
        seller = s.get_one(User, loyal.seller_id)
        with pytest.raises(DuplicateSuggestion):
            suggestions.submit(
                s, seller, loyal.programme_id, title="fler  STORLEKAR", text="xs", now=NOW
            )
        for title, text, field in [
            ("", "x", "title"),
            ("x" * 201, "x", "title"),
            ("x", "", "text"),
            ("x", "y" * 4001, "text"),
        ]:
            with pytest.raises(InvalidInput) as caught:
                suggestions.submit(s, seller, loyal.programme_id, title=title, text=text, now=NOW)
            assert caught.value.field == field
        with pytest.raises(NotFound):  # the representative does not take part
            suggestions.submit(
                s, s.get_one(User, loyal.rep_id), loyal.programme_id, title="a", text="b", now=NOW
            )
        mine, total = suggestions.mine(s, seller, loyal.programme_id)
        assert total == 1 and mine[0].status == "submitted"


def test_accepting_pays_the_grades_points_once(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        engagement_settings.set_engagement_settings(
            s,
            market.user(s, "admin"),
            loyal.programme_id,
            referral_points=250,
            suggestion_points={"small": 50, "medium": 150, "large": 400},
            now=NOW,
        )
    sid = _submit(market, loyal)
    with transaction(market.factory) as s:
        admin = market.user(s, "admin")
        with pytest.raises(InvalidInput) as caught:
            suggestions.decide(s, admin, sid, accept=True, grade="huge", reason="", now=NOW)
        assert caught.value.field == "grade"
        done = suggestions.decide(s, admin, sid, accept=True, grade="medium", reason="", now=NOW)
        assert done.credit is not None and done.credit.points == 150
    with transaction(market.factory) as s:
        admin = market.user(s, "admin")
        for accept in (True, False):  # decided already: refused, nothing paid again
            with pytest.raises(AlreadyDecided):
                suggestions.decide(s, admin, sid, accept=accept, grade="large", reason="x", now=NOW)
        assert loyal.balance(s, loyal.seller_key(s)) == 150
        entry = s.scalars(select(Entry).where(Entry.kind == "suggestion")).one()
        assert entry.idempotency_key == f"suggestion:{sid}"
        items, total = suggestions.queue(
            s, admin, loyal.programme_id, status="accepted", limit=10, offset=0
        )
        assert total == 1 and items[0].seller == "Olle" and items[0].suggestion.points == 150
        assert verify(s).ok


def test_declining_needs_a_reason_and_pays_nothing(market: Market) -> None:
    loyal = seed_loyalty(market)
    sid = _submit(market, loyal)
    with transaction(market.factory) as s:
        admin = market.user(s, "admin")
        with pytest.raises(InvalidInput) as caught:
            suggestions.decide(s, admin, sid, accept=False, grade=None, reason=" ", now=NOW)
        assert caught.value.field == "reason"
        with pytest.raises(NotAllowed):
            suggestions.decide(
                s, s.get_one(User, loyal.rep_id), sid, accept=False, grade=None, reason="x", now=NOW
            )
        done = suggestions.decide(
            s, admin, sid, accept=False, grade=None, reason="Finns redan", now=NOW
        )
        assert done.suggestion.status == "declined" and done.credit is None
        assert s.scalar(select(func.count()).select_from(Entry)) == 0
        waiting, total = suggestions.queue(
            s, admin, loyal.programme_id, status="submitted", limit=10, offset=0
        )
        assert total == 0 and waiting == []
