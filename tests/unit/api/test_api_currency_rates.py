"""With a configured rate table (issue 13, 10) the API shows an offer in its own currency and
explains its price by the conversion; search prices, sorts and filters it in SEK."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from api.deps import SearchHolder
from catalog.db import transaction
from catalog.models import Offer, Retailer
from indexer.jobs import factory_for
from search.documents import build_documents
from search.prices import rate_table
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    tmp: Path = tmp_path_factory.mktemp("rates")
    env = build_env(tmp, currency_rates={"EUR": "11.42"}, currency_rates_date=date(2026, 12, 1))
    factory = factory_for(env.settings)
    with transaction(factory) as s:
        tand = s.query(Retailer).filter_by(slug="tandab").one()
        offer = Offer(
            retailer_id=tand.id,
            sku="T-EUR",
            product_id=env.products["mirror"],
            raw_name="Munspegel (EUR)",
            price=Decimal("2.00"),  # 22.84 SEK: cheaper than Dental Nord's 35.00 SEK
            currency="EUR",
            vat_included=True,
            stock_status="in_stock",
            delivery_days=3,
            content_hash="eur",
        )
        s.add(offer)
        s.flush()
        env.offers["mirror_eur"] = offer.id
    holder: SearchHolder = env.app.state.search
    with factory() as session:
        holder.get().backend.reindex(build_documents(session, rates=rate_table(env.settings)))
    yield env
    close_env(env)


def _price(offer: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(
        c for c in offer["explanation"]["contributions"] if c["factor"] == "price"
    )
    return found


def test_product_offer_in_its_currency_with_the_conversion_explained(env: ApiEnv) -> None:
    url = f"/api/v1/products/{env.products['mirror']}"
    body = env.client.get(url, headers={"Accept-Language": "en"}).json()
    eur = next(o for o in body["offers"] if o["id"] == env.offers["mirror_eur"])
    assert (float(eur["price"]), eur["currency"]) == (2.0, "EUR")  # never shown as SEK
    price = _price(eur)
    assert price["code"] == "price_cheapest"
    assert price["values"]["vat"] == "price_converted"
    assert price["values"]["original_currency"] == "EUR"
    assert price["text"] == (
        "cheapest of 2 offers (EUR 2.00 ≈ SEK\u00a022.84 incl. VAT, rate 11.42 as of 2026-12-01)"
    )
    sv = env.client.get(url, headers={"Accept-Language": "sv"}).json()
    eur_sv = next(o for o in sv["offers"] if o["id"] == env.offers["mirror_eur"])
    assert _price(eur_sv)["text"] == (
        "billigast av 2 erbjudanden (2,00\u00a0EUR ≈ 22,84\u00a0kr inkl. moms, "
        "kurs 11,42 den 2026-12-01)"
    )


def test_search_shows_the_best_offer_in_its_currency_and_prices_it_in_sek(env: ApiEnv) -> None:
    body = env.client.get("/api/v1/search", params={"q": "munspegel"}).json()
    hit = body["data"][0]
    assert hit["product_id"] == env.products["mirror"]
    best = hit["best_offer"]
    assert (best["offer_id"], best["price"], best["currency"]) == (
        env.offers["mirror_eur"],
        2.0,
        "EUR",
    )
    assert best["price_incl_vat"] is None  # its SEK equivalent is in the explanation only
    assert hit["price_range"] == {
        "min": 22.84,
        "max": 35.0,
        "currency": "SEK",
        "vat_included": True,
    }


def test_search_filters_and_sorts_by_the_sek_equivalent(env: ApiEnv) -> None:
    def ids(**params: Any) -> list[int]:
        found = env.client.get("/api/v1/search", params=params).json()["data"]
        return [h["product_id"] for h in found]

    mirror = env.products["mirror"]
    assert ids(max_price=30) == [mirror]  # 22.84 SEK, not 35.00 (the EUR offer counts)
    assert ids(min_price=1, max_price=3) == []  # never its bare 2.00
    ordered = ids(sort="price_asc")
    assert ordered[0] == mirror  # 22.84 before the gloves' 79.00


def test_product_page_shows_the_offer_in_its_currency_and_explains_the_conversion(
    env: ApiEnv,
) -> None:
    page = env.client.get(f"/produkt/{env.products['mirror']}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "22,84\u00a0EUR" not in html and "22,84 EUR" not in html  # the SEK amount as EUR
    assert "2,00\u00a0EUR" in html or "2,00 EUR" in html or "EUR\u00a02,00" in html
    assert "2,00\u00a0EUR ≈ 22,84\u00a0kr inkl. moms, kurs 11,42 den 2026-12-01" in html
