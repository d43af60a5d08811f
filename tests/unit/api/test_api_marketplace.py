"""Marketplace endpoints: reviews, cart and checkout, orders, RMA, campaigns, stats, GDPR."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.auth import create_api_key
from catalog.db import transaction
from catalog.models import Offer, User
from indexer.jobs import factory_for
from marketplace.dates import local_date, utc_now
from marketplace.models import Notification
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

V1 = "/api/v1"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_marketplace")))
    yield built
    close_env(built)


def _post(env: ApiEnv, path: str, role: str | None, body: Any = None) -> Any:
    return env.client.post(V1 + path, json=body or {}, headers=env.headers(role))


def _get(env: ApiEnv, path: str, role: str | None, **params: Any) -> Any:
    return env.client.get(V1 + path, params=params, headers=env.headers(role))


def _retailer_id(env: ApiEnv, slug: str) -> int:
    with factory_for(env.settings)() as s:
        offer = s.get(Offer, env.offers["glove_tand" if slug == "tandab" else "glove_nord"])
        assert offer is not None
        return offer.retailer_id


def _clear_cart(env: ApiEnv) -> None:
    for item in _get(env, "/cart", "clinic").json()["items"]:
        env.client.delete(f"{V1}/cart/items/{item['id']}", headers=env.headers("clinic"))


def _set_price(env: ApiEnv, key: str, price: str) -> None:
    with transaction(factory_for(env.settings)) as s:
        offer = s.get(Offer, env.offers[key])
        assert offer is not None
        offer.price = Decimal(price)


def _checkout(env: ApiEnv, *items: tuple[str, int]) -> list[dict[str, Any]]:
    _clear_cart(env)
    for key, quantity in items:
        r = _post(env, "/cart/items", "clinic", {"offer_id": env.offers[key], "quantity": quantity})
        assert r.status_code == 201, r.text
    r = _post(env, "/checkout", "clinic", {"accept_changes": True})
    assert r.status_code == 201, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def _delivered_order(env: ApiEnv) -> dict[str, Any]:
    (order,) = _checkout(env, ("glove_tand", 1))
    promised = str(local_date(utc_now() + timedelta(days=2)))
    oid = order["id"]
    assert (
        _post(
            env, f"/orders/{oid}/confirm", "retailer_own", {"promised_delivery_date": promised}
        ).status_code
        == 200
    )
    assert _post(env, f"/orders/{oid}/ship", "retailer_own").status_code == 200
    r = _post(env, f"/orders/{oid}/deliver", "clinic")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_review_moderation_over_the_api(env: ApiEnv) -> None:
    tand = _retailer_id(env, "tandab")
    review = {"target_type": "retailer", "target_id": tand, "rating": 2, "text": "Sent svar"}
    assert_problem(_post(env, "/reviews", None, review), 401)
    assert_problem(_post(env, "/reviews", "clinic", {**review, "rating": 7}), 422)
    created = _post(env, "/reviews", "clinic", review)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "held" and body["response_due_at"] is not None
    assert (body["author_name"], body["author_clinic"]) == ("Cilla", "Folktand")
    listed = _get(env, "/reviews", None, target_type="retailer", target_id=tand).json()
    assert body["id"] not in [r["id"] for r in listed["data"]]
    held = _get(env, "/retailers/tandab/reviews/held", "retailer_own").json()
    assert [r["id"] for r in held["data"]] == [body["id"]]
    assert_problem(_get(env, "/retailers/tandab/reviews/held", "retailer_other"), 403)
    path = f"/reviews/{body['id']}/response"
    assert_problem(_post(env, path, "retailer_other", {"text": "Hej"}), 404)
    answered = _post(env, path, "retailer_own", {"text": "Vi hör av oss."})
    assert answered.status_code == 200 and answered.json()["status"] == "published"
    listed = _get(env, "/reviews", None, target_type="retailer", target_id=tand).json()
    shown = next(r for r in listed["data"] if r["id"] == body["id"])
    assert shown["response"] == "Vi hör av oss." and shown["author_name"] == "Cilla"
    assert_problem(_post(env, "/reviews", "clinic", review), 409)
    report = _post(env, f"/reviews/{body['id']}/reports", "merchandiser", {"reason": "Osant"})
    assert report.status_code == 201 and report.json()["review_id"] == body["id"]


@pytest.mark.parametrize("role", ["retailer_own", "retailer_other", "merchandiser", "admin"])
def test_only_clinic_users_review_over_the_api(env: ApiEnv, role: str) -> None:
    """Issue 13 item 1: before, a competitor's staff posted a 5-star review of itself's rival
    and it was published at once, feeding the colleague reviews factor."""
    nord = _retailer_id(env, "dentalnord")
    review = {"target_type": "retailer", "target_id": nord, "rating": 1, "text": "Usla"}
    problem = assert_problem(_post(env, "/reviews", role, review), 403)
    assert "clinic" in problem["detail"]
    product = {"target_type": "product", "target_id": env.products["mirror"], "rating": 5}
    assert_problem(_post(env, "/reviews", role, product), 403)
    listed = _get(env, "/reviews", None, target_type="retailer", target_id=nord).json()
    assert listed["data"] == []


def test_report_queue_remove_with_reason_and_audit_over_the_api(env: ApiEnv) -> None:
    """Issue 13 items 2 and 3: a 2-star product review without an order is held for the
    admins; a report goes to the admins' queue; removal needs a reason, is kept in the
    history, and a second admin's decision on the same report is refused (409)."""
    glove = env.products["glove"]
    low = {"target_type": "product", "target_id": glove, "rating": 2, "text": "Går sönder"}
    held = _post(env, "/reviews", "clinic", low)
    assert held.status_code == 201 and held.json()["status"] == "held"
    listed = _get(env, "/reviews", None, target_type="product", target_id=glove).json()
    assert held.json()["id"] not in [r["id"] for r in listed["data"]]
    queue = _get(env, "/admin/reviews/held", "admin").json()
    assert held.json()["id"] in [r["id"] for r in queue["data"]]
    published = _post(
        env,
        f"/admin/reviews/{held.json()['id']}/moderate",
        "admin",
        {"decision": "publish", "reason": "Sakligt"},
    )
    assert published.status_code == 200 and published.json()["status"] == "published"

    mirror = env.products["mirror"]
    good = {"target_type": "product", "target_id": mirror, "rating": 5, "text": "Idioter!"}
    review_id = _post(env, "/reviews", "clinic", good).json()["id"]
    report = _post(env, f"/reviews/{review_id}/reports", "retailer_other", {"reason": "Osakligt"})
    assert report.status_code == 201
    again = _post(env, f"/reviews/{review_id}/reports", "retailer_other", {"reason": "Igen"})
    assert_problem(again, 409)
    queue = _get(env, "/admin/review-reports", "admin", state="open").json()
    (queued,) = [q for q in queue["data"] if q["id"] == report.json()["id"]]
    assert queued["review"]["id"] == review_id and queued["decision"] is None
    resolve = f"/admin/review-reports/{queued['id']}/resolve"
    missing = assert_problem(_post(env, resolve, "admin", {"outcome": "removed"}), 422)
    assert "reason" in str(missing)
    done = _post(env, resolve, "admin", {"outcome": "removed", "reason": "Personangrepp"})
    assert done.status_code == 200, done.text
    decision = done.json()["decision"]
    assert (decision["by"], decision["outcome"], decision["reason"]) == (
        "Ada",
        "removed",
        "Personangrepp",
    )
    assert_problem(_post(env, resolve, "admin", {"outcome": "dismissed", "reason": "x"}), 409)
    listed = _get(env, "/reviews", None, target_type="product", target_id=mirror).json()
    assert review_id not in [r["id"] for r in listed["data"]]
    history = _get(env, "/admin/review-reports", "admin", state="resolved").json()
    assert queued["id"] in [q["id"] for q in history["data"]]
    with factory_for(env.settings)() as s:  # the app's subscriber told the author
        notes = s.scalars(select(Notification).where(Notification.ref == f"review:{review_id}"))
        assert [(n.kind, n.values["reason"]) for n in notes] == [
            ("review_removed", "Personangrepp")
        ]


