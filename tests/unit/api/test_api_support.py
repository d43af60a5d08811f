"""A seeded API for tests: products, offers, retailers, users of every role, API keys.

Helpers (not fixtures) so every ``test_api_*`` module builds its own environment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.auth import create_api_key, hash_password
from api.deps import SearchHolder
from catalog.db import transaction
from catalog.models import (
    Manufacturer,
    Offer,
    Product,
    ProductIdentifier,
    Retailer,
    RetailerSignals,
    User,
)
from catalog.settings import Settings
from indexer.jobs import factory_for
from search.documents import build_documents
from search.prices import rate_table
from valbar.app import create_app

PASSWORD = "correct horse battery"
ROLES = ("clinic", "retailer_own", "retailer_other", "merchandiser", "admin")
PROBLEM = "application/problem+json"


@dataclass
class ApiEnv:
    app: FastAPI
    client: TestClient
    settings: Settings
    keys: dict[str, str] = field(default_factory=dict)  # role -> plaintext API key
    products: dict[str, int] = field(default_factory=dict)
    offers: dict[str, int] = field(default_factory=dict)

    def headers(self, role: str | None) -> dict[str, str]:
        return {} if role is None else {"X-API-Key": self.keys[role]}


def _seed(settings: Settings) -> tuple[dict[str, str], dict[str, int], dict[str, int]]:
    factory = factory_for(settings)
    keys: dict[str, str] = {}
    with transaction(factory) as s:
        tand = Retailer(
            slug="tandab",
            name="Tand AB",
            presentation="Vi levererar i tid.",
            video_url="https://example.com/video.mp4",
            website="https://tand.example",
        )
        nord = Retailer(slug="dentalnord", name="Dental Nord")
        s.add_all([tand, nord])
        s.flush()
        s.add(
            RetailerSignals(
                retailer_id=tand.id,
                delivery_precision=0.97,
                delivery_count=120,
                stock_accuracy=0.95,
                stock_count=80,
                review_overall=4.6,
                review_count=40,
            )
        )
        s.add(
            RetailerSignals(
                retailer_id=nord.id,
                delivery_precision=0.6,
                delivery_count=50,
                review_overall=2.5,
                review_count=20,
            )
        )
        acme = Manufacturer(name="Acme Dental", name_key="acme dental")
        s.add(acme)
        s.flush()
        specs: list[Any] = [{"name": "Storlek", "value": "M", "unit": None}]
        glove = Product(
            source="test",
            source_key="glove",
            name="Nitrilhandske storlek M",
            brand="Acme",
            mpn="NG-M",
            primary_gtin="07312345678909",
            category="Handskar",
            description="Puderfri nitrilhandske.",
            manufacturer_id=acme.id,
            specs=specs,
            content_hash="glove",
        )
        glove.identifiers.append(
            ProductIdentifier(scheme="gs1", value="07312345678909", level="primary")
        )
        composite = Product(
            source="test",
            source_key="composite",
            name="Komposit A2 spruta",
            brand="Filtek",
            primary_gtin="07312345678916",
            category="Fyllningsmaterial",
            content_hash="composite",
        )
        composite.identifiers.append(
            ProductIdentifier(scheme="gs1", value="07312345678916", level="primary")
        )
        mirror = Product(
            source="test",
            source_key="mirror",
            name="Munspegel plan",
            brand="Acme",
            category="Instrument",
            content_hash="mirror",
        )
        s.add_all([glove, composite, mirror])
        s.flush()
        offers = {
            "glove_tand": Offer(
                retailer_id=tand.id,
                sku="T-1",
                product_id=glove.id,
                raw_name="Nitrilhandske M",
                price=Decimal("99.00"),
                stock_status="in_stock",
                delivery_days=1,
                content_hash="a",
            ),
            "glove_nord": Offer(
                retailer_id=nord.id,
                sku="N-1",
                product_id=glove.id,
                raw_name="Nitril handske M",
                price=Decimal("79.00"),
                stock_status="in_stock",
                delivery_days=5,
                content_hash="b",
            ),
            "composite_tand": Offer(
                retailer_id=tand.id,
                sku="T-2",
                product_id=composite.id,
                raw_name="Komposit A2",
                price=Decimal("450.00"),
                stock_status="limited",
                delivery_days=2,
                content_hash="c",
            ),
            "mirror_nord": Offer(
                retailer_id=nord.id,
                sku="N-2",
                product_id=mirror.id,
                raw_name="Munspegel",
                price=Decimal("35.00"),
                stock_status="out_of_stock",
                content_hash="d",
            ),
        }
        s.add_all(offers.values())
        users = {
            "clinic": User(
                email="clinic@example.com", name="Cilla", clinic="Folktand", role="clinic"
            ),
            "retailer_own": User(
                email="own@example.com", name="Olle", role="retailer", retailer_id=tand.id
            ),
            "retailer_other": User(
                email="other@example.com", name="Otto", role="retailer", retailer_id=nord.id
            ),
            "merchandiser": User(email="merch@example.com", name="Mia", role="merchandiser"),
            "admin": User(email="admin@example.com", name="Ada", role="admin"),
        }
        hashed = hash_password(PASSWORD)
        for user in users.values():
            user.password_hash = hashed
        s.add_all(users.values())
        s.flush()
        for role, user in users.items():
            keys[role] = create_api_key(s, user, f"{role} key")[1]
        products = {"glove": glove.id, "composite": composite.id, "mirror": mirror.id}
        offer_ids = {k: o.id for k, o in offers.items()}
    return keys, products, offer_ids


def build_env(tmp_path: Path, **settings_overrides: Any) -> ApiEnv:
    options: dict[str, Any] = {
        "data_dir": tmp_path / "var",
        "database_url": "",
        "broker_url": "",
        "redis_url": "",
        "environment": "test",
    }
    settings = Settings(**{**options, **settings_overrides})
    keys, products, offers = _seed(settings)
    app = create_app(settings, anonymous_rate_per_minute=10_000)
    holder: SearchHolder = app.state.search
    with factory_for(settings)() as session:
        holder.get().backend.reindex(build_documents(session, rates=rate_table(settings)))
    # from loopback, like an operator on the host: /metrics and /readyz details are shown
    client = TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000))
    client.__enter__()
    return ApiEnv(app, client, settings, keys, products, offers)


def restart_env(env: ApiEnv) -> ApiEnv:
    """A new app over ``env``'s database and index (a server restart), same keys."""
    app = create_app(env.settings, anonymous_rate_per_minute=10_000)
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    return ApiEnv(app, client, env.settings, env.keys, env.products, env.offers)


