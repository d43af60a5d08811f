"""/api/v1/loyalty for a sponsor: an admin gives a programme to a sponsor organisation, its
representative manages it (campaigns, quizzes, limits, held credits, clawbacks whole or in
part) and sees only its own programmes; a 409 names an account as people know it, never
its internal key; quizzes and campaigns are edited without changing what was scored or
paid."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from catalog.db import transaction
from catalog.models import User
from indexer.jobs import factory_for
from loyalty import programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION, AccountKind
from loyalty.ledger import ensure_account, transfer
from loyalty.models import Account, HeldCredit, Participant, PhotoSubmission
from marketplace.dates import utc_now
from tests.unit.api.test_api_support import (
    ApiEnv,
    add_sponsors,
    assert_problem,
    build_env,
    close_env,
)
from tests.unit.loyalty.photo_support import jpeg_with_gps, picture

V1 = "/api/v1/loyalty"
QUESTIONS = [{"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [0]}]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(tmp_path_factory.mktemp("loyalty_sponsor_api"))
    add_sponsors(built)
    yield built
    close_env(built)


@pytest.fixture(scope="module")
def programme(env: ApiEnv) -> int:
    """Sponsor A's programme, made through the API; tandab's organisation a member with
    retailer_staff taking part."""
    body = {
        "name": "Sponsorklubben",
        "sponsor_organisation_id": env.orgs["sponsor_a"],
        "points_per_krona": "1",
        "point_value_ore": 5,
        "expiry_months": 24,
    }
    r = env.client.post(f"{V1}/programmes", json=body, headers=env.headers("admin"))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["sponsor_organisation_id"] == env.orgs["sponsor_a"]
    assert created["sponsor_name"] == "Dentsply Sverige AB"
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        rep = s.get_one(User, env.users["retailer_own"])
        seller = s.get_one(User, env.users["retailer_staff"])
        programmes.accept_member_terms(s, rep, created["id"], MEMBER_TERMS_VERSION, now=now)
        programmes.invite(s, rep, created["id"], seller.id, now=now)
        programmes.accept_participant_terms(
            s, seller, created["id"], PARTICIPANT_TERMS_VERSION, now=now
        )
    return int(created["id"])


def _credit(env: ApiEnv, programme: int, points: int, key: str) -> tuple[int, int]:
    """A sale credit to retailer_staff's sub-account: (entry id, account id)."""
    with transaction(factory_for(env.settings)) as s:
        participant = s.query(Participant).filter_by(user_id=env.users["retailer_staff"]).one()
        account = ensure_account(
            s,
            programme,
            AccountKind.SELLER,
            membership_id=participant.membership_id,
            participant_id=participant.id,
        )
        sponsor = ensure_account(s, programme, AccountKind.SPONSOR)
        entry, _ = transfer(
            s,
            programme_id=programme,
            source_id=sponsor.id,
            destination_id=account.id,
            points=points,
            kind="sale",
            reason="order delivered",
            idempotency_key=key,
            now=utc_now(),
        )
        return entry.id, account.id


def test_a_programme_goes_only_to_a_sponsor_organisation(env: ApiEnv, programme: int) -> None:
    body = {
        "name": "Fel klubb",
        "sponsor_organisation_id": env.orgs["retailer_a"],
        "points_per_krona": "1",
        "point_value_ore": 5,
        "expiry_months": 24,
    }
    r = env.client.post(f"{V1}/programmes", json=body, headers=env.headers("admin"))
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["loc"] == ["body", "sponsor_organisation_id"]
    # a sponsor's representative starts programmes of its own organisation only; its staff none
    body |= {"sponsor_organisation_id": env.orgs["sponsor_a"], "name": "Egen klubb"}
    assert_problem(
        env.client.post(f"{V1}/programmes", json=body, headers=env.headers("sponsor_other")), 403
    )
    assert_problem(
        env.client.post(f"{V1}/programmes", json=body, headers=env.headers("sponsor_staff")), 403
    )
    del body["sponsor_organisation_id"]  # none named: its own
    r = env.client.post(f"{V1}/programmes", json=body, headers=env.headers("sponsor_other"))
    assert r.status_code == 201, r.text
    own = r.json()["sponsor_organisation_id"]
    assert own is not None and own != env.orgs["sponsor_a"]


