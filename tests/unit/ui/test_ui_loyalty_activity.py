"""The loyalty activity pages: a seller sends a suggestion (a duplicate refused in
Swedish), answers a survey once, sees their referral link and the contests; the sponsor
accepts a suggestion with a grade, builds and opens a survey and reads its aggregate
results (suppressed below five respondents), sets up a contest; the sign-up form carries a
referral code. Swedish first, English on ``?lang=en``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import User
from indexer.jobs import factory_for
from loyalty import programmes
from loyalty.engagement_models import Contest, Survey
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
from loyalty.models import Entry
from marketplace.dates import local_date, utc_now
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, UiEnv, csrf_from
from ui.routes.admin_activity import parse_survey_text


def _user(s: object, role: str) -> User:
    found = s.scalar(select(User).where(User.email == EMAILS[role]))  # type: ignore[attr-defined]
    assert found is not None
    return found


@pytest.fixture(scope="module")
def programme(env: UiEnv) -> int:
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        rep, staff = _user(s, "retailer"), _user(s, "retailer_staff")
        created = programmes.create_programme(
            s,
            None,
            name="Aktivklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=now,
        )
        programmes.accept_member_terms(s, rep, created.id, MEMBER_TERMS_VERSION, now=now)
        programmes.invite(s, rep, created.id, staff.id, now=now)
        programmes.accept_participant_terms(
            s, staff, created.id, PARTICIPANT_TERMS_VERSION, now=now
        )
        return created.id


def test_the_survey_text_format() -> None:
    text = "[en] Bäst?\nNitril\nLatex\n\n[skala] Nöjd?\n\n[fritext] Mer?\n\n[flera] Vad?\nA\nB"
    assert parse_survey_text(text) == [
        {"kind": "single", "text": "Bäst?", "choices": ["Nitril", "Latex"]},
        {"kind": "scale", "text": "Nöjd?"},
        {"kind": "text", "text": "Mer?"},
        {"kind": "multiple", "text": "Vad?", "choices": ["A", "B"]},
    ]


def test_a_suggestion_is_sent_once_and_accepted_with_a_grade(env: UiEnv, programme: int) -> None:
    seller = log_in(TestClient(env.app, follow_redirects=False), "retailer_staff")
    page = seller.get("/portal/poang/forslag")
    assert page.status_code == 200 and "Förbättringsförslag" in page.text
    token = csrf_from(page.text)
    form = {"csrf_token": token, "title": "Fler storlekar", "text": "XS saknas."}
    r = seller.post(f"/portal/poang/{programme}/forslag", data=form)
    assert r.status_code == 303 and "notice=suggestion_sent" in r.headers["location"]
    again = seller.post(f"/portal/poang/{programme}/forslag", data=form)
    assert again.status_code == 422 and "Du har redan skickat det här förslaget." in again.text
    empty = seller.post(f"/portal/poang/{programme}/forslag", data={**form, "title": ""})
    assert empty.status_code == 422 and "Rubriken ska vara 1–200 tecken" in empty.text
    assert "Väntar på beslut" in seller.get("/portal/poang/forslag").text
    admin = log_in(TestClient(env.app, follow_redirects=False), "admin")
    queue = admin.get(f"/admin/lojalitet/forslag?programme={programme}")
    assert queue.status_code == 200 and "Fler storlekar" in queue.text
    with transaction(factory_for(env.settings)) as s:
        from loyalty.engagement_models import Suggestion

        sid = s.scalars(select(Suggestion.id).where(Suggestion.title == "Fler storlekar")).one()
    token = csrf_from(queue.text)
    r = admin.post(
        f"/admin/lojalitet/forslag/{sid}/godkann", data={"csrf_token": token, "grade": "medium"}
    )
    assert r.status_code == 303 and "notice=suggestion_accepted" in r.headers["location"]
    twice = admin.post(
        f"/admin/lojalitet/forslag/{sid}/godkann", data={"csrf_token": token, "grade": "large"}
    )
    assert twice.status_code == 409
    with transaction(factory_for(env.settings)) as s:
        paid = s.scalars(select(Entry).where(Entry.idempotency_key == f"suggestion:{sid}")).one()
        assert paid.points == 300  # the default medium grade
    mine = seller.get("/portal/poang/forslag?lang=en")
    assert '<html lang="en">' in mine.text and "Accepted" in mine.text


def test_a_survey_is_built_answered_once_and_reported_in_aggregate(
    env: UiEnv, programme: int
) -> None:
    admin = log_in(TestClient(env.app, follow_redirects=False), "admin")
    page = admin.get(f"/admin/lojalitet/enkater?programme={programme}")
    assert page.status_code == 200
    token = csrf_from(page.text)
    bad = admin.post(
        f"/admin/lojalitet/{programme}/enkater",
        data={"csrf_token": token, "title": "Enkät", "questions": "Ingen typ?", "points": "5"},
    )
    assert bad.status_code == 422 and "Frågorna följer inte formatet" in bad.text
    alert = bad.text.split('role="alert"', 1)[1].split("</p>", 1)[0]
    assert "(fråga 1)" in alert and "questions[0]" not in alert  # no English under Swedish
    in_english = log_in(TestClient(env.app, follow_redirects=False), "admin")
    english = in_english.post(
        f"/admin/lojalitet/{programme}/enkater?lang=en",
        data={
            "csrf_token": csrf_from(in_english.get("/admin/lojalitet/enkater").text),
            "title": "Enkät",
            "questions": "Ingen typ?",
            "points": "5",
        },
    )
    assert english.status_code == 422 and "questions[0]" in english.text  # English: the place
    r = admin.post(
        f"/admin/lojalitet/{programme}/enkater",
        data={
            "csrf_token": token,
            "title": "Handskenkäten",
            "questions": "[en] Bäst?\nNitril\nLatex\n\n[skala] Nöjd?\n\n[fritext] Mer?",
            "points": "15",
        },
    )
    assert r.status_code == 303, r.text
    with transaction(factory_for(env.settings)) as s:
        survey_id = s.scalars(select(Survey.id).where(Survey.title == "Handskenkäten")).one()
    r = admin.post(f"/admin/lojalitet/enkater/{survey_id}/oppna", data={"csrf_token": token})
    assert r.status_code == 303 and "notice=survey_opened" in r.headers["location"]
    seller = log_in(TestClient(env.app, follow_redirects=False), "retailer_staff")
    page = seller.get("/portal/poang/enkater")
    assert "Handskenkäten" in page.text and "15 poäng för att svara" in page.text
    token2 = csrf_from(page.text)
    answers = {"csrf_token": token2, "q0": "1", "q1": "4", "q2": "Bra handskar"}
    missing = seller.post(f"/portal/poang/enkat/{survey_id}", data={"csrf_token": token2})
    assert missing.status_code == 422 and "Svara på varje fråga" in missing.text
    # a question left out: the survey's page again, the message at it and what was typed kept
    partial = {"csrf_token": token2, "q0": "1", "q2": "Bra <handskar>"}
    kept = seller.post(f"/portal/poang/enkat/{survey_id}", data=partial)
    assert kept.status_code == 422 and 'id="survey-error"' in kept.text
    assert f'action="/portal/poang/enkat/{survey_id}"' in kept.text
    assert 'name="q0" value="1" required checked' in kept.text
    assert "Bra &lt;handskar&gt;</textarea>" in kept.text
    assert 'name="q1" value="4" required>' in kept.text  # the scale asked for in the browser
    r = seller.post(f"/portal/poang/enkat/{survey_id}", data=answers)
    assert r.status_code == 303 and "notice=survey_answered" in r.headers["location"]
    again = seller.post(f"/portal/poang/enkat/{survey_id}", data=answers)
    assert again.status_code == 409 and "Du har redan svarat på enkäten." in again.text
    assert "Du har svarat på enkäten." in seller.get("/portal/poang/enkater").text
    results = admin.get(f"/admin/lojalitet/enkater/{survey_id}/resultat")
    assert results.status_code == 200 and "1 har svarat." in results.text
    assert "Färre än 5 har svarat" in results.text
    assert "Bra handskar" not in results.text  # one respondent: no breakdown, no free text
    english = admin.get(f"/admin/lojalitet/enkater/{survey_id}/resultat?lang=en")
    assert "Fewer than 5 answered" in english.text


def test_referral_link_reaches_the_sign_up_form(env: UiEnv, programme: int) -> None:
    seller = log_in(TestClient(env.app, follow_redirects=False), "retailer_staff")
    page = seller.get("/portal/poang/rekrytera")
    assert page.status_code == 200 and "Din egen länk" in page.text
    link = page.text.split('class="referral-link"', 1)[0].rsplit('value="', 1)[1].split('"')[0]
    assert "/bli-aterforsaljare?ref=" in link
    code = link.split("?ref=", 1)[1]
    anonymous = TestClient(env.app, follow_redirects=False)
    form = anonymous.get(f"/bli-aterforsaljare?ref={code}")
    assert "Du registrerar dig via en värvningslänk." in form.text
    assert f'name="ref" value="{code}"' in form.text
    unknown = anonymous.post(
        "/bli-aterforsaljare",
        data={"csrf_token": csrf_from(form.text), "ref": "z" * 24, "name": "X"},
    )
    assert unknown.status_code == 422
    assert "Värvningslänken är okänd eller gäller inte längre." in unknown.text


def test_a_contest_is_set_up_and_shown_with_standings(env: UiEnv, programme: int) -> None:
    admin = log_in(TestClient(env.app, follow_redirects=False), "admin")
    page = admin.get(f"/admin/lojalitet/tavlingar?programme={programme}")
    assert page.status_code == 200
    token = csrf_from(page.text)
    today = local_date(utc_now())
    form = {
        "csrf_token": token,
        "name": "Vårracet",
        "metric": "sales_amount",
        "audience": "stores",
        "starts": today.isoformat(),
        "ends": (today + timedelta(days=7)).isoformat(),
        "prizes": "300, nej",
    }
    bad = admin.post(f"/admin/lojalitet/{programme}/tavlingar", data=form)
    assert bad.status_code == 422 and "Priserna ska vara 1–20 heltal" in bad.text
    assert "(pris 2)" in bad.text and "prizes[1]" not in bad.text  # no English under Swedish
    r = admin.post(f"/admin/lojalitet/{programme}/tavlingar", data={**form, "prizes": "300, 100"})
    assert r.status_code == 303 and "notice=contest_created" in r.headers["location"]
    shown = admin.get(f"/admin/lojalitet/tavlingar?programme={programme}")
    assert "Vårracet" in shown.text and "försäljning i kronor" in shown.text
    with transaction(factory_for(env.settings)) as s:
        contest = s.scalars(select(Contest).where(Contest.name == "Vårracet")).one()
        assert [int(p) for p in contest.prizes] == [300, 100]
    seller = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    mine = seller.get("/portal/poang/tavlingar")
    assert (
        mine.status_code == 200 and "Vårracet" in mine.text and "Inga resultat ännu." in mine.text
    )
    english = seller.get("/portal/poang/tavlingar?lang=en")
    assert "Sales contests" in english.text and "sales in kronor" in english.text


def test_contest_prizes_take_swedish_thousands_spaces(env: UiEnv, programme: int) -> None:
    """The form's own message writes "1 000 000 poäng": prizes typed that way are read as
    numbers; two numbers never merge into one ("100 50" is refused, not 10050)."""
    admin = log_in(TestClient(env.app, follow_redirects=False), "admin")
    token = csrf_from(admin.get(f"/admin/lojalitet/tavlingar?programme={programme}").text)
    today = local_date(utc_now())
    form = {
        "csrf_token": token,
        "name": "Tusenracet",
        "metric": "sale_points",
        "audience": "sellers",
        "starts": today.isoformat(),
        "ends": (today + timedelta(days=7)).isoformat(),
        "prizes": "100 50, 20",
    }
    path = f"/admin/lojalitet/{programme}/tavlingar"
    bad = admin.post(path, data=form)
    assert bad.status_code == 422 and "(pris 1)" in bad.text
    r = admin.post(path, data={**form, "prizes": "1 000; 500, 25\u00a0000"})
    assert r.status_code == 303
    with transaction(factory_for(env.settings)) as s:
        contest = s.scalars(select(Contest).where(Contest.name == "Tusenracet")).one()
        assert [int(p) for p in contest.prizes] == [1000, 500, 25000]
