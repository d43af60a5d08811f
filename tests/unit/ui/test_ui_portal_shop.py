"""The points shop pages: the representative fills a basket and redeems (a double submit
makes one redemption), a seller under the "entity" policy is told the organisation redeems,
the English page, and the sponsor's (admin's) liability, catalogue and queue."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import User
from indexer.jobs import factory_for
from loyalty import programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION, AccountKind, EntryKind
from loyalty.ledger import ensure_account, transfer
from loyalty.models import Redemption, Reward
from marketplace.dates import utc_now
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, UiEnv, csrf_from


def _user(s: object, role: str) -> User:
    found = s.scalar(select(User).where(User.email == EMAILS[role]))  # type: ignore[attr-defined]
    assert found is not None
    return found


@pytest.fixture(scope="module")
def shop_data(env: UiEnv) -> Iterator[tuple[int, int]]:
    """(programme, reward): Nordisk's organisation with 1 000 points in "Butiksklubben", a
    gift card of 300 points (2 in stock) and a mug."""
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        rep, staff = _user(s, "retailer"), _user(s, "retailer_staff")
        programme = programmes.create_programme(
            s,
            None,
            name="Butiksklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=now,
        )
        membership = programmes.accept_member_terms(
            s, rep, programme.id, MEMBER_TERMS_VERSION, now=now
        )
        programmes.invite(s, rep, programme.id, staff.id, now=now)
        programmes.accept_participant_terms(
            s, staff, programme.id, PARTICIPANT_TERMS_VERSION, now=now
        )
        transfer(
            s,
            programme_id=programme.id,
            source_id=ensure_account(s, programme.id, AccountKind.SPONSOR).id,
            destination_id=ensure_account(
                s, programme.id, AccountKind.MEMBER, membership_id=membership.id
            ).id,
            points=1000,
            kind=EntryKind.SALE.value,
            reason="test",
            idempotency_key="ui-shop",
            now=now,
        )
        card = Reward(
            programme_id=programme.id,
            name="Presentkort 15 kr",
            description="Ett presentkort",
            category="Presentkort",
            price_points=300,
            stock=2,
            active=True,
            created_at=now,
            updated_at=now,
        )
        mug = Reward(
            programme_id=programme.id,
            name="Mugg",
            description="",
            category="Övrigt",
            price_points=50,
            stock=10,
            active=True,
            created_at=now,
            updated_at=now,
        )
        s.add_all([card, mug])
        s.flush()
        ids = programme.id, card.id
    yield ids


def test_the_representative_redeems_once_however_often_they_submit(
    env: UiEnv, shop_data: tuple[int, int]
) -> None:
    programme, card = shop_data
    client = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    path = f"/portal/poang/{programme}/butik"
    page = client.get(path)
    assert page.status_code == 200
    assert "Poängbutik: Butiksklubben" in page.text and "Presentkort 15 kr" in page.text
    assert 'id="shop-spendable" data-points="1000"' in page.text
    filtered = client.get(path, params={"category": "Övrigt"}).text
    assert "Mugg" in filtered and "Presentkort 15 kr" not in filtered
    token = csrf_from(page.text)
    r = client.post(
        f"{path}/korg",
        data={"csrf_token": token, "reward_id": str(card), "quantity": "1", "add": "true"},
    )
    assert r.status_code == 303 and r.headers["location"].endswith("klart=added#korg")
    assert "Summa: 300 poäng" in client.get(path).text
    form = {
        "csrf_token": token,
        "request_key": uuid.uuid4().hex,
        "delivery_name": "Rut",
        "delivery_address": "Storgatan 1",
        "delivery_postcode": "11122",
        "delivery_city": "Stockholm",
    }
    bad = client.post(f"{path}/uttag", data={**form, "delivery_postcode": "1"})
    assert bad.status_code == 422 and "Postnummer: fem siffror, t.ex. 123 45." in bad.text
    assert "five digits" not in bad.text and "fältet delivery_postcode" not in bad.text
    for field, value, told in (
        ("delivery_email", "a@b.se\r\nBcc: x@y.se", "E-post: en giltig e-postadress"),
        ("delivery_name", "A\r\nB", "Mottagare: 1–200 tecken på en rad."),
    ):
        bad = client.post(f"{path}/uttag", data={**form, field: value})
        assert bad.status_code == 422 and told in bad.text, field
    english = client.post(f"{path}/uttag?lang=en", data={**form, "delivery_postcode": "1"})
    assert "Postcode: five digits, e.g. 123 45." in english.text
    client.get(path, params={"lang": "sv"})
    for _ in range(2):  # a double submit
        r = client.post(f"{path}/uttag", data=form)
        assert r.status_code == 303, r.text
    after = client.get(r.headers["location"]).text
    assert "Tack! Uttaget är beställt." in after
    assert 'data-points="700"' in after and "Beställd" in after
    with factory_for(env.settings)() as s:
        assert s.scalar(select(func.count()).select_from(Redemption)) == 1
    csv_text = client.get(f"/portal/poang/{programme}/formaner/{utc_now().year}.csv").text
    assert csv_text.startswith("\ufeffOrganisation;Organisationsnummer;Deltagare")
    assert ";300;15,00" in csv_text


def test_a_seller_is_told_the_organisation_redeems_in_english(
    env: UiEnv, shop_data: tuple[int, int]
) -> None:
    programme, _card = shop_data
    client = log_in(TestClient(env.app, follow_redirects=False), "retailer_staff")
    html = client.get(f"/portal/poang/{programme}/butik", params={"lang": "en"}).text
    assert "Points shop: Butiksklubben" in html
    assert "Your organisation redeems its points" in html
    # their own points are shown as theirs, not as "points to redeem" they may not redeem
    assert "Points to redeem" not in html and "Your sub-account:" in html
    assert "/butik/uttag" not in html and "Add to basket" not in html


def test_the_sponsor_sees_liability_and_fulfils_from_the_queue(
    env: UiEnv, shop_data: tuple[int, int]
) -> None:
    programme, card = shop_data
    rep = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    path = f"/portal/poang/{programme}/butik"
    token = csrf_from(rep.get(path).text)
    rep.post(f"{path}/korg", data={"csrf_token": token, "reward_id": str(card), "quantity": "1"})
    r = rep.post(
        f"{path}/uttag",
        data={
            "csrf_token": token,
            "request_key": uuid.uuid4().hex,
            "delivery_name": "Rut",
            "delivery_address": "Storgatan 1",
            "delivery_postcode": "111 22",
            "delivery_city": "Stockholm",
        },
    )
    assert r.status_code == 303
    admin = log_in(TestClient(env.app, follow_redirects=False), "admin")
    page = admin.get(f"/admin/lojalitet/{programme}/butik")
    assert page.status_code == 200
    assert "Skuld och inlöst värde" in page.text and "Uttag att hantera" in page.text
    with factory_for(env.settings)() as s:
        placed = s.scalars(
            select(Redemption.id).where(
                Redemption.programme_id == programme, Redemption.status == "placed"
            )
        ).all()
    assert placed
    token = csrf_from(page.text)
    for rid in placed:
        r = admin.post(f"/admin/lojalitet/uttag/{rid}/levererad", data={"csrf_token": token})
        assert r.status_code == 303
    again = admin.post(f"/admin/lojalitet/uttag/{placed[0]}/levererad", data={"csrf_token": token})
    assert again.status_code == 409 and "Uttaget är redan hanterat." in again.text
    html = admin.get(f"/admin/lojalitet/{programme}/butik").text
    assert "Inga uttag väntar." in html


def test_the_sponsor_uploads_a_reward_picture_the_shop_serves_and_a_non_image_is_refused(
    env: UiEnv, shop_data: tuple[int, int]
) -> None:
    from tests.unit.loyalty.photo_support import jpeg_with_gps

    programme, _card = shop_data
    admin = log_in(TestClient(env.app, follow_redirects=False), "admin")
    page = admin.get(f"/admin/lojalitet/{programme}/butik")
    assert (
        'enctype="multipart/form-data"' in page.text and 'type="file" name="picture"' in page.text
    )
    token = csrf_from(page.text)
    form = {
        "csrf_token": token,
        "name": "Kaffekopp med bild",
        "category": "Presentkort",
        "price_points": "50",
        "stock": "5",
    }
    refused = admin.post(
        f"/admin/lojalitet/{programme}/beloningar",
        data=form,
        files={"picture": ("kopp.pdf", b"%PDF-1.4 no picture", "image/jpeg")},
    )
    assert refused.status_code == 422
    assert (
        "Filen är ingen bild vi tar emot: skicka ett foto i JPEG, PNG eller HEIC." in refused.text
    )
    with factory_for(env.settings)() as s:  # nothing of it was kept
        assert s.scalar(select(Reward).where(Reward.name == "Kaffekopp med bild")) is None
    r = admin.post(
        f"/admin/lojalitet/{programme}/beloningar",
        data=form,
        files={"picture": ("kopp.jpg", jpeg_with_gps(), "image/jpeg")},
    )
    assert r.status_code == 303, r.text
    with factory_for(env.settings)() as s:
        reward = s.scalars(select(Reward).where(Reward.name == "Kaffekopp med bild")).one()
        assert reward.picture is not None
    src = f"/lojalitet/beloningsbild/{reward.id}"
    rep = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    assert f'src="{src}"' in rep.get(f"/portal/poang/{programme}/butik?q=Kaffekopp").text
    image = rep.get(src)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.content[:3] == b"\xff\xd8\xff" and b"Exif" not in image.content[:200]
    clinic = log_in(TestClient(env.app, follow_redirects=False), "clinic")
    assert clinic.get(src).status_code == 403
    assert rep.get(f"/lojalitet/beloningsbild/{_card}").status_code == 404  # none uploaded
