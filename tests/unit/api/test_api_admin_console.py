"""The admin console's API: organisations (approve/refuse with 409 for a second decision,
suspend refusing members' keys, sessions and sign-in, corrections), users (roles, suspend,
reset sign-in lifting the lock and queueing the link) and the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import LoginThrottle, Organisation, User
from indexer.jobs import factory_for
from marketplace.dates import utc_now
from marketplace.models import OutgoingEmail
from tests.unit.api.test_api_support import PASSWORD, ApiEnv, assert_problem, build_env, close_env

ORGS = "/api/v1/admin/organisations"
USERS = "/api/v1/admin/users"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_admin_console")))
    yield built
    close_env(built)


def _org(env: ApiEnv, name: str, *, status: str = "pending", member: str | None = None) -> int:
    """A retailer organisation; ``member`` (an e-mail of the seeded users) joins it, moving
    from their seeded organisation with its retailer."""
    with transaction(factory_for(env.settings)) as s:
        org = Organisation(kind="retailer", name=name, status=status)
        s.add(org)
        s.flush()
        if member is not None:
            user = s.scalars(select(User).where(User.email == member)).one()
            seeded = s.get(Organisation, user.organisation_id) if user.organisation_id else None
            if seeded is not None:
                seeded.retailer_id = None  # one organisation owns a retailer
                s.flush()
            user.organisation_id, user.org_role = org.id, "representative"
            org.retailer_id = user.retailer_id
        return org.id


def _login(env: ApiEnv, email: str) -> TestClient:
    client = TestClient(env.app)
    r = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def test_suspending_an_organisation_refuses_its_members_until_reactivated(env: ApiEnv) -> None:
    org_id = _org(env, "Dental Nord AB", status="active", member="other@example.com")
    browser = _login(env, "other@example.com")
    assert browser.get("/api/v1/auth/me").status_code == 200
    assert env.client.get("/api/v1/auth/me", headers=env.headers("retailer_other")).is_success
    admin = env.headers("admin")
    missing = env.client.post(f"{ORGS}/{org_id}/suspend", json={}, headers=admin)
    assert "reason" in assert_problem(missing, 422)["detail"]
    r = env.client.post(f"{ORGS}/{org_id}/suspend", json={"reason": "Obetalt"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_reason"]) == ("suspended", "Obetalt")
    assert r.json()["history"][0]["action"] == "organisation.suspend"
    assert_problem(browser.get("/api/v1/auth/me"), 401)  # the session ended
    key = env.client.get("/api/v1/auth/me", headers=env.headers("retailer_other"))
    assert "organisation" in assert_problem(key, 401)["detail"]
    login = TestClient(env.app).post(
        "/api/v1/auth/login", json={"email": "other@example.com", "password": PASSWORD}
    )
    assert "suspended" in assert_problem(login, 403)["detail"]  # told after the password
    assert_problem(env.client.post(f"{ORGS}/{org_id}/approve", headers=admin), 409)
    r = env.client.post(f"{ORGS}/{org_id}/reactivate", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert env.client.get("/api/v1/auth/me", headers=env.headers("retailer_other")).is_success
    assert _login(env, "other@example.com").get("/api/v1/auth/me").status_code == 200


def test_a_sign_up_is_decided_once(env: ApiEnv) -> None:
    admin = env.headers("admin")
    org_id = _org(env, "Nya Tand AB")
    listed = env.client.get(ORGS, params={"status": "pending", "q": "nya tand"}, headers=admin)
    assert listed.status_code == 200
    body = listed.json()
    assert (body["count"], body["limit"], body["offset"]) == (1, 50, 0)
    assert body["data"][0]["href"] == f"{ORGS}/{org_id}"
    r = env.client.post(f"{ORGS}/{org_id}/refuse", json={"reason": "Okänt bolag"}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "refused"
    again = env.client.post(f"{ORGS}/{org_id}/approve", headers=admin)
    assert "refused" in assert_problem(again, 409)["detail"]
    assert_problem(env.client.post(f"{ORGS}/999999/approve", headers=admin), 404)
    assert_problem(env.client.get(ORGS, params={"limit": 101}, headers=admin), 422)


def test_corrections_check_the_org_number(env: ApiEnv) -> None:
    admin = env.headers("admin")
    org_id = _org(env, "Rättas AB", status="active")
    bad = env.client.patch(f"{ORGS}/{org_id}", json={"org_number": "556677-8898"}, headers=admin)
    assert "org_number" in assert_problem(bad, 422)["detail"]
    unknown = env.client.patch(f"{ORGS}/{org_id}", json={"owner": "x"}, headers=admin)
    assert_problem(unknown, 422)
    for field in ("name", "city", "street"):  # one-line fields: names go into mail subjects
        broken = env.client.patch(f"{ORGS}/{org_id}", json={field: "Rättas\r\nAB"}, headers=admin)
        assert field in assert_problem(broken, 422)["detail"]
    r = env.client.patch(
        f"{ORGS}/{org_id}", json={"org_number": "5566778899", "city": "Umeå"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert (r.json()["org_number"], r.json()["city"]) == ("556677-8899", "Umeå")
    log = env.client.get(
        "/api/v1/admin/audit-log",
        params={"target_kind": "organisation", "target_id": str(org_id)},
        headers=admin,
    ).json()
    assert log["count"] == 1 and log["data"][0]["detail"]["changed"]["city"] == [None, "Umeå"]


def test_reset_sign_in_lifts_the_lock_ends_sessions_and_queues_the_link(env: ApiEnv) -> None:
    browser = _login(env, "clinic@example.com")
    with transaction(factory_for(env.settings)) as s:
        s.merge(
            LoginThrottle(
                key="acct:clinic@example.com",
                failures=5,
                lockouts=2,
                window_started_at=utc_now(),
                locked_until=utc_now() + timedelta(minutes=30),
            )
        )
        clinic_id = s.scalars(select(User.id).where(User.email == "clinic@example.com")).one()
    r = env.client.post(
        f"{USERS}/{clinic_id}/reset-sign-in", params={"lang": "en"}, headers=env.headers("admin")
    )
    assert r.status_code == 200, r.text
    assert r.json()["lock_lifted"] is True and r.json()["sessions_ended"] >= 1
    assert_problem(browser.get("/api/v1/auth/me"), 401)
    with factory_for(env.settings)() as s:
        throttle = s.get(LoginThrottle, "acct:clinic@example.com")
        assert throttle is not None and throttle.locked_until is None
        mail = s.scalars(select(OutgoingEmail).where(OutgoingEmail.user_id == clinic_id)).one()
        assert mail.template == "password_reset" and mail.lang == "en"
        site = env.settings.site_url.rstrip("/")  # never the request's Host
        assert str(mail.context["link"]).startswith(f"{site}/konto/nytt-losenord?token=")


def test_users_are_searched_and_their_roles_changed(env: ApiEnv) -> None:
    admin = env.headers("admin")
    found = env.client.get(USERS, params={"q": "MERCH@"}, headers=admin).json()
    assert found["count"] == 1 and found["data"][0]["role"] == "merchandiser"
    merch_id = found["data"][0]["id"]
    refused = env.client.post(f"{USERS}/{merch_id}/roles", json={"role": "clinic"}, headers=admin)
    assert "role" in assert_problem(refused, 422)["detail"]
    own = env.client.get(USERS, params={"role": "admin"}, headers=admin).json()["data"][0]
    self_demotion = env.client.post(
        f"{USERS}/{own['id']}/roles", json={"role": "merchandiser"}, headers=admin
    )
    assert_problem(self_demotion, 403)
    r = env.client.post(f"{USERS}/{merch_id}/suspend", json={"reason": "Slutat"}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert_problem(env.client.get("/api/v1/auth/me", headers=env.headers("merchandiser")), 401)
    assert_problem(
        env.client.post(f"{USERS}/{merch_id}/suspend", json={"reason": "x"}, headers=admin), 409
    )
    assert env.client.post(f"{USERS}/{merch_id}/reactivate", headers=admin).json()["active"]
    assert env.client.get("/api/v1/auth/me", headers=env.headers("merchandiser")).is_success


def test_the_console_routes_are_documented_with_their_refusals(env: ApiEnv) -> None:
    paths = env.client.get("/openapi.json").json()["paths"]
    for path, method in [
        (ORGS, "get"),
        (f"{ORGS}/{{org_id}}", "get"),
        (f"{ORGS}/{{org_id}}", "patch"),
        (f"{ORGS}/{{org_id}}/approve", "post"),
        (f"{ORGS}/{{org_id}}/refuse", "post"),
        (f"{ORGS}/{{org_id}}/suspend", "post"),
        (f"{ORGS}/{{org_id}}/reactivate", "post"),
        (USERS, "get"),
        (f"{USERS}/{{user_id}}", "get"),
        (f"{USERS}/{{user_id}}/roles", "post"),
        (f"{USERS}/{{user_id}}/suspend", "post"),
        (f"{USERS}/{{user_id}}/reactivate", "post"),
        (f"{USERS}/{{user_id}}/reset-sign-in", "post"),
        ("/api/v1/admin/audit-log", "get"),
    ]:
        responses = paths[path][method]["responses"]
        assert {"200", "401", "403", "429"} <= set(responses), (path, method)
    assert "409" in paths[f"{ORGS}/{{org_id}}/approve"]["post"]["responses"]


def test_an_unconfirmed_sign_up_says_so_and_its_approval_is_worded_for_organisations(
    env: ApiEnv,
) -> None:
    """A sign-up whose e-mail is not confirmed waits for its applicant, not an admin: the
    list says which (``awaiting``, a filter the dashboard's count agrees with) and approving
    it is a 409 about the sign-up (not an order's "state"), in the request's language."""
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        unconfirmed = Organisation(
            kind="clinic", name="Obekräftad Klinik AB", status="pending", terms_accepted_at=now
        )
        confirmed = Organisation(
            kind="clinic",
            name="Bekräftad Klinik AB",
            status="pending",
            terms_accepted_at=now,
            submitted_at=now,
        )
        s.add_all([unconfirmed, confirmed])
        s.flush()
        ids = {"email_confirmation": unconfirmed.id, "decision": confirmed.id}
    admin = env.headers("admin")
    listed = env.client.get(ORGS, params={"status": "pending", "limit": 100}, headers=admin)
    assert listed.status_code == 200, listed.text
    waits = {o["id"]: o["awaiting"] for o in listed.json()["data"]}
    assert waits[ids["email_confirmation"]] == "email_confirmation"
    assert waits[ids["decision"]] == "decision"
    for awaiting, org_id in ids.items():
        page = env.client.get(ORGS, params={"awaiting": awaiting, "limit": 100}, headers=admin)
        found = {o["id"] for o in page.json()["data"]}
        assert org_id in found and ids[({*ids} - {awaiting}).pop()] not in found
        assert {o["awaiting"] for o in page.json()["data"]} == {awaiting}
    assert_problem(env.client.get(ORGS, params={"awaiting": "nope"}, headers=admin), 422)
    active = env.client.get(f"{ORGS}/{ids['decision']}", headers=admin).json()
    assert active["awaiting"] == "decision"
    for lang, word in (("sv", "bekräftat"), ("en", "confirmed")):
        r = env.client.post(
            f"{ORGS}/{ids['email_confirmation']}/approve",
            headers={**admin, "Accept-Language": lang},
        )
        body = assert_problem(r, 409)
        assert body["type"].endswith("/signup-unconfirmed") and "order" not in body["title"]
        assert body["code"] == "signup_unconfirmed" and word in body["text"]
    decided = env.client.post(f"{ORGS}/{ids['decision']}/approve", headers=admin)
    assert decided.status_code == 200 and decided.json()["awaiting"] is None
