"""A forgotten password, self-service: ``POST /api/v1/auth/password-link`` and the page
``/konto/glomt-losenord`` e-mail an account a link to choose a new password. The answer never
tells whether an address has an account; an account gets one link per 15 minutes (two asks
at once queue one); nothing else changes (no session ends); the link works once; throttled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import AuditEntry, User
from indexer.jobs import factory_for
from marketplace.models import OutgoingEmail
from marketplace.outgoing_mail import shown_context
from marketplace.password_help import request_password_link
from tests.unit.api.test_api_support import PASSWORD, ApiEnv, assert_problem, build_env, close_env
from tests.unit.ui.ui_support import csrf_from

LINK = "/api/v1/auth/password-link"
NEW = "Sju sjösjuka sjömän på ett sjunkande skepp"


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path, signup_max_per_address=1000, signup_max_per_email=1000)
    yield built
    close_env(built)


def _mails(env: ApiEnv, email: str) -> list[OutgoingEmail]:
    with factory_for(env.settings)() as s:
        return list(
            s.scalars(
                select(OutgoingEmail)
                .where(
                    OutgoingEmail.to_address == email, OutgoingEmail.template == "password_forgot"
                )
                .order_by(OutgoingEmail.id)
            )
        )


def test_the_answer_is_the_same_for_an_account_and_for_no_account(env: ApiEnv) -> None:
    known = env.client.post(LINK, json={"email": " Clinic@Example.com ", "lang": "en"})
    unknown = env.client.post(LINK, json={"email": "nobody@example.com", "lang": "en"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == {"status": "link_sent_if_account", "email": "Clinic@Example.com"}
    assert unknown.json() == {"status": "link_sent_if_account", "email": "nobody@example.com"}
    (mail,) = _mails(env, "clinic@example.com")
    assert mail.lang == "en" and mail.status in ("queued", "sent")
    site = env.settings.site_url.rstrip("/")  # never the request's Host
    assert str(mail.context["link"]).startswith(f"{site}/konto/nytt-losenord?token=")
    assert _mails(env, "nobody@example.com") == []
    # the admin's mail page never shows the token of such a link
    shown = shown_context("password_forgot", mail.context, reveal_links=True)
    assert "token=" not in str(shown["link"]) or str(shown["link"]).endswith("token=…")


def test_no_session_ends_and_the_link_sets_the_password_once(env: ApiEnv) -> None:
    browser = TestClient(env.app)
    assert browser.post(
        "/api/v1/auth/login", json={"email": "buyer@example.com", "password": PASSWORD}
    ).is_success
    assert env.client.post(LINK, json={"email": "buyer@example.com"}).status_code == 202
    assert browser.get("/api/v1/auth/me").is_success  # asking for a link signs nobody out
    (mail,) = _mails(env, "buyer@example.com")
    assert mail.lang == "sv"
    path = str(mail.context["link"]).split("://", 1)[1].split("/", 1)[1]
    page = env.client.get(f"/{path}")
    assert page.status_code == 200 and "buyer@example.com" in page.text
    token = path.split("token=", 1)[1]
    form = {"csrf_token": csrf_from(page.text), "token": token, "password": NEW, "repeat": NEW}
    done = env.client.post("/konto/nytt-losenord", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/logga-in")
    again = env.client.post("/konto/nytt-losenord", data=form, follow_redirects=False)
    assert again.status_code == 400  # used once
    assert browser.get("/api/v1/auth/me").status_code == 401  # setting it ends the sessions
    signed_in = TestClient(env.app).post(
        "/api/v1/auth/login", json={"email": "buyer@example.com", "password": NEW}
    )
    assert signed_in.is_success


def test_one_link_per_account_per_window_even_when_asked_twice_at_once(env: ApiEnv) -> None:
    results: list[int] = []

    def ask() -> None:
        results.append(env.client.post(LINK, json={"email": "norr@example.com"}).status_code)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [202] * 4
    assert len(_mails(env, "norr@example.com")) == 1
    with factory_for(env.settings)() as s:
        asked = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.password_link_requested")
        ).all()
        assert len(asked) == 1 and asked[0].actor_user_id is None


def test_a_suspended_account_gets_nothing(env: ApiEnv) -> None:
    with transaction(factory_for(env.settings)) as s:
        user = s.scalars(select(User).where(User.email == "staff@example.com")).one()
        user.active = False
    assert env.client.post(LINK, json={"email": "staff@example.com"}).status_code == 202
    assert _mails(env, "staff@example.com") == []


def test_bad_input_is_a_422_naming_the_field(env: ApiEnv) -> None:
    for body in ({}, {"email": "x"}, {"email": "a\x00@b.se"}, {"email": "a@b.se", "lang": "de"}):
        problem = assert_problem(env.client.post(LINK, json=body), 422)
        assert problem["errors"], problem


def test_too_many_asks_from_one_address_are_refused_with_retry_after(tmp_path: Path) -> None:
    env = build_env(tmp_path, signup_max_per_address=3, signup_max_per_email=3)
    try:
        codes = [
            env.client.post(LINK, json={"email": f"n{i}@example.com"}).status_code for i in range(5)
        ]
        assert codes[:3] == [202] * 3 and codes[-1] == 429
        refused = env.client.post(LINK, json={"email": "n9@example.com"})
        assert int(refused.headers["Retry-After"]) > 0
    finally:
        close_env(env)


def test_the_page_answers_the_same_and_the_sign_in_page_links_to_it(env: ApiEnv) -> None:
    login = env.client.get("/logga-in")
    assert 'href="/konto/glomt-losenord"' in login.text and "Glömt lösenordet?" in login.text
    page = env.client.get("/konto/glomt-losenord")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    token = csrf_from(page.text)
    texts = []
    for email in ("clinic@example.com", "ingen@example.com"):
        r = env.client.post("/konto/glomt-losenord", data={"csrf_token": token, "email": email})
        assert r.status_code == 200
        texts.append(r.text.replace(email, "ADDRESS"))
    assert texts[0] == texts[1] and "en länk på väg dit" in texts[0]
    assert len(_mails(env, "clinic@example.com")) == 1
    bad = env.client.post("/konto/glomt-losenord", data={"csrf_token": token, "email": "nej"})
    assert bad.status_code == 422 and "Skriv en e-postadress" in bad.text
    english = env.client.get("/konto/glomt-losenord?lang=en")
    assert "Forgotten password" in english.text


def test_the_library_refuses_what_is_not_an_address(env: ApiEnv) -> None:
    with factory_for(env.settings)() as s:
        for email in ("", "utan-snabel-a", "a@b" + "c" * 400, "a\x00@b.se"):
            assert not request_password_link(
                s,
                email,
                link_for=lambda u: "x",
                may_sign_in=lambda u: True,
                lang="sv",
                valid_hours=24,
                now=datetime.now(UTC),
                channel="test",
            )
