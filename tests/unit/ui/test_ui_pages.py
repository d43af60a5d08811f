"""Every page renders: 200, Swedish by default, English with ?lang=en (and the cookie)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.unit.ui.ui_support import UiEnv

PUBLIC = [
    ("/", "Sök produkter", "Search products"),
    ("/?q=nitrilhandske", "Jämför valda", "Compare selected"),
    ("/logga-in", "Lösenord", "Password"),
    ("/handlare/nordisk-dentaldepa", "Uppmätt service", "Measured service"),
]


@pytest.mark.parametrize(("url", "sv", "en"), PUBLIC)
def test_public_pages_render_in_swedish_and_english(
    client: TestClient, url: str, sv: str, en: str
) -> None:
    swedish = client.get(url)
    assert swedish.status_code == 200
    assert '<html lang="sv">' in swedish.text and sv in swedish.text
    sep = "&" if "?" in url else "?"
    english = client.get(f"{url}{sep}lang=en")
    assert english.status_code == 200
    assert '<html lang="en">' in english.text and en in english.text
    assert english.cookies.get("valbar_lang") == "en"


def test_language_cookie_is_remembered(client: TestClient) -> None:
    client.get("/?lang=en")
    assert "Search products" in client.get("/").text
    assert "Sök produkter" in client.get("/?lang=sv").text


def test_search_shows_best_offer_quality_facets_and_compare(client: TestClient) -> None:
    html = client.get("/?q=nitrilhandske").text
    assert "3 produkter" in html
    assert "Nordisk Dentaldepå AB" in html  # best offer's retailer (measured quality wins)
    assert "97\u00a0% i tid" in html  # retailer quality on the row
    assert 'name="ids"' in html and 'action="/jamfor"' in html
    for facet in ("Varumärke", "Tillverkare", "Kategori", "Återförsäljare"):
        assert facet in html
    assert "Lagerbolaget Dental" in html  # retailer facet shows names, not slugs


def test_filters_narrow_the_results(client: TestClient) -> None:
    html = client.get("/?q=nitrilhandske&brand=Dentix").text
    assert "1 produkt <" in html and "Nitrilhandske svart storlek M" in html
    assert "Nitrilhandske blå storlek M" not in html
    cheap = client.get("/?q=nitrilhandske&max_price=85").text  # cheapest offers 80/90/100
    assert "Nitrilhandske blå storlek M" in cheap and "Nitrilhandske svart" not in cheap
    fast = client.get("/?q=nitrilhandske&in_stock=1&max_delivery_days=2&sort=price_asc").text
    assert "Nitrilhandske" in fast


def test_bad_filter_values_do_not_break_the_page(client: TestClient) -> None:
    response = client.get("/?q=nitril&min_price=abc&max_delivery_days=-3&page=x&sort=evil")
    assert response.status_code == 200
    inverted = client.get("/?q=nitril&min_price=500&max_price=10")
    assert inverted.status_code == 200 and "Ogiltig sökning" in inverted.text


def test_pagination_links_keep_the_query(client: TestClient) -> None:
    html = client.get("/?q=nitrilhandske").text
    assert 'rel="next"' not in html  # three hits fit on one page


def test_suggestions_fragment(client: TestClient) -> None:
    fragment = client.get("/ui/suggest?q=nitril").text
    assert "<html" not in fragment
    assert "nitrilhandske" in fragment and 'href="/?q=' in fragment
    assert client.get("/ui/suggest?q=n").text.strip() == ""


def test_product_page_has_specs_identifiers_and_explained_offers(
    client: TestClient, env: UiEnv
) -> None:
    pid = env.products["Nitrilhandske blå storlek M"]
    html = client.get(f"/produkt/{pid}").text
    assert "Tillverkarens uppgifter" in html and "Acme Dental AB" in html
    assert "Material" in html and "Nitril" in html  # specs
    assert "07312345678904" in html and "GS1" in html  # identifiers
    assert html.count('class="offer"') == 3
    assert "Varför denna ordning" in html
    assert "i tid 97\u00a0% av 148 ordrar" in html  # the detail sentence, in Swedish
    assert 'class="bar-fill w-' in html and "style=" not in html
    # ranked: the measured, reliable retailer first; the cheapest last
    assert html.index("Nordisk Dentaldepå AB") < html.index("Lagerbolaget Dental")
    english = client.get(f"/produkt/{pid}?lang=en").text
    assert "Why this order" in english and "on time 97% over 148 orders" in english


def test_unknown_product_and_retailer_are_404(client: TestClient) -> None:
    assert client.get("/produkt/999999").status_code == 404
    assert client.get("/handlare/nobody").status_code == 404


def test_compare_side_by_side(client: TestClient, env: UiEnv) -> None:
    ids = list(env.products.values())
    html = client.get(f"/jamfor?ids={ids[0]}&ids={ids[1]}").text
    assert "Jämför produkter" in html
    assert "Nitrilhandske blå storlek M" in html and "Nitrilhandske blå storlek L" in html
    assert "Storlek" in html and "Bästa erbjudande" in html
    comma = client.get(f"/jamfor?ids={ids[0]},{ids[1]},{ids[2]}").text
    assert "Nitrilhandske svart storlek M" in comma
    too_many = client.get("/jamfor?ids=" + ",".join(map(str, ids))).text
    assert "de fyra första" in too_many
    assert "Välj 2–4 produkter" in client.get("/jamfor").text


def test_retailer_page_shows_presentation_video_and_signals(client: TestClient) -> None:
    html = client.get("/handlare/nordisk-dentaldepa").text
    assert "Beställ före kl. 14" in html
    assert 'href="https://video.example/nordisk"' in html
    assert "Levererat i tid" in html and "97\u00a0%" in html
    assert "Ingen data ännu" in client.get("/handlare/smilo").text


def test_no_ads_no_banners_no_campaign_links(client: TestClient, env: UiEnv) -> None:
    pid = env.products["Nitrilhandske blå storlek M"]
    for url in ("/", "/?q=nitril", f"/produkt/{pid}", "/handlare/nordisk-dentaldepa"):
        html = client.get(url).text.lower()
        for word in ("banner", "sponsor", "kampanj", "campaign", 'class="ad', "<iframe"):
            assert word not in html, (url, word)


def test_static_files_are_served(client: TestClient) -> None:
    assert client.get("/static/valbar.css").status_code == 200
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:2000]


def test_offer_rows_show_the_retailers_own_terms_labelled_as_the_retailers(
    client: TestClient, env: UiEnv
) -> None:
    pid = env.products["Nitrilhandske blå storlek M"]
    html = client.get(f"/produkt/{pid}").text
    offers = html.split('id="offers"', 1)[1]
    terms = offers.split('class="retailer-terms', 1)[1].split("</div>", 1)[0]
    assert "Återförsäljarens åtaganden (Nordisk Dentaldepå AB, inte tillverkarens)" in terms
    assert "<dt>Garanti</dt><dd>3 års garanti hos oss</dd>" in terms
    assert "<dt>Service</dt><dd>Serviceavtal med lånehandske</dd>" in terms
    assert "<dt>Utbildning</dt><dd>Kom-igång-utbildning ingår</dd>" in terms
    assert "Handskar</dd>" not in terms  # other metadata is not a term
    # not on the manufacturer's side of the page, and only on the offer that has them
    assert "3 års garanti" not in html.split('id="offers"', 1)[0]
    assert offers.count('class="retailer-terms') == 1
    english = client.get(f"/produkt/{pid}?lang=en").text
    assert (
        "The retailer&#39;s commitments (Nordisk Dentaldepå AB, not the manufacturer&#39;s)"
        in (english)
        or "The retailer's commitments (Nordisk Dentaldepå AB, not the manufacturer's)" in english
    )
    assert "<dt>Warranty</dt><dd>3 års garanti hos oss</dd>" in english


def test_compare_shows_the_best_offers_terms_as_the_retailers(
    client: TestClient, env: UiEnv
) -> None:
    ids = list(env.products.values())
    html = client.get(f"/jamfor?ids={ids[0]}&ids={ids[1]}").text
    row = html.split("Garanti (återförsäljarens)", 1)[1].split("</tr>", 1)[0]
    cells = row.split("<td>")[1:]
    assert "3 års garanti hos oss" in cells[0] and "Nordisk Dentaldepå AB" in cells[0]
    assert cells[1].startswith("–")  # the other product's best offer adds no warranty
    assert "Utbildning (återförsäljarens)" in html and "Service (återförsäljarens)" in html
    english = client.get(f"/jamfor?ids={ids[0]}&ids={ids[1]}&lang=en").text
    assert "Warranty (retailer&#39;s)" in english or "Warranty (retailer's)" in english
    # products whose best offers add nothing get no such rows
    plain = client.get(f"/jamfor?ids={ids[1]}&ids={ids[2]}").text
    assert "(återförsäljarens)" not in plain
