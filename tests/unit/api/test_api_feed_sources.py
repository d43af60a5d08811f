"""Feed URLs fetched on a schedule, over HTTP (issue 19): registration, the scheduler's
conditional fetches making feed runs, "fetch now", failures with backoff and a notification,
and search following the fetched file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from catalog.db import transaction
from indexer.jobs import factory_for
from marketplace.dates import as_utc, utc_now
from marketplace.models import FeedSource, Notification
from tests.unit.api.test_api_support import (
    ApiEnv,
    assert_problem,
    build_env,
    close_env,
    wait_for_run,
)
from tests.unit.marketplace.feed_server import FeedServer, Page, feed_server

HEADER = "Artikelnummer;Benämning;Pris inkl. moms;Lagerstatus;EAN"


COMPOSITE = "07312345678916"  # the seeded product tandab sells as T-2 (stock "limited")
GLOVE = "07312345678909"  # tandab's T-1
NAMES = {
    "T-1": ("Nitrilhandske M", "99,00 kr", GLOVE),
    "T-2": ("Komposit A2", "450,00 kr", COMPOSITE),
}


def feed(stock: dict[str, str]) -> bytes:
    lines = [HEADER]
    for sku, status in stock.items():
        name, price, gtin = NAMES.get(sku, (f"Fjärrvara {sku}", "10,00 kr", ""))
        lines.append(f"{sku};{name};{price};{status};{gtin}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture()
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path, feed_fetch_allow_networks=["127.0.0.0/8"])
    yield built
    close_env(built)


def register(env: ApiEnv, url: str, role: str = "retailer_own", **extra: Any) -> Any:
    body = {"url": url, "schedule": "hourly", "mode": "full", **extra}
    return env.client.post("/api/v1/feed-urls", json=body, headers=env.headers(role))


def make_due(env: ApiEnv, source_id: int) -> None:
    """The clock moved past the source's next fetch (the schedule is hourly)."""
    with transaction(factory_for(env.settings)) as s:
        s.execute(
            update(FeedSource)
            .where(FeedSource.id == source_id)
            .values(next_fetch_at=utc_now() - timedelta(seconds=1))
        )


def stock_of(env: ApiEnv, gtin: str, **params: str) -> str | None:
    found = env.client.get("/api/v1/search", params={"q": gtin, **params}).json()
    for hit in found["data"]:
        if hit["best_offer"] is not None:
            return str(hit["best_offer"]["stock_status"])
    return None


def wait_for_stock(env: ApiEnv, gtin: str, expected: str) -> None:
    deadline = time.monotonic() + 30
    while stock_of(env, gtin) != expected:
        assert time.monotonic() < deadline, (gtin, stock_of(env, gtin))
        time.sleep(0.1)


def test_scheduler_fetches_conditionally_and_search_follows_the_changed_file(
    env: ApiEnv, server: FeedServer
) -> None:
    """Done-when of issue 19: register, fetch (a run), fetch again (304, no run), change the
    file, fetch (a run of the changed offers), search shows the new stock."""
    server.pages["/lager.csv"] = Page(body=feed({"T-1": "I lager", "T-2": "I lager"}), gzip=True)
    # delta: the seeded retailer's other offers stay (a full file of three would be refused
    # by the mass-withdrawal guard, as an upload would)
    r = register(env, server.url("/lager.csv"), mode="delta")
    assert r.status_code == 201, r.text
    source_id = r.json()["id"]
    fetcher = env.app.state.feed_fetcher

    first = fetcher.run_due()
    run_id = first.ran[source_id]
    assert wait_for_run(env, run_id)["status"] == "succeeded"
    assert wait_for_run(env, run_id)["mode"] == "delta"
    wait_for_stock(env, COMPOSITE, "in_stock")  # was "limited" before the first fetch

    make_due(env, source_id)
    second = fetcher.run_due()
    assert second.not_modified == [source_id] and not second.ran
    assert server.seen[-1][1]["If-None-Match"]  # conditional: answered 304

    server.pages["/lager.csv"] = Page(body=feed({"T-1": "I lager", "T-2": "Slut i lager"}))
    make_due(env, source_id)
    third = fetcher.run_due()
    new_run = third.ran[source_id]
    body = wait_for_run(env, new_run)
    assert body["status"] == "succeeded" and body["counts"]["updated"] == 1, body
    wait_for_stock(env, COMPOSITE, "out_of_stock")
    assert stock_of(env, COMPOSITE, in_stock="true") is None  # filtered out of stock
    assert stock_of(env, GLOVE) == "in_stock"

    fetches = env.client.get(
        f"/api/v1/feed-urls/{source_id}/fetches", headers=env.headers("retailer_own")
    ).json()["data"]
    assert [f["status"] for f in fetches] == ["ok", "not_modified", "ok"]
    assert [f["feed_run_id"] for f in fetches] == [new_run, None, run_id]
    assert fetches[2]["http_status"] == 200 and fetches[1]["http_status"] == 304
    assert fetches[0]["size_bytes"] == len(server.pages["/lager.csv"].body)
    assert all(f["duration_ms"] >= 0 for f in fetches)


