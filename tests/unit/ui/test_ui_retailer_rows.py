"""Pages show one row per retailer (issue 13 item 4): Lagerbolaget lists the mirror three
times; the product page, the search hit and the comparison give it one place, with its other
offers behind "fler från samma handlare (2)"."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import (
    MORE_FROM_ONE,
    MORE_OFFER_NAME,
    MORE_OFFER_TERMS,
    UiEnv,
    build_ui_env,
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiEnv]:
    built = build_ui_env(tmp_path_factory.mktemp("ui_rows"), more_from_one_retailer=True)
    yield built
    built.app.state.feed_runner.shutdown()
    built.app.state.search.close()


def _more_block(html: str) -> str:
    found = re.search(r'<details class="more-offers">(.*?)</table>', html, re.S)
    assert found, "no folded offers on the page"
    return found.group(1)


def test_product_page_has_one_row_per_retailer_and_folds_the_rest(
    client: TestClient, env: UiEnv
) -> None:
    pid = env.products[MORE_FROM_ONE]
    html = client.get(f"/produkt/{pid}").text
    assert html.count('<tbody class="offer">') == 2  # Nordisk and Lagerbolaget, once each
    assert re.search(r'id="offers-title">Erbjudanden <span class="muted small">\(2\)', html)
    assert html.count("fler från samma handlare (2)") == 1
    folded = _more_block(html)
    assert folded.count('class="more-offer"') == 2
    skus = re.findall(r'<span class="mono">(LAG-[^<]+)', folded)
    assert len(skus) == 2 and set(skus) < {"LAG-4", "LAG-4-B", "LAG-4-C"}  # the other two
    english = client.get(f"/produkt/{pid}?lang=en").text
    assert "more from the same retailer (2)" in english


def test_folded_offers_follow_the_ranking_and_can_be_bought(client: TestClient, env: UiEnv) -> None:
    pid = env.products[MORE_FROM_ONE]
    service = env.app.state.search.get()
    (_, lager) = service.product_retailers(pid)
    html = log_in(client, "clinic").get(f"/produkt/{pid}").text
    folded = _more_block(html)
    shown = [int(i) for i in re.findall(r'name="offer_id" value="(\d+)"', folded)]
    assert shown == [o.offer.offer_id for o in lager.more]  # ranked order, each buyable
    main = html.split('<details class="more-offers">')[0]
    assert f'name="offer_id" value="{lager.best.offer.offer_id}"' in main


def test_search_and_compare_count_retailers(client: TestClient, env: UiEnv) -> None:
    results = client.get("/?q=munspegel").text
    # Lagerbolaget's three offers count once, and the count says retailers, not offers
    assert "2 handlare" in results and "erbjudanden" not in results.split('<ol class="hits">')[1]
    pid = env.products[MORE_FROM_ONE]
    other = env.products["Sugslang engångs 100 st"]
    compare = client.get(f"/jamfor?ids={pid}&ids={other}").text
    row = re.search(r"Antal handlare</th>(.*?)</tr>", compare, re.S)
    assert row is not None and re.findall(r"<td>(\d+)</td>", row.group(1)) == ["2", "2"]


def test_a_folded_offer_says_what_it_is_and_what_its_retailer_adds(
    client: TestClient, env: UiEnv
) -> None:
    """A retailer's other offer of a product may be another pack or variant: its own name (when
    not the product's) and its warranty, service or training show in the folded row, the
    terms labelled as the retailer's."""
    pid = env.products[MORE_FROM_ONE]
    folded = _more_block(client.get(f"/produkt/{pid}").text)
    rows = {
        re.search(r'<span class="mono">([^<]+)', row).group(1): row  # type: ignore[union-attr]
        for row in re.findall(r'<tr class="more-offer">(.*?)</tr>', folded, re.S)
    }
    pack = rows["LAG-4-C"]
    assert f'<span class="offer-name">{MORE_OFFER_NAME}</span>' in pack
    assert f"<dt>Garanti (återförsäljarens)</dt><dd>{MORE_OFFER_TERMS['warranty']}</dd>" in pack
    (plain,) = [row for sku, row in rows.items() if sku != "LAG-4-C"]
    # named as the product: the name is not repeated; it adds no terms
    assert "offer-name" not in plain and "retailer-terms" not in plain
    english = _more_block(client.get(f"/produkt/{pid}?lang=en").text)
    assert (
        "<dt>Warranty (retailer&#39;s)</dt>" in english
        or "<dt>Warranty (retailer's)</dt>" in english
    )


def test_each_folded_offer_explains_its_score(client: TestClient, env: UiEnv) -> None:
    """A folded offer ranks after its retailer's best: each says why, with the same
    explanation bars as a retailer's row (its own score, factor by factor)."""
    pid = env.products[MORE_FROM_ONE]
    service = env.app.state.search.get()
    (_, lager) = service.product_retailers(pid)
    folded = _more_block(client.get(f"/produkt/{pid}").text)
    whys = re.findall(r'<tr class="why-row why-more">(.*?)</tr>', folded, re.S)
    assert len(whys) == len(lager.more) == 2
    for why, offer in zip(whys, lager.more, strict=True):
        assert "Varför efter bästa erbjudandet från Lagerbolaget" in why
        assert '<ol class="bars">' in why
        assert offer.explanation.contributions, "a ranked offer has contributions"
    english = _more_block(client.get(f"/produkt/{pid}?lang=en").text)
    assert "Why after the best offer from Lagerbolaget" in english
