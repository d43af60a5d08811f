"""Photo activities: an admin posts one for the sponsor, a participating seller uploads a
photo (cleaned, stored by content hash, near-duplicates flagged), the admin approves (paid
once, within the limits) or rejects with a reason (the seller may upload again)."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import User
from loyalty import limits, photos
from loyalty.errors import InvalidInput, NotAllowed, NotFound
from loyalty.ledger import verify
from loyalty.models import Entry, HeldCredit, PhotoSubmission
from loyalty.photos import (
    ActivityClosed,
    AlreadyDecided,
    AlreadySubmitted,
    PhotoInvalid,
    PhotoLimits,
)
from tests.unit.loyalty.engage_support import Stores, seed_stores
from tests.unit.loyalty.loyalty_support import Loyal, seed_loyalty
from tests.unit.loyalty.photo_support import jpeg_with_gps, picture, png_bytes
from tests.unit.marketplace.mp_support import NOW, Market

BOUNDS = PhotoLimits(max_bytes=2_000_000, max_pixels=40_000_000, duplicate_bits=6)


def _admin(market: Market) -> int:
    with transaction(market.factory) as s:
        admin = User(email="admin@valbar.se", name="Ada", role="admin", password_hash="x")
        s.add(admin)
        s.flush()
        return admin.id


def _activity(market: Market, loyal: Loyal, admin_id: int, points: int = 40) -> int:
    with transaction(market.factory) as s:
        return photos.create_activity(
            s,
            s.get(User, admin_id),
            loyal.programme_id,
            title="Visa vår monter",
            description="Ta en bild av Dentsply-montern i butiken.",
            points=points,
            starts_at=NOW - timedelta(days=1),
            ends_at=NOW + timedelta(days=30),
            now=NOW,
        ).id


def _upload(
    market: Market, user_id: int, activity_id: int, data: bytes, folder: Path
) -> PhotoSubmission:
    with transaction(market.factory) as s:
        submission = photos.submit_photo(
            s,
            s.get(User, user_id),
            activity_id,
            io.BytesIO(data),
            folder=folder / "photos",
            bounds=BOUNDS,
            now=NOW,
        )
        s.expunge(submission)
        return submission


def _decide(market: Market, admin_id: int, sid: int, approve: bool, reason: str = "") -> None:
    with transaction(market.factory) as s:
        photos.decide(s, s.get(User, admin_id), sid, approve=approve, reason=reason, now=NOW)


def test_only_admins_post_activities_and_fields_are_checked(market: Market) -> None:
    loyal = seed_loyalty(market)
    admin = _admin(market)
    with transaction(market.factory) as s:
        seller = s.get(User, loyal.seller_id)
        with pytest.raises(NotAllowed):
            photos.create_activity(
                s,
                seller,
                loyal.programme_id,
                title="x",
                description="",
                points=1,
                starts_at=NOW,
                ends_at=NOW + timedelta(days=1),
                now=NOW,
            )
        bad = [
            ({"title": " "}, "title"),
            ({"points": 0}, "points"),
            ({"ends_at": NOW - timedelta(days=2)}, "ends_at"),
        ]
        for change, field in bad:
            kwargs = {
                "title": "Monter",
                "description": "",
                "points": 10,
                "starts_at": NOW,
                "ends_at": NOW + timedelta(days=1),
            } | change
            with pytest.raises(InvalidInput) as caught:
                photos.create_activity(
                    s,
                    s.get(User, admin),
                    loyal.programme_id,
                    now=NOW,
                    **kwargs,  # type: ignore[arg-type]
                )
            assert caught.value.field == field
    activity = _activity(market, loyal, admin)
    with transaction(market.factory) as s:
        found, total = photos.list_activities(s, loyal.programme_id, open_at=NOW)
        assert total == 1 and found[0].id == activity
        assert (
            photos.list_activities(s, loyal.programme_id, open_at=NOW + timedelta(days=60))[1] == 0
        )


def test_an_upload_is_stripped_stored_by_hash_and_pending(market: Market, tmp_path: Path) -> None:
    loyal = seed_loyalty(market)
    activity = _activity(market, loyal, _admin(market))
    submission = _upload(market, loyal.seller_id, activity, jpeg_with_gps(), tmp_path)
    assert submission.status == "pending" and submission.content_type == "image/jpeg"
    assert submission.file_name.endswith(".jpg") and len(submission.file_name) == 68
    stored = (tmp_path / "photos" / submission.file_name).read_bytes()
    assert b"Valbar test phone" not in stored and b"Exif" not in stored
    assert submission.duplicate_of_id is None
    with transaction(market.factory) as s:
        mine, total = photos.my_photos(s, s.get(User, loyal.seller_id))
        assert total == 1 and mine[0][0].id == submission.id and mine[0][1].id == activity


def test_a_text_file_named_jpg_and_an_oversized_file_are_refused(
    market: Market, tmp_path: Path
) -> None:
    loyal = seed_loyalty(market)
    activity = _activity(market, loyal, _admin(market))
    with pytest.raises(PhotoInvalid) as caught:
        _upload(market, loyal.seller_id, activity, b"not a picture at all\n" * 50, tmp_path)
    assert caught.value.code == "photo_type" and caught.value.field == "file"
    big = BOUNDS.max_bytes + 1
    with pytest.raises(PhotoInvalid) as too_big:
        _upload(market, loyal.seller_id, activity, b"\xff\xd8\xff" + b"0" * big, tmp_path)
    assert too_big.value.code == "photo_size"
    assert not (tmp_path / "photos").exists()  # nothing kept of either
    with transaction(market.factory) as s:
        assert s.scalar(select(func.count()).select_from(PhotoSubmission)) == 0


def test_only_participants_upload_and_only_while_the_activity_is_open(
    market: Market, tmp_path: Path
) -> None:
    loyal = seed_loyalty(market)
    admin = _admin(market)
    activity = _activity(market, loyal, admin)
    with pytest.raises(NotFound):  # the representative was never invited
        _upload(market, loyal.rep_id, activity, jpeg_with_gps(), tmp_path)
    with pytest.raises(NotAllowed):  # a platform admin is not a seller
        _upload(market, admin, activity, jpeg_with_gps(), tmp_path)
    with transaction(market.factory) as s:
        later = photos.create_activity(
            s,
            s.get(User, admin),
            loyal.programme_id,
            title="Julskyltning",
            description="",
            points=5,
            starts_at=NOW + timedelta(days=10),
            ends_at=NOW + timedelta(days=20),
            now=NOW,
        ).id
    with pytest.raises(ActivityClosed):
        _upload(market, loyal.seller_id, later, jpeg_with_gps(), tmp_path)


def test_one_live_photo_per_seller_and_activity_until_rejected(
    market: Market, tmp_path: Path
) -> None:
    loyal = seed_loyalty(market)
    admin = _admin(market)
    activity = _activity(market, loyal, admin)
    first = _upload(market, loyal.seller_id, activity, jpeg_with_gps(picture(1)), tmp_path)
    with pytest.raises(AlreadySubmitted):
        _upload(market, loyal.seller_id, activity, png_bytes(picture(2)), tmp_path)
    with pytest.raises(InvalidInput) as caught:
        _decide(market, admin, first.id, False, "  ")
    assert caught.value.field == "reason"
    _decide(market, admin, first.id, False, "Montern syns inte")
    with transaction(market.factory) as s:
        mine, _total = photos.my_photos(s, s.get(User, loyal.seller_id))
        assert mine[0][0].status == "rejected"
        assert mine[0][0].decision_reason == "Montern syns inte"
    second = _upload(market, loyal.seller_id, activity, png_bytes(picture(2)), tmp_path)
    assert second.status == "pending" and second.content_type == "image/png"


def test_two_uploads_at_once_store_one(market: Market, tmp_path: Path) -> None:
    loyal = seed_loyalty(market)
    activity = _activity(market, loyal, _admin(market))
    datas = [jpeg_with_gps(picture(1)), jpeg_with_gps(picture(5))]
    gate = threading.Barrier(2)

    def upload(i: int) -> str:
        gate.wait()
        try:
            _upload(market, loyal.seller_id, activity, datas[i], tmp_path)
        except AlreadySubmitted:
            return "refused"
        return "stored"

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(upload, range(2)))
    assert results == ["refused", "stored"]
    with transaction(market.factory) as s:
        assert s.scalar(select(func.count()).select_from(PhotoSubmission)) == 1


def test_near_duplicates_of_the_programme_are_flagged_not_refused(
    market: Market, tmp_path: Path
) -> None:
    stores = seed_stores(market)
    loyal = stores.loyal
    activity = _activity(market, loyal, _admin(market))
    original = _upload(market, loyal.seller_id, activity, jpeg_with_gps(picture(3)), tmp_path)
    otto_id = _otto(stores)  # a seller of another store (Dental Nord)
    # another store's seller sends the same display, resized and re-encoded as PNG
    copy = _upload(market, otto_id, activity, png_bytes(picture(3).resize((300, 225))), tmp_path)
    assert copy.duplicate_of_id == original.id
    assert copy.duplicate_distance is not None and copy.duplicate_distance <= 6
    rut = _upload(market, loyal.rep_id, activity, jpeg_with_gps(picture(6)), tmp_path)
    assert rut.duplicate_of_id is None


def _otto(stores: Stores) -> int:
    with transaction(stores.loyal.market.factory) as s:
        return stores.loyal.market.user(s, "nord_staff").id


def test_approval_pays_once_and_a_replayed_approval_pays_nothing(
    market: Market, tmp_path: Path
) -> None:
    loyal = seed_loyalty(market)
    admin = _admin(market)
    activity = _activity(market, loyal, admin, points=40)
    submission = _upload(market, loyal.seller_id, activity, jpeg_with_gps(), tmp_path)
    _decide(market, admin, submission.id, True)
    with pytest.raises(AlreadyDecided):
        _decide(market, admin, submission.id, True)
    with pytest.raises(AlreadyDecided):
        _decide(market, admin, submission.id, False, "byt bild")
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 40
        entries = s.scalars(select(Entry).where(Entry.kind == "photo")).all()
        assert [(e.points, e.idempotency_key) for e in entries] == [(40, f"photo:{submission.id}")]
        row = s.get_one(PhotoSubmission, submission.id)
        assert row.status == "approved" and row.credit_outcome == "paid"
        assert row.entry_id == entries[0].id
        bank, total = photos.queue(s, loyal.programme_id, status="approved")
        assert total == 1 and bank[0].id == submission.id
        assert verify(s).ok


def test_approval_respects_the_photo_caps_and_the_approval_threshold(
    market: Market, tmp_path: Path
) -> None:
    loyal = seed_loyalty(market)
    admin = _admin(market)
    with transaction(market.factory) as s:
        limits.set_limits(
            s,
            s.get(User, admin),
            loyal.programme_id,
            caps={"photo": {"day": 25}},
            approval_threshold=None,
            now=NOW,
        )
    first = _activity(market, loyal, admin, points=40)
    submission = _upload(market, loyal.seller_id, first, jpeg_with_gps(picture(1)), tmp_path)
    _decide(market, admin, submission.id, True)
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 25  # cut to the day's cap
        limits.set_limits(
            s, s.get(User, admin), loyal.programme_id, caps={}, approval_threshold=10, now=NOW
        )
    second = _activity(market, loyal, admin, points=40)
    held = _upload(market, loyal.seller_id, second, jpeg_with_gps(picture(5)), tmp_path)
    _decide(market, admin, held.id, True)
    with transaction(market.factory) as s:
        row = s.get_one(PhotoSubmission, held.id)
        assert row.credit_outcome == "held" and row.entry_id is None
        hold = s.scalar(select(HeldCredit).where(HeldCredit.idempotency_key == f"photo:{held.id}"))
        assert hold is not None and hold.points == 40
        assert loyal.balance(s, loyal.seller_key(s)) == 25


def test_the_seller_sees_their_photo_and_others_do_not(market: Market, tmp_path: Path) -> None:
    loyal = seed_loyalty(market)
    admin = _admin(market)
    activity = _activity(market, loyal, admin)
    submission = _upload(market, loyal.seller_id, activity, jpeg_with_gps(), tmp_path)
    with transaction(market.factory) as s:
        assert photos.visible_submission(s, s.get(User, loyal.seller_id), submission.id)
        assert photos.visible_submission(s, s.get(User, admin), submission.id)
        with pytest.raises(NotFound):
            photos.visible_submission(s, s.get(User, loyal.rep_id), submission.id)
        assert photos.seller_name(s, s.get_one(PhotoSubmission, submission.id)) == "Olle"


def test_files_no_photo_names_are_swept_a_day_later(market: Market, tmp_path: Path) -> None:
    loyal = seed_loyalty(market)
    activity = _activity(market, loyal, _admin(market))
    kept = _upload(market, loyal.seller_id, activity, jpeg_with_gps(picture(1)), tmp_path)
    folder = tmp_path / "photos"
    orphan = folder / f"{'a' * 64}.jpg"  # a failed upload's file
    partial = folder / f".{'b' * 64}.jpg.1234abcd"  # a half-written one
    foreign = folder / "README.txt"  # not ours: left alone
    for path in (orphan, partial, foreign):
        path.write_bytes(b"x")
    later = time.time() + 2 * 24 * 3600
    with transaction(market.factory) as s:
        assert photos.sweep_unreferenced(s, folder, now=time.time()) == 0  # too young
        assert photos.sweep_unreferenced(s, folder, now=later) == 2
    assert (folder / kept.file_name).is_file() and foreign.is_file()
    assert not orphan.exists() and not partial.exists()


def test_a_photo_of_a_seller_who_left_pays_the_store(market: Market, tmp_path: Path) -> None:
    from loyalty import departures

    loyal = seed_loyalty(market)
    admin = _admin(market)
    activity = _activity(market, loyal, admin, points=30)
    submission = _upload(market, loyal.seller_id, activity, jpeg_with_gps(), tmp_path)
    with transaction(market.factory) as s:
        departures.end_participations(s, loyal.org_id, loyal.seller_id, now=NOW)
    _decide(market, admin, submission.id, True)
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.member_key) == 30
        assert verify(s).ok
