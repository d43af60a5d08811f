"""Web sessions: logout ends the session server-side, the password form on
/mina-uppgifter signs out the other browsers, deleting the account signs out everywhere."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.auth import SESSION_COOKIE
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, PASSWORD, UiEnv, csrf_from

NEW = "ett helt nytt lösenord"


def _client(env: UiEnv) -> TestClient:
    return TestClient(env.app, follow_redirects=False)


def _signed_in(client: TestClient) -> bool:
    return client.get("/mina-uppgifter").status_code == 200


def test_a_cookie_replayed_after_logout_is_signed_out(env: UiEnv) -> None:
    client = log_in(_client(env), "retailer")
    copied = client.cookies[SESSION_COOKIE]
    token = csrf_from(client.get("/mina-uppgifter").text)
    assert client.post("/logga-ut", data={"csrf_token": token}).status_code == 303
    replay = TestClient(env.app, follow_redirects=False, cookies={SESSION_COOKIE: copied})
    assert replay.get("/mina-uppgifter").status_code == 303  # sent to log in


def test_password_form_signs_out_other_browsers(env: UiEnv) -> None:
    here = log_in(_client(env), "clinic")
    elsewhere = log_in(_client(env), "clinic")
    page = here.get("/mina-uppgifter")
    assert 'action="/mina-uppgifter/losenord"' in page.text and "Byt lösenord" in page.text
    token = csrf_from(page.text)
    form = {"csrf_token": token, "current_password": "fel", "new_password": NEW}
    wrong = here.post("/mina-uppgifter/losenord", data={**form, "repeat_password": NEW})
    assert wrong.status_code == 401 and "Det nuvarande lösenordet är fel." in wrong.text
    differ = here.post(
        "/mina-uppgifter/losenord",
        data={**form, "current_password": PASSWORD, "repeat_password": NEW + "x"},
    )
    assert differ.status_code == 422 and "inte lika" in differ.text
    assert _signed_in(elsewhere)
    ok = here.post(
        "/mina-uppgifter/losenord",
        data={**form, "current_password": PASSWORD, "repeat_password": NEW},
    )
    assert ok.status_code == 303 and "notice=password_changed" in ok.headers["location"]
    assert "Lösenordet är bytt." in here.get(ok.headers["location"]).text
    assert _signed_in(here)
    assert not _signed_in(elsewhere)
    fresh = _client(env)
    form_token = csrf_from(fresh.get("/logga-in").text)
    login = {"email": EMAILS["clinic"], "csrf_token": form_token}
    assert fresh.post("/logga-in", data={**login, "password": PASSWORD}).status_code == 401
    assert fresh.post("/logga-in", data={**login, "password": NEW}).status_code == 303


def test_password_form_refuses_an_easily_guessed_password_in_swedish(env: UiEnv) -> None:
    """Ten characters were enough: ``aaaaaaaaaa`` and ``Sommar2024!`` were accepted."""
    here = log_in(_client(env), "retailer2")
    token = csrf_from(here.get("/mina-uppgifter").text)
    local = EMAILS["retailer2"].split("@")[0]
    why = {  # each refusal says why
        "aaaaaaaaaa": "för vanligt",
        "1234567890": "för vanligt",
        "Sommar2024!": "för vanligt",
        "Lösenord123": "för vanligt",
        f"{local}-2024!": "innehåller e-postadressens namn",
        "kort": "för kort: minst 10 tecken",
    }
    for weak, reason in why.items():
        form = {"csrf_token": token, "current_password": PASSWORD}
        refused = here.post(
            "/mina-uppgifter/losenord",
            data={**form, "new_password": weak, "repeat_password": weak},
        )
        assert refused.status_code == 422, weak
        assert reason in refused.text, weak
    fresh = _client(env)
    form_token = csrf_from(fresh.get("/logga-in").text)
    login = {"email": EMAILS["retailer2"], "csrf_token": form_token, "password": PASSWORD}
    assert fresh.post("/logga-in", data=login).status_code == 303  # the password is unchanged
