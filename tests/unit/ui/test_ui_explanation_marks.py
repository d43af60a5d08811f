"""What the search results and explanations tell a clinic (issue 13): a product a ranking
rule pinned is marked "Fäst av Valbar" (it is placed, not ranked), and an amount in an
explanation is money with its currency ("80,00 kr", "SEK 80.00")."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from catalog.db import transaction
from indexer.jobs import factory_for
from ranking.config import load_named
from ranking.messages import render
from ranking.rules import Rule
from ranking.versions import publish, save_draft
from tests.unit.ui.ui_support import UiEnv

PINNED = "Nitrilhandske svart storlek M"


def _publish_pin(env: UiEnv, query: str, product_id: int) -> None:
    name = env.settings.ranking_config
    shipped = load_named(name)
    pin = Rule(id="pin-svart", action="pin", match_query=query, product_id=product_id, position=1)
    config = shipped.model_copy(update={"rules": [*shipped.rules, pin]})
    with transaction(factory_for(env.settings)) as session:
        row = save_draft(session, name, config, author="merch@valbar.test")
        publish(session, name, row.version, author="merch@valbar.test")
    env.app.state.search.get().refresh_configs()


def _hits(html: str) -> list[str]:
    return re.findall(r'<li class="hit">.*?</li>\s*(?=<li class="hit">|</ol>)', html, re.S)


def test_a_pinned_product_is_marked_in_the_results(env: UiEnv, client: TestClient) -> None:
    before = client.get("/?q=nitrilhandske").text
    assert "Fäst av Valbar" not in before
    _publish_pin(env, "nitrilhandske", env.products[PINNED])

    hits = _hits(client.get("/?q=nitrilhandske").text)
    assert len(hits) == 3
    assert PINNED in hits[0] and "Fäst av Valbar" in hits[0]  # first, and said why
    assert all("Fäst av Valbar" not in hit for hit in hits[1:])
    assert "Pinned by Valbar" in client.get("/?q=nitrilhandske&lang=en").text
    assert "Fäst av Valbar" not in client.get("/?q=komposit").text  # another query: no pin


def test_explanation_amounts_carry_the_currency(env: UiEnv, client: TestClient) -> None:
    html = unescape(client.get(f"/produkt/{env.products['Nitrilhandske blå storlek M']}").text)
    details = re.findall(r'<span class="bar-detail">(.*?)</span>', html, re.S)
    prices = [d for d in details if "inkl. moms" in d]
    assert prices and all(re.search(r"\d+,\d\d\u00a0kr inkl\. moms", d) for d in prices)
    english = unescape(
        client.get(f"/produkt/{env.products['Nitrilhandske blå storlek M']}?lang=en").text
    )
    assert re.search(r"SEK\u00a0\d+\.\d\d incl\. VAT", english)


def test_render_writes_money_with_the_currency_it_is_given() -> None:
    price = {"gross": 12345.5, "offers": 3, "vat": "vat_included", "above": 1234.5}
    assert render("price_above_amount", price, "sv", currency="SEK") == (
        "1\u00a0234,50\u00a0kr över det billigaste av 3 erbjudanden "
        "(12\u00a0345,50\u00a0kr inkl. moms)"
    )
    assert render("price_above_amount", price, "en", currency="SEK") == (
        "SEK\u00a01234.50 above the cheapest of 3 offers (SEK\u00a012345.50 incl. VAT)"
    )
    assert (
        render("vat_included", {"gross": 10}, "sv", currency="EUR") == "10,00\u00a0EUR inkl. moms"
    )
    assert render("vat_included", {"gross": 10}, "en") == "10.00 incl. VAT"  # no currency given
