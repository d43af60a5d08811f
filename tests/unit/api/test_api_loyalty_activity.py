"""/api/v1/loyalty activities: a retailer signs up through a seller's referral link (an
unknown code is refused naming ``referral_code``); suggestions submitted once, accepted
once (then 409); a survey answered once with aggregate-only results; a contest's standings
and its close paying once. Errors are problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import Organisation, User
from indexer.jobs import factory_for
from loyalty import programmes
from loyalty.engagement_models import Contest, Referral
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
from loyalty.models import Account, Entry
from marketplace.dates import utc_now
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

V1 = "/api/v1/loyalty"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(tmp_path_factory.mktemp("loyalty_activity_api"))
    yield built
    close_env(built)


@pytest.fixture(scope="module")
def programme(env: ApiEnv) -> int:
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        created = programmes.create_programme(
            s,
            None,
            name="Aktivitetsklubben",
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


def _post(env: ApiEnv, role: str | None, path: str, body: Any = None):  # type: ignore[no-untyped-def]
    return env.client.post(f"{V1}{path}", json=body, headers=env.headers(role))


def _get(env: ApiEnv, role: str, path: str):  # type: ignore[no-untyped-def]
    return env.client.get(f"{V1}{path}", headers=env.headers(role))


def _signup(code: str | None, org_number: str, email: str) -> dict[str, Any]:
    return {
        "kind": "retailer",
        "organisation": {
            "name": f"Ny Tand {org_number}",
            "org_number": org_number,
            "street": "Väg 1",
            "postal_code": "12345",
            "city": "Umeå",
        },
        "person": {"name": "Nils", "email": email, "password": "Norrsken över Umeälven"},
        "terms_accepted": True,
        "referral_code": code,
    }


def test_a_retailer_signs_up_through_a_sellers_referral_link(env: ApiEnv, programme: int) -> None:
    link = _get(env, "retailer_staff", f"/programmes/{programme}/referral-link")
    assert link.status_code == 200, link.text
    code = link.json()["code"]
    assert link.json()["for_seller"] and link.json()["link"].endswith(
        f"/bli-aterforsaljare?ref={code}"
    )
    unknown = env.client.post("/api/v1/signup", json=_signup("x" * 24, "556123-4567", "a@ny.se"))
    problem = assert_problem(unknown, 422)
    assert {tuple(e["loc"]) for e in problem["errors"]} == {("body", "referral_code")}
    ok = env.client.post("/api/v1/signup", json=_signup(code, "556123-4567", "nils@ny.se"))
    assert ok.status_code == 202, ok.text
    with transaction(factory_for(env.settings)) as s:
        org = s.scalars(select(Organisation).where(Organisation.org_number == "556123-4567")).one()
        referral = s.scalars(select(Referral).where(Referral.organisation_id == org.id)).one()
        assert referral.approved_at is None and referral.paid_at is None
    mine = _get(env, "retailer_staff", f"/programmes/{programme}/referral-link").json()
    assert [r["organisation"] for r in mine["referrals"]] == ["Ny Tand 556123-4567"]
    assert mine["referrals"][0]["paid_at"] is None


def test_suggestions_are_submitted_once_and_decided_once(env: ApiEnv, programme: int) -> None:
    body = {"title": "Fler storlekar", "text": "XS saknas."}
    r = _post(env, "retailer_staff", f"/programmes/{programme}/suggestions", body)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    again = _post(env, "retailer_staff", f"/programmes/{programme}/suggestions", body)
    assert assert_problem(again, 409)["type"].endswith("duplicate-suggestion")
    bad = _post(env, "retailer_staff", f"/programmes/{programme}/suggestions", {"title": "x"})
    assert_problem(bad, 422)
    queue = _get(env, "admin", f"/programmes/{programme}/suggestions").json()
    assert queue["count"] == 1 and queue["data"][0]["id"] == sid
    with transaction(factory_for(env.settings)) as s:
        staff = s.get_one(User, env.users["retailer_staff"]).name
    assert queue["data"][0]["seller"] == staff and queue["data"][0]["store"]
    accepted = _post(env, "admin", f"/suggestions/{sid}/accept", {"grade": "large"})
    assert accepted.status_code == 200 and accepted.json()["points"] == 1000
    assert_problem(_post(env, "admin", f"/suggestions/{sid}/decline", {"reason": "Nej"}), 409)
    mine = _get(env, "retailer_staff", f"/programmes/{programme}/my-suggestions").json()
    assert mine["data"][0]["status"] == "accepted"
    with transaction(factory_for(env.settings)) as s:
        paid = s.scalars(select(Entry).where(Entry.idempotency_key == f"suggestion:{sid}")).one()
        assert (
            paid.points == 1000 and s.get_one(Account, paid.destination_account_id).kind == "seller"
        )


def test_a_survey_is_answered_once_and_reported_in_aggregate(env: ApiEnv, programme: int) -> None:
    body = {
        "title": "Enkät",
        "questions": [
            {"kind": "single", "text": "Bäst?", "choices": ["Nitril", "Latex"]},
            {"kind": "scale", "text": "Nöjd?"},
            {"kind": "text", "text": "Mer?"},
        ],
        "points": 25,
    }
    bad = _post(
        env,
        "admin",
        f"/programmes/{programme}/surveys",
        {**body, "questions": [{"kind": "single", "text": "A?", "choices": ["x"]}]},
    )
    assert any("choices" in str(e["loc"]) for e in assert_problem(bad, 422)["errors"])
    created = _post(env, "admin", f"/programmes/{programme}/surveys", body)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    sid = created.json()["id"]
    closed = _post(env, "retailer_staff", f"/surveys/{sid}/responses", {"answers": [0, 4, "Bra"]})
    assert_problem(closed, 404)  # a draft takes no answers
    assert _post(env, "admin", f"/surveys/{sid}/open").json()["status"] == "open"
    assert_problem(_post(env, "admin", f"/surveys/{sid}/open"), 409)
    wrong = _post(env, "retailer_staff", f"/surveys/{sid}/responses", {"answers": [0, 9, ""]})
    assert assert_problem(wrong, 422)["errors"][0]["loc"] == ["body", "answers[1]"]
    ok = _post(env, "retailer_staff", f"/surveys/{sid}/responses", {"answers": [0, 4, "Bra"]})
    assert ok.status_code == 201 and ok.json()["points_paid"] == 25
    twice = _post(env, "retailer_staff", f"/surveys/{sid}/responses", {"answers": [1, 1, ""]})
    assert assert_problem(twice, 409)["type"].endswith("survey-answered")
    listed = _get(env, "retailer_staff", f"/programmes/{programme}/surveys").json()["data"]
    assert [(s["id"], s["answered"]) for s in listed] == [(sid, True)]
    results = _get(env, "admin", f"/surveys/{sid}/results").json()
    assert results == {
        "survey_id": sid,
        "respondents": 1,
        "suppressed": True,
        "min_respondents": 5,
        "questions": [],
    }


def test_a_contest_shows_standings_and_closes_once(env: ApiEnv, programme: int) -> None:
    now = utc_now()
    body = {
        "name": "Race",
        "metric": "sale_points",
        "audience": "sellers",
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        "prizes": [300],
    }
    bad = _post(env, "admin", f"/programmes/{programme}/contests", {**body, "prizes": [0]})
    assert_problem(bad, 422)
    created = _post(env, "admin", f"/programmes/{programme}/contests", body)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    standings = _get(env, "retailer_own", f"/contests/{cid}/standings")
    assert standings.status_code == 200 and standings.json()["data"] == []
    assert assert_problem(_post(env, "admin", f"/contests/{cid}/close"), 409)["type"].endswith(
        "contest-state"
    )
    with transaction(factory_for(env.settings)) as s:
        s.get_one(Contest, cid).ends_at = now - timedelta(minutes=1)
    closed = _post(env, "admin", f"/contests/{cid}/close")
    assert closed.status_code == 200 and closed.json()["contest"]["status"] == "closed"
    assert closed.json()["results"] == []  # nobody sold: no prize
    assert_problem(_post(env, "admin", f"/contests/{cid}/close"), 409)


def test_a_recruited_retailer_pays_its_referrer_once_approved_and_live(
    env: ApiEnv, programme: int
) -> None:
    """End to end through the real events: sign-up with the seller's code, e-mail
    confirmed, approved by an admin (nothing paid yet: no feed), a first feed run that puts
    offers live (paid once to the seller), a second run (nothing more)."""
    from catalog.models import Retailer
    from loyalty.engagement_settings import DEFAULT_REFERRAL_POINTS
    from marketplace.models import OutgoingEmail
    from marketplace.organisations import approve
    from tests.unit.api.test_api_support import feed_csv, wait_for_run

    code = _get(env, "retailer_staff", f"/programmes/{programme}/referral-link").json()["code"]
    body = _signup(code, "556123-4575", "rut@nyare.se")
    assert env.client.post("/api/v1/signup", json=body).status_code == 202
    with factory_for(env.settings)() as s:
        mail = s.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.to_address == "rut@nyare.se")
            .order_by(OutgoingEmail.id.desc())
        ).first()
        assert mail is not None
        token = str(mail.context["link"]).split("/bekrafta-registrering/", 1)[1]
    assert env.client.post("/api/v1/signup/confirm", json={"token": token}).status_code == 200

    def referral_entries() -> list[Entry]:
        with factory_for(env.settings)() as s:
            return list(s.scalars(select(Entry).where(Entry.kind == "referral")))

    with factory_for(env.settings)() as s:
        org = s.scalars(select(Organisation).where(Organisation.org_number == "556123-4575")).one()
        approve(s, org, None, channel="cli")
        s.commit()
        slug = s.get_one(Retailer, org.retailer_id).slug
        org_id = org.id
    assert referral_entries() == []  # approved, but no feed is live yet
    for _run in range(2):
        r = env.client.post(
            f"/api/v1/retailers/{slug}/feeds",
            files={"file": ("lager.csv", feed_csv(rows=3, bad_rows=0), "text/csv")},
            headers=env.headers("admin"),
        )
        assert r.status_code in (201, 202), r.text
        assert wait_for_run(env, r.json()["id"], role="admin")["status"] == "succeeded"
    paid = referral_entries()
    assert [(e.points, e.idempotency_key) for e in paid] == [
        (DEFAULT_REFERRAL_POINTS, f"referral:{programme}:{org_id}")
    ]
    with factory_for(env.settings)() as s:
        assert s.get_one(Account, paid[0].destination_account_id).kind == "seller"
    mine = _get(env, "retailer_staff", f"/programmes/{programme}/referral-link").json()
    recruited = {r["organisation"]: r for r in mine["referrals"]}
    assert recruited["Ny Tand 556123-4575"]["outcome"] == "paid"