def test_a_sponsor_lists_only_the_programmes_it_manages(env: ApiEnv, programme: int) -> None:
    own = env.client.get(f"{V1}/programmes", headers=env.headers("sponsor")).json()["data"]
    assert [p["id"] for p in own] == [programme]
    other = env.client.get(f"{V1}/programmes", headers=env.headers("sponsor_other")).json()
    assert programme not in [p["id"] for p in other["data"]]
    staff = env.client.get(f"{V1}/programmes", headers=env.headers("sponsor_staff")).json()
    assert staff["data"] == []


def test_partial_clawbacks_through_the_api(env: ApiEnv, programme: int) -> None:
    entry, _account = _credit(env, programme, 100, "api-partial")
    url = f"{V1}/entries/{entry}/clawback"
    h = env.headers("sponsor") | {"Idempotency-Key": "claw-1"}
    first = env.client.post(url, json={"reason": "Fel pris", "points": 30}, headers=h)
    assert first.status_code == 201, first.text
    assert first.json() | {"entry_id": 0} == {
        "entry_id": 0,
        "reverses_entry_id": entry,
        "points": 30,
        "credited": 100,
        "clawed_back": 30,
        "reason": f"clawback of entry {entry}: Fel pris",
        "created": True,
    }
    replay = env.client.post(url, json={"reason": "Fel pris", "points": 30}, headers=h)
    assert replay.status_code == 201 and replay.json() == first.json()  # a retry: once
    too_much = env.client.post(
        url, json={"reason": "Mer", "points": 71}, headers=env.headers("sponsor")
    )
    problem = assert_problem(too_much, 409)
    assert problem["type"].endswith("clawback-too-large") and "70 left" in problem["detail"]
    rest = env.client.post(url, json={"reason": "Resten"}, headers=env.headers("sponsor"))
    assert rest.status_code == 201 and rest.json()["points"] == 70
    assert rest.json()["clawed_back"] == 100
    again = env.client.post(url, json={"reason": "Igen"}, headers=env.headers("sponsor"))
    assert again.status_code == 200 and again.json()["created"] is False
    assert_problem(
        env.client.post(url, json={"reason": "x"}, headers=env.headers("sponsor_other")), 404
    )


def test_a_409_names_the_account_never_its_key(env: ApiEnv, programme: int) -> None:
    entry, account = _credit(env, programme, 50, "api-spent")
    with transaction(factory_for(env.settings)) as s:
        shop = ensure_account(s, programme, AccountKind.SHOP)
        held = s.get_one(Account, account).balance
        transfer(
            s,
            programme_id=programme,
            source_id=account,
            destination_id=shop.id,
            points=held - 5,
            kind="redemption",
            reason="shop",
            idempotency_key="api-spend",
            now=utc_now(),
        )
    r = env.client.post(
        f"{V1}/entries/{entry}/clawback",
        json={"reason": "Fusk", "points": 20},
        headers=env.headers("admin"),
    )
    problem = assert_problem(r, 409)
    assert problem["type"].endswith("insufficient-points")
    assert f"p{programme}:" not in r.text and ":seller:" not in r.text
    assert (
        "seller Stina (user" in problem["detail"] and "Tand AB (organisation" in problem["detail"]
    )
    assert "holds 5 points, not the 20 needed" in problem["detail"]


def test_held_credits_name_their_account(env: ApiEnv, programme: int) -> None:
    _entry, account = _credit(env, programme, 1, "api-held-account")
    with transaction(factory_for(env.settings)) as s:
        held = HeldCredit(
            programme_id=programme,
            destination_account_id=account,
            points=5000,
            kind="sale",
            reason="big order",
            idempotency_key="api-held",
            status="held",
            created_at=utc_now(),
        )
        s.add(held)
        s.flush()
        held_id = held.id
    r = env.client.get(f"{V1}/programmes/{programme}/held-credits", headers=env.headers("sponsor"))
    found = next(h for h in r.json()["data"] if h["id"] == held_id)
    assert found["account"].startswith("the points of seller Stina (user")
    ok = env.client.post(
        f"{V1}/held-credits/{held_id}/approve", json={"reason": ""}, headers=env.headers("sponsor")
    )
    assert ok.status_code == 200 and ok.json()["status"] == "approved"


