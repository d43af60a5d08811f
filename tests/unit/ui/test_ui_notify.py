"""The notification centre with its unread badge, the e-mail preferences on "Mina
uppgifter" and an organisation's webhook pages: who may see what, CSRF on every form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import Organisation, User
from indexer.jobs import factory_for
from marketplace.models import Notification, WebhookDelivery
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, UiEnv, build_ui_env, csrf_from, release_organisations

ROLES = {"retailer": "representative", "retailer2": "staff", "clinic": "manager"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiEnv]:
    built = build_ui_env(tmp_path_factory.mktemp("ui_notify"))
    # webhooks to 127.0.0.1 allowed for these pages (a closed port: nothing leaves)
    state = built.app.state
    state.settings = state.settings.model_copy(update={"webhook_allow_loopback": True})
    with transaction(factory_for(built.settings)) as s:
        release_organisations(s)
        for key, role in ROLES.items():
            user = s.scalars(select(User).where(User.email == EMAILS[key])).one()
            org = Organisation(
                kind="clinic" if key == "clinic" else "retailer",
                name=key,
                retailer_id=user.retailer_id,
            )
            s.add(org)
            s.flush()
            user.organisation_id, user.org_role = org.id, role
    yield built
    built.app.state.feed_runner.shutdown()
    built.app.state.search.close()


def _user_id(env: UiEnv, key: str) -> int:
    with factory_for(env.settings)() as s:
        return int(s.scalars(select(User.id).where(User.email == EMAILS[key])).one())


def _notify(env: UiEnv, key: str, n: int, start: int = 0) -> list[int]:
    uid = _user_id(env, key)
    ids = []
    with transaction(factory_for(env.settings)) as s:
        for i in range(start, start + n):
            note = Notification(
                user_id=uid,
                kind="order_placed",
                ref=f"order:{i}",
                values={
                    "order_id": i,
                    "clinic": "Folktand",
                    "total": "99.00",
                    "currency": "SEK",
                    "link": f"/portal/ordrar/{i}",
                },
            )
            s.add(note)
            s.flush()
            ids.append(note.id)
    return ids


@pytest.fixture()
def client(env: UiEnv) -> TestClient:
    return TestClient(env.app, raise_server_exceptions=True, follow_redirects=False)


@pytest.mark.parametrize("url", ["/notiser", "/organisation/webhooks", "/organisation/webhooks/1"])
def test_anonymous_visitors_are_sent_to_log_in(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 303 and r.headers["location"].startswith("/logga-in?next=")


@pytest.mark.parametrize(
    "url",
    [
        "/notiser/lasta",
        "/notiser/1/last",
        "/mina-uppgifter/notiser",
        "/organisation/webhooks",
        "/organisation/webhooks/1/ta-bort",
        "/organisation/webhooks/1/testa",
    ],
)
def test_forms_without_the_csrf_token_are_refused(client: TestClient, url: str) -> None:
    log_in(client, "retailer")
    assert client.post(url, data={}).status_code == 403
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 403


def test_the_centre_pages_newest_first_and_the_badge_counts_unread(
    env: UiEnv, client: TestClient
) -> None:
    ids = _notify(env, "retailer2", 25)
    log_in(client, "retailer2")
    page = client.get("/notiser")
    assert page.status_code == 200
    assert '<span class="badge" aria-hidden="true">25</span>' in page.text
    assert "25 olästa" in page.text
    assert "Ny order 24 från Folktand på 99.00 SEK." in page.text
    assert "Ny order 4 från" not in page.text  # on page 2
    assert 'href="/portal/ordrar/24"' in page.text
    second = client.get("/notiser?sida=2")
    assert "Ny order 4 från" in second.text and "Sida 2 av 2" in second.text
    token = csrf_from(page.text)
    r = client.post(f"/notiser/{ids[-1]}/last", data={"csrf_token": token, "sida": "1"})
    assert r.status_code == 303 and r.headers["location"].startswith("/notiser?notice=")
    assert '<span class="badge" aria-hidden="true">24</span>' in client.get("/").text
    r = client.post("/notiser/lasta", data={"csrf_token": token})
    assert r.status_code == 303
    after = client.get("/notiser")
    assert 'aria-hidden="true">' not in after.text.split("</header>")[0]  # no badge
    assert "Markera alla som lästa" not in after.text


def test_another_user_s_notification_is_not_found(env: UiEnv, client: TestClient) -> None:
    (theirs,) = _notify(env, "clinic", 1, start=100)
    log_in(client, "retailer2")
    token = csrf_from(client.get("/notiser").text)
    r = client.post(f"/notiser/{theirs}/last", data={"csrf_token": token})
    assert r.status_code == 404
    with factory_for(env.settings)() as s:
        note = s.get(Notification, theirs)
        assert note is not None and note.read_at is None


def test_e_mail_preferences_are_chosen_on_my_details(env: UiEnv, client: TestClient) -> None:
    log_in(client, "retailer")
    page = client.get("/mina-uppgifter")
    assert "E-post om notiser" in page.text
    assert 'name="email" value="order_placed" checked' in page.text
    assert 'href="/organisation/webhooks"' in page.text  # a representative
    r = client.post(
        "/mina-uppgifter/notiser",
        data={"csrf_token": csrf_from(page.text), "lang": "en", "email": ["feed_failed"]},
    )
    assert r.status_code == 303 and "preferences_saved" in r.headers["location"]
    page = client.get("/mina-uppgifter")
    assert 'name="email" value="order_placed" >' in page.text  # now unchecked
    assert 'name="email" value="feed_failed" checked' in page.text
    assert '<option value="en" selected>' in page.text
    api = client.get("/api/v1/me/notification-preferences").json()
    assert api["lang"] == "en" and api["email"]["order_placed"] is False


@pytest.mark.parametrize("role", ["retailer2", "merchandiser", "admin"])
def test_webhook_pages_are_for_managers_only(client: TestClient, role: str) -> None:
    log_in(client, role)
    assert client.get("/organisation/webhooks").status_code == 403


def test_a_representative_adds_tests_and_removes_a_webhook(env: UiEnv, client: TestClient) -> None:
    log_in(client, "retailer")
    page = client.get("/organisation/webhooks")
    assert page.status_code == 200 and "Inga webhooks ännu." in page.text
    token = csrf_from(page.text)
    refused = client.post(
        "/organisation/webhooks",
        data={"csrf_token": token, "url": "http://hooks.example.com/x", "kinds": ["order.placed"]},
    )
    assert refused.status_code == 422
    assert "Adressen måste börja med https://." in refused.text
    assert 'value="http://hooks.example.com/x"' in refused.text  # the input is kept
    made = client.post(
        "/organisation/webhooks",
        data={
            "csrf_token": token,
            "url": "http://127.0.0.1:9/valbar",
            "kinds": ["order.placed", "rma.opened"],
        },
    )
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    assert "Spara hemligheten nu" in made.text and "whsec_" in made.text
    listing = client.get("/organisation/webhooks")
    assert "http://127.0.0.1:9/valbar" in listing.text and "whsec_" not in listing.text
    with factory_for(env.settings)() as s:
        from marketplace.models import WebhookEndpoint

        endpoint_id = s.scalars(select(WebhookEndpoint.id)).one()
    r = client.post(f"/organisation/webhooks/{endpoint_id}/testa", data={"csrf_token": token})
    assert r.status_code == 303
    log = client.get(f"/organisation/webhooks/{endpoint_id}")
    assert log.status_code == 200 and "<code>ping</code>" in log.text
    with factory_for(env.settings)() as s:
        assert s.scalars(select(WebhookDelivery.kind)).all() == ["ping"]
    # another organisation's manager: not found, not removable
    other = TestClient(env.app, raise_server_exceptions=True, follow_redirects=False)
    log_in(other, "clinic")
    assert other.get(f"/organisation/webhooks/{endpoint_id}").status_code == 404
    other_token = csrf_from(other.get("/organisation/webhooks").text)
    gone = other.post(
        f"/organisation/webhooks/{endpoint_id}/ta-bort", data={"csrf_token": other_token}
    )
    assert gone.status_code == 404
    r = client.post(f"/organisation/webhooks/{endpoint_id}/ta-bort", data={"csrf_token": token})
    assert r.status_code == 303
    assert "Inga webhooks ännu." in client.get("/organisation/webhooks").text
