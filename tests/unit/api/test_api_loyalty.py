"""/api/v1/loyalty: an admin creates a programme, tandab's representative accepts the member
terms and invites a seller, who accepts the participant terms; points show in /me and the
paged history; refusals are problem+json naming what is wrong."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalog.db import transaction
from indexer.jobs import factory_for
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION, AccountKind, EntryKind
from loyalty.ledger import account_key, transfer
from loyalty.models import Account
from marketplace.dates import utc_now
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

V1 = "/api/v1/loyalty"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(tmp_path_factory.mktemp("loyalty_api"))
    yield built
    close_env(built)


def _post(env: ApiEnv, role: str, path: str, body: dict[str, object]):  # type: ignore[no-untyped-def]
    return env.client.post(f"{V1}{path}", json=body, headers=env.headers(role))


def test_a_programme_from_creation_to_points(env: ApiEnv) -> None:
    created = _post(
        env,
        "admin",
        "/programmes",
        {
            "name": "Tandklubben",
            "sponsor_name": "Dentsply",
            "points_per_krona": "2",
            "point_value_ore": 5,
            "expiry_months": 24,
        },
    )
    assert created.status_code == 201, created.text
    programme = created.json()["id"]
    assert created.headers["location"].endswith(f"/loyalty/programmes/{programme}")
    assert_problem(
        _post(
            env,
            "admin",
            "/programmes",
            {
                "name": "Tandklubben",
                "sponsor_name": "X",
                "points_per_krona": "1",
                "point_value_ore": 1,
                "expiry_months": 1,
            },
        ),
        409,
    )

    wrong = _post(
        env, "retailer_own", f"/programmes/{programme}/membership", {"terms_version": "1"}
    )
    body = assert_problem(wrong, 422)
    assert MEMBER_TERMS_VERSION in body["detail"]
    joined = _post(
        env,
        "retailer_own",
        f"/programmes/{programme}/membership",
        {"terms_version": MEMBER_TERMS_VERSION},
    )
    assert joined.status_code == 200, joined.text
    assert joined.json()["terms_version"] == MEMBER_TERMS_VERSION

    seller = env.users["retailer_staff"]
    invited = _post(
        env, "retailer_own", f"/programmes/{programme}/participants", {"user_id": seller}
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["terms_accepted_at"] is None
    again = _post(env, "retailer_own", f"/programmes/{programme}/participants", {"user_id": seller})
    assert again.status_code == 200 and again.json()["id"] == invited.json()["id"]
    stranger = env.users["retailer_other"]
    assert_problem(
        _post(env, "retailer_own", f"/programmes/{programme}/participants", {"user_id": stranger}),
        404,
    )
    accepted = _post(
        env,
        "retailer_staff",
        f"/programmes/{programme}/participation",
        {"terms_version": PARTICIPANT_TERMS_VERSION},
    )
    assert accepted.status_code == 200, accepted.text
    listed = env.client.get(
        f"{V1}/programmes/{programme}/participants", headers=env.headers("retailer_own")
    ).json()
    assert [(p["user_id"], p["terms_version"]) for p in listed["data"]] == [
        (seller, PARTICIPANT_TERMS_VERSION)
    ]

    # 3 sales of 100 points each to the seller's sub-account
    with transaction(factory_for(env.settings)) as s:
        participant = accepted.json()["id"]
        keys = {
            "sponsor": account_key(programme, AccountKind.SPONSOR),
            "seller": account_key(programme, AccountKind.SELLER, participant_id=participant),
        }
        ids = {k: s.query(Account.id).filter(Account.key == v).scalar() for k, v in keys.items()}
        for i in range(3):
            transfer(
                s,
                programme_id=programme,
                source_id=ids["sponsor"],
                destination_id=ids["seller"],
                points=100,
                kind=EntryKind.SALE.value,
                reason="test",
                idempotency_key=f"api-{i}",
                now=utc_now(),
                order_id=100 + i,
            )

    mine = env.client.get(f"{V1}/me", headers=env.headers("retailer_staff")).json()
    (row,) = [r for r in mine["data"] if r["programme"]["id"] == programme]
    assert (row["my_points"], row["member_points"], row["member_own_points"]) == (300, 300, 0)
    assert row["participating"] is True
    assert row["points_value_sek"] in ("15", "15.00", 15)
    rep = env.client.get(f"{V1}/me", headers=env.headers("retailer_own")).json()
    (rep_row,) = [r for r in rep["data"] if r["programme"]["id"] == programme]
    assert rep_row["my_points"] is None and rep_row["member_points"] == 300

    page = env.client.get(
        f"{V1}/me/entries", params={"limit": 2}, headers=env.headers("retailer_staff")
    ).json()
    assert page["count"] == 3 and page["limit"] == 2
    assert [e["order_id"] for e in page["data"]] == [102, 101]  # newest first
    assert all(e["change"] == 100 and e["kind"] == "sale" for e in page["data"])
    rest = env.client.get(
        f"{V1}/me/entries", params={"limit": 2, "offset": 2}, headers=env.headers("retailer_staff")
    ).json()
    assert [e["order_id"] for e in rest["data"]] == [100]
    other = env.client.get(f"{V1}/me/entries", headers=env.headers("retailer_other")).json()
    assert other["count"] == 0  # another organisation sees none of it


def test_programme_values_out_of_range_are_422_naming_the_field(env: ApiEnv) -> None:
    r = _post(
        env,
        "admin",
        "/programmes",
        {
            "name": "Noll",
            "sponsor_name": "S",
            "points_per_krona": "0",
            "point_value_ore": 1,
            "expiry_months": 1,
        },
    )
    body = assert_problem(r, 422)
    assert "points_per_krona" in r.text, body


def test_the_app_wires_loyalty_to_the_marketplaces_events(env: ApiEnv) -> None:
    """An order tandab's staff confirms and ships and the clinic receives, through the app's
    session factory (whose bus the app wired), pays its points to the seller."""
    from datetime import timedelta

    from catalog.models import User
    from marketplace import cart, orders
    from marketplace.dates import local_date

    made = _post(
        env,
        "admin",
        "/programmes",
        {
            "name": "Kopplad",
            "sponsor_name": "Valbar",
            "points_per_krona": "1",
            "point_value_ore": 1,
            "expiry_months": 12,
        },
    )
    programme = made.json()["id"]
    _post(
        env,
        "retailer_own",
        f"/programmes/{programme}/membership",
        {"terms_version": MEMBER_TERMS_VERSION},
    )
    seller = env.users["retailer_staff"]
    _post(env, "retailer_own", f"/programmes/{programme}/participants", {"user_id": seller})
    _post(
        env,
        "retailer_staff",
        f"/programmes/{programme}/participation",
        {"terms_version": PARTICIPANT_TERMS_VERSION},
    )
    factory = factory_for(env.settings)
    now = utc_now()
    with factory() as s:
        clinic = s.get(User, env.users["clinic"])
        staff = s.get(User, seller)
        cart.add_item(s, clinic, env.offers["glove_tand"], 3, now=now)
        (order,) = orders.checkout(s, clinic, now=now)
        s.commit()
        orders.confirm(s, staff, order.id, local_date(now) + timedelta(days=2), now=now)
        s.commit()
        orders.ship(s, staff, order.id, now=now)
        s.commit()
        orders.deliver(s, clinic, order.id, now=now)
        s.commit()
        expected = int(sum(line.unit_price * line.quantity for line in order.lines))
    mine = env.client.get(f"{V1}/me", headers=env.headers("retailer_staff")).json()
    (row,) = [r for r in mine["data"] if r["programme"]["id"] == programme]
    assert row["my_points"] == expected > 0