def _quiz_body(**change: Any) -> dict[str, Any]:
    return {
        "title": "Nitril",
        "questions": QUESTIONS,
        "pass_mark": 1,
        "max_attempts": 2,
        "points": 40,
    } | change


def test_a_sponsor_edits_a_quiz_until_it_is_attempted(env: ApiEnv, programme: int) -> None:
    h = env.headers("sponsor")
    made = env.client.post(f"{V1}/programmes/{programme}/quizzes", json=_quiz_body(), headers=h)
    assert made.status_code == 201, made.text
    quiz = made.json()["id"]
    assert made.json()["attempts"] == 0
    edited = env.client.put(f"{V1}/quizzes/{quiz}", json=_quiz_body(points=60), headers=h)
    assert edited.status_code == 200 and edited.json()["points"] == 60
    attempt = env.client.post(
        f"{V1}/quizzes/{quiz}/attempts",
        json={"answers": [[1]]},
        headers=env.headers("retailer_staff"),
    )
    assert attempt.status_code == 201, attempt.text
    locked = env.client.put(f"{V1}/quizzes/{quiz}", json=_quiz_body(points=100), headers=h)
    assert assert_problem(locked, 409)["type"].endswith("quiz-attempted")
    reworded = _quiz_body(
        points=60,
        title="Nitril 2",
        questions=[{**QUESTIONS[0], "text": "Vad är nitril?"}],
    )
    ok = env.client.put(f"{V1}/quizzes/{quiz}", json=reworded, headers=h)
    assert ok.status_code == 200 and ok.json()["attempts"] == 1
    assert ok.json()["questions"][0]["text"] == "Vad är nitril?"
    assert_problem(
        env.client.put(f"{V1}/quizzes/{quiz}", json=reworded, headers=env.headers("sponsor_other")),
        404,
    )


