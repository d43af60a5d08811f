"""Numbers typed and shown the Swedish way, singular forms, and claims the data backs."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ranking.config import FactorWeights
from ranking.messages import render
from tests.unit.ui.ui_support import UiEnv, csrf_from
from ui.console_state import WEIGHT_PATTERN, bad_weights, config_from_form, parse_number
from ui.i18n import translate
from ui.ranking_claim import order_claim
from ui.routes.clinic import PRICE_PATTERN, _decimal
from ui.routes.console import ROLES


def _input(html: str, name: str) -> str:
    found = re.search(rf'<input id="{name}"[^>]*>', html)
    assert found, name
    return found.group(0)


# ---------------------------------------------------------------- decimal commas


def test_price_fields_take_decimal_commas(client: TestClient) -> None:
    html = client.get("/?q=nitrilhandske&min_price=80,50&max_price=1 000,5").text
    for name in ("min_price", "max_price"):
        field = _input(html, name)
        assert 'type="text"' in field and 'inputmode="decimal"' in field, field
        assert "pattern=" in field and 'type="number"' not in field
    assert 'value="80,50"' in _input(html, "min_price")  # shown again the Swedish way
    assert 'value="1000,5"' in _input(html, "max_price")
    assert "Nitrilhandske blå storlek L" in html  # cheapest 90: inside 80,50..1000,5
    assert "Nitrilhandske blå storlek M" not in html  # cheapest 80: below 80,50
    english = client.get("/?q=nitrilhandske&min_price=80.5&lang=en").text
    assert 'value="80.5"' in _input(english, "min_price")
    assert re.fullmatch(PRICE_PATTERN, "100,50") and re.fullmatch(PRICE_PATTERN, "1 000.5")
    assert not re.fullmatch(PRICE_PATTERN, "abc")
    assert _decimal("100,50") == _decimal("100.50") and _decimal("1\u00a0000") == 1000


def test_garbage_price_is_refused_with_a_visible_message(client: TestClient) -> None:
    html = client.get("/?q=nitrilhandske&min_price=mycket").text
    assert "Lägsta pris ska vara ett belopp" in html and "mycket" in html
    assert 'value="mycket"' in _input(html, "min_price")  # kept so it can be corrected
    assert "Nitrilhandske" in html  # the search still ran, without the bad filter
    english = client.get("/?q=nitrilhandske&max_price=lots&lang=en").text
    assert "Maximum price must be an amount" in english


def test_min_above_max_is_said_in_the_readers_language(client: TestClient) -> None:
    html = client.get("/?q=nitril&min_price=500&max_price=10").text
    assert "Lägsta pris är högre än högsta pris." in html
    assert "min_price is above max_price" not in html
    english = client.get("/?q=nitril&min_price=500&max_price=10&lang=en").text
    assert "The minimum price is above the maximum price." in english


def test_console_weights_take_decimal_commas(client: TestClient) -> None:
    from tests.unit.ui.conftest import log_in

    log_in(client, "merchandiser")
    page = client.get("/konsol").text
    field = re.search(r'<input id="w_price"[^>]*>', page)
    assert field and 'type="text"' in field.group(0) and 'inputmode="decimal"' in field.group(0)
    assert 'value="0,04"' in field.group(0)  # the published 0.04, written the Swedish way
    data = dict(re.findall(r'name="(w_\w+)"[^>]*value="([^"]*)"', page))
    data.update(rule_count="2", csrf_token=csrf_from(page), w_price="0,5")
    saved = client.post("/konsol/utkast", data=data)
    assert saved.status_code == 303, saved.text
    assert 'value="0,5"' in re.search(
        r'<input id="w_price"[^>]*>', client.get("/konsol").text
    ).group(0)  # type: ignore[union-attr]
    data.update(w_price="0,5x", csrf_token=csrf_from(client.get("/konsol").text))
    refused = client.post("/konsol/utkast", data=data)
    assert refused.status_code == 422
    assert "Vikten för Pris ska vara ett tal" in refused.text and "0,5x" in refused.text
    assert "merchandiser" in ROLES


def test_weight_parsing_is_pure() -> None:
    assert parse_number("0,5") == 0.5 == parse_number(" 0.5 ")
    assert parse_number("05") == 5.0  # what a number field made of "0,5": never sent now
    assert parse_number("abc") is None and parse_number("nan") is None
    assert bad_weights({"w_price": "1,2,3", "w_rma": "0,1"}) == [("price", "1,2,3")]
    assert re.fullmatch(WEIGHT_PATTERN, "0,5") and not re.fullmatch(WEIGHT_PATTERN, "x")
    from ranking.config import RankingConfig

    cfg = config_from_form(RankingConfig(name="t"), {"w_price": "0,5", "rule_count": "0"})
    assert cfg.weights.price == 0.5


# ---------------------------------------------------------------- singular forms


def test_one_is_singular_in_both_languages(client: TestClient) -> None:
    html = client.get("/?q=nitrilhandske&brand=Dentix").text
    assert re.search(r">\s*1 produkt\s*<", html) and "1 produkter" not in html
    english = client.get("/?q=nitrilhandske&brand=Dentix&lang=en").text
    assert re.search(r">\s*1 product\s*<", english)
    assert translate("sv", "search.results", n=2) == "2 produkter"
    assert translate("sv", "search.retailers", n=1) == "1 handlare"
    assert translate("en", "search.retailers", n="1") == "1 retailer"
    assert render("rma_share", {"share": 0.75, "cases": 1}, "sv") == (
        "reklamationer väl hanterade 75\u00a0% av 1 ärende"
    )
    assert render("rma_share", {"share": 0.75, "cases": 9}, "sv").endswith("9 ärenden")
    assert render("reviews_rated", {"stars": 4.0, "reviews": 1}, "sv") == "betyg 4,0/5 av 1 omdöme"
    assert (
        render("reviews_rated", {"stars": 4.0, "reviews": 1}, "en") == "rated 4.0/5 over 1 review"
    )
    promise = {"promise": "promise_days", "promise_days": 1}
    assert render("on_time_share", {"share": 1.0, "orders": 1, **promise}, "sv") == (
        "i tid 100\u00a0% av 1 order; lovar 1 dag"
    )
    assert render("promise_days", {"promise_days": 3}, "sv") == "lovar 3 dagar"


def test_placeholder_example_is_a_query_the_demo_answers() -> None:
    for lang in ("sv", "en"):
        text = translate(lang, "search.placeholder")
        assert "nitril" not in text.lower()
    assert "avtrycksmaterial" in translate("sv", "search.placeholder")


# ---------------------------------------------------------------- price sort


def test_price_sort_shows_the_price_it_sorts_on(client: TestClient) -> None:
    html = client.get("/?q=nitrilhandske&sort=price_asc").text
    shown = [
        p.replace("\u00a0", " ") for p in re.findall(r"från ([\d\u00a0 ]+,\d\d)\u00a0kr", html)
    ]
    assert shown, "no 'från <price>' on the cards"
    amounts = [float(p.replace(" ", "").replace(",", ".")) for p in shown]
    assert amounts == sorted(amounts)
    assert amounts[0] == 80.0  # the cheapest offer, not the top-ranked one (100)
    assert "Bästa erbjudande" in html
    relevance = client.get("/?q=nitrilhandske").text
    assert not re.search(r"från \d", relevance)
    descending = client.get("/?q=nitrilhandske&sort=price_desc&lang=en").text
    found = [
        float(p.replace(",", "")) for p in re.findall(r"from SEK\u00a0([\d,]+\.\d\d)", descending)
    ]
    assert found and found == sorted(found, reverse=True)


# ---------------------------------------------------------------- claims and chrome


def test_order_claim_follows_the_weights() -> None:
    default = order_claim(FactorWeights(), "sv")
    assert default == "leveransprecision, tillgänglighet och kollegors omdömen före pris"
    heavy_price = FactorWeights(price=5)
    claim = order_claim(heavy_price, "sv")
    assert "före pris" not in claim and claim.startswith("pris, leveransprecision")
    assert "before price" not in order_claim(heavy_price, "en")
    assert "price does not affect" in order_claim(FactorWeights(price=0), "en")


def test_footer_and_product_page_follow_the_published_config(
    client: TestClient, env: UiEnv
) -> None:
    product = f"/produkt/{env.products['Nitrilhandske blå storlek M']}"
    html = client.get(product).text
    assert (
        "Ordnade efter leveransprecision, tillgänglighet och kollegors omdömen före pris." in html
    )
    assert "före pris." in html.split("site-footer")[1]


def test_favicon(client: TestClient) -> None:
    html = client.get("/").text
    assert '<link rel="icon" href="/static/favicon.svg"' in html
    redirect = client.get("/favicon.ico")
    assert redirect.status_code in (301, 308)
    assert redirect.headers["location"] == "/static/favicon.svg"
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")


def test_metric_change_agrees_with_the_numbers_shown() -> None:
    from ui.console_state import Metrics
    from ui.i18n import Formatter, translator
    from ui.rendering import env as jinja

    def render(published: float, draft: float) -> list[str]:
        metrics = Metrics(3, {"ndcg@10": published, "mrr": 0.5}, {"ndcg@10": draft, "mrr": 0.5})
        html = jinja.get_template("partials/console_preview.html").render(
            t=translator("sv"),
            fmt=Formatter("sv"),
            comparison=None,
            preview_error=None,
            metrics=metrics,
        )
        row = re.search(r"nDCG@10</th>(.*?)</tr>", html)
        assert row
        return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row.group(1))

    assert render(0.8984, 0.8976) == ["0,898", "0,898", "±0,000"]  # was Δ −0,001
    assert render(0.8984, 0.9016) == ["0,898", "0,902", "+0,004"]
    assert render(0.9016, 0.8984) == ["0,902", "0,898", "−0,004"]


def test_claim_changes_when_price_weighs_most(client: TestClient, env: UiEnv) -> None:
    """Last in the module: it publishes a config where price has the largest weight."""
    from tests.unit.ui.conftest import log_in

    log_in(client, "merchandiser")
    page = client.get("/konsol").text
    data = dict(re.findall(r'name="(w_\w+)"[^>]*value="([^"]*)"', page))
    data.update(rule_count="2", csrf_token=csrf_from(page), w_price="5")
    assert client.post("/konsol/utkast", data=data).status_code == 303
    page = client.get("/konsol").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    published = client.post(
        "/konsol/publicera", data={"version": version.group(1), "csrf_token": csrf_from(page)}
    )
    assert published.status_code == 303
    product = client.get(f"/produkt/{env.products['Nitrilhandske blå storlek M']}").text
    assert "före pris" not in product
    assert (
        "Ordnade efter pris, leveransprecision och tillgänglighet (störst vikt först)." in product
    )
