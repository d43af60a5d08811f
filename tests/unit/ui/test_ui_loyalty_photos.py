"""Loyalty photo activities in the UI: the sponsor (an admin) posts an activity, a seller
uploads a phone photo from the portal (a camera-friendly file input), bad files get a
Swedish message, the admin's queue approves (points once) or rejects with a reason the
seller then sees, and the image bank lists and downloads approved photos."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import User
from indexer.jobs import factory_for
from loyalty import programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
from loyalty.models import Entry, PhotoActivity
from marketplace.dates import local_date, utc_now
from tests.unit.loyalty.photo_support import MAKE, jpeg_with_gps, picture
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, UiEnv, csrf_from


def _user(s: object, role: str) -> User:
    found = s.scalar(select(User).where(User.email == EMAILS[role]))  # type: ignore[attr-defined]
    assert found is not None
    return found


@pytest.fixture(scope="module")
def programme_id(env: UiEnv) -> int:
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        rep, staff = _user(s, "retailer"), _user(s, "retailer_staff")
        programme = programmes.create_programme(
            s,
            None,
            name="Fotoklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=now,
        )
        programmes.accept_member_terms(s, rep, programme.id, MEMBER_TERMS_VERSION, now=now)
        programmes.invite(s, rep, programme.id, staff.id, now=now)
        programmes.accept_participant_terms(
            s, staff, programme.id, PARTICIPANT_TERMS_VERSION, now=now
        )
        return programme.id


def _create_activity(env: UiEnv, admin: TestClient, programme_id: int, title: str) -> int:
    page = admin.get(f"/admin/lojalitet/{programme_id}/foto")
    assert page.status_code == 200 and "Nytt fotouppdrag" in page.text
    today = local_date(utc_now())
    r = admin.post(
        f"/admin/lojalitet/{programme_id}/foto/aktiviteter",
        data={
            "csrf_token": csrf_from(page.text),
            "title": title,
            "description": "Ta en bild av montern.",
            "points": "60",
            "starts": (today - timedelta(days=1)).isoformat(),
            "ends": (today + timedelta(days=5)).isoformat(),
        },
    )
    assert r.status_code == 303 and "notice=photo_activity_created" in r.headers["location"]
    with transaction(factory_for(env.settings)) as s:
        found = s.scalar(select(PhotoActivity).where(PhotoActivity.title == title))
        assert found is not None
        return found.id


def test_from_activity_to_image_bank(env: UiEnv, programme_id: int) -> None:
    admin = log_in(TestClient(env.app, follow_redirects=False), "admin")
    loyalty_page = admin.get(f"/admin/lojalitet?programme={programme_id}")
    assert f'href="/admin/lojalitet/{programme_id}/foto"' in loyalty_page.text
    bad = admin.post(
        f"/admin/lojalitet/{programme_id}/foto/aktiviteter",
        data={"csrf_token": csrf_from(loyalty_page.text), "title": "T", "points": "tio"},
    )
    assert bad.status_code == 422 and "Ange poäng som ett heltal, minst 1." in bad.text
    activity = _create_activity(env, admin, programme_id, "Visa vår monter")

    seller = log_in(TestClient(env.app, follow_redirects=False), "retailer_staff")
    page = seller.get("/portal/poang/foto")
    assert page.status_code == 200 and "Visa vår monter" in page.text
    last_day = (local_date(utc_now()) + timedelta(days=5)).isoformat()
    assert f"öppet till och med {last_day}<" in page.text  # the form's day, not 00:00 after
    assert 'accept="image/*" capture="environment"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    token = csrf_from(page.text)
    url = f"/portal/poang/foto/{activity}"

    text = seller.post(
        url,
        data={"csrf_token": token},
        files={"photo": ("semester.jpg", b"bara text, ingen bild\n" * 30, "image/jpeg")},
    )
    assert text.status_code == 422
    assert "Filen är ingen bild vi tar emot" in text.text

    cap = env.settings.loyalty_photo_max_bytes
    huge = seller.post(
        url,
        data={"csrf_token": token},
        files={"photo": ("IMG_HUGE.JPG", b"\xff\xd8\xff" + b"0" * (cap + 100_000), "image/jpeg")},
    )
    assert huge.status_code == 413 and "Bilden är för stor: högst 10 MB." in huge.text
    assert "text/html" in huge.headers["content-type"]

    r = seller.post(
        url,
        data={"csrf_token": token},
        files={"photo": ("IMG_0042.JPG", jpeg_with_gps(picture(2)), "image/jpeg")},
    )
    assert r.status_code == 303 and "notice=photo_uploaded" in r.headers["location"]
    page = seller.get("/portal/poang/foto")
    assert "Väntar på granskning" in page.text and 'type="file"' not in page.text
    twice = seller.post(
        url,
        data={"csrf_token": token},
        files={"photo": ("b.jpg", jpeg_with_gps(picture(4)), "image/jpeg")},
    )
    assert twice.status_code == 409 and "redan skickat en bild" in twice.text

    queue = admin.get(f"/admin/lojalitet/{programme_id}/foto")
    assert "Att granska (1)" in queue.text and "IMG_0042" not in queue.text
    photo_id = int(queue.text.split('id="photo-')[1].split('"')[0])
    image = admin.get(f"/admin/lojalitet/foto/{photo_id}/bild")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(image.content)) as shown:
        assert MAKE not in shown.getexif()

    no_reason = admin.post(
        f"/admin/lojalitet/foto/{photo_id}/avvisa",
        data={"csrf_token": csrf_from(queue.text), "reason": "  "},
    )
    assert no_reason.status_code == 422 and "Ange ett skäl (högst 1000 tecken)." in no_reason.text
    assert "say why the photo is rejected" not in no_reason.text  # no English in Swedish
    reject = admin.post(
        f"/admin/lojalitet/foto/{photo_id}/avvisa",
        data={"csrf_token": csrf_from(queue.text), "reason": "Montern syns inte"},
    )
    assert reject.status_code == 303 and "notice=photo_rejected" in reject.headers["location"]
    page = seller.get("/portal/poang/foto", params={"lang": "en"})
    assert "Not approved" in page.text and "Reason: Montern syns inte" in page.text
    assert 'type="file"' in page.text  # a new photo may be sent

    r = seller.post(
        url,
        data={"csrf_token": csrf_from(page.text)},
        files={"photo": ("IMG_0043.PNG", jpeg_with_gps(picture(6)), "image/png")},
    )
    assert r.status_code == 303
    queue = admin.get(f"/admin/lojalitet/{programme_id}/foto")
    second = int(queue.text.split('id="photo-')[1].split('"')[0])
    approve_url = f"/admin/lojalitet/foto/{second}/godkann"
    ok = admin.post(approve_url, data={"csrf_token": csrf_from(queue.text)})
    assert ok.status_code == 303 and "notice=photo_approved" in ok.headers["location"]
    again = admin.post(approve_url, data={"csrf_token": csrf_from(queue.text)})
    assert "notice=photo_already_decided" in again.headers["location"]
    with transaction(factory_for(env.settings)) as s:
        assert list(s.scalars(select(Entry.points).where(Entry.kind == "photo"))) == [60]
    points = seller.get("/portal/poang")
    assert "Photo activity approved" in points.text  # the language chosen above sticks

    bank = admin.get(f"/admin/lojalitet/{programme_id}/bildbank")
    assert bank.status_code == 200 and f'id="bank-{second}"' in bank.text
    assert f'id="bank-{photo_id}"' not in bank.text  # the rejected one is not in it
    download = admin.get(f"/admin/lojalitet/foto/{second}/bild", params={"download": "1"})
    assert download.headers["content-disposition"].startswith("attachment")
    assert seller.get(f"/portal/poang/foto/bild/{second}").status_code == 200


def test_other_members_cannot_upload_or_see_photos(env: UiEnv, programme_id: int) -> None:
    admin = log_in(TestClient(env.app, follow_redirects=False), "admin")
    activity = _create_activity(env, admin, programme_id, "Julskyltning")
    photo = jpeg_with_gps(picture(8))
    expected = {"retailer": 404, "retailer2": 404, "clinic": 403}
    for role, status in expected.items():
        client = log_in(TestClient(env.app, follow_redirects=False), role)
        token = csrf_from(client.get("/").text)
        r = client.post(
            f"/portal/poang/foto/{activity}",
            data={"csrf_token": token},
            files={"photo": ("a.jpg", photo, "image/jpeg")},
        )
        assert r.status_code == status, role
    for role, status in {"retailer_staff": 403, "retailer": 403}.items():
        client = log_in(TestClient(env.app, follow_redirects=False), role)
        assert client.get(f"/admin/lojalitet/{programme_id}/foto").status_code == status
