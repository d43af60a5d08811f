"""/api/v1/loyalty shop routes end to end: the sponsor adds rewards, tandab's representative
fills a basket and redeems (the same request key again answers 200 with the same order),
too few points or units are a 409 problem naming why, the sponsor cancels (a refund) and
reads the liability; the statement CSV is Swedish Excel's."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from catalog.db import transaction
from indexer.jobs import factory_for
from loyalty.enums import AccountKind, EntryKind
from loyalty.ledger import ensure_account, transfer
from loyalty.models import Membership
from marketplace.dates import utc_now
from tests.unit.api.test_api_roles import _loyalty
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

V1 = "/api/v1/loyalty"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(tmp_path_factory.mktemp("loyalty_shop_api"))
    yield built
    close_env(built)


def _fund(env: ApiEnv, programme: int, points: int) -> None:
    from sqlalchemy import select

    with transaction(factory_for(env.settings)) as s:
        membership = s.scalar(
            select(Membership).where(
                Membership.programme_id == programme,
                Membership.organisation_id == env.orgs["retailer_a"],
            )
        )
        assert membership is not None
        transfer(
            s,
            programme_id=programme,
            source_id=ensure_account(s, programme, AccountKind.SPONSOR).id,
            destination_id=ensure_account(
                s, programme, AccountKind.MEMBER, membership_id=membership.id
            ).id,
            points=points,
            kind=EntryKind.ADJUSTMENT.value,
            reason="test",
            idempotency_key=uuid.uuid4().hex,
            now=utc_now(),
        )


def test_a_reward_from_the_catalogue_to_a_cancelled_redemption(env: ApiEnv) -> None:
    programme = _loyalty(env)
    _fund(env, programme, 1000)
    admin, rep = env.headers("admin"), env.headers("retailer_own")
    body = {"name": "Presentkort", "category": "Kort", "price_points": 400, "stock": 1}
    made = env.client.post(f"{V1}/programmes/{programme}/rewards", json=body, headers=admin)
    assert made.status_code == 201, made.text
    reward = made.json()["id"]
    for headers in (admin, rep):  # where it was created is where it is read
        shown = env.client.get(made.headers["location"], headers=headers)
        assert shown.status_code == 200 and shown.json() == made.json()
    listed = env.client.get(
        f"{V1}/programmes/{programme}/rewards", params={"q": "present"}, headers=rep
    ).json()
    assert [r["id"] for r in listed["data"]] == [reward] and listed["count"] == 1
    basket = env.client.put(
        f"{V1}/programmes/{programme}/basket",
        json={"reward_id": reward, "quantity": 2},
        headers=rep,
    )
    assert basket.json()["total_points"] == 800
    order = {
        "request_key": "checkout-1",
        "delivery_name": "Rut",
        "delivery_address": "Gatan 1",
        "delivery_postcode": "11122",
        "delivery_city": "Stockholm",
    }
    short = env.client.post(f"{V1}/programmes/{programme}/redemptions", json=order, headers=rep)
    assert assert_problem(short, 409)["type"].endswith("out-of-stock")
    env.client.put(
        f"{V1}/programmes/{programme}/basket",
        json={"reward_id": reward, "quantity": 1},
        headers=rep,
    )
    for field, value in (
        ("delivery_email", "a@b.se\r\nBcc: x@y.se"),
        ("delivery_name", "A\r\nB"),
        ("delivery_city", "Stock\nholm"),
        ("delivery_email", "inte-en-adress"),
    ):
        refused = env.client.post(
            f"{V1}/programmes/{programme}/redemptions",
            json={**order, field: value, "request_key": f"bad-{field}-{len(value)}"},
            headers=rep,
        )
        assert field in assert_problem(refused, 422)["detail"], refused.text
    first = env.client.post(f"{V1}/programmes/{programme}/redemptions", json=order, headers=rep)
    assert first.status_code == 201, first.text
    again = env.client.post(f"{V1}/programmes/{programme}/redemptions", json=order, headers=rep)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    for headers in (rep, admin):
        shown = env.client.get(first.headers["location"], headers=headers)
        assert shown.status_code == 200 and shown.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    placed = first.json()
    assert placed["points"] == 400 and placed["value_sek"] == "20"
    assert placed["lines"] == [
        {"reward_id": reward, "reward_name": "Presentkort", "quantity": 1, "unit_points": 400}
    ]
    staff = env.client.get(f"{V1}/me/redemptions", headers=env.headers("retailer_staff"))
    assert staff.json()["count"] == 0  # the seller sees their own only
    cancelled = env.client.post(
        f"{V1}/redemptions/{placed['id']}/cancel", json={"reason": "Slut"}, headers=admin
    )
    assert cancelled.json()["status"] == "cancelled"
    twice = env.client.post(f"{V1}/redemptions/{placed['id']}/fulfil", headers=admin)
    assert assert_problem(twice, 409)["type"].endswith("redemption-state")
    report = env.client.get(f"{V1}/programmes/{programme}/liability", headers=admin).json()
    assert report["cancelled"] >= 1 and report["outstanding_points"] >= 1000
    csv = env.client.get(f"{V1}/programmes/{programme}/statements/2026.csv", headers=rep)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("\ufeffOrganisation;")


def test_too_few_points_is_a_409_and_moves_nothing(env: ApiEnv) -> None:
    programme = _loyalty(env)
    admin, rep = env.headers("admin"), env.headers("retailer_own")
    body = {"name": "Dyr resa", "category": "Resor", "price_points": 9_000_000, "stock": 5}
    reward = env.client.post(
        f"{V1}/programmes/{programme}/rewards", json=body, headers=admin
    ).json()["id"]
    env.client.put(
        f"{V1}/programmes/{programme}/basket",
        json={"reward_id": reward, "quantity": 1},
        headers=rep,
    )
    before = env.client.get(f"{V1}/me", headers=rep).json()["data"]
    order = {
        "request_key": "too-much",
        "delivery_name": "Rut",
        "delivery_address": "Gatan 1",
        "delivery_postcode": "111 22",
        "delivery_city": "Stockholm",
    }
    r = env.client.post(f"{V1}/programmes/{programme}/redemptions", json=order, headers=rep)
    assert assert_problem(r, 409)["type"].endswith("insufficient-points")
    assert env.client.get(f"{V1}/me", headers=rep).json()["data"] == before
    rewards = env.client.get(f"{V1}/programmes/{programme}/rewards", headers=admin).json()
    assert next(x for x in rewards["data"] if x["id"] == reward)["stock"] == 5
