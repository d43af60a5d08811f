"""The API keys page: list, create (the secret shown once), revoke; an organisation's
representative manages its members' keys and nobody else's."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth import hash_password
from catalog.db import transaction
from catalog.models import ApiKey, Organisation, User
from indexer.jobs import factory_for
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, PASSWORD, UiEnv, csrf_from

PAGE = "/mina-uppgifter/nycklar"
STAFF = "lager@valbar.test"


@pytest.fixture(scope="module", autouse=True)
def organisations(env: UiEnv) -> None:
    """Erik represents his retailer, which also employs a staff member; Maja represents
    another retailer."""
    with transaction(factory_for(env.settings)) as s:
        for email, org_role in (
            (EMAILS["retailer"], "representative"),
            (EMAILS["retailer2"], "representative"),
        ):
            user = s.scalars(select(User).where(User.email == email)).one()
            if user.organisation_id is None:  # the seed made none
                org = Organisation(
                    kind="retailer", name=f"Org {email}", retailer_id=user.retailer_id
                )
                s.add(org)
                s.flush()
                user.organisation_id = org.id
            user.org_role = org_role
        erik = s.scalars(select(User).where(User.email == EMAILS["retailer"])).one()
        staff = s.scalars(select(User).where(User.email == STAFF)).one_or_none()
        if staff is None:
            staff = User(
                email=STAFF,
                name="Lars Lager",
                role="retailer",
                password_hash=hash_password(PASSWORD),
            )
            s.add(staff)
        staff.retailer_id, staff.organisation_id = erik.retailer_id, erik.organisation_id
        staff.org_role = "staff"


def _log_in_as(client: TestClient, email: str) -> TestClient:
    page = client.get("/logga-in")
    r = client.post(
        "/logga-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    )
    assert r.status_code == 303, r.text
    return client


def _create(client: TestClient, **form: str) -> tuple[int, str]:
    page = client.get(PAGE)
    r = client.post(PAGE, data={"csrf_token": csrf_from(page.text), **form})
    return r.status_code, r.text


def _secret(html: str) -> str:
    found = re.search(r'value="(vb_[0-9a-f]+_[^"]+)"', html)
    assert found, html
    return found.group(1)


def test_anonymous_visitors_are_sent_to_log_in(client: TestClient) -> None:
    r = client.get(PAGE)
    assert r.status_code == 303 and r.headers["location"].startswith("/logga-in?next=")


def test_a_retailer_makes_a_feeds_key_shown_once(env: UiEnv, as_retailer: TestClient) -> None:
    assert 'href="/mina-uppgifter/nycklar"' in as_retailer.get("/mina-uppgifter").text
    status, html = _create(as_retailer, name="Lagersystem", scope="feeds", expires="")
    assert status == 201 and "visas bara den här gången" in html
    secret = _secret(html)
    page = as_retailer.get(PAGE)
    assert secret not in page.text and "Lagersystem" in page.text and "Prisfiler" in page.text
    assert page.headers["cache-control"] == "no-store"
    api = TestClient(env.app)
    assert api.get("/api/v1/feed-template", headers={"X-API-Key": secret}).status_code == 200
    assert api.get("/api/v1/search?q=x", headers={"X-API-Key": secret}).status_code == 403


def test_a_clinic_cannot_choose_feeds_and_errors_name_the_field(as_clinic: TestClient) -> None:
    page = as_clinic.get(PAGE)
    assert 'value="feeds"' not in page.text and 'value="search"' in page.text
    status, html = _create(as_clinic, name="x", scope="feeds")
    assert status == 422 and "prisfiler är för återförsäljare" in html
    status, html = _create(as_clinic, name="x", scope="search", expires="2001-01-01")
    assert status == 422 and 'id="key-expires"' in html and 'aria-invalid="true"' in html
    status, html = _create(as_clinic, name="", scope="search")
    assert status == 422 and "Ge nyckeln ett namn" in html


def test_the_page_in_english(as_clinic: TestClient) -> None:
    page = as_clinic.get(PAGE + "?lang=en")
    assert "<h1>API keys</h1>" in page.text and "Create key" in page.text


def test_a_representative_revokes_a_members_key_another_org_cannot(
    env: UiEnv, client: TestClient
) -> None:
    staff = _log_in_as(TestClient(env.app, follow_redirects=False), STAFF)
    assert _create(staff, name="Personalens", scope="search")[0] == 201
    with factory_for(env.settings)() as s:
        key_id = s.scalars(select(ApiKey.id).where(ApiKey.name == "Personalens")).one()
    revoke = f"{PAGE}/{key_id}/aterkalla"
    # another retailer's representative: not found, and the key still works
    other = log_in(TestClient(env.app, follow_redirects=False), "retailer2")
    token = csrf_from(other.get(PAGE).text)
    assert "Personalens" not in other.get(PAGE).text
    assert other.post(revoke, data={"csrf_token": token}).status_code == 404
    # the representative sees it, with its owner, and revokes it
    rep = log_in(client, "retailer")
    page = rep.get(PAGE)
    assert "Personalens" in page.text and STAFF in page.text
    r = rep.post(revoke, data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 303 and r.headers["location"].endswith("notice=key_revoked")
    assert "Nyckeln är återkallad." in rep.get(r.headers["location"]).text
    with factory_for(env.settings)() as s:
        assert s.get(ApiKey, key_id).revoked_at is not None  # type: ignore[union-attr]
    # a staff member may not revoke the representative's keys
    with factory_for(env.settings)() as s:
        erik = s.scalars(select(User.id).where(User.email == EMAILS["retailer"])).one()
        rep_key = s.scalars(select(ApiKey.id).where(ApiKey.user_id == erik)).first()
    assert rep_key is not None
    token = csrf_from(staff.get(PAGE).text)
    assert staff.post(f"{PAGE}/{rep_key}/aterkalla", data={"csrf_token": token}).status_code == 404


def test_the_cap_of_active_keys_is_explained(env: UiEnv, as_merch: TestClient) -> None:
    settings = env.app.state.settings
    env.app.state.settings = settings.model_copy(update={"api_keys_per_organisation": 1})
    try:
        assert _create(as_merch, name="ett", scope="search")[0] == 201
        status, html = _create(as_merch, name="två", scope="search")
        assert status == 409 and "redan 1 aktiva nycklar" in html
    finally:
        env.app.state.settings = settings


@pytest.mark.parametrize("role", ["clinic", "retailer", "retailer2", "merchandiser", "admin"])
def test_every_signed_in_role_has_the_page_with_only_its_keys(
    env: UiEnv, client: TestClient, role: str
) -> None:
    log_in(client, role)
    assert _create(client, name=f"{role} nyckel", scope="search")[0] == 201
    page = client.get(PAGE)
    assert page.status_code == 200 and "<h1>API-nycklar</h1>" in page.text
    assert f"{role} nyckel" in page.text
    with factory_for(env.settings)() as s:
        me = s.scalars(select(User).where(User.email == EMAILS[role])).one()
        others = s.scalars(select(ApiKey.prefix).where(ApiKey.user_id != me.id)).all()
        members = s.scalars(
            select(ApiKey.prefix)
            .join(User, User.id == ApiKey.user_id)
            .where(User.organisation_id == me.organisation_id, User.id != me.id)
        ).all()
    shown_elsewhere = set(members) if me.org_role == "representative" else set()
    for prefix in set(others) - shown_elsewhere:
        assert prefix not in page.text, (role, prefix)
