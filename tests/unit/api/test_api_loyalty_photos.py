"""/api/v1/loyalty photo activities: an admin posts an activity, a participating seller
uploads a phone photo (multipart; EXIF gone from what is stored and served), the admin's
queue flags near-duplicates, approves (paid once; a replay is 409) or rejects with a
reason the seller sees; bad files are problem+json naming the field; the body is cut off
past the photo cap while it streams in; the GDPR export of /me/data holds the photos."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import Response
from PIL import Image

from catalog.db import transaction
from catalog.models import User
from indexer.jobs import factory_for
from loyalty import programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
from marketplace.dates import utc_now
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env
from tests.unit.loyalty.photo_support import MAKE, heic_bytes, jpeg_with_gps, picture, png_bytes

V1 = "/api/v1/loyalty"
CAP = 300_000


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(tmp_path_factory.mktemp("loyalty_photos_api"), loyalty_photo_max_bytes=CAP)
    yield built
    close_env(built)


@pytest.fixture(scope="module")
def programme(env: ApiEnv) -> int:
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        created = programmes.create_programme(
            s,
            None,
            name="Fotoklubben",
            sponsor_name="Dentsply",
            points_per_krona=1,
            point_value_ore=5,
            expiry_months=24,
            now=now,
        )
        rep = s.get_one(User, env.users["retailer_own"])
        seller = s.get_one(User, env.users["retailer_staff"])
        programmes.accept_member_terms(s, rep, created.id, MEMBER_TERMS_VERSION, now=now)
        programmes.invite(s, rep, created.id, seller.id, now=now)
        programmes.accept_participant_terms(
            s, seller, created.id, PARTICIPANT_TERMS_VERSION, now=now
        )
        return created.id


def _activity(env: ApiEnv, programme: int, points: int = 25) -> int:
    now = utc_now()
    body = {
        "title": "Visa vår monter",
        "description": "Ta en bild av montern.",
        "points": points,
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
    }
    r = env.client.post(
        f"{V1}/programmes/{programme}/photo-activities", json=body, headers=env.headers("admin")
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _upload(env: ApiEnv, activity: int, data: bytes, name: str = "IMG_0001.JPG") -> Response:
    return env.client.post(
        f"{V1}/photo-activities/{activity}/photos",
        files={"file": (name, data, "image/jpeg")},
        headers=env.headers("retailer_staff"),
    )


def _get(env: ApiEnv, role: str, path: str, **params: Any) -> dict[str, Any]:
    r = env.client.get(f"{V1}{path}", params=params, headers=env.headers(role))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_from_activity_to_points_once(env: ApiEnv, programme: int) -> None:
    activity = _activity(env, programme, points=25)
    listed = _get(env, "retailer_staff", f"/programmes/{programme}/photo-activities")
    mine = next(a for a in listed["data"] if a["id"] == activity)
    assert mine["open"] is True and mine["my_photos"] == []
    r = _upload(env, activity, jpeg_with_gps(picture(1)))
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["status"] == "pending" and photo["content_type"] == "image/jpeg"
    assert r.headers["Location"] == f"/api/v1/loyalty/photos/{photo['id']}"
    served = env.client.get(photo["image_url"], headers=env.headers("retailer_staff"))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(served.content)) as image:
        assert MAKE not in image.getexif()
    assert b"Valbar test phone" not in served.content
    again = _upload(env, activity, png_bytes(picture(2)), "b.png")
    assert_problem(again, 409)
    queue = _get(env, "admin", f"/programmes/{programme}/photos", status="pending")
    assert [p["id"] for p in queue["data"]] == [photo["id"]]
    assert queue["data"][0]["seller"] is not None
    approve = f"{V1}/photos/{photo['id']}/approve"
    ok = env.client.post(approve, json={}, headers=env.headers("admin"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "approved" and ok.json()["credit_outcome"] == "paid"
    replay = env.client.post(approve, json={}, headers=env.headers("admin"))
    assert_problem(replay, 409)
    entries = _get(env, "retailer_staff", "/me/entries")["data"]
    assert [e["points"] for e in entries if e["kind"] == "photo"] == [25]
    bank = _get(env, "admin", f"/programmes/{programme}/photos", status="approved")
    assert photo["id"] in [p["id"] for p in bank["data"]]
    download = env.client.get(photo["image_url"], headers=env.headers("admin"))
    assert "attachment" in download.headers["content-disposition"]
    exported = env.client.get("/api/v1/me/data", headers=env.headers("retailer_staff"))
    assert photo["id"] in [p["id"] for p in exported.json()["loyalty"]["photos"]]


def test_rejection_needs_a_reason_the_seller_sees_then_a_new_upload(
    env: ApiEnv, programme: int
) -> None:
    activity = _activity(env, programme)
    first = _upload(env, activity, jpeg_with_gps(picture(3))).json()
    reject = f"{V1}/photos/{first['id']}/reject"
    no_reason = env.client.post(reject, json={"reason": " "}, headers=env.headers("admin"))
    assert_problem(no_reason, 422)
    assert no_reason.json()["errors"][0]["loc"] == ["body", "reason"]
    r = env.client.post(reject, json={"reason": "Montern syns inte"}, headers=env.headers("admin"))
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    mine = _get(env, "retailer_staff", "/me/photos")["data"]
    seen = next(p for p in mine if p["id"] == first["id"])
    assert seen["decision_reason"] == "Montern syns inte"
    assert _upload(env, activity, jpeg_with_gps(picture(5))).status_code == 201


def test_bad_files_are_problems_naming_the_field(env: ApiEnv, programme: int) -> None:
    activity = _activity(env, programme)
    text = _upload(env, activity, b"just some text, not a photo\n" * 20, "semester.jpg")
    assert_problem(text, 422)
    assert text.json()["errors"] == [
        {
            "loc": ["body", "file"],
            "msg": "file: a photo is a JPEG, PNG or HEIC image",
            "type": "photo_type",
        }
    ]
    # past the cap but inside the form allowance: refused by the bounded read (413)
    big = _upload(env, activity, b"\xff\xd8\xff" + b"0" * (CAP + 10))
    assert_problem(big, 413)
    # far past it: cut off by the body limit while it streams in
    huge = _upload(env, activity, b"\xff\xd8\xff" + b"0" * (CAP + 200_000))
    assert_problem(huge, 413)
    listed = _get(env, "retailer_staff", f"/programmes/{programme}/photo-activities")
    assert next(a for a in listed["data"] if a["id"] == activity)["my_photos"] == []


def test_near_duplicates_are_flagged_in_the_queue(env: ApiEnv, programme: int) -> None:
    activity = _activity(env, programme)
    first = _upload(env, activity, jpeg_with_gps(picture(7))).json()
    other = _activity(env, programme)
    copy = _upload(env, other, png_bytes(picture(7).resize((300, 225))), "copy.png").json()
    queue = _get(env, "admin", f"/programmes/{programme}/photos", status="pending")["data"]
    flagged = next(p for p in queue if p["id"] == copy["id"])
    assert flagged["duplicate_of_id"] == first["id"]
    assert copy["duplicate_of_id"] is None  # the seller is not shown the flag


def test_an_iphone_heic_is_taken_and_served_as_jpeg(env: ApiEnv, programme: int) -> None:
    data = heic_bytes(picture(9), gps=True)
    if data is None:
        pytest.skip("this pillow-heif build cannot encode HEIC")
    activity = _activity(env, programme)
    r = _upload(env, activity, data, "IMG_0101.HEIC")
    assert r.status_code == 201, r.text
    assert (r.json()["original_kind"], r.json()["content_type"]) == ("heic", "image/jpeg")
    served = env.client.get(r.json()["image_url"], headers=env.headers("retailer_staff"))
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.format == "JPEG" and not image.getexif()
