"""The product page's price history (chart, table, 30/90/365 days, "lägsta på N dagar"),
the watch form and "Mina bevakningar"; the retailer statistics' my price vs the lowest."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.db import transaction
from catalog.models import Offer, OfferHistory
from indexer.jobs import factory_for
from marketplace.dates import utc_now
from marketplace.models import PriceWatch
from tests.unit.ui.ui_support import UiEnv, csrf_from
from ui.price_chart import line_chart


def _product(env: UiEnv) -> int:
    return next(iter(env.products.values()))


def _add_history(env: UiEnv, product_id: int) -> Decimal:
    """A cheaper price ten days ago for the product's cheapest offer, then today's price back:
    returns the old low."""
    with transaction(factory_for(env.settings)) as s:
        offer = s.scalars(
            select(Offer).where(Offer.product_id == product_id).order_by(Offer.price)
        ).first()
        assert offer is not None and offer.price is not None
        s.query(OfferHistory).filter(OfferHistory.offer_id == offer.id).delete()
        low = offer.price - Decimal("20")
        for days, price in ((40, offer.price), (10, low), (5, offer.price)):
            s.add(
                OfferHistory(
                    offer_id=offer.id,
                    feed_run_id=None,
                    changed_at=utc_now() - timedelta(days=days),
                    price=price,
                    currency="SEK",
                    stock_status="in_stock",
                    buyable=True,
                    withdrawn=False,
                )
            )
        return low


def test_the_product_page_draws_the_history_with_a_table(env: UiEnv, client: TestClient) -> None:
    pid = _product(env)
    _add_history(env, pid)
    page = client.get(f"/produkt/{pid}?dagar=30").text
    assert 'id="prishistorik"' in page
    assert (
        '<svg class="chart" role="img" aria-labelledby="price-chart-title price-chart-desc"' in page
    )
    assert '<title id="price-chart-title">' in page and '<desc id="price-chart-desc">' in page
    assert "<polyline points=" in page
    assert 'id="price-chart-table"' in page  # the accessible fallback
    assert "över lägsta på 30 dagar" in page  # today's price is above the drop of 10 days ago
    assert 'value="30" selected' in page
    en = client.get(f"/produkt/{pid}?dagar=365&lang=en").text
    assert "above the lowest in 365 days" in en or "Lowest in 365 days" in en
    # an unknown window falls back to 90 days
    assert 'value="90" selected' in client.get(f"/produkt/{pid}?dagar=7").text


def test_lowest_in_the_window(env: UiEnv, client: TestClient) -> None:
    pid = list(env.products.values())[1]
    page = client.get(f"/produkt/{pid}").text
    # no change in the window: today's price is the window's lowest
    assert "Lägsta på 90 dagar" in page


def test_the_chart_geometry_breaks_at_gaps_and_stays_in_its_box() -> None:
    from datetime import date

    days = [date(2026, 1, d) for d in range(1, 8)]
    chart = line_chart(
        days,
        [
            ("lowest", [Decimal(10), Decimal(9), None, Decimal(8), None, Decimal(7), Decimal(7)]),
            ("alone", [None, None, None, Decimal(12), None, None, None]),
        ],
        number=str,
    )
    lowest, alone = chart.lines
    assert len(lowest.paths) == 2 and len(lowest.dots) == 1
    assert alone.paths == () and len(alone.dots) == 1
    for line in chart.lines:
        for path in line.paths:
            for point in path.split():
                x, y = (float(v) for v in point.split(","))
                assert chart.left <= x <= chart.left + chart.plot_width
                assert chart.top <= y <= chart.bottom
    assert line_chart(days, [("none", [None] * 7)], number=str).empty


def test_a_clinic_watches_and_unwatches_once_per_double_click(
    env: UiEnv, as_clinic: TestClient
) -> None:
    pid = _product(env)
    page = as_clinic.get(f"/produkt/{pid}").text
    assert 'action="/produkt/' in page and "/bevaka" in page
    token = csrf_from(page)
    form = {"csrf_token": token, "target_price": "1 000,50", "back_in_stock": "1"}
    for _ in range(2):  # a double click
        r = as_clinic.post(f"/produkt/{pid}/bevaka", data=form)
        assert r.status_code == 303 and "notice=watch_saved" in r.headers["location"]
    with factory_for(env.settings)() as s:
        assert s.scalar(select(func.count()).select_from(PriceWatch)) == 1
        (w,) = s.scalars(select(PriceWatch))
        assert w.target_price == Decimal("1000.50") and w.back_in_stock
    listing = as_clinic.get("/bevakningar").text
    assert f'href="/produkt/{pid}#prishistorik"' in listing
    assert re.search(r"under 1\xa0000,50\xa0kr", listing)
    page = as_clinic.get(f"/produkt/{pid}").text
    assert "Sluta bevaka" in page and "Du bevakar produkten." in page
    bad = as_clinic.post(
        f"/produkt/{pid}/bevaka", data={"csrf_token": token, "target_price": "gratis"}
    )
    assert bad.status_code == 422 and "Målpriset måste vara" in bad.text
    none = as_clinic.post(f"/produkt/{pid}/bevaka", data={"csrf_token": token})
    assert none.status_code == 422 and "Välj ett målpris" in none.text
    for _ in range(2):
        r = as_clinic.post(f"/produkt/{pid}/sluta-bevaka", data={"csrf_token": token})
        assert r.status_code == 303
    with factory_for(env.settings)() as s:
        assert s.scalar(select(func.count()).select_from(PriceWatch)) == 0
    assert "Du bevakar inga produkter ännu." in as_clinic.get("/bevakningar").text


def test_anonymous_visitors_are_asked_to_sign_in_to_watch(env: UiEnv, client: TestClient) -> None:
    page = client.get(f"/produkt/{_product(env)}").text
    assert "Logga in som klinik för att bevaka priset." in page
    assert '/bevaka"' not in page


def test_the_retailer_statistics_show_my_price_against_the_lowest(
    env: UiEnv, as_retailer: TestClient
) -> None:
    page = as_retailer.get("/portal/statistik?dagar=30").text
    section = page[page.find('id="priser"') :]
    assert "Mitt pris mot lägsta pris" in section
    assert section.count('role="img"') >= 1 and "Mitt pris" in section
    assert 'id="my-prices-' in section and "Lägsta köpbara pris" in section
    en = as_retailer.get("/portal/statistik?dagar=30&lang=en").text
    assert "My price vs the lowest price" in en
