"""Endpoint x role matrix: who gets 2xx, who gets 401 (anonymous, a revoked key) or 403
(wrong role), and who is told a thing of another organisation does not exist (404).

The roles (tests/unit/api/test_api_support.py): a member of each organisation role of two
retailer organisations (A owns "tandab") and two clinic organisations, the platform roles,
three members of two sponsor organisations (sponsor A's representative, who manages the
loyalty programme the rows use, its staff, who manage nothing, and sponsor B's
representative, who manages another programme and is told A's does not exist), anonymous
and a revoked key. Routes taking the id of something an organisation owns (an
order, an RMA, a cart item, a feed run, a review to answer, a campaign) are called with a
thing of organisation A: members of organisation B never read or change it.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from httpx import Response
from sqlalchemy import select

from tests.unit.api.test_api_support import (
    PASSWORD,
    ApiEnv,
    add_sponsors,
    build_env,
    close_env,
    feed_csv,
    wait_for_run,
)

Call = Callable[[ApiEnv, dict[str, str]], Response]
CLINIC_A = {"clinic", "clinic_buyer"}  # manager and buyer of clinic organisation A
CLINICS = CLINIC_A | {"clinic_other"}
RETAILER_A = {"retailer_own", "retailer_staff"}  # representative and staff of "tandab"
RETAILERS = RETAILER_A | {"retailer_other"}
PLATFORM = {"merchandiser", "admin"}
SPONSORS = {"sponsor", "sponsor_staff", "sponsor_other"}
LOGGED_IN = CLINICS | RETAILERS | PLATFORM | SPONSORS
PUBLIC = LOGGED_IN | {None}
FEEDS = RETAILER_A | PLATFORM  # tandab's feeds
STAFF = PLATFORM  # platform staff (merchandisers and admins), not a retailer's staff
ADMIN = {"admin"}
ORDER_A = {"clinic"} | RETAILER_A | ADMIN  # who may see an order clinic A's manager placed
# an order clinic A's buyer placed belongs to clinic A: its manager sees it (and acts for the
# clinic) too, the buyer sees only their own, another clinic never
BUYER_ORDER = CLINIC_A | RETAILER_A | ADMIN
ROLES: list[str | None] = [
    None,
    "clinic",
    "clinic_buyer",
    "clinic_other",
    "retailer_own",
    "retailer_staff",
    "retailer_other",
    "merchandiser",
    "admin",
    "sponsor",
    "sponsor_staff",
    "sponsor_other",
    "revoked",
]
# routes of the OpenAPI schema deliberately not in ENDPOINTS, and where they are tested
NOT_IN_MATRIX = {
    ("POST", "/api/v1/auth/login"): "signs in by password, not as a role: test_api_auth.py",
}
# routes that never read the caller (a revoked key is not looked at: as anonymous)
KEYLESS = {"healthz", "readyz", "metrics"}
# endpoint name -> the logged-in roles told "not found" (404) instead of 403: whoever may
# not see the order / RMA / cart item the call names (another organisation's); the ones
# who see it but may not do this get 403
HIDDEN: dict[str, set[str | None]] = {}


def _hidden_from_all_but(*seeing: set[str | None]) -> set[str | None]:
    return LOGGED_IN - set().union(*seeing)


# ---------------------------------------------------------------- things of organisation A


def _order(env: ApiEnv, status: str = "placed", buyer: str = "clinic") -> tuple[int, int]:
    """An order clinic A's manager (or ``buyer``, a member of clinic A) placed at tandab,
    in ``status``: (order id, line id)."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from marketplace.dates import local_date, utc_now
    from marketplace.models import Order, OrderLine

    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        order = Order(
            checkout_ref=uuid.uuid4().hex,
            retailer_id=env.retailers["tandab"],
            clinic_user_id=env.users[buyer],
            clinic_organisation_id=env.orgs["clinic_a"],
            buyer_name="Cilla",
            clinic_name="Folktand",
            status=status,
            total=Decimal("99.00"),
            placed_at=now,
        )
        if status in ("confirmed", "shipped", "delivered"):
            order.confirmed_at = now
            order.promised_delivery_date = local_date(now) + timedelta(days=3)
        if status in ("shipped", "delivered"):
            order.shipped_at = now
        if status == "delivered":
            order.delivered_at, order.delivered_by = now, "clinic"
        line = OrderLine(
            offer_id=env.offers["glove_tand"],
            product_id=env.products["glove"],
            sku="T-1",
            name="Nitrilhandske M",
            unit_price=Decimal("99.00"),
            quantity=1,
            stock_status_at_checkout="in_stock",
        )
        order.lines.append(line)
        s.add(order)
        s.flush()
        return order.id, line.id


def _rma(env: ApiEnv, status: str = "requested") -> int:
    """An RMA clinic A's manager opened on a line of a delivered tandab order."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from marketplace.models import Rma

    _order_id, line_id = _order(env, "delivered")
    with transaction(factory_for(env.settings)) as s:
        case = Rma(
            order_line_id=line_id,
            retailer_id=env.retailers["tandab"],
            requested_by=env.users["clinic"],
            reason="Trasig förpackning",
            status=status,
        )
        s.add(case)
        s.flush()
        return case.id


def _cart_item(env: ApiEnv) -> int:
    """An item in clinic A's manager's cart (added again after a call removed it)."""
    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for
    from marketplace.cart import add_item
    from marketplace.dates import utc_now

    with transaction(factory_for(env.settings)) as s:
        owner = s.get(User, env.users["clinic"])
        item = add_item(s, owner, env.offers["composite_tand"], 1, now=utc_now())
        s.flush()
        return item.id


def _held_review_of_tandab(env: ApiEnv) -> int:
    """A low review of retailer tandab held for its response."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from marketplace.dates import utc_now
    from marketplace.models import Review

    with transaction(factory_for(env.settings)) as s:
        review = Review(
            author_id=None,
            target_type="retailer",
            target_id=env.retailers["tandab"],
            retailer_id=env.retailers["tandab"],
            rating=1,
            text="Sen leverans",
            status="held",
            response_due_at=utc_now() + timedelta(days=7),
        )
        s.add(review)
        s.flush()
        return review.id


def _read_order(env: ApiEnv, h: dict[str, str]) -> Response:
    return env.client.get(f"/api/v1/orders/{_order(env)[0]}", headers=h)


def _order_document(kind: str) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        return env.client.get(f"/api/v1/orders/{_order(env)[0]}/confirmation.{kind}", headers=h)

    return call


def _read_buyer_order(env: ApiEnv, h: dict[str, str]) -> Response:
    return env.client.get(f"/api/v1/orders/{_order(env, buyer='clinic_buyer')[0]}", headers=h)


def _order_call(
    action: str, status: str, body: dict[str, object] | None = None, buyer: str = "clinic"
) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        order_id, _line = _order(env, status, buyer)
        return env.client.post(f"/api/v1/orders/{order_id}/{action}", json=body, headers=h)

    return call


def _confirm(env: ApiEnv, h: dict[str, str]) -> Response:
    from marketplace.dates import local_date, utc_now

    promised = (local_date(utc_now()) + timedelta(days=3)).isoformat()
    return _order_call("confirm", "placed", {"promised_delivery_date": promised})(env, h)


def _rma_request(env: ApiEnv, h: dict[str, str]) -> Response:
    order_id, line_id = _order(env, "delivered")
    path = f"/api/v1/orders/{order_id}/lines/{line_id}/rma"
    return env.client.post(path, json={"reason": "Fel storlek"}, headers=h)


def _rma_call(action: str, status: str, body: dict[str, object]) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        return env.client.post(f"/api/v1/rma/{_rma(env, status)}/{action}", json=body, headers=h)

    return call


def _remove_cart_item(env: ApiEnv, h: dict[str, str]) -> Response:
    return env.client.delete(f"/api/v1/cart/items/{_cart_item(env)}", headers=h)


def _respond(env: ApiEnv, h: dict[str, str]) -> Response:
    path = f"/api/v1/reviews/{_held_review_of_tandab(env)}/response"
    return env.client.post(path, json={"text": "Vi beklagar och har bytt transportör."}, headers=h)


def _campaign(env: ApiEnv, h: dict[str, str]) -> Response:
    from marketplace.dates import utc_now

    start = utc_now()
    body = {
        "title": f"Matris {uuid.uuid4().hex[:6]}",
        "text": "Handskar till halva priset",
        "product_ids": [env.products["glove"]],
        "valid_from": start.isoformat(),
        "valid_to": (start + timedelta(days=7)).isoformat(),
    }
    return env.client.post("/api/v1/retailers/tandab/campaigns", json=body, headers=h)


def _add_to_cart(env: ApiEnv, h: dict[str, str]) -> Response:
    body = {"offer_id": env.offers["mirror_nord"], "quantity": 1}
    return env.client.post("/api/v1/cart/items", json=body, headers=h)


def _delete_me(env: ApiEnv, h: dict[str, str]) -> Response:
    """Delete an account as the caller's role: a fresh twin of the role's user (same role and
    organisation) with its own key, so the seeded users stay."""
    from api.auth import create_api_key
    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for

    role = next((r for r, k in env.keys.items() if h.get("X-API-Key") == k), None)
    if role is None or role not in env.users:  # anonymous, revoked or a narrow key
        return env.client.delete("/api/v1/me", headers=h)
    with transaction(factory_for(env.settings)) as s:
        model = s.get(User, env.users[role])
        assert model is not None
        twin = User(
            email=f"{uuid.uuid4().hex[:10]}@matris.example",
            name=f"Tvilling {role}",
            role=model.role,
            clinic=model.clinic,
            retailer_id=model.retailer_id,
            organisation_id=model.organisation_id,
            org_role=model.org_role,
            password_hash="x",
        )
        s.add(twin)
        s.flush()
        key = create_api_key(s, twin, "twin")[1]
    return env.client.delete("/api/v1/me", headers={"X-API-Key": key})


def _checkout(env: ApiEnv, h: dict[str, str]) -> Response:
    """Check out the caller's cart, with something in it (a clinic's)."""
    _add_to_cart(env, h)
    return env.client.post("/api/v1/checkout", json={"accept_changes": True}, headers=h)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    # webhooks to 127.0.0.1 (a closed port: a test delivery fails at once, never leaves)
    built = build_env(
        Path(tmp_path_factory.mktemp("api_roles")),
        webhook_allow_loopback=True,
        signup_max_per_address=1000,
        feed_fetch_allow_networks=["127.0.0.0/8"],
    )
    r = built.client.post(
        "/api/v1/retailers/tandab/feeds",
        files={"file": ("lager.csv", feed_csv())},
        data={"delta": "true"},
        headers=built.headers("admin"),
    )
    assert r.status_code == 202
    built.offers["run"] = r.json()["id"]
    wait_for_run(built, r.json()["id"], role="admin")
    add_sponsors(built)
    _narrow_keys(built)
    yield built
    close_env(built)


def _draft(env: ApiEnv) -> int:
    r = env.client.post(
        "/api/v1/ranking/configs/rolecheck/drafts",
        json={"config": {}, "comment": "matrix"},
        headers=env.headers("admin"),
    )
    assert r.status_code == 201, r.text
    version: int = r.json()["version"]["version"]
    return version