def test_fetch_now_twice_is_one_fetch(env: ApiEnv, server: FeedServer) -> None:
    server.pages["/f.csv"] = Page(body=feed({"T-1": "I lager"}))
    source_id = register(env, server.url("/f.csv")).json()["id"]
    env.app.state.feed_fetcher.run_due()  # the first fetch at registration
    requests_before = len(server.seen)
    headers = env.headers("retailer_own")
    env.app.state.feed_fetcher.shutdown()  # no background pass: the clicks are seen as made
    one = env.client.post(f"/api/v1/feed-urls/{source_id}/fetch", headers=headers)
    two = env.client.post(f"/api/v1/feed-urls/{source_id}/fetch", headers=headers)
    assert one.status_code == two.status_code == 202
    assert one.json() == {"requested": True} and two.json() == {"requested": False}
    listed = env.client.get(f"/api/v1/feed-urls/{source_id}", headers=headers).json()
    assert listed["fetch_pending"] is True
    from marketplace.feed_fetch import fetch_due

    report = fetch_due(env.settings, factory_for(env.settings), submit=lambda _run: None)
    again = fetch_due(env.settings, factory_for(env.settings), submit=lambda _run: None)
    assert report.not_modified == [source_id] and not again.not_modified
    assert len(server.seen) == requests_before + 1
    fetches = env.client.get(f"/api/v1/feed-urls/{source_id}/fetches", headers=headers).json()
    assert fetches["data"][0]["trigger"] == "manual"


def test_failure_backs_off_and_tells_the_retailer_once_per_streak(
    env: ApiEnv, server: FeedServer
) -> None:
    source_id = register(env, server.url("/missing.csv")).json()["id"]
    fetcher = env.app.state.feed_fetcher
    assert fetcher.run_due().failed == [source_id]
    factory = factory_for(env.settings)
    with factory() as s:
        source = s.get(FeedSource, source_id)
        assert source is not None and source.failures == 1
        first_retry = source.next_fetch_at
    make_due(env, source_id)
    assert fetcher.run_due().failed == [source_id]
    with factory() as s:
        source = s.get(FeedSource, source_id)
        assert source is not None and source.failures == 2
        delay = as_utc(source.next_fetch_at) - utc_now()
        notes = s.scalars(
            select(Notification).where(
                Notification.user_id == env.users["retailer_own"],
                Notification.kind == "feed_fetch_failed",
            )
        ).all()
    assert delay > timedelta(seconds=env.settings.feed_fetch_retry_seconds * 1.5)  # doubled
    assert first_retry is not None
    assert len(notes) == 1 and "HTTP 404" in notes[0].values["error"]
    fetches = env.client.get(
        f"/api/v1/feed-urls/{source_id}/fetches", headers=env.headers("retailer_own")
    ).json()["data"]
    assert [f["status"] for f in fetches] == ["failed", "failed"]
    assert fetches[0]["http_status"] == 404


def test_registration_refuses_private_addresses_plain_http_and_bad_schedules(
    tmp_path: Path,
) -> None:
    env = build_env(tmp_path)  # nothing allow-listed
    try:
        for url in ("http://127.0.0.1:9/f.csv", "https://127.0.0.1/f.csv", "https://10.0.0.1/"):
            body = assert_problem(register(env, url), 422)
            assert "url" in body["detail"]
        r = env.client.post(
            "/api/v1/feed-urls",
            json={"url": "https://93.184.216.34/f.csv", "schedule": "61 * * * *"},
            headers=env.headers("retailer_own"),
        )
        assert "minute" in assert_problem(r, 422)["detail"]
    finally:
        close_env(env)