def test_checkout_reports_price_changes_until_accepted(env: ApiEnv) -> None:
    _clear_cart(env)
    for key in ("glove_tand", "glove_nord"):
        r = _post(env, "/cart/items", "clinic", {"offer_id": env.offers[key], "quantity": 2})
        assert r.status_code == 201
    cart = _get(env, "/cart", "clinic").json()
    assert cart["retailers"] == 2 and cart["changes"] == []
    _set_price(env, "glove_nord", "85.00")
    assert _get(env, "/cart", "clinic").json()["changes"] == [
        "Nitril handske M: price 79.00 -> 85.00"
    ]
    refused = assert_problem(_post(env, "/checkout", "clinic"), 409)
    assert refused["type"].endswith("/price-changed")
    assert refused["errors"][0]["new_price"] == "85.00"
    assert_problem(_post(env, "/checkout", "retailer_own"), 403)
    placed = _post(env, "/checkout", "clinic", {"accept_changes": True})
    assert placed.status_code == 201, placed.text
    orders = placed.json()["data"]
    assert len(orders) == 2 and {o["total"] for o in orders} == {"198.00", "170.00"}
    # the cart is empty now: another checkout (no Idempotency-Key of the first) is told
    # so, not pointed at the last checkout's orders
    repeated = assert_problem(_post(env, "/checkout", "clinic"), 422)
    assert repeated["type"].endswith("/empty-cart") and "empty" in repeated["detail"]
    assert "orders" not in repeated and "checkout_ref" not in repeated
    _set_price(env, "glove_nord", "79.00")


