"""The paged list endpoints page in the database: more rows than one page, walked page by
page, give each row once in order, and ``count`` is the total (a ``COUNT``), while the
``SELECT`` of the rows carries the page's ``LIMIT``/``OFFSET`` (nothing is loaded whole).
Orders of a clinic belong to its organisation: its managers see them all, a buyer their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalog.db import transaction
from catalog.models import Organisation
from indexer.jobs import factory_for
from marketplace.dates import utc_now
from marketplace.models import Campaign, Order, OrderLine, Review, ReviewReport, Rma
from marketplace.organisations import new_member
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env, statements_run

V1 = "/api/v1"
N = 7  # rows of each list: more than the pages of 3 the tests ask for


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_paging")))
    _seed(built)
    yield built
    close_env(built)


def _order(env: ApiEnv, buyer: str, org: str) -> Order:
    order = Order(
        checkout_ref=uuid.uuid4().hex,
        retailer_id=env.retailers["tandab"],
        clinic_user_id=env.users[buyer],
        clinic_organisation_id=env.orgs[org],
        buyer_name=buyer,
        clinic_name=org,
        status="delivered",
        total=Decimal("10.00"),
        placed_at=utc_now(),
    )
    order.lines.append(
        OrderLine(
            offer_id=env.offers["glove_tand"],
            product_id=env.products["glove"],
            sku="T-1",
            name="Nitrilhandske M",
            unit_price=Decimal("10.00"),
            quantity=1,
            stock_status_at_checkout="in_stock",
        )
    )
    return order


def _review(target_id: int, retailer_id: int | None, rating: int, status: str, **at: Any) -> Review:
    """A review without an author: of tandab, or of a product (``retailer_id`` None)."""
    return Review(
        target_type="retailer" if retailer_id else "product",
        target_id=target_id,
        retailer_id=retailer_id,
        rating=rating,
        text=uuid.uuid4().hex,
        status=status,
        **at,
    )


def _seed(env: ApiEnv) -> None:
    now = utc_now()
    tandab = env.retailers["tandab"]
    with transaction(factory_for(env.settings)) as s:
        # N orders (each with an RMA) the manager of clinic A placed, N its buyer placed,
        # one clinic B's manager placed
        placed = [_order(env, "clinic", "clinic_a") for _ in range(N)]
        placed += [_order(env, "clinic_buyer", "clinic_a") for _ in range(N)]
        placed.append(_order(env, "clinic_other", "clinic_b"))
        s.add_all(placed)
        s.flush()
        for order in placed[:N]:
            s.add(
                Rma(
                    order_line_id=order.lines[0].id,
                    retailer_id=tandab,
                    requested_by=env.users["clinic"],
                    reason="Trasig",
                )
            )
        for i in range(N):
            due = now + timedelta(days=7, minutes=i)
            published = _review(
                tandab, tandab, 4, "published", published_at=now - timedelta(minutes=i)
            )
            s.add(published)
            s.flush()
            s.add(ReviewReport(review_id=published.id, reporter_id=None, reason=f"Spam {i}"))
            s.add(_review(tandab, tandab, 1, "held", response_due_at=due))  # tandab answers
            s.add(_review(env.products["glove"], None, 1, "held", response_due_at=due))  # admins
            s.add(
                Campaign(
                    retailer_id=tandab,
                    title=f"Kampanj {i}",
                    text="Rea",
                    product_ids=[],
                    valid_from=now - timedelta(days=1),
                    valid_to=now + timedelta(days=1, hours=i),
                )
            )
        org = s.get(Organisation, env.orgs["clinic_a"])
        assert org is not None
        for i in range(N):
            new_member(
                s,
                org,
                email=f"paged{i}@example.com",
                name=f"Paged {i}",
                password_hash="x",
                org_role="buyer",
                active=True,
                actor=None,
                channel="web",
            )


def _walk(env: ApiEnv, path: str, role: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every item of the list, page by page (3 a page), and the count each page gave."""
    items: list[dict[str, Any]] = []
    counts = set()
    offset = 0
    while True:
        r = env.client.get(
            V1 + path,
            params={**params, "limit": 3, "offset": offset},
            headers=env.headers(role),
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["limit"] == 3 and body["offset"] == offset and len(body["data"]) <= 3
        counts.add(body["count"])
        items += body["data"]
        if not body["data"]:
            break
        offset += 3
    assert len(counts) == 1, counts  # the same total on every page
    return items, counts.pop()


LISTS: list[tuple[str, str, dict[str, Any], str]] = [
    ("/orders", "clinic", {}, "customer_order"),
    ("/rma", "retailer_own", {}, "rma"),
    ("/reviews", "clinic", {"target_type": "retailer", "target_id": "TANDAB"}, "review"),
    ("/retailers/tandab/reviews/held", "retailer_own", {}, "review"),
    ("/campaigns", "clinic", {"retailer": "tandab"}, "campaign"),
    ("/admin/review-reports", "admin", {"state": "open"}, "review_report"),
    ("/admin/reviews/held", "admin", {}, "review"),
    ("/organisation/members", "clinic", {}, "app_user"),
]


@pytest.mark.parametrize("path,role,params,table", LISTS, ids=[x[0] for x in LISTS])
def test_a_list_longer_than_a_page_is_paged_in_the_database(
    env: ApiEnv, path: str, role: str, params: dict[str, Any], table: str
) -> None:
    params = {k: env.retailers["tandab"] if v == "TANDAB" else v for k, v in params.items()}
    whole = env.client.get(
        V1 + path, params={**params, "limit": 100}, headers=env.headers(role)
    ).json()
    assert whole["count"] == len(whole["data"]) >= N
    with statements_run(env) as seen:
        items, count = _walk(env, path, role, **params)
    assert count == whole["count"]
    assert [i["id"] for i in items] == [i["id"] for i in whole["data"]]  # in order, once each
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT") and table in s]
    assert any("LIMIT" in s.upper() and "OFFSET" in s.upper() for s in selects), selects
    assert any("count(*)" in s.lower() for s in selects), selects


def test_the_total_counts_every_row_not_the_page(env: ApiEnv) -> None:
    r = env.client.get(
        f"{V1}/admin/reviews/held", params={"limit": 2, "offset": 4}, headers=env.headers("admin")
    )
    body = r.json()
    assert len(body["data"]) == 2 and body["count"] == N
    past = env.client.get(
        f"{V1}/admin/reviews/held", params={"limit": 2, "offset": 50}, headers=env.headers("admin")
    ).json()
    assert past["data"] == [] and past["count"] == N


def _order_ids(env: ApiEnv, role: str) -> set[int]:
    r = env.client.get(f"{V1}/orders", params={"limit": 100}, headers=env.headers(role))
    assert r.status_code == 200, r.text
    return {o["id"] for o in r.json()["data"]}


def test_a_clinic_manager_sees_the_organisations_orders_a_buyer_their_own(env: ApiEnv) -> None:
    with factory_for(env.settings)() as s:
        by_buyer: dict[int | None, set[int]] = {}
        for order in s.query(Order).all():
            by_buyer.setdefault(order.clinic_user_id, set()).add(order.id)
    manager, buyer = by_buyer[env.users["clinic"]], by_buyer[env.users["clinic_buyer"]]
    other = by_buyer[env.users["clinic_other"]]
    assert _order_ids(env, "clinic") == manager | buyer  # the whole organisation's
    assert _order_ids(env, "clinic_buyer") == buyer  # only the buyer's own
    assert _order_ids(env, "clinic_other") == other  # never another clinic's
    # the manager reads and acts on the buyer's order; another clinic is told it is not there
    one = sorted(buyer)[0]
    assert env.client.get(f"{V1}/orders/{one}", headers=env.headers("clinic")).status_code == 200
    hidden = env.client.get(f"{V1}/orders/{one}", headers=env.headers("clinic_other"))
    assert hidden.status_code == 404
    mine = sorted(manager)[0]
    assert (
        env.client.get(f"{V1}/orders/{mine}", headers=env.headers("clinic_buyer")).status_code
        == 404
    )
    # RMAs follow the orders: the manager's, not the buyer's
    rmas = env.client.get(f"{V1}/rma", params={"limit": 100}, headers=env.headers("clinic"))
    assert rmas.json()["count"] == N
    assert env.client.get(f"{V1}/rma", headers=env.headers("clinic_buyer")).json()["count"] == 0