def _cancel_queued(env: ApiEnv, h: dict[str, str]) -> Response:
    """Cancel a run queued for tandab (never sent: the sweep leaves it to its uploader)."""
    from indexer.pipeline import FeedOptions, submit_feed

    feed = env.settings.data_dir / "queued.csv"
    feed.write_bytes(feed_csv())
    run_id = submit_feed(
        env.app.state.session_factory, env.settings, feed, "tandab", FeedOptions(delta=True)
    )
    return env.client.post(f"/api/v1/feeds/runs/{run_id}/cancel", headers=h)


def _new_password(env: ApiEnv, h: dict[str, str]) -> Response:
    body = {"current_password": PASSWORD, "new_password": "Blåbärssoppa vid Vättern 2026"}
    return env.client.post("/api/v1/me/password", json=body, headers=h)


def _publish(env: ApiEnv, h: dict[str, str]) -> Response:
    return env.client.post(
        "/api/v1/ranking/configs/rolecheck/publish", json={"version": _draft(env)}, headers=h
    )


def _rollback(env: ApiEnv, h: dict[str, str]) -> Response:
    version = _draft(env)
    published = env.client.post(
        "/api/v1/ranking/configs/rolecheck/publish",
        json={"version": version},
        headers=env.headers("admin"),
    )
    assert published.status_code == 200
    return env.client.post(
        "/api/v1/ranking/configs/rolecheck/rollback", json={"to_version": version}, headers=h
    )


def _synonym_draft(env: ApiEnv) -> int:
    r = env.client.post(
        "/api/v1/synonyms/drafts",
        json={"rules": "vante => handske", "comment": "matrix"},
        headers=env.headers("admin"),
    )
    assert r.status_code == 201, r.text
    version: int = r.json()["version"]["version"]
    return version


def _synonym_publish(env: ApiEnv, h: dict[str, str]) -> Response:
    return env.client.post(
        "/api/v1/synonyms/publish", json={"version": _synonym_draft(env)}, headers=h
    )


def _synonym_rollback(env: ApiEnv, h: dict[str, str]) -> Response:
    version = _synonym_draft(env)
    published = env.client.post(
        "/api/v1/synonyms/publish", json={"version": version}, headers=env.headers("admin")
    )
    assert published.status_code == 200
    return env.client.post("/api/v1/synonyms/rollback", json={"to_version": version}, headers=h)


def _upload(env: ApiEnv, h: dict[str, str], dry_run: bool) -> Response:
    return env.client.post(
        "/api/v1/retailers/tandab/feeds",
        params={"dry_run": "true"} if dry_run else {},
        files={"file": ("lager.csv", feed_csv())},
        data={"delta": "true"},
        headers=h,
    )


def _stored_review(env: ApiEnv, *, rating: int = 4, held: bool = False) -> int:
    """A review stored directly (no author, so any number of them are unique), product glove."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from marketplace.models import Review

    with transaction(factory_for(env.settings)) as s:
        review = Review(
            author_id=None,
            target_type="product",
            target_id=env.products["glove"],
            rating=rating,
            text="matrix",
            status="held" if held else "published",
        )
        s.add(review)
        s.flush()
        return review.id


def _open_report(env: ApiEnv) -> int:
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from marketplace.models import ReviewReport

    review_id = _stored_review(env)
    with transaction(factory_for(env.settings)) as s:
        report = ReviewReport(review_id=review_id, reporter_id=None, reason="matrix")
        s.add(report)
        s.flush()
        return report.id


def _report(env: ApiEnv, h: dict[str, str]) -> Response:
    path = f"/api/v1/reviews/{_stored_review(env)}/reports"
    return env.client.post(path, json={"reason": "Kränkande"}, headers=h)


def _resolve(env: ApiEnv, h: dict[str, str]) -> Response:
    body = {"outcome": "removed", "reason": "Personangrepp"}
    path = f"/api/v1/admin/review-reports/{_open_report(env)}/resolve"
    return env.client.post(path, json=body, headers=h)


def _moderate(env: ApiEnv, h: dict[str, str]) -> Response:
    path = f"/api/v1/admin/reviews/{_stored_review(env, rating=1, held=True)}/moderate"
    return env.client.post(path, json={"decision": "publish", "reason": "Sakligt"}, headers=h)


def _write_review(env: ApiEnv, h: dict[str, str]) -> Response:
    body = {"target_type": "product", "target_id": env.products["composite"], "rating": 4}
    return env.client.post("/api/v1/reviews", json=body, headers=h)


def _new_org(env: ApiEnv, status: str) -> int:
    """A fresh retailer organisation in ``status`` (each admin action needs its own)."""
    from catalog.db import transaction
    from catalog.models import Organisation
    from indexer.jobs import factory_for

    with transaction(factory_for(env.settings)) as s:
        org = Organisation(kind="retailer", name=f"Matris {status}", status=status)
        s.add(org)
        s.flush()
        return org.id


def _new_user(env: ApiEnv, active: bool = True) -> int:
    """A fresh merchandiser (no organisation) to suspend, reactivate or reset."""
    import uuid

    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for

    with transaction(factory_for(env.settings)) as s:
        user = User(
            email=f"{uuid.uuid4().hex[:10]}@matris.example",
            name="Matris",
            role="merchandiser",
            password_hash="x",
            active=active,
        )
        s.add(user)
        s.flush()
        return user.id


def _org_action(action: str, status: str, body: dict[str, str] | None = None) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        path = f"/api/v1/admin/organisations/{_new_org(env, status)}/{action}"
        return env.client.post(path, json=body, headers=h)

    return call


def _user_action(action: str, active: bool, body: dict[str, str] | None = None) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        path = f"/api/v1/admin/users/{_new_user(env, active)}/{action}"
        return env.client.post(path, json=body, headers=h)

    return call


# representatives and managers: their organisation's members and invitations
MANAGERS = {"retailer_own", "retailer_other", "clinic", "clinic_other", "sponsor", "sponsor_other"}
# an organisation's webhooks (order, RMA, review and feed events): a retailer's representative
# or a clinic's manager; a sponsor's organisation has none of those events
HOOKS = MANAGERS - SPONSORS


_hook_urls = iter(range(1, 10_000))


HOOKS_PATH = "/api/v1/organisation/webhooks"
OLD_HOOKS_PATH = "/api/v1/org/webhooks"  # the deprecated alias: the same routes


def _create_hook(env: ApiEnv, h: dict[str, str], base: str = HOOKS_PATH) -> Response:
    body = {"url": f"http://127.0.0.1:9/hook/{next(_hook_urls)}", "kinds": ["order.placed"]}
    return env.client.post(base, json=body, headers=h)


def _on_own_hook(
    env: ApiEnv, h: dict[str, str], method: str, tail: str, base: str = HOOKS_PATH
) -> Response:
    """Make an endpoint of the caller's organisation, then call ``tail`` of it."""
    created = _create_hook(env, h)
    hook = created.json()["id"] if created.status_code == 201 else 1  # refused: some id
    return env.client.request(method, f"{base}/{hook}{tail}", headers=h)


def _hook_rows(prefix: str, base: str) -> list[tuple[str, Call, set[str | None], int]]:
    """The webhook routes at ``base`` (the path, or its deprecated alias)."""
    return [
        (f"{prefix}webhooks", lambda e, h: e.client.get(base, headers=h), HOOKS, 200),
        (f"{prefix}webhook_create", lambda e, h: _create_hook(e, h, base), HOOKS, 201),
        (
            f"{prefix}webhook_delete",
            lambda e, h: _on_own_hook(e, h, "DELETE", "", base),
            HOOKS,
            204,
        ),
        (
            f"{prefix}webhook_deliveries",
            lambda e, h: _on_own_hook(e, h, "GET", "/deliveries", base),
            HOOKS,
            200,
        ),
        (
            f"{prefix}webhook_test",
            lambda e, h: _on_own_hook(e, h, "POST", "/test", base),
            HOOKS,
            202,
        ),
    ]


FEED_URLS = "/api/v1/feed-urls"
_feed_urls = iter(range(1, 10_000))


def _new_feed_url(env: ApiEnv, h: dict[str, str]) -> Response:
    """A feed URL of the caller's retailer (127.0.0.1 is allow-listed here; port 9 is closed:
    a fetch fails at once and never leaves the host)."""
    url = f"http://127.0.0.1:9/feed-{next(_feed_urls)}.csv"
    return env.client.post(FEED_URLS, json={"url": url, "schedule": "daily"}, headers=h)


def _create_feed_url(env: ApiEnv, h: dict[str, str]) -> Response:
    """Register one, then remove it (a retailer has at most 10)."""
    created = _new_feed_url(env, h)
    if created.status_code == 201:
        env.client.delete(f"{FEED_URLS}/{created.json()['id']}", headers=h)
    return created


def _on_own_feed_url(env: ApiEnv, h: dict[str, str], method: str, tail: str) -> Response:
    """Make a feed URL of the caller's retailer, call ``tail`` of it, then remove it."""
    created = _new_feed_url(env, h)
    source = created.json()["id"] if created.status_code == 201 else 1  # refused: some id
    body = None
    if method == "PUT":
        body = {"url": f"http://127.0.0.1:9/edit-{next(_feed_urls)}.csv", "schedule": "0 5 * * *"}
    answer = env.client.request(method, f"{FEED_URLS}/{source}{tail}", json=body, headers=h)
    if created.status_code == 201 and method != "DELETE":
        env.client.delete(f"{FEED_URLS}/{source}", headers=h)
    return answer


def _feed_url_rows() -> list[tuple[str, Call, set[str | None], int]]:
    """A retailer's feed URLs (issue 19): its users, each retailer its own."""
    return [
        ("feed_urls", lambda e, h: e.client.get(FEED_URLS, headers=h), RETAILERS, 200),
        ("feed_url_create", _create_feed_url, RETAILERS, 201),
        ("feed_url", lambda e, h: _on_own_feed_url(e, h, "GET", ""), RETAILERS, 200),
        ("feed_url_update", lambda e, h: _on_own_feed_url(e, h, "PUT", ""), RETAILERS, 200),
        ("feed_url_delete", lambda e, h: _on_own_feed_url(e, h, "DELETE", ""), RETAILERS, 204),
        (
            "feed_url_fetches",
            lambda e, h: _on_own_feed_url(e, h, "GET", "/fetches"),
            RETAILERS,
            200,
        ),
        ("feed_url_fetch", lambda e, h: _on_own_feed_url(e, h, "POST", "/fetch"), RETAILERS, 202),
    ]


