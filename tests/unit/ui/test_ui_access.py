"""Forms need their CSRF token; the portal is for retailer users, the console for staff."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, csrf_from, feed_bytes

POSTS = [
    ("/logga-in", {"email": EMAILS["clinic"], "password": "x"}),
    ("/logga-ut", {}),
    ("/portal/uppladdning/abcdefghijklmnopqrstuvwx/granska", {}),
    ("/portal/uppladdning/abcdefghijklmnopqrstuvwx/skicka", {}),
    ("/konsol/utkast", {"w_price": "1"}),
    ("/konsol/publicera", {"version": "1"}),
    ("/konsol/rulla-tillbaka", {"to_version": "1"}),
    ("/konsol/synonymer/utkast", {"rules": "a, b"}),
    ("/konsol/synonymer/publicera", {"version": "1"}),
    ("/konsol/synonymer/rulla-tillbaka", {"to_version": "1"}),
    ("/admin/anvandare/las-upp", {"email": "nobody@valbar.test"}),
    ("/omdomen/1/anmal", {"reason": "Kränkande"}),
    ("/admin/omdomen/anmalan/1", {"outcome": "removed", "reason": "x"}),
    ("/admin/omdomen/1/beslut", {"decision": "remove", "reason": "x"}),
    ("/bli-aterforsaljare", {"name": "X"}),
    ("/bli-kund", {"name": "X"}),
    ("/bekrafta-registrering/abc", {}),
    ("/inbjudan/abc", {"name": "X"}),
    ("/organisation/medlemmar/bjud-in", {"email": "x@valbar.test", "org_role": "staff"}),
    ("/organisation/medlemmar/1/roll", {"org_role": "staff"}),
    ("/organisation/medlemmar/1/ta-bort", {}),
    ("/organisation/inbjudningar/1/aterkalla", {}),
    ("/admin/matchning/kandidat/1/godkann", {}),
    ("/admin/matchning/kandidat/1/avvisa", {}),
    ("/admin/matchning/erbjudande/1/ny-produkt", {}),
    ("/admin/matchning/erbjudande/1/valj", {"product_id": "1"}),
    ("/admin/matchning/regel", {"bulk_retailer": "smilo", "min_score": "0.9", "expected": "1"}),
    ("/mina-uppgifter/nycklar", {"name": "x", "scope": "search"}),
    ("/mina-uppgifter/nycklar/1/aterkalla", {}),
    ("/portal/presentation", {"presentation": "x"}),
    ("/portal/presentation/logotyp", {"remove": "1"}),
    ("/portal/kampanjer", {"title": "x"}),
    ("/portal/kampanjer/1/avsluta", {}),
]


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_form_posts_without_csrf_are_refused(
    client: TestClient, url: str, data: dict[str, str]
) -> None:
    assert client.post(url, data=data).status_code == 403


@pytest.mark.parametrize(("url", "data"), POSTS[2:])
def test_form_posts_with_a_wrong_csrf_token_are_refused(
    as_merch: TestClient, url: str, data: dict[str, str]
) -> None:
    assert as_merch.post(url, data={**data, "csrf_token": "forged"}).status_code == 403


def test_upload_without_csrf_is_refused(as_retailer: TestClient) -> None:
    response = as_retailer.post(
        "/portal/uppladdning", files={"file": ("lager.csv", feed_bytes(), "text/csv")}
    )
    assert response.status_code == 403


def test_login_with_wrong_password_shows_an_error(client: TestClient) -> None:
    page = client.get("/logga-in")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/logga-in", data={"email": EMAILS["clinic"], "password": "fel", "csrf_token": token}
    )
    assert response.status_code == 401 and "Fel e-post eller lösenord" in response.text


def test_login_redirects_by_role_and_to_local_next_only(client: TestClient) -> None:
    page = client.get("/logga-in")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    from tests.unit.ui.ui_support import PASSWORD

    response = client.post(
        "/logga-in",
        data={
            "email": EMAILS["clinic"],
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_logout_ends_the_session(as_clinic: TestClient) -> None:
    page = as_clinic.get("/")
    assert "Inloggad som Anna Lind" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert as_clinic.post("/logga-ut", data={"csrf_token": token}).status_code == 303
    assert "Inloggad som" not in as_clinic.get("/").text


@pytest.mark.parametrize(
    "url",
    [
        "/portal",
        "/portal/korningar/1",
        "/portal/mall.csv",
        "/portal/mall.xlsx",
        "/portal/faltguide",
        "/konsol",
        "/konsol/synonymer",
        "/konsol/sokrapport",
        "/admin/anvandare",
        "/admin/omdomen",
        "/admin/matchning",
        "/admin/flodeskorningar",
        "/admin/flodeskorningar/1",
        "/admin/oversikt",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/logga-in?next=")


@pytest.mark.parametrize(
    ("fragment", "page"),
    [("/konsol/jamfor?q=bur", "/konsol"), ("/portal/korningar/1", "/portal"), ("/ordrar", "/")],
)
def test_an_htmx_request_of_a_logged_out_visitor_sends_the_page_to_log_in(
    client: TestClient, fragment: str, page: str
) -> None:
    """A fragment swap after the session ended: the browser goes to the login page (and back
    to the page it was on), instead of the login page being swapped into the fragment."""
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}?q=x"}
    response = client.get(fragment, headers=headers)
    assert response.status_code == 401 and "<html" not in response.text
    assert response.headers["HX-Redirect"] == f"/logga-in?next={page}"
    elsewhere = {"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"}
    response = client.get(fragment, headers=elsewhere)
    assert response.headers["HX-Redirect"] == f"/logga-in?next={fragment.split('?')[0]}"


@pytest.mark.parametrize("role", ["clinic", "merchandiser", "admin"])
def test_portal_is_only_for_retailer_users(client: TestClient, role: str) -> None:
    log_in(client, role)
    for url in ("/portal/mall.csv", "/portal/mall.xlsx", "/portal/faltguide"):
        assert client.get(url).status_code == 403, url
    response = client.get("/portal")
    assert response.status_code == 403
    assert "behörighet" in response.text
    assert "Återförsäljarportal" not in response.text.split("<main", 1)[0]  # no nav link


@pytest.mark.parametrize("role", ["clinic", "retailer"])
def test_console_is_only_for_merchandisers(client: TestClient, role: str) -> None:
    log_in(client, role)
    assert client.get("/konsol").status_code == 403


@pytest.mark.parametrize("role", ["clinic", "retailer", "merchandiser", "admin"])
def test_the_users_page_and_its_unlock_button_are_only_for_admins(
    client: TestClient, role: str
) -> None:
    log_in(client, role)
    page = client.get("/admin/anvandare")
    token = csrf_from(client.get("/").text)
    posted = client.post(
        "/admin/anvandare/las-upp", data={"email": "nobody@valbar.test", "csrf_token": token}
    )
    header = client.get("/").text.split("<main", 1)[0]
    if role == "admin":
        assert page.status_code == 200 and EMAILS["clinic"] in page.text
        assert posted.status_code == 303
        assert 'href="/admin/anvandare"' in header
    else:
        assert page.status_code == 403 and posted.status_code == 403
        assert 'href="/admin/anvandare"' not in header


def test_nav_links_follow_the_role(client: TestClient) -> None:
    log_in(client, "retailer")
    header = client.get("/").text.split("<main", 1)[0]
    assert 'href="/portal"' in header and 'href="/konsol"' not in header


@pytest.mark.parametrize("role", ["clinic", "retailer", "merchandiser", "admin"])
def test_the_review_moderation_page_and_its_decisions_are_only_for_admins(
    client: TestClient, role: str
) -> None:
    log_in(client, role)
    page = client.get("/admin/omdomen")
    token = csrf_from(client.get("/").text)
    resolved = client.post(
        "/admin/omdomen/anmalan/999999",
        data={"outcome": "removed", "reason": "x", "csrf_token": token},
    )
    decided = client.post(
        "/admin/omdomen/999999/beslut",
        data={"decision": "remove", "reason": "x", "csrf_token": token},
    )
    header = client.get("/").text.split("<main", 1)[0]
    if role == "admin":
        assert page.status_code == 200 and "Granskning av omdömen" in page.text
        assert resolved.status_code == 404 and decided.status_code == 404
        assert 'href="/admin/omdomen"' in header
    else:
        assert (page.status_code, resolved.status_code, decided.status_code) == (403, 403, 403)
        assert 'href="/admin/omdomen"' not in header
