"""``GET /api/v1/products/{id}/price-history`` and the watch API; end to end: a price drop
from a feed run sends exactly one alert e-mail (to the test SMTP server) and the product
page's chart shows it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from catalog.db import transaction
from catalog.models import Offer, OfferHistory
from indexer.jobs import factory_for
from marketplace.dates import utc_now
from marketplace.models import Notification, OutgoingEmail
from marketplace.tasks import drain
from tests.unit.api.test_api_support import (
    ApiEnv,
    assert_problem,
    build_env,
    close_env,
    wait_for_run,
)
from tests.unit.marketplace.smtp_support import Recorder, start

V1 = "/api/v1"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    controller = start(recorder)
    yield recorder, int(controller.port)
    controller.stop()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Recorder, int]) -> Iterator[ApiEnv]:
    _recorder, port = smtp
    built = build_env(
        Path(tmp_path_factory.mktemp("api_price_history")),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_tls="none",
        mail_from="Valbar <noreply@valbar.se>",
        site_url="https://valbar.example",
    )
    yield built
    close_env(built)


def _history(env: ApiEnv, role: str | None = None, **params: Any) -> Any:
    pid = params.pop("product", env.products["glove"])
    return env.client.get(
        f"{V1}/products/{pid}/price-history", params=params, headers=env.headers(role)
    )


def test_the_history_and_its_validation(env: ApiEnv) -> None:
    r = _history(env, days=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["days"] == 30 and len(body["lowest"]) == 30 and body["currency"] == "SEK"
    assert {s["retailer"] for s in body["retailers"]} == {"tandab", "dentalnord"}
    assert body["lowest"][-1]["price"] == "79.00"  # nord's 79 is the lowest buyable today
    assert body["position"]["lowest_in_window"] is True
    only = _history(env, days=7, retailer="tandab").json()
    assert [s["retailer"] for s in only["retailers"]] == ["tandab"]
    assert only["lowest"][-1]["price"] == "79.00"  # the lowest is still every retailer's
    for params in ({"days": 0}, {"days": 731}, {"days": "x"}, {"retailer": "Ä!"}):
        assert_problem(_history(env, **params), 422)
    assert_problem(_history(env, retailer="finns-inte"), 404)
    assert_problem(_history(env, product=999_999), 404)


def test_watch_is_idempotent_and_listed(env: ApiEnv) -> None:
    h = env.headers("clinic_other")
    url = f"{V1}/products/{env.products['composite']}/watch"
    first = env.client.put(url, json={"target_price": "400.00"}, headers=h)
    again = env.client.put(url, json={"target_price": "400.00"}, headers=h)
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    listed = env.client.get(f"{V1}/watches", headers=h).json()
    assert [w["product_id"] for w in listed["data"]] == [env.products["composite"]]
    assert listed["data"][0]["lowest_price"] == "450.00" and not listed["data"][0]["below_target"]
    assert_problem(env.client.put(url, json={}, headers=h), 422)  # nothing to watch for
    assert_problem(env.client.put(url, json={"target_price": "-1"}, headers=h), 422)
    assert_problem(env.client.put(url, json={"retailer": "finns-inte"}, headers=h), 404)
    assert_problem(env.client.put(url, json={"bogus": 1}, headers=h), 422)
    missing = f"{V1}/products/999999/watch"
    assert_problem(env.client.put(missing, json={"back_in_stock": True}, headers=h), 404)
    assert env.client.delete(url, headers=h).status_code == 204
    assert env.client.delete(url, headers=h).status_code == 204  # gone already: still 204
    assert env.client.get(f"{V1}/watches", headers=h).json()["data"] == []


def test_the_schema_documents_the_routes(env: ApiEnv) -> None:
    paths = env.app.openapi()["paths"]
    op = paths["/api/v1/products/{product_id}/price-history"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"product_id", "days", "retailer"}
    assert "404" in op["responses"] and "422" in op["responses"]
    assert set(paths["/api/v1/products/{product_id}/watch"]) == {"put", "delete"}


def _upload(env: ApiEnv, price: str) -> dict[str, Any]:
    lines = ["Artikelnummer;Benämning;Pris inkl. moms;Lagerstatus;EAN"]
    lines.append(f"T-1;Nitrilhandske M;{price};I lager;")
    lines.append("T-2;Komposit A2;450,00 kr;I lager;")
    r = env.client.post(
        f"{V1}/retailers/tandab/feeds",
        files={"file": ("lager.csv", ("\n".join(lines) + "\n").encode())},
        headers=env.headers("admin"),
    )
    assert r.status_code == 202, r.text
    run = wait_for_run(env, r.json()["id"], role="admin")
    assert run["status"] == "succeeded", run
    return run


def _relink(env: ApiEnv) -> None:
    """Keep tandab's two offers on their products whatever the matcher made of the feed's
    names (this test is about prices, not matching), and give the seeded glove offers the
    state they had 20 days ago (as migration 0028 records every stored offer's)."""
    with transaction(factory_for(env.settings)) as s:
        for key, price in (("glove_tand", "99.00"), ("glove_nord", "79.00")):
            s.add(
                OfferHistory(
                    offer_id=env.offers[key],
                    feed_run_id=None,
                    changed_at=utc_now() - timedelta(days=20),
                    price=Decimal(price),
                    currency="SEK",
                    stock_status="in_stock",
                    buyable=True,
                    withdrawn=False,
                )
            )
        for key, product in (("glove_tand", "glove"), ("composite_tand", "composite")):
            s.execute(
                update(Offer)
                .where(Offer.id == env.offers[key])
                .values(product_id=env.products[product])
            )


def _alerts(env: ApiEnv) -> list[OutgoingEmail]:
    with factory_for(env.settings)() as s:
        return list(
            s.scalars(select(OutgoingEmail).where(OutgoingEmail.template == "notify_price_alert"))
        )


def test_a_price_drop_from_a_feed_run_sends_one_alert_and_the_chart_shows_it(
    env: ApiEnv, smtp: tuple[Recorder, int]
) -> None:
    recorder, _port = smtp
    _upload(env, "99,00 kr")  # as stored: the matcher links the names, nothing repriced
    _relink(env)
    watch = env.client.put(
        f"{V1}/products/{env.products['glove']}/watch",
        json={"target_price": "70.00"},
        headers=env.headers("clinic"),
    )
    assert watch.status_code == 200 and watch.json()["below_target"] is False  # lowest 79
    _upload(env, "59,00 kr")  # tandab drops the glove below the target
    deadline = time.monotonic() + 30
    while not _alerts(env) and time.monotonic() < deadline:
        time.sleep(0.2)
    drain(env.settings, factory_for(env.settings))
    while not recorder.received and time.monotonic() < deadline:
        time.sleep(0.2)
    _upload(env, "58,00 kr")  # still below: no new crossing
    time.sleep(1.0)
    drain(env.settings, factory_for(env.settings))
    (mail,) = _alerts(env)
    assert mail.to_address == "clinic@example.com"
    sent = [r for r in recorder.received if "Prisfall" in str(r.message["Subject"])]
    assert len(sent) == 1 and sent[0].to == ["clinic@example.com"]
    text = sent[0].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "59,00" in str(sent[0].message["Subject"]) or "59.00" in str(sent[0].message["Subject"])
    assert f"https://valbar.example/produkt/{env.products['glove']}" in text
    with factory_for(env.settings)() as s:
        reasons = s.scalars(
            select(Notification.values).where(Notification.kind == "price_alert")
        ).all()
    assert [r["reason"] for r in reasons] == ["below"]
    history = _history(env, days=30).json()
    assert history["lowest"][-1]["price"] == "58.00"
    assert history["position"]["current"] == "58.00" and history["position"]["lowest_in_window"]
    tand = next(s for s in history["retailers"] if s["retailer"] == "tandab")
    assert Decimal(tand["points"][-1]["price"]) == Decimal("58.00")
    page = env.client.get(f"/produkt/{env.products['glove']}?dagar=30").text
    section = page[page.find('id="prishistorik"') :]
    assert "Lägsta på 30 dagar" in section and "<polyline" in section, section[:3000]
    assert "58,00\xa0kr" in section and "79,00\xa0kr" in section  # the table: before, after
