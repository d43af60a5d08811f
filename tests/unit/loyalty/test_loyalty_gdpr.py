"""A seller's loyalty data in the GDPR export (marketplace.gdpr through the registry of
catalog.personal_data), and their erasure: points to the retailer entity, ledger kept and
pseudonymised, photos deleted from disk unless approved into the image bank."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import personal_data
from catalog.db import transaction
from catalog.models import User
from loyalty import gdpr as loyalty_gdpr
from loyalty import photos, quizzes
from loyalty.ledger import verify
from loyalty.models import Entry, Participant, PhotoSubmission, QuizAttempt
from loyalty.photos import PhotoLimits
from marketplace import gdpr
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.loyalty.photo_support import jpeg_with_gps, picture
from tests.unit.marketplace.mp_support import NOW, Market

BOUNDS = PhotoLimits(max_bytes=2_000_000, max_pixels=40_000_000, duplicate_bits=6)


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    photos_dir = tmp_path / "photos"
    loyalty_gdpr.install(photos_dir)
    yield photos_dir
    personal_data.unregister(loyalty_gdpr.PART)


def _seller_activity(market: Market, loyal: Loyal, folder: Path) -> dict[str, int]:
    """The seller passed a quiz (30 points), has an approved photo (40), a rejected one
    and a pending one."""
    with transaction(market.factory) as s:
        admin = User(email="admin@valbar.se", name="Ada", role="admin", password_hash="x")
        s.add(admin)
        s.flush()
        quiz = quizzes.create_quiz(
            s,
            admin,
            loyal.programme_id,
            title="Handskar",
            questions=[{"text": "Nitril?", "choices": ["Gummi", "Trä"], "correct": [0]}],
            pass_mark=1,
            max_attempts=1,
            points=30,
            now=NOW,
        )
        ids = {"admin": admin.id, "quiz": quiz.id}
        for name, points in (("bank", 40), ("rejected", 10), ("pending", 10)):
            ids[f"activity_{name}"] = photos.create_activity(
                s,
                admin,
                loyal.programme_id,
                title=f"Aktivitet {name}",
                description="",
                points=points,
                starts_at=NOW - timedelta(days=1),
                ends_at=NOW + timedelta(days=9),
                now=NOW,
            ).id
    with transaction(market.factory) as s:
        seller = s.get_one(User, loyal.seller_id)
        quizzes.submit(s, seller, ids["quiz"], [[0]], now=NOW)
        for i, name in enumerate(("bank", "rejected", "pending")):
            ids[name] = photos.submit_photo(
                s,
                seller,
                ids[f"activity_{name}"],
                io.BytesIO(jpeg_with_gps(picture(i * 3))),
                folder=folder,
                bounds=BOUNDS,
                now=NOW,
            ).id
    with transaction(market.factory) as s:
        admin_user = s.get_one(User, ids["admin"])
        photos.decide(s, admin_user, ids["bank"], approve=True, reason="", now=NOW)
        photos.decide(s, admin_user, ids["rejected"], approve=False, reason="Suddig", now=NOW)
    return ids


def test_the_export_holds_the_sellers_loyalty_data(market: Market, folder: Path) -> None:
    loyal = seed_loyalty(market)
    ids = _seller_activity(market, loyal, folder)
    with transaction(market.factory) as s:
        data = gdpr.export_user_data(s, loyal.seller_id)
    json.dumps(data)  # JSON-ready
    mine = data["loyalty"]
    assert [p["programme"] for p in mine["participations"]] == ["Tandklubben"]
    assert mine["accounts"][0]["balance"] == 70
    assert sorted(e["change"] for e in mine["points_history"]) == [30, 40]
    assert [a["quiz"] for a in mine["quiz_attempts"]] == ["Handskar"]
    shown = {p["id"]: p for p in mine["photos"]}
    assert set(shown) == {ids["bank"], ids["rejected"], ids["pending"]}
    assert shown[ids["rejected"]]["decision_reason"] == "Suddig"
    assert shown[ids["bank"]]["activity"] == "Aktivitet bank"
    assert mine["redemptions"] == []
    # no empty "suggestions" list claiming there are none: they are in "loyalty_activities"
    assert "suggestions" not in mine
    assert "idempotency_key" not in json.dumps(mine)


def test_erasure_keeps_points_with_the_retailer_and_only_approved_photos(
    market: Market, folder: Path
) -> None:
    loyal = seed_loyalty(market)
    ids = _seller_activity(market, loyal, folder)
    with transaction(market.factory) as s:
        files = {row.id: folder / row.file_name for row in s.scalars(select(PhotoSubmission)).all()}
        seller_key = loyal.seller_key(s)
        entries_before = len(s.scalars(select(Entry)).all())
    assert all(path.is_file() for path in files.values())
    with transaction(market.factory) as s:
        gdpr.delete_account(s, loyal.seller_id)
    with transaction(market.factory) as s:
        assert s.get(User, loyal.seller_id) is None
        # the retailer entity keeps the points; the sub-account is empty, entries all kept
        assert loyal.balance(s, loyal.member_key) == 70
        assert loyal.balance(s, seller_key) == 0
        assert len(s.scalars(select(Entry)).all()) == entries_before + 1  # the move
        participant = s.scalars(select(Participant)).one()
        assert participant.user_id is None and participant.ended_at is not None
        assert s.scalars(select(QuizAttempt)).one().participant_id == participant.id
        kept = s.scalars(select(PhotoSubmission)).all()
        assert [(p.id, p.participant_id, p.status) for p in kept] == [
            (ids["bank"], None, "approved")
        ]
        assert kept[0].membership_id == loyal.membership_id  # the store stays
        bank, _total = photos.queue(s, loyal.programme_id, status="approved")
        assert photos.seller_name(s, bank[0]) is None
        assert verify(s).ok
    assert files[ids["bank"]].is_file()
    assert not files[ids["rejected"]].exists() and not files[ids["pending"]].exists()


def test_a_rolled_back_erasure_deletes_no_file(market: Market, folder: Path) -> None:
    loyal = seed_loyalty(market)
    ids = _seller_activity(market, loyal, folder)
    with market.factory() as s:
        pending = folder / s.get_one(PhotoSubmission, ids["pending"]).file_name
        gdpr.delete_account(s, loyal.seller_id)
        s.rollback()
        s.commit()  # a later commit of the same session runs nothing of the erasure
    assert pending.is_file()
    with transaction(market.factory) as s:
        assert s.get(User, loyal.seller_id) is not None
