"""A seller's GDPR export holds their loyalty activities: their suggestions and their own
survey answers (nobody else's)."""

from __future__ import annotations

from catalog.db import transaction
from catalog.models import User
from loyalty import suggestions, surveys
from loyalty.activity_export import activity_of
from tests.unit.loyalty.loyalty_support import seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market


def test_the_export_holds_my_suggestions_and_answers_only(market: Market) -> None:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        seller = s.get_one(User, loyal.seller_id)
        admin = market.user(s, "admin")
        suggestions.submit(s, seller, loyal.programme_id, title="Idé", text="Mer XS", now=NOW)
        survey = surveys.create_survey(
            s,
            admin,
            loyal.programme_id,
            title="Enkät",
            questions=[{"kind": "text", "text": "Mer?"}],
            points=0,
            now=NOW,
        )
        surveys.set_status(s, admin, survey.id, to="open", now=NOW)
        surveys.answer(s, seller, survey.id, ["Gärna"], now=NOW)
    with transaction(market.factory) as s:
        mine = activity_of(s, loyal.seller_id)
        assert [x["text"] for x in mine["suggestions"]] == ["Mer XS"]
        assert mine["survey_answers"][0]["answers"] == ["Gärna"]
        assert str(mine["survey_answers"][0]["at"]).startswith("2026-03-02T09:00")
        assert activity_of(s, loyal.rep_id) == {
            "suggestions": [],
            "survey_answers": [],
            "referrals": [],
            "contest_prizes": [],
        }