def close_env(env: ApiEnv) -> None:
    env.client.__exit__(None, None, None)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and "type" in body and "instance" in body
    assert "Traceback" not in response.text
    return body


def assert_not_found_page(response: Any) -> None:
    """A web page's answer to an id no row can have: the not-found page (``ui.error_pages``)."""
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert "<html" in response.text and "Traceback" not in response.text


def wait_for_run(env: ApiEnv, run_id: int, role: str = "retailer_own") -> dict[str, Any]:
    deadline = time.monotonic() + 120  # the run is a niced child process: slow on a busy machine
    while True:
        response = env.client.get(f"/api/v1/feeds/{run_id}", headers=env.headers(role))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert 0.0 <= body["progress"] <= 1.0
        if body["status"] in ("succeeded", "rejected", "failed", "cancelled"):
            return body
        assert time.monotonic() < deadline, f"run {run_id} stuck in {body['status']}"
        time.sleep(0.05)


def feed_csv(rows: int = 3, bad_rows: int = 1) -> bytes:
    lines = ["Artikelnummer;Benämning;Pris inkl. moms;Lagerstatus;EAN"]
    for i in range(rows):
        lines.append(f"SKU-{i};Nitrilhandske storlek M {i};199,00 kr;I lager;")
    for i in range(bad_rows):
        lines.append(f"BAD-{i};Trasig rad {i};inte ett pris;I lager;")
    return ("\n".join(lines) + "\n").encode("utf-8")
