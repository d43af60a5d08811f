"""Offers API benchmark: 1,000 stock updates through ``PATCH /api/v1/offers`` end to end,
the search index included, against a plain ``UPDATE`` of the same rows.

    python -m bench.offers_api [--items 1000] [--runs 3]

Builds a fresh database in a temporary folder with one retailer (an active organisation) and
``--items`` products, each with one offer of the retailer, indexes them, then per run:
sends one batch that flips every offer's stock (``I lager`` <-> ``Slut``) through the API as
the retailer's key (the app in-process: routing, auth, rate limit, validation, normalization,
one transaction, the index outbox applied before the request returns), checks the index has
nothing left to apply and that search shows the new stock, replays the same batch (every item
``unchanged``, nothing queued), and times a plain ``UPDATE offer SET stock_status`` of the same
rows (one executemany, no index) as the baseline. Prints each run's seconds and the medians.
Target (issue 19): the batch <= 2 s end to end; the replay changes nothing.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from api.auth import create_api_key, hash_password
from api.deps import SearchHolder
from catalog.db import transaction
from catalog.models import IndexOutbox, Offer, Organisation, Product, Retailer, User
from catalog.settings import Settings
from indexer.jobs import factory_for
from search.documents import build_documents
from search.prices import rate_table
from valbar.app import create_app


def seed(settings: Settings, items: int) -> str:
    """The retailer, its products and offers; returns the retailer user's API key."""
    factory = factory_for(settings)
    with transaction(factory) as s:
        retailer = Retailer(slug="bench", name="Bench AB")
        s.add(retailer)
        s.flush()
        org = Organisation(
            kind="retailer",
            name="Bench AB",
            org_number="556010-1114",
            city="Umeå",
            status="active",
            retailer_id=retailer.id,
            terms_version="2026-01",
        )
        s.add(org)
        s.flush()
        user = User(
            email="bench@valbar.test",
            name="Bench",
            role="retailer",
            retailer_id=retailer.id,
            organisation_id=org.id,
            org_role="representative",
            password_hash=hash_password(secrets.token_hex(8)),
        )
        s.add(user)
        s.flush()
        products = [
            Product(
                source="bench",
                source_key=f"p{i}",
                name=f"Benchvara {i}",
                category="Handskar",
                content_hash=f"p{i}",
            )
            for i in range(items)
        ]
        s.add_all(products)
        s.flush()
        s.add_all(
            Offer(
                retailer_id=retailer.id,
                sku=f"B-{i}",
                product_id=product.id,
                raw_name=product.name,
                price=Decimal("100.00"),
                stock_status="in_stock",
                content_hash=f"o{i}",
            )
            for i, product in enumerate(products)
        )
        key, plaintext = create_api_key(s, user, "bench")
        key.rate_limit_per_minute = 10_000_000
    return plaintext


def _pending(settings: Settings) -> int:
    with factory_for(settings)() as s:
        return int(s.scalar(select(func.count()).select_from(IndexOutbox)) or 0)


def _stock_in_search(client: TestClient) -> str:
    hit = client.get("/api/v1/search", params={"q": "Benchvara 7"}).json()["data"][0]
    return str(hit["best_offer"]["stock_status"]) if hit["best_offer"] else "none"


def plain_update(settings: Settings, items: int, status: str) -> float:
    """The baseline: the same rows' stock in one executemany UPDATE, no index."""
    factory = factory_for(settings)
    with factory() as s:
        ids = list(s.scalars(select(Offer.id).order_by(Offer.id).limit(items)))
    started = time.perf_counter()
    with transaction(factory) as s:
        s.execute(update(Offer), [{"id": i, "stock_status": status} for i in ids])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="valbar-offers-bench-") as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "var",
            database_url="",
            broker_url="",
            redis_url="",
            environment="test",
        )
        key = seed(settings, args.items)
        app = create_app(settings, anonymous_rate_per_minute=10_000_000)
        holder: SearchHolder = app.state.search
        with factory_for(settings)() as session:
            holder.get().backend.reindex(build_documents(session, rates=rate_table(settings)))
        headers = {"X-API-Key": key}
        api_s: list[float] = []
        replay_s: list[float] = []
        base_s: list[float] = []
        with TestClient(app) as client:
            for run in range(args.runs):
                text, status = ("Slut", "out_of_stock") if run % 2 == 0 else ("I lager", "in_stock")
                body = {"items": [{"sku": f"B-{i}", "stock": text} for i in range(args.items)]}
                started = time.perf_counter()
                r = client.patch("/api/v1/offers", json=body, headers=headers)
                took = time.perf_counter() - started
                assert r.status_code == 200, r.text
                assert r.json()["counts"] == {"updated": args.items}, r.json()["counts"]
                assert _pending(settings) == 0, "the index outbox was not applied"
                assert _stock_in_search(client) == status
                started = time.perf_counter()
                again = client.patch("/api/v1/offers", json=body, headers=headers)
                replay = time.perf_counter() - started
                assert again.json()["counts"] == {"unchanged": args.items}
                assert _pending(settings) == 0
                baseline = plain_update(settings, args.items, status)
                api_s.append(took)
                replay_s.append(replay)
                base_s.append(baseline)
                print(
                    f"run {run + 1}: API batch of {args.items} (index included) {took:.3f} s; "
                    f"replay {replay:.3f} s (all unchanged); plain UPDATE {baseline:.3f} s"
                )
    api, rep, base = (statistics.median(x) for x in (api_s, replay_s, base_s))
    print(
        f"median: API {api:.3f} s (target <= 2 s: {'ok' if api <= 2.0 else 'MISSED'}), "
        f"replay {rep:.3f} s, plain UPDATE {base:.3f} s, API / UPDATE = {api / base:.1f}x"
    )


if __name__ == "__main__":
    main()