def _read_one(env: ApiEnv, h: dict[str, str]) -> Response:
    """Mark read a notification of the caller's own."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from marketplace.models import Notification

    me = env.client.get("/api/v1/auth/me", headers=h)
    note_id = 1
    if me.status_code == 200:
        with transaction(factory_for(env.settings)) as s:
            note = Notification(
                user_id=me.json()["id"], kind="order_placed", ref=f"matrix:{next(_hook_urls)}"
            )
            s.add(note)
            s.flush()
            note_id = note.id
    return env.client.post(f"/api/v1/me/notifications/{note_id}/read", headers=h)


def _narrow_keys(env: ApiEnv) -> None:
    """A search key, a feeds key and a revoked key of the retailer_own user (tandab)."""
    from sqlalchemy import select

    from api.auth import create_api_key
    from catalog.db import transaction
    from catalog.enums import KeyScope
    from catalog.models import User
    from indexer.jobs import factory_for

    with transaction(factory_for(env.settings)) as s:
        user = s.scalars(select(User).where(User.email == "own@example.com")).one()
        for scope in (KeyScope.SEARCH, KeyScope.FEEDS):
            env.keys[f"key_{scope.value}"] = create_api_key(s, user, scope.value, scope=scope)[1]
        revoked, env.keys["key_revoked"] = create_api_key(s, user, "revoked")
        revoked.revoked_at = revoked.created_at


def _revoke_key(env: ApiEnv, h: dict[str, str]) -> Response:
    """Revoke a key the caller just made (anonymous: some key)."""
    made = env.client.post("/api/v1/auth/api-keys", json={"name": "revoke me"}, headers=h)
    key_id = made.json()["id"] if made.status_code == 201 else 1
    return env.client.delete(f"/api/v1/auth/api-keys/{key_id}", headers=h)


_SIGNUPS = iter(range(100_000_000, 999_999_999, 7919))


def _org_number() -> str:
    """A fresh valid organisation number (Luhn) for each sign-up of the matrix."""
    from catalog.orgnr import luhn_ok

    body = str(next(_SIGNUPS))
    check = next(d for d in "0123456789" if luhn_ok(body + d))
    return f"{body[:6]}-{body[6:]}{check}"


def _signup(env: ApiEnv, h: dict[str, str]) -> Response:
    number = _org_number()
    body = {
        "kind": "retailer",
        "organisation": {
            "name": f"Matris {number} AB",
            "org_number": number,
            "street": "Gatan 1",
            "postal_code": "111 22",
            "city": "Stockholm",
        },
        "person": {
            "name": "Mats",
            "email": f"{number}@matrix.test",
            "password": "Matrisens lösen 9",
        },
        "terms_accepted": True,
    }
    return env.client.post("/api/v1/signup", json=body, headers=h)


def _pending_org(env: ApiEnv) -> tuple[int, int, str]:
    """A pending clinic organisation with an inactive manager, stored directly."""
    from catalog.db import transaction
    from catalog.models import Organisation, User
    from indexer.jobs import factory_for

    number = _org_number()
    with transaction(factory_for(env.settings)) as s:
        org = Organisation(kind="clinic", name=number, org_number=number, status="pending")
        s.add(org)
        s.flush()
        user = User(
            email=f"{number}@matrix.test",
            name="M",
            role="clinic",
            organisation_id=org.id,
            org_role="manager",
            active=False,
            password_hash="x",
        )
        s.add(user)
        s.flush()
        return org.id, user.id, user.email


def _confirm_signup(env: ApiEnv, h: dict[str, str]) -> Response:
    from marketplace.signup import confirm_token

    token = confirm_token(env.app.state.settings.secret_key, *_pending_org(env))
    return env.client.post("/api/v1/signup/confirm", json={"token": token}, headers=h)


def _accept(env: ApiEnv, h: dict[str, str]) -> Response:
    """Accept a fresh invitation of an active clinic organisation's manager."""
    from catalog.models import Organisation, User
    from indexer.jobs import factory_for
    from marketplace import invitations

    org_id, manager_id, _ = _pending_org(env)
    with factory_for(env.settings)() as s:
        org, manager = s.get(Organisation, org_id), s.get(User, manager_id)
        assert org is not None and manager is not None
        org.status, manager.active = "active", True
        s.commit()
        _, token = invitations.invite(
            s,
            org,
            manager,
            f"inv-{org_id}@matrix.test",
            "buyer",
            days=7,
            lang="sv",
            link_base="http://testserver",
        )
    body = {"token": token, "name": "Inbjuden", "password": "Matrisens lösen 9"}
    return env.client.post("/api/v1/invitations/accept", json=body, headers=h)


_org_emails = iter(range(1, 100_000))


def _caller(env: ApiEnv, h: dict[str, str]) -> tuple[int, int] | None:
    """(user id, organisation id) of the key's user, None without an organisation."""
    from catalog.models import ApiKey, User
    from indexer.jobs import factory_for

    if "X-API-Key" not in h:
        return None
    with factory_for(env.settings)() as s:
        prefix = h["X-API-Key"].split("_")[1]
        user = s.scalars(
            select(User).join(ApiKey, ApiKey.user_id == User.id).where(ApiKey.prefix == prefix)
        ).first()
        if user is None or user.organisation_id is None:
            return None
        return user.id, user.organisation_id


def _fresh_member(env: ApiEnv, h: dict[str, str]) -> int:
    """A new staff/buyer member of the caller's organisation (id 1 for a caller without one)."""
    from catalog.db import transaction
    from catalog.models import Organisation
    from indexer.jobs import factory_for
    from marketplace.organisations import new_member

    found = _caller(env, h)
    if found is None:
        return 1
    with transaction(factory_for(env.settings)) as s:
        org = s.get(Organisation, found[1])
        assert org is not None
        member = new_member(
            s,
            org,
            email=f"member{next(_org_emails)}@matrix.test",
            name="Matris Medlem",
            password_hash="x",
            org_role="staff" if org.kind in ("retailer", "sponsor") else "buyer",
            active=True,
            actor=None,
            channel="web",
        )
        s.flush()
        return member.id


def _org_role_of(env: ApiEnv, h: dict[str, str]) -> str:
    found = _caller(env, h)
    if found is None:
        return "buyer"
    from catalog.models import Organisation
    from indexer.jobs import factory_for

    with factory_for(env.settings)() as s:
        org = s.get(Organisation, found[1])
        return "staff" if org is not None and org.kind in ("retailer", "sponsor") else "buyer"


def _invite(env: ApiEnv, h: dict[str, str]) -> Response:
    body = {"email": f"invited{next(_org_emails)}@matrix.test", "org_role": _org_role_of(env, h)}
    return env.client.post("/api/v1/organisation/invitations", json=body, headers=h)


def _revoke_invitation(env: ApiEnv, h: dict[str, str]) -> Response:
    made = _invite(env, h)
    invitation = made.json()["id"] if made.status_code == 201 else 1
    return env.client.delete(f"/api/v1/organisation/invitations/{invitation}", headers=h)


# ------------------------------------------------------------------------------ loyalty

LOYALTY_PROGRAMME = "Matrisklubben"
_programme_names = iter(range(1, 100_000))


def _loyalty(env: ApiEnv) -> int:
    """A programme sponsor A runs and tandab's organisation (A) is a member of, with
    retailer_staff invited and taking part (made once, checked again on every call): its
    id. Sponsor B runs a programme of its own."""
    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for
    from loyalty import programmes
    from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
    from loyalty.models import Programme
    from marketplace.dates import utc_now

    if "sponsor_a" not in env.orgs:  # an environment of another module (its own helpers)
        add_sponsors(env)
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        found = s.scalar(select(Programme).where(Programme.name == LOYALTY_PROGRAMME))
        if found is None:
            found = programmes.create_programme(
                s,
                None,
                name=LOYALTY_PROGRAMME,
                sponsor_name="Dentsply",
                points_per_krona=Decimal(1),
                point_value_ore=5,
                expiry_months=24,
                now=now,
                sponsor_organisation_id=env.orgs["sponsor_a"],
            )
            programmes.create_programme(
                s,
                None,
                name=f"{LOYALTY_PROGRAMME} B",
                sponsor_name="",
                points_per_krona=Decimal(1),
                point_value_ore=5,
                expiry_months=24,
                now=now,
                sponsor_organisation_id=env.orgs["sponsor_b"],
            )
        rep = s.get(User, env.users["retailer_own"])
        seller = s.get(User, env.users["retailer_staff"])
        assert rep is not None and seller is not None
        programmes.accept_member_terms(s, rep, found.id, MEMBER_TERMS_VERSION, now=now)
        programmes.invite(s, rep, found.id, seller.id, now=now)
        programmes.accept_participant_terms(s, seller, found.id, PARTICIPANT_TERMS_VERSION, now=now)
        return found.id


def _fresh_programme(env: ApiEnv) -> int:
    """A new programme nobody is a member of yet."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from loyalty import programmes
    from marketplace.dates import utc_now

    with transaction(factory_for(env.settings)) as s:
        return programmes.create_programme(
            s,
            None,
            name=f"Klubb {next(_programme_names)}",
            sponsor_name="Valbar",
            points_per_krona=Decimal(1),
            point_value_ore=1,
            expiry_months=12,
            now=utc_now(),
        ).id


def _loyalty_get(tail: str) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        programme = _loyalty(env)
        path = tail.format(programme=programme)
        return env.client.get(f"/api/v1/loyalty{path}", headers=h)

    return call


def _loyalty_create(env: ApiEnv, h: dict[str, str]) -> Response:
    body = {
        "name": f"Programme {uuid.uuid4().hex[:10]}",
        "sponsor_name": "Dentsply",
        "points_per_krona": "1.5",
        "point_value_ore": 5,
        "expiry_months": 24,
    }
    return env.client.post("/api/v1/loyalty/programmes", json=body, headers=h)


def _loyalty_join(env: ApiEnv, h: dict[str, str]) -> Response:
    from loyalty.enums import MEMBER_TERMS_VERSION

    programme = _fresh_programme(env)
    return env.client.post(
        f"/api/v1/loyalty/programmes/{programme}/membership",
        json={"terms_version": MEMBER_TERMS_VERSION},
        headers=h,
    )


def _loyalty_invite(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    body = {"user_id": _fresh_member(env, h)}
    return env.client.post(
        f"/api/v1/loyalty/programmes/{programme}/participants", json=body, headers=h
    )


def _loyalty_participate(env: ApiEnv, h: dict[str, str]) -> Response:
    from loyalty.enums import PARTICIPANT_TERMS_VERSION

    programme = _loyalty(env)
    return env.client.post(
        f"/api/v1/loyalty/programmes/{programme}/participation",
        json={"terms_version": PARTICIPANT_TERMS_VERSION},
        headers=h,
    )


# ------------------------------------------------------------------------------ points shop


def _shop_reward(env: ApiEnv) -> tuple[int, int]:
    """(programme, reward): a reward with ample stock in the matrix's programme, and 1000
    points more on organisation A's own account (made on every call)."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from loyalty import shop
    from loyalty.enums import AccountKind, EntryKind
    from loyalty.ledger import ensure_account, transfer
    from loyalty.models import Membership, Reward
    from marketplace.dates import utc_now

    programme = _loyalty(env)
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        found = s.scalar(
            select(Reward).where(Reward.programme_id == programme, Reward.name == "Matriskort")
        )
        if found is None:
            found = Reward(
                programme_id=programme,
                name="Matriskort",
                description="",
                category="Presentkort",
                price_points=10,
                stock=1_000_000,
                active=True,
                created_at=now,
                updated_at=now,
            )
            s.add(found)
            s.flush()
        membership = s.scalar(
            select(Membership).where(
                Membership.programme_id == programme,
                Membership.organisation_id == env.orgs["retailer_a"],
            )
        )
        assert membership is not None
        sponsor = ensure_account(s, programme, AccountKind.SPONSOR)
        member = ensure_account(s, programme, AccountKind.MEMBER, membership_id=membership.id)
        transfer(
            s,
            programme_id=programme,
            source_id=sponsor.id,
            destination_id=member.id,
            points=1000,
            kind=EntryKind.ADJUSTMENT.value,
            reason="matrix",
            idempotency_key=f"matrix:{uuid.uuid4().hex}",
            now=now,
        )
        assert shop.policy_of(s, membership.id).value == "entity"
        return programme, found.id