def test_the_cart_marks_a_suspended_retailers_offer_unavailable(env: ApiEnv) -> None:
    """As checkout refuses it (409), the cart shows the line unavailable with the reason."""
    from catalog.models import Organisation

    _clear_cart(env)
    _post(env, "/cart/items", "clinic", {"offer_id": env.offers["glove_tand"], "quantity": 1})
    rid = _retailer_id(env, "tandab")
    with transaction(factory_for(env.settings)) as s:
        org = s.scalar(select(Organisation).where(Organisation.retailer_id == rid))
        if org is None:
            org = Organisation(kind="retailer", name="Tand AB", status="active", retailer_id=rid)
            s.add(org)
        before, org.status = org.status, "suspended"
    try:
        shown = _get(env, "/cart", "clinic").json()
        (line,) = shown["items"]
        assert (line["available"], line["unavailable_reason"]) == (False, "retailer_suspended")
        assert shown["changes"] == [f"{line['name']}: retailer suspended"]
        assert_problem(_post(env, "/checkout", "clinic", {"accept_changes": True}), 409)
    finally:
        with transaction(factory_for(env.settings)) as s:
            org = s.scalar(select(Organisation).where(Organisation.retailer_id == rid))
            assert org is not None
            org.status = before
    again = _get(env, "/cart", "clinic").json()
    assert again["items"][0]["available"] and again["changes"] == []
    _clear_cart(env)


def test_only_a_replayed_idempotency_key_gets_the_first_checkout_back(env: ApiEnv) -> None:
    """A retry with the checkout's Idempotency-Key gets its orders again; a new key (or
    none) on the emptied cart is 'the cart is empty'."""
    clinic = env.headers("clinic")
    for key in ("glove_tand", "glove_nord"):
        r = env.client.post(
            f"{V1}/cart/items", json={"offer_id": env.offers[key], "quantity": 1}, headers=clinic
        )
        assert r.status_code == 201, r.text
    keyed = {**clinic, "Idempotency-Key": "kassa-1"}
    body = {"accept_changes": True}
    placed = env.client.post(f"{V1}/checkout", json=body, headers=keyed)
    assert placed.status_code == 201, placed.text
    again = env.client.post(f"{V1}/checkout", json=body, headers=keyed)
    assert again.status_code == 201 and again.json() == placed.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = {**clinic, "Idempotency-Key": "kassa-2"}
    empty = env.client.post(f"{V1}/checkout", json=body, headers=other)
    assert assert_problem(empty, 422)["type"].endswith("/empty-cart")


def test_checkout_with_the_cart_digest_places_only_that_cart(env: ApiEnv) -> None:
    """A client that checked the cart (GET /cart) and checks out with its digest: another
    client's edit or a new price since is 409 cart-changed, nothing placed."""
    _clear_cart(env)
    _post(env, "/cart/items", "clinic", {"offer_id": env.offers["glove_tand"], "quantity": 1})
    seen = _get(env, "/cart", "clinic").json()["digest"]
    _post(env, "/cart/items", "clinic", {"offer_id": env.offers["glove_nord"], "quantity": 40})
    refused = assert_problem(_post(env, "/checkout", "clinic", {"cart_digest": seen}), 409)
    assert refused["type"].endswith("/cart-changed")
    now = _get(env, "/cart", "clinic").json()
    assert now["digest"] != seen and len(now["items"]) == 2  # nothing placed
    placed = _post(env, "/checkout", "clinic", {"cart_digest": now["digest"]})
    assert placed.status_code == 201, placed.text
    assert len(placed.json()["data"]) == 2


