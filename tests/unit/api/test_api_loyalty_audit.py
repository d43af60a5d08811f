"""Every loyalty admin action leaves an entry in the audit log (issue 15 review): creating a
programme, a reward, a quiz or a campaign, changing a reward, fulfilling and cancelling a
redemption, each "loyalty.<thing>.<verb>" by the admin through the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.api.test_api_loyalty_shop import _fund
from tests.unit.api.test_api_roles import _loyalty
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env

V1 = "/api/v1/loyalty"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(tmp_path_factory.mktemp("loyalty_audit_api"))
    yield built
    close_env(built)


def _created(env: ApiEnv, path: str, body: dict[str, Any], who: str = "admin") -> int:
    made = env.client.post(f"{V1}{path}", json=body, headers=env.headers(who))
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _audited(env: ApiEnv) -> dict[tuple[str, str], dict[str, Any]]:
    got = env.client.get(
        "/api/v1/admin/audit-log",
        params={"action": "loyalty", "limit": 100},
        headers=env.headers("admin"),
    )
    assert got.status_code == 200, got.text
    return {(e["action"], e["target_id"]): e for e in got.json()["data"]}


def _redeem(env: ApiEnv, programme: int, reward: int, key: str) -> int:
    rep = env.headers("retailer_own")
    env.client.put(
        f"{V1}/programmes/{programme}/basket",
        json={"reward_id": reward, "quantity": 1},
        headers=rep,
    )
    order = {
        "request_key": key,
        "delivery_name": "Rut",
        "delivery_address": "Gatan 1",
        "delivery_postcode": "11122",
        "delivery_city": "Stockholm",
    }
    return _created(env, f"/programmes/{programme}/redemptions", order, who="retailer_own")


def test_every_loyalty_admin_action_is_audited(env: ApiEnv) -> None:
    made = _created(
        env,
        "/programmes",
        {
            "name": "Granskad klubb",
            "sponsor_name": "Dentsply",
            "points_per_krona": "2",
            "point_value_ore": 5,
            "expiry_months": 24,
        },
    )
    programme = _loyalty(env)
    _fund(env, programme, 1000)
    reward_body = {"name": "Termos", "category": "Kök", "price_points": 100, "stock": 5}
    reward = _created(env, f"/programmes/{programme}/rewards", reward_body)
    changed = env.client.put(
        f"{V1}/rewards/{reward}",
        json={**reward_body, "price_points": 120},
        headers=env.headers("admin"),
    )
    assert changed.status_code == 200, changed.text
    quiz = _created(
        env,
        f"/programmes/{programme}/quizzes",
        {
            "title": "Handskar",
            "questions": [{"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [0]}],
            "pass_mark": 1,
            "max_attempts": 2,
            "points": 10,
        },
    )
    campaign = _created(
        env,
        f"/programmes/{programme}/campaigns",
        {
            "name": "Handskveckan",
            "multiplier": "2",
            "target_kind": "brand",
            "target_value": "Dentsply",
            "starts_at": "2026-12-01T00:00:00+01:00",
            "ends_at": "2026-12-08T00:00:00+01:00",
        },
    )
    fulfilled = _redeem(env, programme, reward, "audit-1")
    cancelled = _redeem(env, programme, reward, "audit-2")
    admin = env.headers("admin")
    done = env.client.post(f"{V1}/redemptions/{fulfilled}/fulfil", headers=admin)
    assert done.status_code == 200, done.text
    gone = env.client.post(
        f"{V1}/redemptions/{cancelled}/cancel", json={"reason": "Slut"}, headers=admin
    )
    assert gone.status_code == 200, gone.text

    log = _audited(env)
    expected = {
        ("loyalty.programme.create", str(made)),
        ("loyalty.reward.create", str(reward)),
        ("loyalty.reward.update", str(reward)),
        ("loyalty.quiz.create", str(quiz)),
        ("loyalty.campaign.create", str(campaign)),
        ("loyalty.redemption.fulfil", str(fulfilled)),
        ("loyalty.redemption.cancel", str(cancelled)),
    }
    assert expected <= set(log)
    for key in expected:
        assert log[key]["actor"].endswith("(api)"), log[key]
    assert log[("loyalty.reward.update", str(reward))]["detail"]["price_points"] == 120
    assert log[("loyalty.redemption.cancel", str(cancelled))]["detail"]["reason"] == "Slut"
    assert log[("loyalty.programme.create", str(made))]["target_kind"] == "loyalty_programme"