def _shop_redemption(env: ApiEnv) -> int:
    """A placed redemption of organisation A's representative."""
    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for
    from loyalty import redemptions, shop
    from marketplace.dates import utc_now

    programme, reward = _shop_reward(env)
    with transaction(factory_for(env.settings)) as s:
        rep = s.get(User, env.users["retailer_own"])
        shop.set_basket_quantity(s, rep, reward, 1, now=utc_now())
        order, _ = redemptions.redeem(
            s,
            rep,
            programme,
            request_key=uuid.uuid4().hex,
            delivery=redemptions.Delivery("Rut", "Gatan 1", "111 22", "Stockholm"),
            now=utc_now(),
        )
        return order.id


def _reward_body() -> dict[str, object]:
    return {
        "name": f"Belöning {uuid.uuid4().hex[:8]}",
        "description": "Ett presentkort",
        "category": "Presentkort",
        "price_points": 500,
        "stock": 3,
    }


def _shop_get(tail: str) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        programme, _reward = _shop_reward(env)
        return env.client.get(f"/api/v1/loyalty{tail.format(programme=programme)}", headers=h)

    return call


def _shop_reward_get(env: ApiEnv, h: dict[str, str]) -> Response:
    _programme, reward = _shop_reward(env)
    return env.client.get(f"/api/v1/loyalty/rewards/{reward}", headers=h)


def _shop_redemption_get(env: ApiEnv, h: dict[str, str]) -> Response:
    return env.client.get(f"/api/v1/loyalty/redemptions/{_shop_redemption(env)}", headers=h)


