"""/api/v1/loyalty engagement: an admin builds a quiz and a campaign, a seller passes the
quiz once (points paid once, then 409), leaderboards show my place, awards and settings;
bad input is problem+json naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from catalog.db import transaction
from catalog.models import User
from indexer.jobs import factory_for
from loyalty import programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
from marketplace.dates import utc_now
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

V1 = "/api/v1/loyalty"
QUESTIONS = [
    {"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [0]},
    {"text": "Välj två", "choices": ["A", "B", "C"], "correct": [0, 2]},
]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(tmp_path_factory.mktemp("loyalty_engage_api"))
    yield built
    close_env(built)


@pytest.fixture(scope="module")
def programme(env: ApiEnv) -> int:
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        created = programmes.create_programme(
            s,
            None,
            name="Quizklubben",
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


def _post(env: ApiEnv, role: str, path: str, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    return env.client.post(f"{V1}{path}", json=body, headers=env.headers(role))


def _get(env: ApiEnv, role: str, path: str, **params: Any) -> dict[str, Any]:
    r = env.client.get(f"{V1}{path}", params=params, headers=env.headers(role))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_a_quiz_from_builder_to_points_once(env: ApiEnv, programme: int) -> None:
    bad = _post(
        env,
        "admin",
        f"/programmes/{programme}/quizzes",
        {
            "title": "Q",
            "questions": [{**QUESTIONS[0], "correct": [5]}],
            "pass_mark": 1,
            "max_attempts": 2,
            "points": 10,
        },
    )
    assert assert_problem(bad, 422)["errors"][0]["loc"] == ["body", "questions[0].correct"]
    made = _post(
        env,
        "admin",
        f"/programmes/{programme}/quizzes",
        {
            "title": "Handskar",
            "questions": QUESTIONS,
            "pass_mark": 2,
            "max_attempts": 2,
            "points": 75,
        },
    )
    assert made.status_code == 201, made.text
    quiz = made.json()["id"]
    seen = _get(env, "retailer_staff", f"/programmes/{programme}/quizzes")
    (mine,) = [q for q in seen["data"] if q["id"] == quiz]
    assert mine["questions"][0]["correct"] is None  # a seller never sees the answers
    assert (mine["my_attempts"], mine["passed"]) == (0, False)
    assert _get(env, "admin", f"/programmes/{programme}/quizzes")["data"][0]["questions"][0][
        "correct"
    ] == [0]

    failed = _post(env, "retailer_staff", f"/quizzes/{quiz}/attempts", {"answers": [[0], [0]]})
    assert failed.status_code == 201 and failed.json()["passed"] is False
    passed = _post(env, "retailer_staff", f"/quizzes/{quiz}/attempts", {"answers": [[0], [2, 0]]})
    assert passed.json() == {
        "quiz_id": quiz,
        "number": 2,
        "score": 2,
        "passed": True,
        "points_paid": 75,
        "attempts_left": 0,
    }
    assert_problem(
        _post(env, "retailer_staff", f"/quizzes/{quiz}/attempts", {"answers": [[0], [0, 2]]}),
        409,
    )
    wrong = _post(env, "retailer_staff", f"/quizzes/{quiz}/attempts", {"answers": [[0]]})
    assert wrong.status_code in (409, 422)

    me = _get(env, "retailer_staff", "/me")
    (row,) = [r for r in me["data"] if r["programme"]["id"] == programme]
    assert row["my_points"] == 75

    board = _get(env, "retailer_own", f"/programmes/{programme}/leaderboards/sellers", period="all")
    assert board["period"] == "all"
    assert [(p["rank"], p["points"], p["mine"]) for p in board["data"]] == [(1, 75, False)]
    mine_board = _get(env, "retailer_staff", f"/programmes/{programme}/leaderboards/sellers")
    assert mine_board["data"][0]["mine"] is True
    stores = _get(env, "retailer_own", f"/programmes/{programme}/leaderboards/stores")
    assert stores["data"][0]["mine"] is True and stores["data"][0]["points"] == 75
    r = env.client.get(
        f"{V1}/programmes/{programme}/leaderboards/sellers",
        params={"period": "2026-13"},
        headers=env.headers("admin"),
    )
    assert_problem(r, 422)


def test_campaigns_settings_draft_and_awards(env: ApiEnv, programme: int) -> None:
    body = {
        "name": "Handskveckan",
        "multiplier": "2.5",
        "target_kind": "brand",
        "target_value": "Dentsply",
        "starts_at": "2026-12-01T00:00:00+01:00",
        "ends_at": "2026-12-08T00:00:00+01:00",
    }
    made = _post(env, "admin", f"/programmes/{programme}/campaigns", body)
    assert made.status_code == 201, made.text
    assert made.json()["starts_at"].startswith("2026-11-30T23:00:00")
    backwards = _post(
        env, "admin", f"/programmes/{programme}/campaigns", {**body, "ends_at": body["starts_at"]}
    )
    assert assert_problem(backwards, 422)["errors"][0]["loc"] == ["body", "ends_at"]
    listed = _get(env, "retailer_staff", f"/programmes/{programme}/campaigns")
    assert listed["count"] == 1 and listed["data"][0]["multiplier"] == "2.50"

    r = env.client.put(
        f"{V1}/programmes/{programme}/settings",
        json={"seller_award_bonus": 100, "store_award_bonus": 0},
        headers=env.headers("admin"),
    )
    assert r.json() == {"seller_award_bonus": 100, "store_award_bonus": 0}
    draft = _get(env, "admin", "/quiz-draft", count=3, lang="en")
    assert all(q["text"].startswith("Which manufacturer makes") for q in draft["questions"])
    assert _get(env, "retailer_own", f"/programmes/{programme}/awards")["count"] == 0


def test_limits_held_credits_and_clawback(env: ApiEnv, programme: int) -> None:
    path = f"{V1}/programmes/{programme}/limits"
    admin = env.headers("admin")
    bad = env.client.put(path, json={"caps": {"sale": {"day": 0}}}, headers=admin)
    assert_problem(bad, 422)
    ok = env.client.put(
        path, json={"caps": {"quiz": {"month": 500}}, "approval_threshold": 1000}, headers=admin
    )
    assert ok.status_code == 200, ok.text
    assert env.client.get(path, headers=admin).json() == {
        "caps": {"quiz": {"day": None, "month": 500}},
        "approval_threshold": 1000,
    }
    held = _get(env, "admin", f"/programmes/{programme}/held-credits")
    assert held["count"] == 0

    # the quiz points paid in the first test (75): an admin claws them back, once
    entries = _get(env, "retailer_staff", "/me/entries")["data"]
    quiz_entry = next(e for e in entries if e["kind"] == "quiz")
    first = _post(env, "admin", f"/entries/{quiz_entry['id']}/clawback", {"reason": "test fraud"})
    assert first.status_code == 201, first.text
    assert first.json()["reverses_entry_id"] == quiz_entry["id"] and first.json()["created"]
    again = _post(env, "admin", f"/entries/{quiz_entry['id']}/clawback", {"reason": "again"})
    assert again.status_code == 200 and again.json()["entry_id"] == first.json()["entry_id"]
    assert_problem(_post(env, "admin", "/held-credits/999999/approve", {"reason": ""}), 404)
