"""The console's synonym page and search report: a clinic's search finds nothing, the
merchandiser sees it in the report, adds a synonym, previews it, publishes it, and the
search finds the product; refusals name the line, in Swedish or English."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv, csrf_from


def _results(client: TestClient, q: str) -> list[str]:
    page = client.get("/", params={"q": q}).text
    return re.findall(r'<h3><a href="/produkt/\d+\?sq=[^"]*">([^<]+)</a></h3>', page)


def test_report_draft_preview_publish_and_the_search_finds_the_product(env: UiEnv) -> None:
    clinic = log_in(TestClient(env.app, follow_redirects=False), "clinic")
    merch = log_in(TestClient(env.app, follow_redirects=False), "merchandiser")
    assert _results(clinic, "vante") == []
    assert _results(clinic, "vante") == []

    report = merch.get("/konsol/sokrapport").text
    assert "Sökningar som inte lyckas" in report and "<td>vante</td>" in report
    assert 'href="/konsol/synonymer?q=vante"' in report
    assert "Searches that fail" in merch.get("/konsol/sokrapport?lang=en").text
    merch.get("/konsol/sokrapport?lang=sv")  # the choice is kept in a cookie: back to Swedish

    page = merch.get("/konsol/synonymer?q=vante").text
    assert "Synonymer och sammansättningar" in page and "Inga regler publicerade" in page
    saved = merch.post(
        "/konsol/synonymer/utkast",
        data={"rules": "vante => nitrilhandske", "q": "vante", "csrf_token": csrf_from(page)},
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/konsol/synonymer?notice=saved&v=1&q=vante"
    page = merch.get(saved.headers["location"]).text
    assert "Utkast version 1 sparat." in page and "+ vante =&gt; nitrilhandske" in page
    preview = page.split('id="synonym-preview"', 1)[1].split("</table>", 1)[0]
    assert "hittar nu produkter" in preview and "Nitrilhandske blå storlek M" in preview
    assert _results(clinic, "vante") == []  # a draft is not live

    published = merch.post(
        "/konsol/synonymer/publicera", data={"version": "1", "csrf_token": csrf_from(page)}
    )
    assert published.status_code == 303, published.text
    assert any(name.startswith("Nitrilhandske") for name in _results(clinic, "vante"))
    page = merch.get(published.headers["location"]).text
    assert "Version 1 är publicerad." in page and "Publicerad: version 1" in page


def test_a_bad_rule_is_refused_naming_the_line(env: UiEnv) -> None:
    merch = log_in(TestClient(env.app, follow_redirects=False), "merchandiser")
    page = merch.get("/konsol/synonymer").text
    data = {"rules": "borr, fräs\nensam", "csrf_token": csrf_from(page)}
    refused = merch.post("/konsol/synonymer/utkast", data=data)
    assert refused.status_code == 422
    assert "Rad 2: en tvåvägsregel behöver två termer" in refused.text
    assert "borr, fräs" in refused.text
    english = merch.post("/konsol/synonymer/utkast?lang=en", data=data)
    assert "Line 2: a two-way rule needs two terms" in english.text
    merch.get("/konsol/synonymer?lang=sv")


def test_a_result_click_counts_against_no_click(env: UiEnv) -> None:
    clinic = log_in(TestClient(env.app, follow_redirects=False), "clinic")
    merch = log_in(TestClient(env.app, follow_redirects=False), "merchandiser")
    page = clinic.get("/", params={"q": "nitrilhandske"}).text
    clinic.get("/", params={"q": "nitrilhandske"})
    link = re.search(r'<h3><a href="(/produkt/\d+\?sq=nitrilhandske)">', page)
    assert link is not None
    assert clinic.get(link.group(1)).status_code == 200
    report = merch.get("/konsol/sokrapport?typ=no_click&period=7d").text
    row = report.split("<td>nitrilhandske</td>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["2", "1", "1"]


def test_a_refusal_says_why_in_swedish_too(env: UiEnv) -> None:
    merch = log_in(TestClient(env.app, follow_redirects=False), "merchandiser")
    cases = {
        "a => b => c": "Rad 1: mer än en «=&gt;»",
        "borr, fräs\nlokalanestesi = lokal bedövning": (
            "Rad 2: delningen av «lokalanestesi»: delarna «lokal + bedövning» bildar inte ordet"
        ),
        "munskydd =\r\nmunskydd = mun skydd": "Rad 2: «munskydd» delas redan på rad 1",
        "a,,b": "Rad 1: en tom term",
        "x" * 501: "Rad 1: längre än 500 tecken",
    }
    for rules, reason in cases.items():
        page = merch.get("/konsol/synonymer").text
        refused = merch.post(
            "/konsol/synonymer/utkast", data={"rules": rules, "csrf_token": csrf_from(page)}
        )
        assert refused.status_code == 422
        assert reason in refused.text, rules


def test_a_version_past_any_integer_is_refused_on_the_page(env: UiEnv) -> None:
    merch = log_in(TestClient(env.app, follow_redirects=False), "merchandiser")
    for path, field in (("rulla-tillbaka", "to_version"), ("publicera", "version")):
        page = merch.get("/konsol/synonymer").text
        refused = merch.post(
            f"/konsol/synonymer/{path}", data={field: str(10**20), "csrf_token": csrf_from(page)}
        )
        assert refused.status_code == 409, refused.text  # was an OverflowError: a 500
        assert "Synonymer och sammansättningar" in refused.text
