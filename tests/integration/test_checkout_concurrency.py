"""Concurrent checkouts, reviews and Idempotency-Key retries against a real app, on
PostgreSQL and on SQLite: several threads post at once through one TestClient (the app runs
the sync routes on its thread pool, so the requests really overlap) and the database must
hold exactly one order set per cart and one review per author and target."""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from api.idempotency import REPLAYED_HEADER
from catalog.db import transaction
from catalog.models import IdempotencyRecord, User
from indexer.jobs import factory_for
from marketplace import cart
from marketplace import orders as orders_service
from marketplace.dates import utc_now
from marketplace.models import (
    Cart,
    CartItem,
    Notification,
    Order,
    OrderLine,
    Review,
    ReviewReport,
)
from tests.integration.conftest import pg_schema
from tests.unit.api.test_api_support import PASSWORD, ApiEnv, build_env, close_env

V1 = "/api/v1"
ROUNDS = 20
THREADS = 4
PROBLEM = "application/problem+json"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CHECKOUT_TOKEN = re.compile(r'name="checkout_token" value="([^"]+)"')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiEnv]:
    """One seeded app per database for the module (each test leaves the cart empty)."""
    tmp = tmp_path_factory.mktemp(f"concurrency_{request.param}")
    if request.param == "sqlite":
        built = build_env(tmp)
        yield built
        close_env(built)
        return
    with pg_schema() as url:
        built = build_env(tmp, database_url=url)
        yield built
        close_env(built)


def _at_once(count: int, call: Callable[[], Any]) -> list[Any]:
    """Run ``call()`` on ``count`` threads released together."""
    return _all_at_once([call] * count)


def _all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call on its own thread, all released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _fill_cart(env: ApiEnv) -> None:
    """Two offers of two retailers in the clinic's cart (one checkout, two orders)."""
    with transaction(factory_for(env.settings)) as s:
        clinic = s.scalar(select(User).where(User.role == "clinic"))
        for key in ("glove_tand", "glove_nord"):
            cart.add_item(s, clinic, env.offers[key], 1, now=utc_now())


def _order_sets(env: ApiEnv) -> dict[str, int]:
    """checkout_ref -> number of orders, for every order in the database."""
    with factory_for(env.settings)() as s:
        rows = s.execute(select(Order.checkout_ref, func.count()).group_by(Order.checkout_ref))
        return {ref: n for ref, n in rows}


def test_concurrent_checkouts_place_one_order_set(env: ApiEnv) -> None:
    before = _order_sets(env)
    placed: dict[str, list[int]] = {}
    for _round in range(ROUNDS):
        _fill_cart(env)
        responses = _at_once(
            THREADS,
            partial(
                env.client.post,
                f"{V1}/checkout",
                json={"accept_changes": True},
                headers=env.headers("clinic"),
            ),
        )
        assert sorted(r.status_code for r in responses) == [201] + [422] * (THREADS - 1), [
            r.text for r in responses
        ]
        (created,) = [r.json() for r in responses if r.status_code == 201]
        ref = created["data"][0]["checkout_ref"]
        ids = sorted(o["id"] for o in created["data"])
        placed[ref] = ids
        for r in responses:
            if r.status_code == 422:  # a request without the first one's key: no repeat
                assert r.headers["content-type"].startswith(PROBLEM)
                assert r.json()["type"].endswith("/empty-cart"), r.json()
    assert _order_sets(env) == before | {ref: 2 for ref in placed}


def test_concurrent_duplicate_reviews_end_as_one_review(env: ApiEnv) -> None:
    factory = factory_for(env.settings)
    review = {"target_type": "product", "target_id": env.products["glove"], "rating": 4}
    for _round in range(ROUNDS):
        responses = _at_once(
            THREADS,
            partial(env.client.post, f"{V1}/reviews", json=review, headers=env.headers("clinic")),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * (THREADS - 1), [r.text for r in responses]
        for r in responses:
            if r.status_code == 409:
                assert r.json()["type"].endswith("/duplicate-review")
                assert "duplicate review" in r.json()["detail"]
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(Review)) == 1
        with factory() as s, s.begin():
            s.execute(delete(Review))