def _shop_reward_create(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    return env.client.post(
        f"/api/v1/loyalty/programmes/{programme}/rewards", json=_reward_body(), headers=h
    )


def _shop_reward_update(env: ApiEnv, h: dict[str, str]) -> Response:
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from loyalty.models import Reward
    from marketplace.dates import utc_now

    programme = _loyalty(env)
    with transaction(factory_for(env.settings)) as s:
        now = utc_now()
        body = _reward_body()
        made = Reward(programme_id=programme, **body, active=True, created_at=now, updated_at=now)
        s.add(made)
        s.flush()
        reward_id = made.id
    return env.client.put(f"/api/v1/loyalty/rewards/{reward_id}", json=_reward_body(), headers=h)


def _shop_basket_put(env: ApiEnv, h: dict[str, str]) -> Response:
    programme, reward = _shop_reward(env)
    return env.client.put(
        f"/api/v1/loyalty/programmes/{programme}/basket",
        json={"reward_id": reward, "quantity": 1},
        headers=h,
    )


def _shop_redeem(env: ApiEnv, h: dict[str, str]) -> Response:
    programme, reward = _shop_reward(env)
    env.client.put(
        f"/api/v1/loyalty/programmes/{programme}/basket",
        json={"reward_id": reward, "quantity": 1},
        headers=h,
    )
    body = {
        "request_key": uuid.uuid4().hex,
        "delivery_name": "Rut",
        "delivery_address": "Gatan 1",
        "delivery_postcode": "111 22",
        "delivery_city": "Stockholm",
    }
    return env.client.post(
        f"/api/v1/loyalty/programmes/{programme}/redemptions", json=body, headers=h
    )


def _shop_policy_put(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    return env.client.put(
        f"/api/v1/loyalty/programmes/{programme}/policy", json={"redeemer": "entity"}, headers=h
    )


def _shop_act(action: str) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        redemption = _shop_redemption(env)
        body = {"reason": "Slut i lager"} if action == "cancel" else None
        return env.client.post(
            f"/api/v1/loyalty/redemptions/{redemption}/{action}", json=body, headers=h
        )

    return call


_QUIZ_QUESTIONS = [{"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [0]}]


def _loyalty_quiz(env: ApiEnv) -> int:
    """A fresh quiz (one attempt, so each call needs its own) in the programme of ``_loyalty``."""
    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for
    from loyalty import quizzes
    from marketplace.dates import utc_now

    programme = _loyalty(env)
    with transaction(factory_for(env.settings)) as s:
        return quizzes.create_quiz(
            s,
            s.get_one(User, env.users["admin"]),
            programme,
            title=f"Quiz {uuid.uuid4().hex[:8]}",
            questions=_QUIZ_QUESTIONS,
            pass_mark=1,
            max_attempts=1,
            points=10,
            now=utc_now(),
        ).id


def _loyalty_campaign_create(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    body = {
        "name": "Handskveckan",
        "multiplier": "2",
        "target_kind": "category",
        "target_value": "Handskar",
        "starts_at": "2026-12-01T00:00:00Z",
        "ends_at": "2026-12-08T00:00:00Z",
    }
    return env.client.post(
        f"/api/v1/loyalty/programmes/{programme}/campaigns", json=body, headers=h
    )


def _loyalty_quiz_create(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    body = {
        "title": "Handskar 101",
        "questions": _QUIZ_QUESTIONS,
        "pass_mark": 1,
        "max_attempts": 2,
        "points": 50,
    }
    return env.client.post(f"/api/v1/loyalty/programmes/{programme}/quizzes", json=body, headers=h)


def _loyalty_attempt(env: ApiEnv, h: dict[str, str]) -> Response:
    quiz = _loyalty_quiz(env)
    return env.client.post(
        f"/api/v1/loyalty/quizzes/{quiz}/attempts", json={"answers": [[0]]}, headers=h
    )


def _loyalty_settings(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    body = {"seller_award_bonus": 100, "store_award_bonus": 50}
    return env.client.put(f"/api/v1/loyalty/programmes/{programme}/settings", json=body, headers=h)


def _loyalty_seller_account(env: ApiEnv) -> tuple[int, int, int]:
    """(programme, sponsor account, retailer_staff's sub-account) of ``_loyalty``."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from loyalty import programmes
    from loyalty.enums import AccountKind
    from loyalty.ledger import ensure_account

    programme = _loyalty(env)
    with transaction(factory_for(env.settings)) as s:
        membership = programmes.membership_of(s, programme, env.orgs["retailer_a"])
        assert membership is not None
        participant = programmes.active_participant(s, membership.id, env.users["retailer_staff"])
        assert participant is not None
        sponsor = ensure_account(s, programme, AccountKind.SPONSOR)
        seller = ensure_account(
            s,
            programme,
            AccountKind.SELLER,
            membership_id=membership.id,
            participant_id=participant.id,
        )
        return programme, sponsor.id, seller.id


def _loyalty_held(env: ApiEnv) -> int:
    """A fresh credit held for approval."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from loyalty.models import HeldCredit
    from marketplace.dates import utc_now

    programme, _sponsor, seller = _loyalty_seller_account(env)
    with transaction(factory_for(env.settings)) as s:
        held = HeldCredit(
            programme_id=programme,
            destination_account_id=seller,
            points=10,
            kind="sale",
            reason="matrix",
            idempotency_key=f"matrix:{uuid.uuid4().hex}",
            status="held",
            created_at=utc_now(),
        )
        s.add(held)
        s.flush()
        return held.id


def _loyalty_credit(env: ApiEnv) -> int:
    """A fresh credit of 5 points to retailer_staff: the entry's id."""
    from catalog.db import transaction
    from indexer.jobs import factory_for
    from loyalty.ledger import transfer
    from marketplace.dates import utc_now

    programme, sponsor, seller = _loyalty_seller_account(env)
    with transaction(factory_for(env.settings)) as s:
        entry, _created = transfer(
            s,
            programme_id=programme,
            source_id=sponsor,
            destination_id=seller,
            points=5,
            kind="sale",
            reason="matrix",
            idempotency_key=f"matrix:{uuid.uuid4().hex}",
            now=utc_now(),
        )
        return entry.id


def _loyalty_decide(action: str) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        held = _loyalty_held(env)
        body = {"reason": "checked"}
        return env.client.post(
            f"/api/v1/loyalty/held-credits/{held}/{action}", json=body, headers=h
        )

    return call


def _loyalty_clawback(env: ApiEnv, h: dict[str, str]) -> Response:
    entry = _loyalty_credit(env)
    return env.client.post(
        f"/api/v1/loyalty/entries/{entry}/clawback", json={"reason": "matrix"}, headers=h
    )


def _loyalty_put_limits(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    body = {"caps": {"sale": {"day": 100000}}, "approval_threshold": None}
    return env.client.put(f"/api/v1/loyalty/programmes/{programme}/limits", json=body, headers=h)


def _loyalty_photo_activity(env: ApiEnv) -> int:
    """A fresh open photo activity (one photo per seller, so each call needs its own)."""
    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for
    from loyalty import photos
    from marketplace.dates import utc_now

    programme = _loyalty(env)
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        return photos.create_activity(
            s,
            s.get_one(User, env.users["admin"]),
            programme,
            title=f"Monter {uuid.uuid4().hex[:8]}",
            description="",
            points=5,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=1),
            now=now,
        ).id


def _photo_jpeg() -> bytes:
    from tests.unit.loyalty.photo_support import jpeg_with_gps, picture

    return jpeg_with_gps(picture(next(_programme_names) % 97))


def _loyalty_photo(env: ApiEnv) -> int:
    """A fresh pending photo of retailer_staff's."""
    import io

    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for
    from loyalty import photos
    from marketplace.dates import utc_now

    activity = _loyalty_photo_activity(env)
    with transaction(factory_for(env.settings)) as s:
        return photos.submit_photo(
            s,
            s.get_one(User, env.users["retailer_staff"]),
            activity,
            io.BytesIO(_photo_jpeg()),
            folder=env.settings.loyalty_photo_dir,
            bounds=photos.PhotoLimits(10**7, 10**8, 0),
            now=utc_now(),
        ).id


def _loyalty_photo_activity_create(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    body = {
        "title": "Visa vår monter",
        "points": 20,
        "starts_at": "2026-12-01T00:00:00Z",
        "ends_at": "2026-12-31T00:00:00Z",
    }
    return env.client.post(
        f"/api/v1/loyalty/programmes/{programme}/photo-activities", json=body, headers=h
    )


def _loyalty_photo_upload(env: ApiEnv, h: dict[str, str]) -> Response:
    activity = _loyalty_photo_activity(env)
    return env.client.post(
        f"/api/v1/loyalty/photo-activities/{activity}/photos",
        files={"file": ("IMG_1.HEIC", _photo_jpeg(), "image/heic")},
        headers=h,
    )


def _loyalty_photo_get(tail: str) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        photo = _loyalty_photo(env)
        return env.client.get(f"/api/v1/loyalty/photos/{photo}{tail}", headers=h)

    return call


def _loyalty_photo_decide(action: str) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        photo = _loyalty_photo(env)
        return env.client.post(
            f"/api/v1/loyalty/photos/{photo}/{action}", json={"reason": "matrix"}, headers=h
        )

    return call


# ------------------------------------------------- recruiting, suggestions, surveys, contests


def _admin_do(env: ApiEnv, work: Callable[..., int]) -> int:
    """``work(session, admin, programme)`` in the matrix's programme, committed: an id."""
    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for

    programme = _loyalty(env)
    with transaction(factory_for(env.settings)) as s:
        return work(s, s.get_one(User, env.users["admin"]), programme)


def _suggestion(env: ApiEnv) -> int:
    """A fresh suggestion of retailer_staff's, waiting for a decision (the earlier ones are
    set aside: a seller has at most 20 waiting)."""
    from sqlalchemy import update

    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for
    from loyalty import suggestions
    from loyalty.engagement_models import Suggestion
    from marketplace.dates import utc_now

    programme = _loyalty(env)
    with transaction(factory_for(env.settings)) as s:
        s.execute(
            update(Suggestion).where(Suggestion.status == "submitted").values(status="declined")
        )
        return suggestions.submit(
            s,
            s.get_one(User, env.users["retailer_staff"]),
            programme,
            title=f"Idé {uuid.uuid4().hex[:8]}",
            text="Fler storlekar",
            now=utc_now(),
        ).id


def _survey(env: ApiEnv, *, open_it: bool) -> int:
    from loyalty import surveys
    from marketplace.dates import utc_now

    def work(s: object, admin: object, programme: int) -> int:
        survey = surveys.create_survey(
            s,  # type: ignore[arg-type]
            admin,  # type: ignore[arg-type]
            programme,
            title="Enkät",
            questions=[{"kind": "scale", "text": "Nöjd?"}],
            points=5,
            now=utc_now(),
        )
        if open_it:
            surveys.set_status(s, admin, survey.id, to="open", now=utc_now())  # type: ignore[arg-type]
        return survey.id

    return _admin_do(env, work)


def _contest(env: ApiEnv, *, ended: bool = False) -> int:
    from loyalty import contests
    from marketplace.dates import utc_now

    def work(s: object, admin: object, programme: int) -> int:
        now = utc_now()
        contest = contests.create_contest(
            s,  # type: ignore[arg-type]
            admin,  # type: ignore[arg-type]
            programme,
            name="Race",
            metric="sale_points",
            audience="sellers",
            starts_at=now - timedelta(days=2),
            ends_at=now + timedelta(days=1),
            prizes=[100],
            now=now,
        )
        if ended:
            contest.ends_at = now - timedelta(hours=1)
        return contest.id

    return _admin_do(env, work)


def _post_json(path: Callable[[ApiEnv], str], body: dict[str, object] | None = None) -> Call:
    def call(env: ApiEnv, h: dict[str, str]) -> Response:
        return env.client.post(f"/api/v1/loyalty{path(env)}", json=body, headers=h)

    return call


def _suggest(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    _suggestion(env)  # and the waiting ones set aside
    body = {"title": f"Idé {uuid.uuid4().hex[:8]}", "text": "Fler storlekar"}
    return env.client.post(
        f"/api/v1/loyalty/programmes/{programme}/suggestions", json=body, headers=h
    )


def _engagement_put(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    body = {"referral_points": 400, "suggestion_points": {"small": 1, "medium": 2, "large": 3}}
    return env.client.put(
        f"/api/v1/loyalty/programmes/{programme}/engagement-settings", json=body, headers=h
    )


def _survey_create(env: ApiEnv, h: dict[str, str]) -> Response:
    programme = _loyalty(env)
    body = {
        "title": "Enkät",
        "questions": [
            {"kind": "single", "text": "Bäst?", "choices": ["A", "B"]},
            {"kind": "text", "text": "Mer?"},
        ],
        "points": 5,
    }
    return env.client.post(f"/api/v1/loyalty/programmes/{programme}/surveys", json=body, headers=h)


def _contest_create(env: ApiEnv, h: dict[str, str]) -> Response:
    from marketplace.dates import utc_now

    programme = _loyalty(env)
    now = utc_now()
    body = {
        "name": "Race",
        "metric": "sales_amount",
        "audience": "stores",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat(),
        "prizes": [300, 100],
    }
    return env.client.post(f"/api/v1/loyalty/programmes/{programme}/contests", json=body, headers=h)


# a retailer organisation outside the programme: not found; the representative does not
# take part (suggestions and survey answers are a participating seller's)
for _name in ("loyalty_referral_link", "loyalty_surveys", "loyalty_contests", "loyalty_standings"):
    HIDDEN[_name] = RETAILERS - RETAILER_A
for _name in ("loyalty_suggest", "loyalty_my_suggestions", "loyalty_survey_answer"):
    HIDDEN[_name] = RETAILERS - {"retailer_staff"}


def _loyalty_quiz_update(env: ApiEnv, h: dict[str, str]) -> Response:
    """Reword a fresh quiz nobody attempted."""
    quiz = _loyalty_quiz(env)
    body = {
        "title": "Handskar 102",
        "questions": _QUIZ_QUESTIONS,
        "pass_mark": 1,
        "max_attempts": 1,
        "points": 10,
        "active": True,
    }
    return env.client.put(f"/api/v1/loyalty/quizzes/{quiz}", json=body, headers=h)


def _loyalty_campaign_update(env: ApiEnv, h: dict[str, str]) -> Response:
    """Rename a fresh campaign of the programme that starts tomorrow."""
    from catalog.db import transaction
    from catalog.models import User
    from indexer.jobs import factory_for
    from loyalty import campaigns
    from marketplace.dates import utc_now

    programme = _loyalty(env)
    now = utc_now()
    starts, ends = now + timedelta(days=1), now + timedelta(days=8)
    with transaction(factory_for(env.settings)) as s:
        campaign = campaigns.create_campaign(
            s,
            s.get_one(User, env.users["admin"]),
            programme,
            name="Handskveckan",
            multiplier="2",
            target_kind="category",
            target_value="Handskar",
            starts_at=starts,
            ends_at=ends,
            now=now,
        ).id
    body = {
        "name": "Handskveckan 2",
        "multiplier": "2",
        "target_kind": "category",
        "target_value": "Handskar",
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
    }
    return env.client.put(f"/api/v1/loyalty/campaigns/{campaign}", json=body, headers=h)


# loyalty management (``loyalty.access``): admins and the representative of the sponsor that
# runs the programme; sponsor B's representative is told A's programme (and what is in it)
# does not exist; sponsor A's staff, retailers, clinics and merchandisers are refused (403)
MANAGES = ADMIN | {"sponsor"}
# a member of a retailer organisation that is not a member of the programme: not found
for _name in (
    "loyalty_campaigns",
    "loyalty_quizzes",
    "loyalty_leaderboard",
    "loyalty_awards",
    "loyalty_photo_activities",
):
    HIDDEN[_name] = RETAILERS - RETAILER_A
# the representative does not take part; organisation B is no member
HIDDEN["loyalty_photo_upload"] = RETAILERS - {"retailer_staff"}
# a photo is seen by the seller who took it and its programme's managers (admins, the
# sponsor's representative); to everyone else (the sponsor's staff too) it does not exist
for _name in ("loyalty_photo", "loyalty_photo_image"):
    HIDDEN[_name] = LOGGED_IN - {"retailer_staff"} - MANAGES
# the representative does not take part (never accepted participant terms)
HIDDEN["loyalty_quiz_attempt"] = RETAILERS - {"retailer_staff"}


ORG_MEMBERS = CLINICS | RETAILERS | SPONSORS  # every member of an organisation (all read)


_MATCH_SKUS = itertools.count(1)


def _match_decision(env: ApiEnv, h: dict[str, str]) -> Response:
    """Accept a fresh candidate of a fresh unmatched offer (each call its own)."""
    from tests.unit.api.test_api_match_review import queue_offer

    n = next(_MATCH_SKUS)
    ids = queue_offer(env, f"M-{n}", "Munspegel matris", [("mirror", 0.8)])
    body = {"action": "accept", "candidate_id": ids["mirror"]}
    return env.client.post("/api/v1/admin/match-decisions", json=body, headers=h)


ENDPOINTS: list[tuple[str, Call, set[str | None], int]] = [
    ("search", lambda e, h: e.client.get("/api/v1/search?q=handske", headers=h), PUBLIC, 200),
    ("suggest", lambda e, h: e.client.get("/api/v1/suggest?q=nit", headers=h), PUBLIC, 200),
    (
        "product",
        lambda e, h: e.client.get(f"/api/v1/products/{e.products['glove']}", headers=h),
        PUBLIC,
        200,
    ),
    (
        "compare",
        lambda e, h: e.client.get(
            f"/api/v1/compare?ids={e.products['glove']},{e.products['mirror']}", headers=h
        ),
        PUBLIC,
        200,
    ),
    (
        "price_history",
        lambda e, h: e.client.get(
            f"/api/v1/products/{e.products['glove']}/price-history?days=30&retailer=tandab",
            headers=h,
        ),
        PUBLIC,
        200,
    ),
    ("watches", lambda e, h: e.client.get("/api/v1/watches", headers=h), CLINICS, 200),
    (
        "watch_put",
        lambda e, h: e.client.put(
            f"/api/v1/products/{e.products['glove']}/watch",
            json={"target_price": "50.00", "back_in_stock": True},
            headers=h,
        ),
        CLINICS,
        200,
    ),
    (
        "watch_delete",
        lambda e, h: e.client.delete(f"/api/v1/products/{e.products['glove']}/watch", headers=h),
        CLINICS,
        204,
    ),
    ("retailers", lambda e, h: e.client.get("/api/v1/retailers", headers=h), PUBLIC, 200),
    ("retailer", lambda e, h: e.client.get("/api/v1/retailers/tandab", headers=h), PUBLIC, 200),
    ("feed_template", lambda e, h: e.client.get("/api/v1/feed-template", headers=h), PUBLIC, 200),
    (
        "feed_template_csv",
        lambda e, h: e.client.get("/api/v1/feed-template.csv", headers=h),
        PUBLIC,
        200,
    ),
    (
        "feed_template_xlsx",
        lambda e, h: e.client.get("/api/v1/feed-template.xlsx", headers=h),
        PUBLIC,
        200,
    ),
    ("feed_dry_run", lambda e, h: _upload(e, h, True), FEEDS, 200),
    ("feed_upload", lambda e, h: _upload(e, h, False), FEEDS, 202),
    (
        "feed_run",
        lambda e, h: e.client.get(f"/api/v1/feeds/{e.offers['run']}", headers=h),
        FEEDS,
        200,
    ),
    (
        "feed_errors_csv",
        lambda e, h: e.client.get(f"/api/v1/feeds/{e.offers['run']}/errors.csv", headers=h),
        FEEDS,
        200,
    ),
    (
        "feed_history",
        lambda e, h: e.client.get("/api/v1/retailers/tandab/feeds", headers=h),
        FEEDS,
        200,
    ),
    (
        "ranking_configs",
        lambda e, h: e.client.get("/api/v1/ranking/configs", headers=h),
        STAFF,
        200,
    ),
    (
        "ranking_config",
        lambda e, h: e.client.get("/api/v1/ranking/configs/default", headers=h),
        STAFF,
        200,
    ),
    (
        "ranking_draft",
        lambda e, h: e.client.post(
            "/api/v1/ranking/configs/rolecheck/drafts", json={"config": {}}, headers=h
        ),
        STAFF,
        201,
    ),
    ("ranking_publish", _publish, STAFF, 200),
    ("ranking_rollback", _rollback, STAFF, 200),
    (
        "ranking_history",
        lambda e, h: e.client.get("/api/v1/ranking/configs/rolecheck/history", headers=h),
        STAFF,
        200,
    ),
    (
        "ranking_preview",
        lambda e, h: e.client.post(
            "/api/v1/ranking/preview",
            json={"queries": ["handske"], "config_a": "default", "config_b": "price_first"},
            headers=h,
        ),
        STAFF,
        200,
    ),
    ("synonyms", lambda e, h: e.client.get("/api/v1/synonyms", headers=h), STAFF, 200),
    (
        "synonym_draft",
        lambda e, h: e.client.post(
            "/api/v1/synonyms/drafts", json={"rules": "anestesi, bedövning"}, headers=h
        ),
        STAFF,
        201,
    ),
    ("synonym_publish", _synonym_publish, STAFF, 200),
    ("synonym_rollback", _synonym_rollback, STAFF, 200),
    (
        "synonym_history",
        lambda e, h: e.client.get("/api/v1/synonyms/history", headers=h),
        STAFF,
        200,
    ),
    (
        "synonym_preview",
        lambda e, h: e.client.post(
            "/api/v1/synonyms/preview",
            json={"rules": "vante => handske", "queries": ["vante"]},
            headers=h,
        ),
        STAFF,
        200,
    ),
    (
        "search_report",
        lambda e, h: e.client.get("/api/v1/search-report?kind=zero&period=7d", headers=h),
        STAFF,
        200,
    ),
    ("me", lambda e, h: e.client.get("/api/v1/auth/me", headers=h), LOGGED_IN, 200),
    (
        "api_key",
        lambda e, h: e.client.post("/api/v1/auth/api-keys", json={"name": "k"}, headers=h),
        LOGGED_IN,
        201,
    ),
    ("logout", lambda e, h: e.client.post("/api/v1/auth/logout", headers=h), PUBLIC, 204),
    (
        "password_link",
        lambda e, h: e.client.post(
            # an address per call: the per-address limit is not what this row checks
            "/api/v1/auth/password-link",
            json={"email": f"nobody-{uuid.uuid4().hex[:8]}@example.se"},
            headers=h,
        ),
        PUBLIC,
        202,
    ),
    ("feed_run_cancel", _cancel_queued, RETAILER_A | ADMIN, 202),
    ("me_password", _new_password, LOGGED_IN, 204),
    (
        "admin_sign_in_locks",
        lambda e, h: e.client.get("/api/v1/admin/sign-in-locks", headers=h),
        ADMIN,
        200,
    ),
    (
        "admin_unlock",
        lambda e, h: e.client.post(
            "/api/v1/admin/sign-in-locks/unlock", json={"email": "nobody@example.com"}, headers=h
        ),
        ADMIN,
        200,
    ),
    ("review_write", _write_review, CLINICS, 201),
    ("review_report", _report, LOGGED_IN, 201),
    (
        "admin_review_reports",
        lambda e, h: e.client.get("/api/v1/admin/review-reports?state=open", headers=h),
        ADMIN,
        200,
    ),
    (
        "admin_review_reports_resolved",
        lambda e, h: e.client.get("/api/v1/admin/review-reports?state=resolved", headers=h),
        ADMIN,
        200,
    ),
    ("admin_review_report_resolve", _resolve, ADMIN, 200),
    (
        "admin_reviews_held",
        lambda e, h: e.client.get("/api/v1/admin/reviews/held", headers=h),
        ADMIN,
        200,
    ),
    ("admin_review_moderate", _moderate, ADMIN, 200),
    (
        "admin_organisations",
        lambda e, h: e.client.get("/api/v1/admin/organisations?q=matris", headers=h),
        ADMIN,
        200,
    ),
    (
        "admin_organisation",
        lambda e, h: e.client.get(
            f"/api/v1/admin/organisations/{_new_org(e, 'active')}", headers=h
        ),
        ADMIN,
        200,
    ),
    (
        "admin_organisation_edit",
        lambda e, h: e.client.patch(
            f"/api/v1/admin/organisations/{_new_org(e, 'active')}",
            json={"city": "Luleå"},
            headers=h,
        ),
        ADMIN,
        200,
    ),
    ("admin_organisation_approve", _org_action("approve", "pending"), ADMIN, 200),
    (
        "admin_organisation_refuse",
        _org_action("refuse", "pending", {"reason": "Matris"}),
        ADMIN,
        200,
    ),
    (
        "admin_organisation_suspend",
        _org_action("suspend", "active", {"reason": "Matris"}),
        ADMIN,
        200,
    ),
    ("admin_organisation_reactivate", _org_action("reactivate", "suspended"), ADMIN, 200),
    (
        "admin_users",
        lambda e, h: e.client.get("/api/v1/admin/users?q=example", headers=h),
        ADMIN,
        200,
    ),
    (
        "admin_user",
        lambda e, h: e.client.get(f"/api/v1/admin/users/{_new_user(e)}", headers=h),
        ADMIN,
        200,
    ),
    (
        "admin_user_roles",
        _user_action("roles", True, {"role": "merchandiser"}),
        ADMIN,
        200,
    ),
    ("admin_user_suspend", _user_action("suspend", True, {"reason": "Matris"}), ADMIN, 200),
    ("admin_user_reactivate", _user_action("reactivate", False), ADMIN, 200),
    ("admin_user_reset_sign_in", _user_action("reset-sign-in", True), ADMIN, 200),
    (
        "admin_audit_log",
        lambda e, h: e.client.get("/api/v1/admin/audit-log?target_kind=user", headers=h),
        ADMIN,
        200,
    ),
    # ---- the marketplace, with things of organisation A (clinic A's order at tandab)
    (
        "reviews",
        lambda e, h: e.client.get(
            f"/api/v1/reviews?target_type=retailer&target_id={e.retailers['tandab']}", headers=h
        ),
        PUBLIC,
        200,
    ),
    (
        "reviews_held",
        lambda e, h: e.client.get("/api/v1/retailers/tandab/reviews/held", headers=h),
        RETAILER_A | ADMIN,
        200,
    ),
    ("review_response", _respond, RETAILER_A, 200),
    ("cart", lambda e, h: e.client.get("/api/v1/cart", headers=h), CLINICS, 200),
    ("cart_add", _add_to_cart, CLINICS, 201),
    ("cart_remove", _remove_cart_item, {"clinic"}, 204),
    ("checkout", _checkout, CLINICS, 201),
    ("orders", lambda e, h: e.client.get("/api/v1/orders", headers=h), LOGGED_IN, 200),
    ("order", _read_order, ORDER_A, 200),
    ("order_confirmation_csv", _order_document("csv"), ORDER_A, 200),
    ("order_confirmation_pdf", _order_document("pdf"), ORDER_A, 200),
    ("order_confirm", _confirm, RETAILER_A | ADMIN, 200),
    ("order_ship", _order_call("ship", "confirmed"), RETAILER_A | ADMIN, 200),
    ("order_deliver", _order_call("deliver", "shipped"), {"clinic"}, 200),
    ("order_cancel", _order_call("cancel", "placed", {"reason": "other"}), ORDER_A, 200),
    ("order_reorder", _order_call("reorder", "delivered"), {"clinic"}, 200),
    ("buyer_order", _read_buyer_order, BUYER_ORDER, 200),
    (
        "buyer_order_deliver",
        _order_call("deliver", "shipped", buyer="clinic_buyer"),
        CLINIC_A,
        200,
    ),
    (
        "buyer_order_cancel",
        _order_call("cancel", "placed", {"reason": "other"}, buyer="clinic_buyer"),
        BUYER_ORDER,
        200,
    ),
    ("rma_request", _rma_request, {"clinic"}, 201),
    ("rmas", lambda e, h: e.client.get("/api/v1/rma", headers=h), LOGGED_IN, 200),
    (
        "rma_decision",
        _rma_call("decision", "requested", {"accept": True}),
        RETAILER_A | ADMIN,
        200,
    ),
    (
        "rma_resolve",
        _rma_call("resolve", "accepted", {"outcome": "refund"}),
        RETAILER_A | ADMIN,
        200,
    ),
    ("campaigns", lambda e, h: e.client.get("/api/v1/campaigns", headers=h), PUBLIC, 200),
    ("campaign_create", _campaign, RETAILER_A | ADMIN, 201),
    (
        "retailer_stats",
        lambda e, h: e.client.get("/api/v1/retailers/tandab/stats", headers=h),
        RETAILER_A | ADMIN,
        200,
    ),
    ("me_data", lambda e, h: e.client.get("/api/v1/me/data", headers=h), LOGGED_IN, 200),
    ("me_delete", _delete_me, LOGGED_IN, 204),
    ("api_keys", lambda e, h: e.client.get("/api/v1/auth/api-keys", headers=h), LOGGED_IN, 200),
    ("api_key_revoke", _revoke_key, LOGGED_IN, 200),
    (
        "me_notifications",
        lambda e, h: e.client.get("/api/v1/me/notifications", headers=h),
        LOGGED_IN,
        200,
    ),
    (
        "me_notifications_read",
        lambda e, h: e.client.post("/api/v1/me/notifications/read", headers=h),
        LOGGED_IN,
        200,
    ),
    ("me_notification_read", _read_one, LOGGED_IN, 200),
    (
        "me_notification_preferences",
        lambda e, h: e.client.get("/api/v1/me/notification-preferences", headers=h),
        LOGGED_IN,
        200,
    ),
    (
        "me_notification_preferences_put",
        lambda e, h: e.client.put(
            "/api/v1/me/notification-preferences", json={"lang": "en"}, headers=h
        ),
        LOGGED_IN,
        200,
    ),
    *_hook_rows("org_", HOOKS_PATH),
    *_hook_rows("old_org_", OLD_HOOKS_PATH),
    *_feed_url_rows(),
    (  # tandab's offer: another retailer is told it does not exist
        "offer_patch",
        lambda e, h: e.client.patch("/api/v1/offers/T-1", json={"stock": "I lager"}, headers=h),
        RETAILER_A,
        200,
    ),
    (
        "offer_batch",
        lambda e, h: e.client.patch(
            "/api/v1/offers", json={"items": [{"sku": "T-1", "stock": "I lager"}]}, headers=h
        ),
        RETAILERS,
        200,
    ),
    ("loyalty_me", _loyalty_get("/me"), RETAILERS, 200),
    ("loyalty_me_entries", _loyalty_get("/me/entries"), RETAILERS, 200),
    # loyalty is for retailers (representatives and sellers) and admins: clinics get 403
    ("loyalty_programmes", _loyalty_get("/programmes"), RETAILERS | ADMIN | SPONSORS, 200),
    # a sponsor's representative (B's too) starts a programme of its own organisation
    ("loyalty_programme_create", _loyalty_create, MANAGES | {"sponsor_other"}, 201),
    ("loyalty_membership", _loyalty_join, {"retailer_own", "retailer_other"}, 200),
    (
        "loyalty_participants",
        _loyalty_get("/programmes/{programme}/participants"),
        {"retailer_own"},
        200,
    ),
    ("loyalty_invite", _loyalty_invite, {"retailer_own"}, 201),
    ("loyalty_participation", _loyalty_participate, {"retailer_staff"}, 200),
    (
        "loyalty_campaigns",
        _loyalty_get("/programmes/{programme}/campaigns"),
        RETAILER_A | MANAGES,
        200,
    ),
    ("loyalty_campaign_create", _loyalty_campaign_create, MANAGES, 201),
    ("loyalty_campaign_update", _loyalty_campaign_update, MANAGES, 200),
    (
        "loyalty_quizzes",
        _loyalty_get("/programmes/{programme}/quizzes"),
        RETAILER_A | MANAGES,
        200,
    ),
    ("loyalty_quiz_create", _loyalty_quiz_create, MANAGES, 201),
    ("loyalty_quiz_update", _loyalty_quiz_update, MANAGES, 200),
    # a draft from catalogue data changes nothing: any sponsor member may ask for one
    ("loyalty_quiz_draft", _loyalty_get("/quiz-draft"), ADMIN | SPONSORS, 200),
    ("loyalty_quiz_attempt", _loyalty_attempt, {"retailer_staff"}, 201),
    (
        "loyalty_leaderboard",
        _loyalty_get("/programmes/{programme}/leaderboards/sellers?period=all"),
        RETAILER_A | MANAGES,
        200,
    ),
    ("loyalty_awards", _loyalty_get("/programmes/{programme}/awards"), RETAILER_A | MANAGES, 200),
    ("loyalty_settings", _loyalty_settings, MANAGES, 200),
    ("loyalty_limits", _loyalty_get("/programmes/{programme}/limits"), MANAGES, 200),
    ("loyalty_limits_put", _loyalty_put_limits, MANAGES, 200),
    ("loyalty_held", _loyalty_get("/programmes/{programme}/held-credits"), MANAGES, 200),
    ("loyalty_held_approve", _loyalty_decide("approve"), MANAGES, 200),
    ("loyalty_held_reject", _loyalty_decide("reject"), MANAGES, 200),
    ("loyalty_clawback", _loyalty_clawback, MANAGES, 201),
    (
        "loyalty_referral_link",
        _loyalty_get("/programmes/{programme}/referral-link"),
        RETAILER_A,
        200,
    ),
    (
        "loyalty_engagement_settings",
        _loyalty_get("/programmes/{programme}/engagement-settings"),
        MANAGES,
        200,
    ),
    ("loyalty_engagement_settings_put", _engagement_put, MANAGES, 200),
    ("loyalty_suggest", _suggest, {"retailer_staff"}, 201),
    (
        "loyalty_my_suggestions",
        _loyalty_get("/programmes/{programme}/my-suggestions"),
        {"retailer_staff"},
        200,
    ),
    (
        "loyalty_suggestion_queue",
        _loyalty_get("/programmes/{programme}/suggestions"),
        MANAGES,
        200,
    ),
    (
        "loyalty_suggestion_accept",
        _post_json(lambda e: f"/suggestions/{_suggestion(e)}/accept", {"grade": "small"}),
        MANAGES,
        200,
    ),
    (
        "loyalty_suggestion_decline",
        _post_json(lambda e: f"/suggestions/{_suggestion(e)}/decline", {"reason": "Finns"}),
        MANAGES,
        200,
    ),
    ("loyalty_survey_create", _survey_create, MANAGES, 201),
    (
        "loyalty_surveys",
        _loyalty_get("/programmes/{programme}/surveys"),
        RETAILER_A | MANAGES,
        200,
    ),
    (
        "loyalty_survey_open",
        _post_json(lambda e: f"/surveys/{_survey(e, open_it=False)}/open"),
        MANAGES,
        200,
    ),
    (
        "loyalty_survey_close",
        _post_json(lambda e: f"/surveys/{_survey(e, open_it=True)}/close"),
        MANAGES,
        200,
    ),
    (
        "loyalty_survey_answer",
        _post_json(lambda e: f"/surveys/{_survey(e, open_it=True)}/responses", {"answers": [4]}),
        {"retailer_staff"},
        201,
    ),
    (
        "loyalty_survey_results",
        lambda e, h: e.client.get(
            f"/api/v1/loyalty/surveys/{_survey(e, open_it=True)}/results", headers=h
        ),
        MANAGES,
        200,
    ),
    ("loyalty_contest_create", _contest_create, MANAGES, 201),
    (
        "loyalty_contests",
        _loyalty_get("/programmes/{programme}/contests"),
        RETAILER_A | MANAGES,
        200,
    ),
    (
        "loyalty_standings",
        lambda e, h: e.client.get(f"/api/v1/loyalty/contests/{_contest(e)}/standings", headers=h),
        RETAILER_A | MANAGES,
        200,
    ),
    (
        "loyalty_contest_close",
        _post_json(lambda e: f"/contests/{_contest(e, ended=True)}/close"),
        MANAGES,
        200,
    ),
    (
        "loyalty_month_close",
        _post_json(lambda e: f"/programmes/{_loyalty(e)}/month-close"),
        MANAGES,
        200,
    ),
    (
        "loyalty_photo_activities",
        _loyalty_get("/programmes/{programme}/photo-activities"),
        RETAILER_A | MANAGES,
        200,
    ),
    ("loyalty_photo_activity_create", _loyalty_photo_activity_create, MANAGES, 201),
    ("loyalty_photo_upload", _loyalty_photo_upload, {"retailer_staff"}, 201),
    ("loyalty_my_photos", _loyalty_get("/me/photos"), RETAILERS, 200),
    ("loyalty_photo_queue", _loyalty_get("/programmes/{programme}/photos"), MANAGES, 200),
    ("loyalty_photo", _loyalty_photo_get(""), {"retailer_staff"} | MANAGES, 200),
    ("loyalty_photo_image", _loyalty_photo_get("/image"), {"retailer_staff"} | MANAGES, 200),
    ("loyalty_photo_approve", _loyalty_photo_decide("approve"), MANAGES, 200),
    ("loyalty_photo_reject", _loyalty_photo_decide("reject"), MANAGES, 200),
    ("loyalty_rewards", _shop_get("/programmes/{programme}/rewards"), RETAILER_A | MANAGES, 200),
    ("loyalty_reward", _shop_reward_get, RETAILER_A | MANAGES, 200),
    ("loyalty_reward_create", _shop_reward_create, MANAGES, 201),
    ("loyalty_reward_update", _shop_reward_update, MANAGES, 200),
    ("loyalty_basket", _shop_get("/programmes/{programme}/basket"), RETAILER_A, 200),
    ("loyalty_basket_put", _shop_basket_put, RETAILER_A, 200),
    ("loyalty_redeem", _shop_redeem, {"retailer_own"}, 201),  # the entity redeems
    ("loyalty_my_redemptions", _shop_get("/me/redemptions"), RETAILERS, 200),
    # the representative placed it: their seller and organisation B are told it is not there
    ("loyalty_redemption", _shop_redemption_get, {"retailer_own"} | MANAGES, 200),
    ("loyalty_policy", _shop_get("/programmes/{programme}/policy"), RETAILER_A, 200),
    ("loyalty_policy_put", _shop_policy_put, {"retailer_own"}, 200),
    (
        "loyalty_redemption_queue",
        _shop_get("/programmes/{programme}/redemptions"),
        MANAGES,
        200,
    ),
    ("loyalty_fulfil", _shop_act("fulfil"), MANAGES, 200),
    ("loyalty_cancel", _shop_act("cancel"), MANAGES, 200),
    ("loyalty_liability", _shop_get("/programmes/{programme}/liability"), MANAGES, 200),
    ("loyalty_report", _loyalty_get("/programmes/{programme}/report"), MANAGES, 200),
    (
        "loyalty_report_csv",
        _loyalty_get("/programmes/{programme}/report/campaigns.csv?lang=en"),
        MANAGES,
        200,
    ),
    (
        "loyalty_statement",
        _shop_get("/programmes/{programme}/statements/2026.csv"),
        {"retailer_own"} | MANAGES,
        200,
    ),
    (
        "loyalty_expiry_run",
        lambda e, h: e.client.post("/api/v1/loyalty/expiry/run", headers=h),
        ADMIN,
        200,
    ),
    ("signup", _signup, PUBLIC, 202),
    ("signup_confirm", _confirm_signup, PUBLIC, 200),
    ("invitation_accept", _accept, PUBLIC, 201),
    (
        "org_members",
        lambda e, h: e.client.get("/api/v1/organisation/members", headers=h),
        ORG_MEMBERS,
        200,
    ),
    (
        "org_member_role",
        lambda e, h: e.client.patch(
            f"/api/v1/organisation/members/{_fresh_member(e, h)}",
            json={"org_role": _org_role_of(e, h)},
            headers=h,
        ),
        MANAGERS,
        200,
    ),
    (
        "org_member_remove",
        lambda e, h: e.client.delete(
            f"/api/v1/organisation/members/{_fresh_member(e, h)}", headers=h
        ),
        MANAGERS,
        204,
    ),
    (
        "org_invitations",
        lambda e, h: e.client.get("/api/v1/organisation/invitations", headers=h),
        MANAGERS,
        200,
    ),
    (
        "org_invite",
        _invite,
        MANAGERS,
        201,
    ),
    (
        "org_invitation_revoke",
        _revoke_invitation,
        MANAGERS,
        204,
    ),
    (
        "admin_match_queue",
        lambda e, h: e.client.get("/api/v1/admin/match-queue?retailer=tandab", headers=h),
        ADMIN,
        200,
    ),
    ("admin_match_decision", _match_decision, ADMIN, 201),
    (
        "admin_match_bulk_preview",
        lambda e, h: e.client.post(
            "/api/v1/admin/match-decisions/bulk",
            json={"retailer": "tandab", "min_score": 0.99},
            headers=h,
        ),
        ADMIN,
        200,
    ),
    (
        "admin_match_bulk_accept",
        lambda e, h: e.client.post(
            "/api/v1/admin/match-decisions/bulk",
            json={"retailer": "dentalnord", "min_score": 0.99, "expected": 0},
            headers=h,
        ),
        ADMIN,
        200,
    ),
    (
        "admin_feed_runs",
        lambda e, h: e.client.get("/api/v1/admin/feed-runs?retailer=tandab", headers=h),
        ADMIN,
        200,
    ),
    ("admin_queues", lambda e, h: e.client.get("/api/v1/admin/queues", headers=h), ADMIN, 200),
    (
        "admin_match_pairs",
        lambda e, h: e.client.get("/api/v1/admin/match-decisions", headers=h),
        ADMIN,
        200,
    ),
    (
        "admin_match_pairs_csv",
        lambda e, h: e.client.get("/api/v1/admin/match-decisions?format=csv", headers=h),
        ADMIN,
        200,
    ),
    (
        "admin_match_products",
        lambda e, h: e.client.get("/api/v1/admin/match-queue/products?q=handske", headers=h),
        ADMIN,
        200,
    ),
    ("healthz", lambda e, h: e.client.get("/healthz", headers=h), PUBLIC, 200),
    ("readyz", lambda e, h: e.client.get("/readyz", headers=h), PUBLIC, 200),
    ("metrics", lambda e, h: e.client.get("/metrics", headers=h), PUBLIC, 200),
]


# who cannot see the thing of organisation A a call names is told it does not exist
HIDDEN.update(
    {
        name: _hidden_from_all_but(ORDER_A)
        for name in (
            "order",
            "order_confirmation_csv",
            "order_confirmation_pdf",
            "order_confirm",
            "order_ship",
            "order_deliver",
            "order_cancel",
            "order_reorder",
            "rma_request",
            "rma_decision",
            "rma_resolve",
        )
    }
)
HIDDEN["cart_remove"] = CLINICS - {"clinic"}  # another clinic user's cart item
HIDDEN["offer_patch"] = {"retailer_other"}  # tandab's SKU: not dentalnord's
# loyalty: organisation B is not a member of A's programme; A's representative is not invited
HIDDEN["loyalty_participants"] = {"retailer_other"}
HIDDEN["loyalty_invite"] = {"retailer_other"}
HIDDEN["loyalty_participation"] = {"retailer_own", "retailer_other"}
HIDDEN["loyalty_redemption"] = {"retailer_staff", "retailer_other"}
for _name in (
    "loyalty_reward",
    "loyalty_rewards",
    "loyalty_basket",
    "loyalty_basket_put",
    "loyalty_redeem",
    "loyalty_policy",
    "loyalty_policy_put",
    "loyalty_statement",
):
    HIDDEN[_name] = {"retailer_other"}  # organisation B is no member of the programme
for _name in ("buyer_order", "buyer_order_deliver", "buyer_order_cancel"):
    HIDDEN[_name] = _hidden_from_all_but(BUYER_ORDER)
# tandab's feed runs: another retailer is told they do not exist (clinics are refused the
# feed routes by role, before any run is looked up)
for _name in ("feed_run", "feed_errors_csv", "feed_run_cancel"):
    HIDDEN[_name] = RETAILERS - RETAILER_A
# a held review is seen by its retailer's staff and admins only
HIDDEN["review_response"] = _hidden_from_all_but(RETAILER_A | ADMIN)


LOYALTY_MANAGED = (
    "loyalty_campaigns",
    "loyalty_campaign_create",
    "loyalty_campaign_update",
    "loyalty_quizzes",
    "loyalty_quiz_create",
    "loyalty_quiz_update",
    "loyalty_leaderboard",
    "loyalty_awards",
    "loyalty_settings",
    "loyalty_limits",
    "loyalty_limits_put",
    "loyalty_held",
    "loyalty_held_approve",
    "loyalty_held_reject",
    "loyalty_clawback",
    "loyalty_rewards",
    "loyalty_reward",
    "loyalty_reward_create",
    "loyalty_reward_update",
    "loyalty_redemption",
    "loyalty_redemption_queue",
    "loyalty_fulfil",
    "loyalty_cancel",
    "loyalty_liability",
    "loyalty_statement",
    "loyalty_engagement_settings",
    "loyalty_engagement_settings_put",
    "loyalty_suggestion_queue",
    "loyalty_suggestion_accept",
    "loyalty_suggestion_decline",
    "loyalty_survey_create",
    "loyalty_surveys",
    "loyalty_survey_open",
    "loyalty_survey_close",
    "loyalty_survey_results",
    "loyalty_contest_create",
    "loyalty_contests",
    "loyalty_standings",
    "loyalty_contest_close",
    "loyalty_month_close",
    "loyalty_photo_activities",
    "loyalty_photo_activity_create",
    "loyalty_photo_queue",
    "loyalty_photo",
    "loyalty_photo_image",
    "loyalty_photo_approve",
    "loyalty_photo_reject",
    "loyalty_report",
    "loyalty_report_csv",
)
# sponsor B's representative: sponsor A's programme and its things do not exist
for _name in LOYALTY_MANAGED:
    HIDDEN[_name] = HIDDEN.get(_name, set()) | {"sponsor_other"}


def expected_status(name: str, role: str | None, allowed: set[str | None], ok: int) -> int:
    if role == "revoked" and name in KEYLESS:
        role = None  # a route that reads no key answers a revoked one as anyone
    if role in allowed:
        return ok
    if role is None or role == "revoked":
        return 401
    return 404 if role in HIDDEN.get(name, set()) else 403


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("name,call,allowed,ok", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_role_matrix(
    env: ApiEnv, role: str | None, name: str, call: Call, allowed: set[str | None], ok: int
) -> None:
    r = call(env, env.headers(role))
    expected = expected_status(name, role, allowed, ok)
    assert r.status_code == expected, f"{name} as {role}: {r.status_code} {r.text}"
    if expected >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", sorted(LOGGED_IN))
def test_lists_show_another_organisations_orders_and_rmas_to_nobody(env: ApiEnv, role: str) -> None:
    """The order and RMA lists (and the cart) of each role: clinic A's manager's order at
    tandab is in them for its clinic user, tandab's members and admins only; its buyer's for
    clinic A's manager too."""
    order_id, _line = _order(env)
    buyer_order, _line = _order(env, buyer="clinic_buyer")
    rma_id = _rma(env)
    item_id = _cart_item(env)
    h = env.headers(role)
    orders = env.client.get("/api/v1/orders", params={"limit": 100}, headers=h)
    rmas = env.client.get("/api/v1/rma", params={"limit": 100}, headers=h)
    assert orders.status_code == rmas.status_code == 200
    sees = role in ORDER_A
    listed = {o["id"] for o in orders.json()["data"]}
    assert (order_id in listed) is sees, role
    # clinic A's buyer's order: in its manager's list too (the organisation's orders)
    assert (buyer_order in listed) is (role in BUYER_ORDER), role
    assert (rma_id in {c["id"] for c in rmas.json()["data"]}) is sees, role
    cart = env.client.get("/api/v1/cart", headers=h)
    if role in CLINICS:
        assert (item_id in {i["id"] for i in cart.json()["items"]}) is (role == "clinic")
    else:
        assert cart.status_code == 403


def _route_of(templates: dict[str, re.Pattern[str]], path: str) -> str | None:
    return next((name for name, pattern in templates.items() if pattern.fullmatch(path)), None)


def test_every_api_route_is_in_the_matrix(env: ApiEnv) -> None:
    """Each route of the OpenAPI schema is called by a row of ENDPOINTS (as anonymous here: the
    row's last request is the route it checks), or is named in NOT_IN_MATRIX. A new route
    fails this until its row says who may call it."""
    schema = env.app.openapi()["paths"]
    templates = {
        path: re.compile(re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(path))) for path in schema
    }
    routes = {(method.upper(), path) for path, ops in schema.items() for method in ops}
    routes |= {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}
    covered: set[tuple[str, str | None]] = set()
    for _name, call, _allowed, _ok in ENDPOINTS:
        request = call(env, env.headers(None)).request
        covered.add((request.method, _route_of(templates, request.url.path) or request.url.path))
    missing = sorted(routes - covered - set(NOT_IN_MATRIX))
    assert not missing, f"routes without a row in ENDPOINTS (or NOT_IN_MATRIX): {missing}"


UNAUTHENTICATED = {"healthz", "readyz", "metrics"}  # no key is read there


FEED_TEMPLATE = {"feed_template", "feed_template_csv", "feed_template_xlsx", "me"}


KEY_SCOPES: dict[str, set[str]] = {
    "search": {
        "search",
        "suggest",
        "product",
        "price_history",
        "compare",
        "retailers",
        "retailer",
        "reviews",
        "campaigns",
    }
    | FEED_TEMPLATE,
    "feeds": {
        "feed_dry_run",
        "feed_upload",
        "feed_run",
        "feed_errors_csv",
        "feed_history",
        "feed_run_cancel",
        "feed_urls",
        "feed_url_create",
        "feed_url",
        "feed_url_update",
        "feed_url_delete",
        "feed_url_fetches",
        "feed_url_fetch",
        "offer_patch",
        "offer_batch",
    }
    | FEED_TEMPLATE,
}


@pytest.mark.parametrize("scope", ["search", "feeds"])
@pytest.mark.parametrize("name,call,allowed,ok", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_key_scope_matrix(
    env: ApiEnv, scope: str, name: str, call: Call, allowed: set[str | None], ok: int
) -> None:
    """A retailer's narrow key (tandab) calls what its scope admits and its role allows; every
    other route answers 403."""
    r = call(env, env.headers(f"key_{scope}"))
    if name in UNAUTHENTICATED or (name in KEY_SCOPES[scope] and "retailer_own" in allowed):
        assert r.status_code == ok, f"{name} with a {scope} key: {r.status_code} {r.text}"
    else:
        assert r.status_code == 403, f"{name} with a {scope} key: {r.status_code} {r.text}"
        assert r.headers["content-type"].startswith("application/problem+json")


def test_another_organisations_things_are_not_found(env: ApiEnv) -> None:
    """Keys, webhooks, invitations and members of organisation A named by a manager of
    organisation B: 404, as an id never used (no existence leak), and nothing changes."""
    own, other = env.headers("retailer_own"), env.headers("retailer_other")
    key = env.client.post("/api/v1/auth/api-keys", json={"name": "A:s"}, headers=own).json()["id"]
    hook = _create_hook(env, own).json()["id"]
    invitation = _invite(env, own).json()["id"]
    member = _fresh_member(env, own)
    calls = [
        ("DELETE", f"/api/v1/auth/api-keys/{key}", None),
        ("DELETE", f"{HOOKS_PATH}/{hook}", None),
        ("GET", f"{HOOKS_PATH}/{hook}/deliveries", None),
        ("POST", f"{OLD_HOOKS_PATH}/{hook}/test", None),
        ("DELETE", f"/api/v1/organisation/invitations/{invitation}", None),
        ("PATCH", f"/api/v1/organisation/members/{member}", {"org_role": "staff"}),
        ("DELETE", f"/api/v1/organisation/members/{member}", None),
    ]
    for method, path, body in calls:
        r = env.client.request(method, path, json=body, headers=other)
        assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text}"
        assert r.headers["content-type"].startswith("application/problem+json")
    keys = env.client.get("/api/v1/auth/api-keys?limit=100", headers=own).json()["data"]
    assert key in {k["id"] for k in keys}
    members = env.client.get("/api/v1/organisation/members?limit=100", headers=own).json()
    assert member in {m["id"] for m in members["data"]}