def test_order_transitions_and_measured_signals(env: ApiEnv) -> None:
    (order,) = _checkout(env, ("composite_tand", 1))
    oid = order["id"]
    promised = str(local_date(utc_now() + timedelta(days=2)))
    confirm = {"promised_delivery_date": promised}
    assert_problem(_post(env, f"/orders/{oid}/confirm", "clinic", confirm), 403)
    assert_problem(_post(env, f"/orders/{oid}/confirm", "retailer_other", confirm), 404)
    assert_problem(_post(env, f"/orders/{oid}/ship", "retailer_own"), 409)
    assert _post(env, f"/orders/{oid}/confirm", "retailer_own", confirm).status_code == 200
    assert _post(env, f"/orders/{oid}/ship", "retailer_own").status_code == 200
    delivered = _post(env, f"/orders/{oid}/deliver", "clinic").json()
    assert delivered["status"] == "delivered" and delivered["delivered_on_time"] is True
    illegal = assert_problem(
        _post(env, f"/orders/{oid}/cancel", "retailer_own", {"reason": "other"}), 409
    )
    assert illegal["type"].endswith("/illegal-transition")
    signals = _get(env, "/retailers/tandab", None).json()["signals"]["delivery_precision"]
    assert signals["value"] == 1.0 and signals["count"] >= 1  # measured, no longer seeded
    mine = _get(env, "/orders", "retailer_own").json()["data"]
    assert oid in [o["id"] for o in mine]
    assert oid not in [o["id"] for o in _get(env, "/orders", "retailer_other").json()["data"]]
    reorder = _post(env, f"/orders/{oid}/reorder", "clinic").json()
    assert reorder == {"added": 1, "skipped_lines": []}
    _clear_cart(env)


def test_clinic_cancels_a_placed_order(env: ApiEnv) -> None:
    (order,) = _checkout(env, ("mirror_nord", 1))
    r = _post(env, f"/orders/{order['id']}/cancel", "clinic", {"reason": "clinic_request"})
    assert r.status_code == 200 and r.json()["cancelled_by"] == "clinic"


def test_rma_over_the_api(env: ApiEnv) -> None:
    order = _delivered_order(env)
    line = order["lines"][0]["id"]
    path = f"/orders/{order['id']}/lines/{line}/rma"
    assert_problem(_post(env, path, "retailer_own", {"reason": "x"}), 403)  # the seller
    assert_problem(_post(env, path, "clinic_other", {"reason": "x"}), 404)  # another clinic
    created = _post(env, path, "clinic", {"reason": "Trasig förpackning"})
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert_problem(_post(env, f"/rma/{rid}/resolve", "retailer_own", {"outcome": "refund"}), 409)
    assert_problem(_post(env, f"/rma/{rid}/decision", "retailer_other", {"accept": True}), 404)
    assert_problem(_post(env, f"/rma/{rid}/decision", "clinic", {"accept": True}), 403)
    assert _post(env, f"/rma/{rid}/decision", "retailer_own", {"accept": True}).status_code == 200
    done = _post(env, f"/rma/{rid}/resolve", "retailer_own", {"outcome": "refund"}).json()
    assert (done["status"], done["outcome"]) == ("resolved", "refund")
    assert rid in [r["id"] for r in _get(env, "/rma", "clinic").json()["data"]]
    rma = _get(env, "/retailers/tandab", None).json()["signals"]["rma"]
    assert rma["value"] == 1.0 and rma["count"] == 1