def test_idempotent_checkout_in_progress_replay_and_mismatch(
    env: ApiEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retry while the first request runs gets 409 in progress; after it, the same
    status and body (replayed); another body with the key gets 422; one order set."""
    before = _order_sets(env)
    _fill_cart(env)
    entered, release = threading.Event(), threading.Event()
    real_checkout = orders_service.checkout

    def slow_checkout(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(30)
        return real_checkout(*args, **kwargs)

    monkeypatch.setattr(orders_service, "checkout", slow_checkout)
    headers = {**env.headers("clinic"), "Idempotency-Key": "kassa-1"}
    body = {"accept_changes": True}
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(env.client.post, f"{V1}/checkout", json=body, headers=headers)
        assert entered.wait(30)
        running = env.client.post(f"{V1}/checkout", json=body, headers=headers)
        assert running.status_code == 409, running.text
        assert running.json()["type"].endswith("/idempotency-in-progress")
        release.set()
        original = first.result(30)
    assert original.status_code == 201, original.text
    assert REPLAYED_HEADER not in original.headers
    # a connection reset after the commit: the client retries with the same key
    again = env.client.post(
        f"{V1}/checkout", content=b'{ "accept_changes" : true }', headers=headers
    )
    assert again.status_code == 201
    assert again.headers[REPLAYED_HEADER] == "true"
    assert again.json() == original.json()
    other = env.client.post(f"{V1}/checkout", json={"accept_changes": False}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert _order_sets(env) == before | {original.json()["data"][0]["checkout_ref"]: 2}


def test_concurrent_retries_with_one_key_create_one_order_set(env: ApiEnv) -> None:
    before = _order_sets(env)
    for n in range(ROUNDS):
        _fill_cart(env)
        headers = {**env.headers("clinic"), "Idempotency-Key": f"round-{n}"}
        responses = _at_once(
            THREADS,
            partial(
                env.client.post, f"{V1}/checkout", json={"accept_changes": True}, headers=headers
            ),
        )
        created = [r for r in responses if r.status_code == 201]
        assert created, [r.text for r in responses]
        assert all(r.json() == created[0].json() for r in created)  # replays of the first
        assert all(r.status_code in (201, 409) for r in responses)
    new = {ref: n for ref, n in _order_sets(env).items() if ref not in before}
    assert len(new) == ROUNDS and set(new.values()) == {2}
    with factory_for(env.settings)() as s:
        records = s.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.key.like("round-%"))
        ).all()
        assert len(records) == ROUNDS and all(r.status_code == 201 for r in records)


def _log_in(env: ApiEnv) -> None:
    page = env.client.get("/logga-in")
    with factory_for(env.settings)() as s:
        email = s.scalar(select(User.email).where(User.role == "clinic"))
    r = env.client.post(
        "/logga-in",
        data={"email": email, "password": PASSWORD, "csrf_token": CSRF.findall(page.text)[0]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_double_submitted_checkout_form_places_one_order_set(env: ApiEnv) -> None:
    before = _order_sets(env)
    _log_in(env)
    for _round in range(ROUNDS):
        _fill_cart(env)
        page = env.client.get("/kassa").text
        form = {
            "csrf_token": CSRF.findall(page)[0],
            "checkout_token": CHECKOUT_TOKEN.findall(page)[0],
            "accept_changes": "1",
        }
        responses = _at_once(
            2, partial(env.client.post, "/kassa", data=form, follow_redirects=False)
        )
        assert [r.status_code for r in responses] == [303, 303], [r.text for r in responses]
        targets = sorted(r.headers["location"] for r in responses)
        refs = {re.search(r"checkout=(\w+)", t).group(1) for t in targets}  # type: ignore[union-attr]
        assert len(refs) == 1, targets
        assert ["already_placed" in t for t in targets] == [True, False], targets
    new = {ref: n for ref, n in _order_sets(env).items() if ref not in before}
    assert len(new) == ROUNDS and set(new.values()) == {2}
    shown = env.client.get(targets[0]).text
    assert "Beställningen var redan lagd" in shown
    # the last form posted again later (back button, resubmit): still its order set, and
    # what was put in the cart since stays in the cart
    _fill_cart(env)
    later = env.client.post("/kassa", data=form, follow_redirects=False)
    (ref,) = refs
    assert later.status_code == 303 and f"checkout={ref}" in later.headers["location"]
    assert "already_placed" in later.headers["location"]
    cart_now = env.client.get(f"{V1}/cart", headers=env.headers("clinic")).json()
    assert len(cart_now["items"]) == 2
    for item in cart_now["items"]:
        env.client.delete(f"{V1}/cart/items/{item['id']}", headers=env.headers("clinic"))


@contextmanager
def _served(env: ApiEnv) -> Iterator[int]:
    """The env's app behind a real uvicorn server on a free port (its lifespan already runs
    under the test client)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(env.app, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_a_retry_after_a_connection_reset_gets_the_original_response(env: ApiEnv) -> None:
    """The server commits the checkout but the client's connection is reset before it reads
    the response: the retry with the same key gets that response, and no second order."""
    before = _order_sets(env)
    _fill_cart(env)
    body = b'{"accept_changes": true}'
    head = (
        "POST /api/v1/checkout HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-API-Key: {env.keys['clinic']}\r\nIdempotency-Key: reset-1\r\n\r\n"
    )
    with _served(env) as port:
        raw = socket.create_connection(("127.0.0.1", port))
        raw.sendall(head.encode() + body)
        deadline = time.monotonic() + 30
        while _order_sets(env) == before:  # wait for the server's commit, read nothing
            assert time.monotonic() < deadline, "the checkout was never committed"
            time.sleep(0.01)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        raw.close()  # RST: the response is lost
        headers = {**env.headers("clinic"), "Idempotency-Key": "reset-1"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for _attempt in range(300):
                retry = http.post(
                    "/api/v1/checkout", json={"accept_changes": True}, headers=headers
                )
                if "idempotency-in-progress" not in retry.text:
                    break
                time.sleep(0.02)  # the first request is storing its response
    assert retry.status_code == 201, retry.text
    assert retry.headers[REPLAYED_HEADER] == "true"
    ref = retry.json()["data"][0]["checkout_ref"]
    assert _order_sets(env) == before | {ref: 2}


def test_concurrent_duplicate_reviews_from_the_form_end_as_one_review(env: ApiEnv) -> None:
    """The form's route is ``async``: one event loop runs one at a time, so the posts go
    through a client outside the app's portal, which gives each request its own loop (as
    several worker processes would)."""
    _log_in(env)
    browser = TestClient(env.app, follow_redirects=False, cookies=env.client.cookies)
    factory = factory_for(env.settings)
    form = {
        "csrf_token": CSRF.findall(env.client.get("/kassa").text)[0],
        "target_type": "product",
        "target_id": str(env.products["composite"]),
        "rating": "4",
        "next": f"/produkt/{env.products['composite']}",
    }
    for _round in range(ROUNDS):
        responses = _at_once(
            THREADS, partial(browser.post, "/omdomen", data=form, follow_redirects=False)
        )
        # one review; every submit of the double click is answered as saved (the browser
        # shows the last answer: not an error page for a review that was saved)
        assert [r.status_code for r in responses] == [303] * THREADS, [
            r.text[:300] for r in responses
        ]
        notices = sorted(r.headers["location"].split("notice=")[1] for r in responses)
        assert notices == ["review_already_saved#reviews"] * (THREADS - 1) + [
            "review_published#reviews"
        ]
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(Review)) == 1
        with factory() as s, s.begin():
            s.execute(delete(Review))


def test_cart_edits_during_checkouts_lose_and_duplicate_nothing(env: ApiEnv) -> None:
    """Items added while the cart is being checked out end up in exactly one order or
    still in the cart; nothing fails (cart edits lock the cart row first, like checkout)."""
    factory = factory_for(env.settings)
    with factory() as s:
        first_new_order = (s.scalar(select(func.max(Order.id))) or 0) + 1
    added = 0
    for _round in range(ROUNDS):
        _fill_cart(env)
        added += 2
        checkout = partial(
            env.client.post,
            f"{V1}/checkout",
            json={"accept_changes": True},
            headers=env.headers("clinic"),
        )
        add = partial(
            env.client.post,
            f"{V1}/cart/items",
            json={"offer_id": env.offers["glove_tand"], "quantity": 1},
            headers=env.headers("clinic"),
        )
        responses = _all_at_once([checkout, add, checkout, add])
        assert all(r.status_code < 500 for r in responses), [r.text for r in responses]
        added += sum(1 for r in responses[1::2] if r.status_code == 201)
    with factory() as s:
        placed = s.scalar(
            select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(
                OrderLine.order_id >= first_new_order
            )
        )
    cart_now = env.client.get(f"{V1}/cart", headers=env.headers("clinic")).json()
    remaining = sum(item["quantity"] for item in cart_now["items"])
    assert added == placed + remaining
    for item in cart_now["items"]:
        env.client.delete(f"{V1}/cart/items/{item['id']}", headers=env.headers("clinic"))


def test_concurrent_first_adds_to_a_new_cart_make_one_cart(env: ApiEnv) -> None:
    """A clinic without a cart double-clicks "Lägg i varukorg": every add succeeds into one
    cart (on PostgreSQL the lock of a missing cart row locked nothing, and both requests
    inserted a cart: one failed with a unique violation, a 500)."""
    factory = factory_for(env.settings)
    add = partial(
        env.client.post,
        f"{V1}/cart/items",
        json={"offer_id": env.offers["glove_tand"], "quantity": 1},
        headers=env.headers("clinic"),
    )
    for _round in range(ROUNDS // 2):
        with transaction(factory) as s:
            s.execute(delete(Cart))
        responses = _at_once(THREADS, add)
        assert [r.status_code for r in responses] == [201] * THREADS, [r.text for r in responses]
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(Cart)) == 1
            assert s.scalar(select(func.sum(CartItem.quantity))) == THREADS
    with transaction(factory) as s:
        s.execute(delete(Cart))


def test_a_double_clicked_add_to_cart_form_adds_once(env: ApiEnv) -> None:
    """Posts of one add-to-cart form at once (its one-time token): one add, every answer
    the same redirect (the repeats wait for the first)."""
    _log_in(env)
    browser = TestClient(env.app, follow_redirects=False, cookies=env.client.cookies)
    factory = factory_for(env.settings)
    page = env.client.get(f"/produkt/{env.products['glove']}").text
    for _round in range(ROUNDS // 2):
        with transaction(factory) as s:
            s.execute(delete(Cart))
        form = {
            "csrf_token": CSRF.findall(page)[0],
            "offer_id": str(env.offers["glove_tand"]),
            "quantity": "1",
            "form_token": uuid.uuid4().hex,
        }
        responses = _at_once(THREADS, partial(browser.post, "/varukorg", data=form))
        assert [r.status_code for r in responses] == [303] * THREADS, [
            r.text[:300] for r in responses
        ]
        assert {r.headers["location"] for r in responses} == {"/varukorg?notice=added"}
        with factory() as s:
            assert s.scalar(select(func.sum(CartItem.quantity))) == 1
    with transaction(factory) as s:
        s.execute(delete(Cart))


def test_admins_resolving_the_same_report_at_once_get_one_outcome(env: ApiEnv) -> None:
    """Issue 13 item 3: several admins decide one report at the same moment, some to remove
    the review, some to dismiss the report: one decision stands (200), the others are told
    another admin decided first (409), and the author is notified at most once."""
    factory = factory_for(env.settings)
    for round_no in range(ROUNDS):
        with transaction(factory) as s:
            author = s.scalar(select(User).where(User.email == "clinic@example.com"))
            assert author is not None
            review = Review(
                author_id=author.id,
                target_type="product",
                target_id=env.products["glove"],
                rating=5,
                text=f"runda {round_no}",
                status="published",
                published_at=utc_now(),
            )
            s.add(review)
            s.flush()
            report = ReviewReport(review_id=review.id, reporter_id=None, reason="kränkande")
            s.add(report)
            s.flush()
            review_id, report_id = review.id, report.id
        calls = [
            partial(
                env.client.post,
                f"{V1}/admin/review-reports/{report_id}/resolve",
                json={"outcome": outcome, "reason": f"beslut {outcome}"},
                headers=env.headers("admin"),
            )
            for outcome in ["removed", "dismissed"] * (THREADS // 2)
        ]
        responses = _all_at_once(calls)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [409] * (THREADS - 1), [r.text for r in responses]
        (won,) = [r.json() for r in responses if r.status_code == 200]
        with factory() as s:
            stored = s.get(ReviewReport, report_id)
            assert stored is not None and stored.outcome == won["decision"]["outcome"]
            assert stored.resolution_reason == won["decision"]["reason"]
            status = s.scalar(select(Review.status).where(Review.id == review_id))
            assert status == ("removed" if stored.outcome == "removed" else "published")
            notes = s.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.ref == f"review:{review_id}")
            )
            assert notes == (1 if stored.outcome == "removed" else 0)
        with factory() as s, s.begin():
            s.execute(delete(Notification))
            s.execute(delete(ReviewReport))
            s.execute(delete(Review))


def test_one_user_reporting_a_review_twice_at_once_files_one_report(env: ApiEnv) -> None:
    """Issue 13 item 3: the same report sent by one user several times at the same moment
    (a double click, a retrying client): one report is filed (201), the others are told it
    was already reported (409), never a database error."""
    factory = factory_for(env.settings)
    for round_no in range(ROUNDS):
        with transaction(factory) as s:
            author = s.scalar(select(User).where(User.email == "clinic@example.com"))
            assert author is not None
            review = Review(
                author_id=author.id,
                target_type="product",
                target_id=env.products["glove"],
                rating=4,
                text=f"runda {round_no}",
                status="published",
                published_at=utc_now(),
            )
            s.add(review)
            s.flush()
            review_id = review.id
        calls = [
            partial(
                env.client.post,
                f"{V1}/reviews/{review_id}/reports",
                json={"reason": "kränkande"},
                headers=env.headers("retailer_other"),
            )
            for _ in range(THREADS)
        ]
        statuses = sorted(r.status_code for r in _all_at_once(calls))
        assert statuses == [201] + [409] * (THREADS - 1), statuses
        with factory() as s:
            filed = s.scalar(
                select(func.count())
                .select_from(ReviewReport)
                .where(ReviewReport.review_id == review_id)
            )
            assert filed == 1
        with factory() as s, s.begin():  # the author reviews the product once: start anew
            s.execute(delete(ReviewReport))
            s.execute(delete(Review))
