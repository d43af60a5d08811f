"""The admin console's pages: the home, organisations (search, decide, correct), users
(search, roles, suspend, reset sign-in and the page its link opens), the audit log; and who
may see them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import Organisation, User
from indexer.jobs import factory_for
from marketplace.models import OutgoingEmail
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, PASSWORD, UiEnv, csrf_from

PAGES = [
    "/admin",
    "/admin/organisationer",
    "/admin/organisationer/{org}",
    "/admin/anvandare/{user}",
    "/admin/logg",
]
POSTS = [
    ("/admin/organisationer/{org}/godkann", {}),
    ("/admin/organisationer/{org}/avsla", {"reason": "x"}),
    ("/admin/organisationer/{org}/stang-av", {"reason": "x"}),
    ("/admin/organisationer/{org}/ateraktivera", {}),
    ("/admin/organisationer/{org}/uppgifter", {"name": "x"}),
    ("/admin/anvandare/{user}/roller", {"role": "merchandiser"}),
    ("/admin/anvandare/{user}/stang-av", {"reason": "x"}),
    ("/admin/anvandare/{user}/ateraktivera", {}),
    ("/admin/anvandare/{user}/aterstall-inloggning", {}),
]


def _org(env: UiEnv, name: str, *, status: str = "pending", member: str | None = None) -> int:
    with transaction(factory_for(env.settings)) as s:
        org = Organisation(kind="clinic", name=name, status=status)
        s.add(org)
        s.flush()
        if member is not None:
            user = s.scalars(select(User).where(User.email == member)).one()
            user.organisation_id, user.org_role, user.active = org.id, "manager", False
        return org.id


def _user_id(env: UiEnv, email: str) -> int:
    with factory_for(env.settings)() as s:
        return s.scalars(select(User.id).where(User.email == email)).one()


def _ids(env: UiEnv) -> dict[str, int]:
    return {"org": _org(env, "Behörighetsklinik"), "user": _user_id(env, EMAILS["merchandiser"])}


@pytest.mark.parametrize("role", [None, "clinic", "retailer", "merchandiser"])
def test_the_console_is_only_for_admins(env: UiEnv, client: TestClient, role: str | None) -> None:
    ids = _ids(env)
    if role is not None:
        log_in(client, role)
    token = csrf_from(client.get("/logga-in").text)
    for page in PAGES:
        r = client.get(page.format(**ids))
        if role is None:
            assert r.status_code == 303 and r.headers["location"].startswith("/logga-in?next=")
        else:
            assert r.status_code == 403, page
    for url, data in POSTS:
        r = client.post(url.format(**ids), data={**data, "csrf_token": token})
        assert r.status_code == (303 if role is None else 403), url
        if role is None:
            assert r.headers["location"].startswith("/logga-in")
    with factory_for(env.settings)() as s:
        org = s.get(Organisation, ids["org"])
        assert org is not None and org.status == "pending" and org.name == "Behörighetsklinik"
    header = client.get("/").text.split("<main", 1)[0]
    assert 'href="/admin"' not in header


def test_forms_need_their_csrf_token(env: UiEnv, client: TestClient) -> None:
    """A form posted without its token is refused with an HTML page (403) in the page's
    language, not problem+json."""
    ids = _ids(env)
    log_in(client, "admin")
    for url, data in POSTS:
        r = client.post(url.format(**ids), data=data)
        assert r.status_code == 403, url
        assert r.headers["content-type"].startswith("text/html"), url
        assert "Formuläret har gått ut. Ladda om sidan och försök igen." in r.text, url
    english = client.post(f"/admin/organisationer/{ids['org']}/stang-av?lang=en", data={})
    assert english.status_code == 403 and "The form has expired." in english.text
    client.get("/?lang=sv")


def test_admins_land_on_the_console_home_with_the_waiting_sign_ups(
    env: UiEnv, client: TestClient
) -> None:
    _org(env, "Väntande klinik")
    page = client.get("/logga-in")
    r = client.post(
        "/logga-in",
        data={"email": EMAILS["admin"], "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert r.headers["location"] == "/admin"
    home = client.get("/admin")
    assert home.status_code == 200
    for link in ("/admin/organisationer", "/admin/anvandare", "/admin/omdomen", "/konsol"):
        assert f'href="{link}"' in home.text
    assert 'href="/admin/logg"' in home.text
    # the match queue, every retailer's runs and the queue lengths are one click away
    assert 'href="/admin/matchning"' in home.text and 'href="/admin/flodeskorningar"' in home.text
    assert 'id="admin-queues"' in home.text and 'id="queue-match"' in home.text
    assert re.search(r"\d+ ansökningar väntar på beslut|1 ansökan väntar", home.text)
    assert 'href="/admin"' in home.text.split("<main", 1)[0]
    english = client.get("/admin?lang=en")
    assert "Review moderation" in english.text and "Audit log" in english.text


def test_an_admin_finds_and_approves_a_sign_up_and_its_manager_may_sign_in(
    env: UiEnv, client: TestClient
) -> None:
    org_id = _org(env, "Leendet Tandvård AB", member=EMAILS["clinic"])
    log_in(client, "admin")
    found = client.get("/admin/organisationer", params={"q": "leendet", "status": "pending"})
    assert found.status_code == 200 and f'href="/admin/organisationer/{org_id}"' in found.text
    detail = client.get(f"/admin/organisationer/{org_id}")
    assert "Väntar på beslut" in detail.text and "Anna Lind" in detail.text
    token = csrf_from(detail.text)
    no_reason = client.post(f"/admin/organisationer/{org_id}/avsla", data={"csrf_token": token})
    assert no_reason.status_code == 422 and "motivering" in no_reason.text.lower()
    r = client.post(f"/admin/organisationer/{org_id}/godkann", data={"csrf_token": token})
    assert r.status_code == 303
    shown = client.get(r.headers["location"])
    assert "Ansökan är godkänd." in shown.text and "organisation.approve" in shown.text
    again = client.post(f"/admin/organisationer/{org_id}/godkann", data={"csrf_token": token})
    assert again.status_code == 409 and "annan administratör" in again.text
    log_in(TestClient(env.app, follow_redirects=False), "clinic")  # active now: signs in


def test_a_wrong_org_number_shows_the_form_again_naming_the_field(
    env: UiEnv, client: TestClient
) -> None:
    org_id = _org(env, "Rättelse AB", status="active")
    log_in(client, "admin")
    token = csrf_from(client.get(f"/admin/organisationer/{org_id}").text)
    data = {"csrf_token": token, "name": "Rättelse AB", "org_number": "556677-8898", "city": "Ås"}
    r = client.post(f"/admin/organisationer/{org_id}/uppgifter", data=data)
    assert r.status_code == 422 and "kontrollsiffra" in r.text
    assert 'value="556677-8898"' in r.text and 'value="Ås"' in r.text  # kept as typed
    data["org_number"] = "5566778899"
    assert client.post(f"/admin/organisationer/{org_id}/uppgifter", data=data).status_code == 303
    page = client.get(f"/admin/organisationer/{org_id}").text
    assert "556677-8899" in page and "organisation.edit" in page
    log = client.get("/admin/logg", params={"target_kind": "organisation", "target_id": org_id})
    assert log.status_code == 200 and "organisation.edit" in log.text


def test_suspending_an_organisation_signs_its_members_out(env: UiEnv, client: TestClient) -> None:
    org_id = _org(env, "Avstängd AB", status="active", member=EMAILS["retailer2"])
    with transaction(factory_for(env.settings)) as s:
        member = s.scalars(select(User).where(User.email == EMAILS["retailer2"])).one()
        member.active, member.role, member.org_role = True, "retailer", None
        org = s.get(Organisation, org_id)
        assert org is not None
        org.kind = "retailer"
    member_browser = log_in(TestClient(env.app, follow_redirects=False), "retailer2")
    assert member_browser.get("/portal").status_code == 200
    log_in(client, "admin")
    token = csrf_from(client.get(f"/admin/organisationer/{org_id}").text)
    r = client.post(
        f"/admin/organisationer/{org_id}/stang-av",
        data={"csrf_token": token, "reason": "Obetalda avgifter"},
    )
    assert r.status_code == 303
    assert member_browser.get("/portal").status_code == 303  # sent to log in
    r = client.post(f"/admin/organisationer/{org_id}/ateraktivera", data={"csrf_token": token})
    assert r.status_code == 303
    assert "Organisationen är återaktiverad." in client.get(r.headers["location"]).text


def test_users_are_searched_and_an_admin_resets_a_sign_in(env: UiEnv, client: TestClient) -> None:
    log_in(client, "admin")
    listing = client.get("/admin/anvandare", params={"q": "sara"})
    uid = _user_id(env, EMAILS["merchandiser"])
    assert f'href="/admin/anvandare/{uid}"' in listing.text
    assert EMAILS["clinic"] not in listing.text.split("<main", 1)[1]
    member_browser = log_in(TestClient(env.app, follow_redirects=False), "merchandiser")
    page = client.get(f"/admin/anvandare/{uid}")
    token = csrf_from(page.text)
    r = client.post(
        f"/admin/anvandare/{uid}/aterstall-inloggning", data={"csrf_token": token, "lang": "sv"}
    )
    assert r.status_code == 303
    assert "Inloggningen är återställd" in client.get(r.headers["location"]).text
    assert member_browser.get("/konsol").status_code == 303  # signed out
    with factory_for(env.settings)() as s:
        mail = s.scalars(select(OutgoingEmail).where(OutgoingEmail.user_id == uid)).one()
    link = str(mail.context["link"])
    path = link.removeprefix(env.settings.site_url.rstrip("/"))  # the site_url setting
    visitor = TestClient(env.app, follow_redirects=False)
    form = visitor.get(path)
    assert form.status_code == 200 and EMAILS["merchandiser"] in form.text
    token_field = re.search(r'name="token" value="([^"]+)"', form.text)
    assert token_field is not None
    fields = {"csrf_token": csrf_from(form.text), "token": token_field.group(1)}
    weak = visitor.post(
        "/konto/nytt-losenord", data={**fields, "password": "1234567890", "repeat": "1234567890"}
    )
    assert weak.status_code == 422 and "sparades inte" in weak.text
    assert "Lösenordet är för vanligt" in weak.text  # it says why
    new = "Blåbär i Vättern vid midsommar"
    done = visitor.post("/konto/nytt-losenord", data={**fields, "password": new, "repeat": new})
    assert done.status_code == 303 and done.headers["location"].startswith("/logga-in")
    used = visitor.get(path)
    assert used.status_code == 400 and "fungerar inte längre" in used.text
    login = TestClient(env.app, follow_redirects=False)
    page_token = csrf_from(login.get("/logga-in").text)
    ok = login.post(
        "/logga-in",
        data={"email": EMAILS["merchandiser"], "password": new, "csrf_token": page_token},
    )
    assert ok.status_code == 303
    with transaction(factory_for(env.settings)) as s:  # later tests sign in with PASSWORD
        from api.auth import hash_password

        user = s.get(User, uid)
        assert user is not None
        user.password_hash = hash_password(PASSWORD)


def test_an_admin_cannot_suspend_themselves(env: UiEnv, client: TestClient) -> None:
    log_in(client, "admin")
    uid = _user_id(env, EMAILS["admin"])
    token = csrf_from(client.get(f"/admin/anvandare/{uid}").text)
    r = client.post(f"/admin/anvandare/{uid}/stang-av", data={"csrf_token": token, "reason": "x"})
    assert r.status_code == 403 and "stänga av dig själv" in r.text


def test_an_unconfirmed_sign_up_is_shown_as_waiting_for_its_e_mail_and_cannot_be_decided(
    env: UiEnv, client: TestClient
) -> None:
    """The list and the page tell a sign-up waiting for its applicant's e-mail confirmation
    from one waiting for a decision; only the latter has the decision's buttons, and the
    home's count links to exactly the ones it counts."""
    from marketplace.dates import utc_now

    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        unconfirmed = Organisation(
            kind="clinic", name="Obekräftad Tandvård AB", status="pending", terms_accepted_at=now
        )
        s.add(unconfirmed)
        s.flush()
        org_id = unconfirmed.id
    confirmed_id = _org(env, "Bekräftad Tandvård AB")
    log_in(client, "admin")
    listed = client.get("/admin/organisationer", params={"status": "pending"})
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r'href="/admin/organisationer/(\d+)">.*?<td class="status[^"]*">([^<]+)</td>',
            listed.text,
            re.S,
        )
    }
    assert rows[str(org_id)] == "Väntar på e-postbekräftelse"
    assert rows[str(confirmed_id)] == "Väntar på beslut"
    waiting = client.get("/admin/organisationer", params={"awaiting": "decision"}).text
    assert f'/admin/organisationer/{confirmed_id}"' in waiting
    assert f'/admin/organisationer/{org_id}"' not in waiting
    detail = client.get(f"/admin/organisationer/{org_id}")
    assert "Väntar på e-postbekräftelse" in detail.text and 'id="unconfirmed"' in detail.text
    assert "/godkann" not in detail.text and "/avsla" not in detail.text
    r = client.post(
        f"/admin/organisationer/{org_id}/godkann", data={"csrf_token": csrf_from(detail.text)}
    )
    assert r.status_code == 409 and "orderns" not in r.text
    assert "Ansökan kan inte godkännas än: e-postadressen är inte bekräftad." in r.text
    english = client.post(
        f"/admin/organisationer/{org_id}/godkann?lang=en",
        data={"csrf_token": csrf_from(detail.text)},
    )
    assert "its e-mail address is not confirmed" in english.text
    home = client.get("/admin?lang=sv").text
    assert 'href="/admin/organisationer?awaiting=decision"' in home
    assert 'href="/admin/organisationer?awaiting=email_confirmation"' in home
    counted = re.search(r"(\d+) ansökningar väntar på beslut|(1) ansökan väntar", home)
    assert counted is not None
    shown = client.get("/admin/organisationer", params={"awaiting": "decision"})
    number = int(counted.group(1) or counted.group(2))
    assert number < 50 and number == shown.text.count('<td class="status')