def test_a_sponsor_edits_a_running_campaign_without_changing_paid_points(
    env: ApiEnv, programme: int
) -> None:
    now = utc_now()
    body = {
        "name": "Handskveckan",
        "multiplier": "2",
        "target_kind": "category",
        "target_value": "Handskar",
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=6)).isoformat(),
    }
    h = env.headers("sponsor")
    made = env.client.post(f"{V1}/programmes/{programme}/campaigns", json=body, headers=h)
    assert made.status_code == 201, made.text
    campaign = made.json()["id"]
    triple = env.client.put(
        f"{V1}/campaigns/{campaign}", json=body | {"multiplier": "3"}, headers=h
    )
    assert assert_problem(triple, 409)["type"].endswith("campaign-started")
    renamed = env.client.put(
        f"{V1}/campaigns/{campaign}", json=body | {"name": "Handskveckan XL"}, headers=h
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Handskveckan XL"
    assert Decimal(renamed.json()["multiplier"]) == 2


def test_a_sponsor_runs_its_photo_activities_and_no_other(env: ApiEnv, programme: int) -> None:
    """The representative posts an activity, sees the queue, approves a photo (paid once)
    and downloads it; sponsor B is told the photo and the queue do not exist, sponsor A's
    staff are refused."""
    now = utc_now()
    body = {
        "title": "Visa vår monter",
        "description": "",
        "points": 15,
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
    }
    path = f"{V1}/programmes/{programme}/photo-activities"
    other = env.client.post(path, json=body, headers=env.headers("sponsor_other"))
    assert_problem(other, 404)
    created = env.client.post(path, json=body, headers=env.headers("sponsor"))
    assert created.status_code == 201, created.text
    activity = created.json()["id"]
    upload = env.client.post(
        f"{V1}/photo-activities/{activity}/photos",
        files={"file": ("IMG_7.JPG", jpeg_with_gps(picture(7)), "image/jpeg")},
        headers=env.headers("retailer_staff"),
    )
    assert upload.status_code == 201, upload.text
    photo = upload.json()["id"]
    queue = f"{V1}/programmes/{programme}/photos"
    seen = env.client.get(queue, headers=env.headers("sponsor")).json()["data"]
    assert photo in [p["id"] for p in seen] and seen[0]["seller"] is not None
    assert_problem(env.client.get(queue, headers=env.headers("sponsor_other")), 404)
    assert_problem(env.client.get(queue, headers=env.headers("sponsor_staff")), 403)
    approve = f"{V1}/photos/{photo}/approve"
    assert_problem(env.client.post(approve, json={}, headers=env.headers("sponsor_other")), 404)
    assert_problem(env.client.post(approve, json={}, headers=env.headers("sponsor_staff")), 403)
    ok = env.client.post(approve, json={}, headers=env.headers("sponsor"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "approved" and ok.json()["credit_outcome"] == "paid"
    assert_problem(env.client.post(approve, json={}, headers=env.headers("sponsor")), 409)
    image = f"{V1}/photos/{photo}/image"
    assert env.client.get(image, headers=env.headers("sponsor")).status_code == 200
    assert_problem(env.client.get(image, headers=env.headers("sponsor_other")), 404)
    with transaction(factory_for(env.settings)) as s:
        decided_by = s.get_one(PhotoSubmission, photo).decided_by
    assert decided_by == env.users["sponsor"]


def test_a_sponsor_reads_its_report_and_not_another(env: ApiEnv, programme: int) -> None:
    report = env.client.get(f"{V1}/programmes/{programme}/report", headers=env.headers("sponsor"))
    assert report.status_code == 200, report.text
    assert report.json()["programme_id"] == programme
    csv = env.client.get(
        f"{V1}/programmes/{programme}/report/months.csv", headers=env.headers("sponsor")
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    for part in ("report", "report/months.csv"):
        url = f"{V1}/programmes/{programme}/{part}"
        assert_problem(env.client.get(url, headers=env.headers("sponsor_other")), 404)
        assert_problem(env.client.get(url, headers=env.headers("sponsor_staff")), 403)


def test_a_sponsor_decides_suggestions_and_surveys(env: ApiEnv, programme: int) -> None:
    """Points settings, a suggestion declined, a survey opened with its results: the
    representative's own programme only (sponsor B: not found)."""
    settings = {
        "referral_points": 100,
        "suggestion_points": {"small": 5, "medium": 10, "large": 20},
    }
    put = f"{V1}/programmes/{programme}/engagement-settings"
    assert env.client.put(put, json=settings, headers=env.headers("sponsor")).status_code == 200
    assert_problem(env.client.put(put, json=settings, headers=env.headers("sponsor_other")), 404)
    idea = env.client.post(
        f"{V1}/programmes/{programme}/suggestions",
        json={"title": "Fler storlekar", "text": "Handskar i XS."},
        headers=env.headers("retailer_staff"),
    )
    assert idea.status_code == 201, idea.text
    decline = f"{V1}/suggestions/{idea.json()['id']}/decline"
    other = env.client.post(decline, json={"reason": "Finns"}, headers=env.headers("sponsor_other"))
    assert_problem(other, 404)
    done = env.client.post(decline, json={"reason": "Finns"}, headers=env.headers("sponsor"))
    assert done.status_code == 200 and done.json()["status"] == "declined"
    survey = env.client.post(
        f"{V1}/programmes/{programme}/surveys",
        json={"title": "Nöjd?", "questions": [{"kind": "scale", "text": "Hur nöjd?"}], "points": 5},
        headers=env.headers("sponsor"),
    )
    assert survey.status_code == 201, survey.text
    opened = f"{V1}/surveys/{survey.json()['id']}/open"
    assert_problem(env.client.post(opened, headers=env.headers("sponsor_other")), 404)
    assert env.client.post(opened, headers=env.headers("sponsor")).status_code == 200
    results = f"{V1}/surveys/{survey.json()['id']}/results"
    assert env.client.get(results, headers=env.headers("sponsor")).status_code == 200
    assert_problem(env.client.get(results, headers=env.headers("sponsor_other")), 404)