def test_sources_are_the_retailers_own_and_logins_are_never_shown(
    env: ApiEnv, server: FeedServer
) -> None:
    r = register(
        env,
        server.url("/secret.csv"),
        auth_kind="basic",
        auth_username="butik",
        auth_secret="hemligt-lösen",
    )
    assert r.status_code == 201 and "hemligt" not in r.text
    source_id = r.json()["id"]
    with factory_for(env.settings)() as s:
        stored = s.get(FeedSource, source_id)
        assert stored is not None and stored.auth_secret is not None
        assert "hemligt" not in stored.auth_secret and stored.auth_secret.startswith("v1.")
    server.pages["/secret.csv"] = Page(body=feed({"T-1": "I lager"}))
    env.app.state.feed_fetcher.run_due()
    assert server.seen[-1][1]["Authorization"].startswith("Basic ")
    other = env.headers("retailer_other")
    assert env.client.get(f"/api/v1/feed-urls/{source_id}", headers=other).status_code == 404
    assert env.client.get("/api/v1/feed-urls", headers=other).json()["count"] == 0
    dup = register(env, server.url("/secret.csv"))
    assert assert_problem(dup, 422)["detail"].startswith("url: this feed URL is already")
    edited = env.client.put(
        f"/api/v1/feed-urls/{source_id}",
        json={
            "url": server.url("/secret.csv"),
            "schedule": "30 4 * * 1-5",
            "mode": "delta",
            "auth_kind": "basic",
            "auth_username": "butik",
        },
        headers=env.headers("retailer_own"),
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["schedule"] == "30 4 * * 1-5" and edited.json()["mode"] == "delta"
    gone = env.client.delete(f"/api/v1/feed-urls/{source_id}", headers=env.headers("retailer_own"))
    assert gone.status_code == 204


def test_two_schedulers_at_once_fetch_a_source_once(env: ApiEnv, server: FeedServer) -> None:
    """Two passes at the same moment (two servers, or a beat and a "fetch now"): the
    source's lease lets one of them fetch it; one run, one request."""
    import threading

    from marketplace.feed_fetch import FetchReport, fetch_due

    server.pages["/twice.csv"] = Page(body=feed({"T-1": "I lager"}))
    source_id = register(env, server.url("/twice.csv"), mode="delta").json()["id"]
    barrier = threading.Barrier(2)
    reports: list[FetchReport] = []
    sent: list[int] = []

    def one_pass() -> None:
        barrier.wait()
        reports.append(fetch_due(env.settings, factory_for(env.settings), submit=sent.append))

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(len(r.ran) for r in reports) == [0, 1]
    assert len(sent) == 1 and len(server.seen) == 1
    fetches = env.client.get(
        f"/api/v1/feed-urls/{source_id}/fetches", headers=env.headers("retailer_own")
    ).json()
    assert fetches["count"] == 1 and fetches["data"][0]["feed_run_id"] == sent[0]


def test_shop_platform_exports_run_through_the_scheduled_fetch(
    env: ApiEnv, server: FeedServer
) -> None:
    """Issue 19 item 4: the WooCommerce, Shopify, Magento and PrestaShop exports a shop
    publishes at a URL are fetched and run like uploads (format recognised, offers written)."""
    from tests.unit.indexer.test_feeds_platforms import MAGENTO, PRESTASHOP, SHOPIFY, WOO

    exports = {
        "woocommerce_csv": WOO,
        "shopify_csv": SHOPIFY,
        "magento_csv": MAGENTO,
        "prestashop_csv": PRESTASHOP,
    }
    sources: dict[str, int] = {}
    for fmt, text in exports.items():
        server.pages[f"/{fmt}.csv"] = Page(body=text.encode(), gzip=True)
        r = register(env, server.url(f"/{fmt}.csv"), mode="delta")
        assert r.status_code == 201, r.text
        sources[fmt] = r.json()["id"]
    report = env.app.state.feed_fetcher.run_due()
    assert set(report.ran) == set(sources.values()), report
    for fmt, source_id in sources.items():
        run = wait_for_run(env, report.ran[source_id])
        assert run["status"] == "succeeded", (fmt, run)
        assert run["format"] == fmt and run["counts"]["inserted"] >= 1, (fmt, run)
