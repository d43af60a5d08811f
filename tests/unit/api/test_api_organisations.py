"""Sign-up, confirmation, invitations and members in the API: an endpoint x org-role matrix
over two organisations of each kind (no cross-organisation read or write), members of an
organisation that is not active (sign-in and API keys), and a removed member's key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from httpx import Response
from sqlalchemy import select

from api.auth import create_api_key, hash_password
from catalog.models import Organisation, Retailer, User
from indexer.jobs import factory_for
from marketplace.models import OutgoingEmail
from marketplace.organisations import add_member
from tests.unit.api.test_api_support import (
    PASSWORD,
    ApiEnv,
    assert_problem,
    build_env,
    close_env,
    release_organisations,
)

ORG_ROLES = ["r1_rep", "r1_staff", "r2_rep", "c1_manager", "c1_buyer", "c2_manager"]
MEMBERS = {
    "r1": ["r1_rep", "r1_staff"],
    "r2": ["r2_rep"],
    "c1": ["c1_manager", "c1_buyer"],
    "c2": ["c2_manager"],
}
MANAGERS = {"r1_rep", "r2_rep", "c1_manager", "c2_manager"}
EVERYONE: list[str | None] = [None, *ORG_ROLES, "merchandiser", "admin", "clinic"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_orgs")), signup_max_per_address=100)
    release_organisations(built)  # this module builds its own
    factory = factory_for(built.settings)
    hashed = hash_password(PASSWORD)
    with factory() as s:
        tand = s.scalar(select(Retailer).where(Retailer.slug == "tandab"))
        nord = s.scalar(select(Retailer).where(Retailer.slug == "dentalnord"))
        assert tand is not None and nord is not None
        orgs = {
            "r1": Organisation(
                kind="retailer",
                name="Tand AB",
                org_number="556677-8899",
                status="active",
                retailer_id=tand.id,
            ),
            "r2": Organisation(
                kind="retailer",
                name="Dental Nord",
                org_number="556123-4567",
                status="active",
                retailer_id=nord.id,
            ),
            "c1": Organisation(
                kind="clinic", name="Folktand", org_number="559876-5435", status="active"
            ),
            "c2": Organisation(
                kind="clinic", name="Leendet", org_number="802456-7896", status="active"
            ),
        }
        s.add_all(orgs.values())
        s.flush()
        roles = {
            "r1_rep": "representative",
            "r1_staff": "staff",
            "r2_rep": "representative",
            "c1_manager": "manager",
            "c1_buyer": "buyer",
            "c2_manager": "manager",
        }
        for key, role in roles.items():
            org = orgs[key[:2]]
            user = User(email=f"{key}@orgs.test", name=key, role=org.kind, password_hash=hashed)
            s.add(user)
            s.flush()
            add_member(s, org, user, role, actor=None, channel="cli")
            built.keys[key] = create_api_key(s, user, f"{key} key")[1]
            built.offers[f"user:{key}"] = user.id
        s.commit()
        for key, org in orgs.items():
            built.offers[f"org:{key}"] = org.id
    yield built
    close_env(built)


def uid(env: ApiEnv, key: str) -> int:
    return env.offers[f"user:{key}"]


def _org_of(role: str | None) -> str | None:
    return None if role is None or role not in ORG_ROLES else role[:2]


def _invite(env: ApiEnv, h: dict[str, str], email: str, role: str) -> Response:
    return env.client.post(
        "/api/v1/organisation/invitations", json={"email": email, "org_role": role}, headers=h
    )


@pytest.mark.parametrize("role", EVERYONE, ids=lambda r: r or "anonymous")
def test_members_list_shows_only_the_callers_organisation(env: ApiEnv, role: str | None) -> None:
    r = env.client.get("/api/v1/organisation/members", headers=env.headers(role))
    org = _org_of(role)
    if role is None:
        assert_problem(r, 401)
        return
    if org is None:
        assert_problem(r, 403)  # platform staff and users of no organisation
        return
    assert r.status_code == 200, r.text
    emails = {m["email"] for m in r.json()["data"]}
    assert emails <= {f"{k}@orgs.test" for k in MEMBERS[org]}
    assert f"{role}@orgs.test" in emails
    assert r.json()["count"] >= 1


@pytest.mark.parametrize("role", EVERYONE, ids=lambda r: r or "anonymous")
def test_only_managers_see_and_send_invitations(env: ApiEnv, role: str | None) -> None:
    h = env.headers(role)
    listed = env.client.get("/api/v1/organisation/invitations", headers=h)
    sent = _invite(env, h, f"new-{role}@orgs.test", "staff" if (role or "r")[0] == "r" else "buyer")
    if role is None:
        assert_problem(listed, 401)
        assert_problem(sent, 401)
    elif role in MANAGERS:
        assert listed.status_code == 200, listed.text
        assert sent.status_code == 201, sent.text
        body = sent.json()
        mine = env.client.get("/api/v1/organisation/invitations", headers=h).json()["data"]
        assert body["id"] in {i["id"] for i in mine}
    else:
        assert_problem(listed, 403)
        assert_problem(sent, 403)


@pytest.mark.parametrize("role", EVERYONE, ids=lambda r: r or "anonymous")
def test_no_cross_organisation_writes(env: ApiEnv, role: str | None) -> None:
    """A victim of Tand AB (r1) and of Folktand (c1): only their own managers may touch them."""
    h = env.headers(role)
    for victim, org in (("r1_staff", "r1"), ("c1_buyer", "c1")):
        patch = env.client.patch(
            f"/api/v1/organisation/members/{uid(env, victim)}",
            json={"org_role": "staff" if org == "r1" else "buyer"},  # no change if allowed
            headers=h,
        )
        if role is None:
            assert_problem(patch, 401)
        elif role in MANAGERS and _org_of(role) == org:
            assert patch.status_code == 200, patch.text
        elif role in MANAGERS:
            assert_problem(patch, 404)  # another organisation's member is not found
        else:
            assert_problem(patch, 403)
    # the victim is untouched by anyone else's delete
    if role in MANAGERS and _org_of(role) not in ("r1",):
        gone = env.client.delete(f"/api/v1/organisation/members/{uid(env, 'r1_staff')}", headers=h)
        assert_problem(gone, 404)
    with factory_for(env.settings)() as s:
        staff = s.get(User, uid(env, "r1_staff"))
        assert staff is not None and staff.active and staff.org_role == "staff"


def test_invitation_of_another_organisation_cannot_be_withdrawn(env: ApiEnv) -> None:
    sent = _invite(env, env.headers("r1_rep"), "withdraw@orgs.test", "staff")
    assert sent.status_code == 201, sent.text
    inv = sent.json()["id"]
    for other in ("r2_rep", "c1_manager"):
        r = env.client.delete(f"/api/v1/organisation/invitations/{inv}", headers=env.headers(other))
        assert_problem(r, 404)
    r = env.client.delete(f"/api/v1/organisation/invitations/{inv}", headers=env.headers("r1_rep"))
    assert r.status_code == 204
    listed = env.client.get("/api/v1/organisation/invitations", headers=env.headers("r1_rep"))
    assert inv not in {i["id"] for i in listed.json()["data"]}


def _token_of(env: ApiEnv, to: str, marker: str) -> str:
    with factory_for(env.settings)() as s:
        mail = s.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.to_address == to)
            .order_by(OutgoingEmail.id.desc())
        ).first()
        assert mail is not None
        link = str(mail.context["link"])
        return link.split(marker, 1)[1]


def test_sign_up_confirm_approve_then_sign_in(env: ApiEnv) -> None:
    body = {
        "kind": "clinic",
        "organisation": {
            "name": "Tandhälsan",
            "org_number": "556000-1116",
            "street": "Väg 1",
            "postal_code": "12345",
            "city": "Umeå",
        },
        "person": {
            "name": "Ulla",
            "email": "ulla@tandhalsan.se",
            "password": "Norrsken över Umeälven",
        },
        "terms_accepted": True,
        "lang": "en",
    }
    r = env.client.post("/api/v1/signup", json=body)
    assert r.status_code == 202, r.text
    bad = env.client.post(
        "/api/v1/signup",
        json={
            **body,
            "terms_accepted": False,
            "organisation": {**body["organisation"], "org_number": "556000-1117"},
        },
    )
    problem = assert_problem(bad, 422)
    # each error at its place in the request's JSON
    assert {tuple(e["loc"]) for e in problem["errors"]} == {
        ("body", "terms_accepted"),
        ("body", "organisation", "org_number"),
    }
    login = {"email": "ulla@tandhalsan.se", "password": "Norrsken över Umeälven"}
    assert_problem(env.client.post("/api/v1/auth/login", json=login), 403)
    token = _token_of(env, "ulla@tandhalsan.se", "/bekrafta-registrering/")
    confirmed = env.client.post("/api/v1/signup/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "pending" and confirmed.json()["confirmed_now"]
    again = env.client.post("/api/v1/signup/confirm", json={"token": token})
    assert again.json()["confirmed_now"] is False
    # an unknown link is a 404 like an unknown invitation link, with the request's path
    unknown = assert_problem(env.client.post("/api/v1/signup/confirm", json={"token": "x"}), 404)
    assert unknown["instance"] == "/api/v1/signup/confirm"
    assert_problem(env.client.post("/api/v1/auth/login", json=login), 403)
    with factory_for(env.settings)() as s:
        from marketplace.organisations import approve

        org = s.get(Organisation, confirmed.json()["organisation_id"])
        assert org is not None
        approve(s, org, None, channel="cli")
        s.commit()
    ok = env.client.post("/api/v1/auth/login", json=login)
    assert ok.status_code == 200, ok.text
    env.client.post("/api/v1/auth/logout")
    # the same address again: the same answer, nothing new
    twice = env.client.post(
        "/api/v1/signup",
        json={**body, "organisation": {**body["organisation"], "org_number": "969765-4326"}},
    )
    assert twice.status_code == 202


def test_invitation_accept_once_and_a_taken_address(env: ApiEnv) -> None:
    h = env.headers("c2_manager")
    assert _invite(env, h, "nils@leendet.se", "buyer").status_code == 201
    # another organisation's member: the same answer as anyone (nothing tells it has an
    # account), listed as open; only its e-mail says it cannot join, without a link
    taken = _invite(env, h, "c1_buyer@orgs.test", "buyer")
    assert taken.status_code == 201, taken.text
    assert taken.json()["email"] == "c1_buyer@orgs.test"
    listed = env.client.get("/api/v1/organisation/invitations", headers=h).json()["data"]
    assert "c1_buyer@orgs.test" in {i["email"] for i in listed}
    with factory_for(env.settings)() as s:
        mail = s.scalars(
            select(OutgoingEmail).where(OutgoingEmail.to_address == "c1_buyer@orgs.test")
        ).one()
        assert (mail.template, mail.context["link"]) == ("invitation_taken", "")
    token = _token_of(env, "nils@leendet.se", "/inbjudan/")
    weak = env.client.post(
        "/api/v1/invitations/accept",
        json={"token": token, "name": "Nils", "password": "1234567890"},
    )
    (error,) = assert_problem(weak, 422)["errors"]  # it says why
    assert (error["type"], error["msg"][:9]) == ("too_common", "too commo")
    named = env.client.post(
        "/api/v1/invitations/accept",
        json={"token": token, "name": "Nils Berg", "password": "Bergakungen 77 i snö"},
    )
    assert assert_problem(named, 422)["errors"][0]["type"] == "contains_name"
    joined = env.client.post(
        "/api/v1/invitations/accept",
        json={"token": token, "name": "Nils", "password": "Fjällräv i snö 26"},
    )
    assert joined.status_code == 201, joined.text
    assert joined.json()["role"] == "clinic"
    used = env.client.post(
        "/api/v1/invitations/accept",
        json={"token": token, "name": "Nils", "password": "Fjällräv i snö 26"},
    )
    assert assert_problem(used, 410)["instance"] == "/api/v1/invitations/accept"
    unknown = env.client.post(
        "/api/v1/invitations/accept",
        json={"token": "nope", "name": "N", "password": "Fjällräv i snö 26"},
    )
    assert_problem(unknown, 404)


def test_a_removed_members_key_stops_at_once_and_the_last_manager_stays(env: ApiEnv) -> None:
    h = env.headers("c1_manager")
    buyer_key = env.headers("c1_buyer")
    assert env.client.get("/api/v1/auth/me", headers=buyer_key).status_code == 200
    lone = env.client.patch(
        f"/api/v1/organisation/members/{uid(env, 'c1_manager')}",
        json={"org_role": "buyer"},
        headers=h,
    )
    assert assert_problem(lone, 422)["detail"].startswith("an organisation keeps")
    r = env.client.delete(f"/api/v1/organisation/members/{uid(env, 'c1_buyer')}", headers=h)
    assert r.status_code == 204, r.text
    assert_problem(env.client.get("/api/v1/auth/me", headers=buyer_key), 401)


def test_a_suspended_organisations_keys_stop(env: ApiEnv) -> None:
    key = env.headers("r2_rep")
    assert env.client.get("/api/v1/auth/me", headers=key).status_code == 200
    with factory_for(env.settings)() as s:
        org = s.get(Organisation, env.offers["org:r2"])
        assert org is not None
        org.status = "suspended"
        s.commit()
    try:
        env.app.state.api_keys.clear()  # another worker's cache would expire within 1 s
        assert_problem(env.client.get("/api/v1/auth/me", headers=key), 401)
        login = {"email": "r2_rep@orgs.test", "password": PASSWORD}
        body = assert_problem(env.client.post("/api/v1/auth/login", json=login), 403)
        assert "suspended" in body["detail"]
        wrong = {**login, "password": "wrong password"}
        assert_problem(env.client.post("/api/v1/auth/login", json=wrong), 401)  # nothing told
    finally:
        with factory_for(env.settings)() as s:
            org = s.get(Organisation, env.offers["org:r2"])
            assert org is not None
            org.status = "active"
            s.commit()


def test_the_last_manager_cannot_delete_their_account(env: ApiEnv) -> None:
    """DELETE /me refuses the last representative / manager (as removing them via members
    does); the account, its key and the organisation stay."""
    h = env.headers("c2_manager")
    refused = assert_problem(env.client.delete("/api/v1/me", headers=h), 422)
    assert refused["detail"].startswith("an organisation keeps at least one representative")
    assert "before deleting your account" in refused["detail"]
    assert env.client.get("/api/v1/auth/me", headers=h).status_code == 200


def test_names_with_a_line_break_are_refused(env: ApiEnv) -> None:
    """ "\r\nBcc: x@y" in the organisation's or the person's name: 422 naming the field."""
    injection = "\r\nBcc: x@y"
    body = {
        "kind": "clinic",
        "organisation": {
            "name": "Radbrytet",
            "org_number": "556000-1116",
            "street": "Väg 1",
            "postal_code": "12345",
            "city": "Umeå",
        },
        "person": {"name": "Ulla", "email": "ulla@radbryt.se", "password": "Norrsken i Umeå 99"},
        "terms_accepted": True,
    }
    org = {**body, "organisation": {**body["organisation"], "name": "Radbrytet" + injection}}
    person = {**body, "person": {**body["person"], "name": "Ulla" + injection}}
    for bad, field in ((org, "organisation.name"), (person, "person.name")):
        refused = assert_problem(env.client.post("/api/v1/signup", json=bad), 422)
        assert f"{field}: format" in refused["detail"], refused


def test_a_registered_org_number_is_not_told_to_an_anonymous_caller(env: ApiEnv) -> None:
    """The answer of a new sign-up (202); the address given and the organisation's manager
    get an e-mail; an admin's request is told ``org_number: taken``."""
    body = {
        "kind": "clinic",
        "organisation": {
            "name": "Folktand",
            "org_number": "559876-5435",
            "street": "Väg 1",
            "postal_code": "12345",
            "city": "Umeå",
        },
        "person": {"name": "Nyfiken", "email": "nyfiken@x.se", "password": "Norrsken i Umeå 99"},
        "terms_accepted": True,
    }
    fresh = {
        **body,
        "organisation": {**body["organisation"], "org_number": "556098-7603"},
        "person": {**body["person"], "email": "ny@x.se"},
    }
    answers = [env.client.post("/api/v1/signup", json=b) for b in (body, fresh)]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json().keys() == answers[1].json().keys()
    assert answers[0].json()["email"] == "nyfiken@x.se"
    assert _mail(env, "nyfiken@x.se").template == "signup_org_taken"
    assert _mail(env, "c1_manager@orgs.test").template == "signup_org_attempt"
    admin = env.client.post(
        "/api/v1/signup",
        json={**body, "person": {**body["person"], "email": "adm@x.se"}},
        headers=env.headers("admin"),
    )
    assert "org_number: taken" in assert_problem(admin, 422)["detail"]


def _mail(env: ApiEnv, to: str) -> OutgoingEmail:
    with factory_for(env.settings)() as s:
        mail = s.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.to_address == to)
            .order_by(OutgoingEmail.id.desc())
        ).first()
        assert mail is not None, to
        s.expunge(mail)
        return mail