def test_campaigns_section_and_search_boundary(env: ApiEnv) -> None:
    now = utc_now()
    campaign = {
        "title": "Kampanjvecka",
        "text": "Kampanjvecka: handskar till halva priset",
        "product_ids": [env.products["glove"]],
        "valid_from": (now - timedelta(hours=1)).isoformat(),
        "valid_to": (now + timedelta(days=7)).isoformat(),
    }
    assert_problem(_post(env, "/retailers/tandab/campaigns", "retailer_other", campaign), 403)
    assert_problem(_post(env, "/retailers/tandab/campaigns", None, campaign), 401)
    created = _post(env, "/retailers/tandab/campaigns", "retailer_own", campaign)
    assert created.status_code == 201, created.text
    listed = _get(env, "/campaigns", None).json()
    assert [c["title"] for c in listed["data"]] == ["Kampanjvecka"]
    assert _get(env, "/campaigns", None, retailer="dentalnord").json()["count"] == 0
    found = _get(env, "/search", None, q="Kampanjvecka").json()
    assert "Kampanjvecka" not in str(found)


@pytest.mark.parametrize(
    ("start_days", "end_days", "code", "sv", "en"),
    [
        (-9, -2, "campaign_ended", "redan passerat", "already passed"),
        (3, 1, "campaign_period", "före första dagen", "before the first day"),
    ],
)
def test_a_campaign_ending_in_the_past_or_before_it_starts_is_a_field_error(
    env: ApiEnv, start_days: int, end_days: int, code: str, sv: str, en: str
) -> None:
    now = utc_now()
    campaign = {
        "title": "Gammal kampanj",
        "text": "Slutade förra veckan",
        "product_ids": [env.products["glove"]],
        "valid_from": (now + timedelta(days=start_days)).isoformat(),
        "valid_to": (now + timedelta(days=end_days)).isoformat(),
    }
    path = V1 + "/retailers/tandab/campaigns"
    for lang, words in (("sv-SE,sv;q=0.9", sv), ("en", en)):
        headers = {**env.headers("retailer_own"), "Accept-Language": lang}
        body = assert_problem(env.client.post(path, json=campaign, headers=headers), 422)
        assert body["errors"] == [
            {"loc": ["body", "valid_to"], "msg": body["detail"], "type": code}
        ]
        assert body["detail"].startswith("valid_to")
        assert (body["code"], body["values"]) == (code, {})
        assert words in body["text"]
    listed = _get(env, "/campaigns", None).json()["data"]
    assert "Gammal kampanj" not in [c["title"] for c in listed]


def test_retailer_stats_are_for_its_own_staff(env: ApiEnv) -> None:
    _delivered_order(env)
    assert_problem(_get(env, "/retailers/tandab/stats", None), 401)
    assert_problem(_get(env, "/retailers/tandab/stats", "retailer_other"), 403)
    assert_problem(_get(env, "/retailers/nope/stats", "admin"), 404)
    r = _get(env, "/retailers/tandab/stats", "retailer_own", days=7)
    assert r.status_code == 200, r.text
    body = r.json()
    glove = env.products["glove"]
    assert glove in [p["key"] for p in body["products"]]
    assert "Handskar" in [g["name"] for g in body["groups"]]
    comparison = next(c for c in body["comparisons"] if c["product_id"] == glove)
    assert comparison["offers"] == 2 and comparison["rank"] in (1, 2)


def test_gdpr_export_and_delete(env: ApiEnv) -> None:
    with transaction(factory_for(env.settings)) as s:
        user = User(
            email="gdpr@example.com",
            name="Greta",
            clinic="Gläntan",
            role="clinic",
            password_hash="x",
        )
        s.add(user)
        s.flush()
        key = create_api_key(s, user, "gdpr")[1]
    headers = {"X-API-Key": key}
    env.client.post(
        f"{V1}/cart/items", json={"offer_id": env.offers["glove_tand"]}, headers=headers
    )
    exported = env.client.get(f"{V1}/me/data", headers=headers)
    assert exported.status_code == 200
    data = exported.json()
    assert data["user"]["email"] == "gdpr@example.com" and len(data["cart"]) == 1
    assert "password_hash" not in data["user"]
    # a clinic user has no loyalty activities; a seller's are listed (tests/unit/loyalty)
    assert data["loyalty_activities"] == {
        "suggestions": [],
        "survey_answers": [],
        "referrals": [],
        "contest_prizes": [],
    }
    assert env.client.delete(f"{V1}/me", headers=headers).status_code == 204
    assert_problem(env.client.get(f"{V1}/me/data", headers=headers), 401)
    assert_problem(env.client.get(f"{V1}/me/data"), 401)
