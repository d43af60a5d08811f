"""The portal's scheduled fetch (``/portal/hamtning``): add a feed URL served from a
loopback server, see its fetches with the run each made, "Hämta nu" twice is one fetch,
refusals in Swedish, and the page in English."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from indexer.jobs import factory_for
from marketplace.models import FeedFetch, FeedSource
from tests.unit.marketplace.feed_server import Page, feed_server
from tests.unit.ui.ui_support import UiEnv, csrf_from, feed_bytes


def _wait_for_fetch(env: UiEnv, source_id: int, count: int) -> list[FeedFetch]:
    deadline = time.monotonic() + 60
    while True:
        with factory_for(env.settings)() as s:
            rows = list(s.scalars(select(FeedFetch).where(FeedFetch.source_id == source_id)).all())
            s.expunge_all()
        if len(rows) >= count:
            return rows
        assert time.monotonic() < deadline, rows
        time.sleep(0.1)


def test_add_fetch_and_fetch_now_twice(
    env: UiEnv, as_retailer: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with feed_server() as server:
        server.pages["/pris.csv"] = Page(body=feed_bytes(rows=2, bad_rows=0))
        token = csrf_from(as_retailer.get("/portal/hamtning").text)
        r = as_retailer.post(
            "/portal/hamtning",
            data={
                "url": server.url("/pris.csv"),
                "schedule": "0 5 * * 1-5",
                "mode": "delta",
                "auth_kind": "bearer",
                "auth_secret": "tok-123",
                "csrf_token": token,
            },
        )
        assert r.status_code == 303, r.text
        source_id = int(r.headers["location"].split("?")[0].rsplit("/", 1)[1])
        first = _wait_for_fetch(env, source_id, 1)  # the first fetch runs at once
        assert first[0].status == "ok" and first[0].feed_run_id is not None
        assert server.seen[0][1]["Authorization"] == "Bearer tok-123"
        page = as_retailer.get(f"/portal/hamtning/{source_id}")
        assert page.status_code == 200
        assert "Hämtad" in page.text and f"/portal/korningar/{first[0].feed_run_id}" in page.text
        assert "tok-123" not in page.text
        kicked: list[int] = []  # the clicks are recorded, not yet carried out
        monkeypatch.setattr(env.app.state.feed_fetcher, "kick", kicked.append)
        url = f"/portal/hamtning/{source_id}/hamta"
        one = as_retailer.post(url, data={"csrf_token": token})
        two = as_retailer.post(url, data={"csrf_token": token})
        assert one.headers["location"].endswith("notice=feed_fetch_requested")
        assert two.headers["location"].endswith("notice=feed_fetch_pending")
        assert kicked == [source_id]  # one fetch for two clicks
        shown = as_retailer.get(two.headers["location"]).text
        assert "En hämtning pågår redan" in shown and "Hämtning begärd" in shown
        with factory_for(env.settings)() as s:
            source = s.get(FeedSource, source_id)
            assert source is not None and source.fetch_requested_at is not None


def test_refusals_are_worded_in_swedish_and_english(env: UiEnv, as_retailer: TestClient) -> None:
    token = csrf_from(as_retailer.get("/portal/hamtning").text)
    form = {"url": "https://10.0.0.1/f.csv", "schedule": "daily", "csrf_token": token}
    r = as_retailer.post("/portal/hamtning", data=form)
    assert r.status_code == 422 and "privat, lokalt eller reserverat nät" in r.text
    bad = {**form, "url": "https://93.184.216.34/f.csv", "schedule": "varje dag"}
    r = as_retailer.post("/portal/hamtning", data=bad)
    assert r.status_code == 422 and "cron-uttryck med fem fält" in r.text
    page = as_retailer.get("/portal/hamtning", params={"lang": "en"})
    assert "Scheduled fetch of price files" in page.text and "Add address" in page.text
    english = {**form, "url": "https://10.0.0.1/g.csv"}
    r = as_retailer.post("/portal/hamtning?lang=en", data=english)
    assert "private, local or reserved network" in r.text
