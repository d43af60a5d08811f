"""The sponsor's (admin's) loyalty page /admin/lojalitet: campaigns and quizzes of a
programme, the quiz builder's text format, a draft from the catalogue, bad input named."""

from __future__ import annotations

import html
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from indexer.jobs import factory_for
from loyalty import programmes
from loyalty.models import Campaign, Programme, Quiz
from marketplace.dates import utc_now
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv, csrf_from
from ui.routes.admin_loyalty import parse_quiz_text, quiz_text


def test_the_quiz_text_format_round_trips() -> None:
    text = "Nitril är?\n*Gummi\nMetall\n\n\nVälj två\n* A\nB\n*C\n"
    parsed = parse_quiz_text(text)
    assert parsed == [
        {"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [0]},
        {"text": "Välj två", "choices": ["A", "B", "C"], "correct": [0, 2]},
    ]
    assert parse_quiz_text(quiz_text(parsed)) == parsed


def _programme(env: UiEnv) -> int:
    with transaction(factory_for(env.settings)) as s:
        found = s.scalar(select(Programme).where(Programme.name == "Adminklubben"))
        if found is not None:
            return found.id
        return programmes.create_programme(
            s,
            None,
            name="Adminklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=utc_now(),
        ).id


def test_an_admin_creates_a_campaign_and_a_quiz(env: UiEnv) -> None:
    programme = _programme(env)
    client = log_in(TestClient(env.app, follow_redirects=False), "admin")
    page = client.get("/admin/lojalitet", params={"programme": programme, "draft": "1"})
    assert page.status_code == 200 and "Adminklubben" in page.text
    token = csrf_from(page.text)
    r = client.post(
        f"/admin/lojalitet/{programme}/kampanjer",
        data={
            "csrf_token": token,
            "name": "Handskveckan",
            "multiplier": "1",
            "target_kind": "category",
            "target_value": "Handskar",
            "starts": "2026-12-01",
            "ends": "2026-12-07",
        },
    )
    assert r.status_code == 422 and "multiplier" in r.text
    r = client.post(
        f"/admin/lojalitet/{programme}/kampanjer",
        data={
            "csrf_token": token,
            "name": "Handskveckan",
            "multiplier": "2.5",
            "target_kind": "category",
            "target_value": "Handskar",
            "starts": "2026-12-01",
            "ends": "2026-12-07",
        },
    )
    assert r.status_code == 303
    r = client.post(
        f"/admin/lojalitet/{programme}/quiz",
        data={
            "csrf_token": token,
            "title": "Handskar",
            "questions": "Nitril är?\n*Gummi\nMetall",
            "pass_mark": "1",
            "max_attempts": "2",
            "points": "30",
        },
    )
    assert r.status_code == 303
    bad = client.post(
        f"/admin/lojalitet/{programme}/quiz",
        data={"csrf_token": token, "title": "X", "questions": "Fråga?\nBara ett svar"},
    )
    assert bad.status_code == 422 and "Frågorna är inte giltiga: en fråga" in _alert(bad.text)
    assert "questions[0]" not in bad.text  # no English under Swedish
    in_english = log_in(TestClient(env.app, follow_redirects=False), "admin")
    english = in_english.post(
        f"/admin/lojalitet/{programme}/quiz?lang=en",
        data={
            "csrf_token": csrf_from(in_english.get("/admin/lojalitet").text),
            "title": "X",
            "questions": "Fråga?\nBara ett svar",
        },
    )
    assert english.status_code == 422 and "The questions are not valid" in english.text
    with transaction(factory_for(env.settings)) as s:
        campaign = s.scalars(select(Campaign).where(Campaign.programme_id == programme)).one()
        assert campaign.multiplier == Decimal("2.5")
        assert s.scalars(select(Quiz.points).where(Quiz.programme_id == programme)).all() == [30]
    shown = client.get("/admin/lojalitet", params={"programme": programme, "lang": "en"})
    assert "Handskveckan" in shown.text and "Campaigns" in shown.text


def test_an_admin_creates_a_programme_on_the_page(env: UiEnv) -> None:
    """Programmes could be created only through the API: the page has the form, names a
    taken name or a bad number in Swedish with the input kept, and nothing is stored."""
    client = log_in(TestClient(env.app, follow_redirects=False), "admin")
    page = client.get("/admin/lojalitet")
    assert 'action="/admin/lojalitet/program"' in page.text and "Nytt program" in page.text
    token = csrf_from(page.text)
    form = {
        "csrf_token": token,
        "programme_name": "Sidklubben",
        "sponsor_name": "Dentsply",
        "points_per_krona": "1,5",
        "point_value_ore": "10",
        "expiry_months": "24",
    }
    r = client.post("/admin/lojalitet/program", data=form)
    assert r.status_code == 303
    with factory_for(env.settings)() as s:
        made = s.scalar(select(Programme).where(Programme.name == "Sidklubben"))
        assert made is not None and made.points_per_krona == Decimal("1.5")
        assert made.point_value_ore == 10 and made.expiry_months == 24
    assert r.headers["location"] == (
        f"/admin/lojalitet?programme={made.id}&notice=loyalty_programme_created"
    )
    assert "Programmet är skapat." in client.get(r.headers["location"]).text

    taken = client.post("/admin/lojalitet/program", data=form)
    assert taken.status_code == 422
    assert "Det finns redan ett program som heter Sidklubben." in taken.text
    bad = client.post(
        "/admin/lojalitet/program",
        data={**form, "programme_name": "Nollklubben", "point_value_ore": "tio"},
    )
    assert bad.status_code == 422 and 'value="Nollklubben"' in bad.text
    assert "Ett poängs värde: ett heltal öre, 1–100 000." in bad.text
    assert "a whole number" not in bad.text  # no English inside the Swedish page
    for field, value, swedish, english in (
        ("points_per_krona", "0", "Poäng per krona: mer än 0", "Points per krona: more than 0"),
        ("expiry_months", "500", "förfaller efter: 1–120 månader", "expire after: 1-120 months"),
        ("sponsor_name", " ", "Sponsorns namn: 1–200 tecken.", "The sponsor's name: 1-200"),
    ):
        refused = {**form, "programme_name": "Nollklubben", field: value}
        sv = client.post("/admin/lojalitet/program", params={"lang": "sv"}, data=refused)
        assert sv.status_code == 422 and swedish in sv.text and field not in _alert(sv.text)
        en = client.post("/admin/lojalitet/program", params={"lang": "en"}, data=refused)
        assert en.status_code == 422 and english in html.unescape(en.text), field
    with factory_for(env.settings)() as s:
        assert s.scalar(select(Programme).where(Programme.name == "Nollklubben")) is None


def _alert(page: str) -> str:
    """The page's error message (its role="alert" paragraph)."""
    start = page.index('role="alert"')
    return page[start : page.index("</", start)]


def test_a_campaign_multiplier_takes_the_swedish_decimal_comma(env: UiEnv) -> None:
    """The page lists a campaign as "×1,5": the same "1,5" typed into the form (create and
    edit) is accepted, not refused as "not a number"."""
    programme = _programme(env)
    client = log_in(TestClient(env.app, follow_redirects=False), "admin")
    token = csrf_from(client.get("/admin/lojalitet", params={"programme": programme}).text)
    form = {
        "csrf_token": token,
        "name": "Kommaveckan",
        "multiplier": " 1,5 ",
        "target_kind": "brand",
        "target_value": "Dentsply",
        "starts": "2031-03-01",
        "ends": "2031-03-07",
    }
    assert client.post(f"/admin/lojalitet/{programme}/kampanjer", data=form).status_code == 303
    with transaction(factory_for(env.settings)) as s:
        campaign = s.scalars(select(Campaign).where(Campaign.name == "Kommaveckan")).one()
        assert campaign.multiplier == Decimal("1.5")
        campaign_id = campaign.id
    edited = client.post(
        f"/admin/lojalitet/kampanj/{campaign_id}", data={**form, "multiplier": "2,25"}
    )
    assert edited.status_code == 303
    with transaction(factory_for(env.settings)) as s:
        assert s.get(Campaign, campaign_id).multiplier == Decimal("2.25")  # type: ignore[union-attr]


def test_an_admin_closes_the_month_after_confirming_once(env: UiEnv) -> None:
    from catalog.models import AuditEntry
    from loyalty.leaderboards import month_of, previous_month

    programme = _programme(env)
    client = log_in(TestClient(env.app, follow_redirects=False), "admin")
    page = client.get("/admin/lojalitet", params={"programme": programme})
    month = previous_month(month_of(utc_now()))
    assert 'id="month-close"' in page.text and f"Jag vill stänga {month} nu" in page.text
    token = csrf_from(page.text)
    url = f"/admin/lojalitet/{programme}/manadsavslut"
    r = client.post(url, data={"csrf_token": token})  # the box not ticked
    assert r.status_code == 422 and "Kryssa i rutan" in r.text
    r = client.post(url, data={"csrf_token": token, "confirm": "1"})
    assert r.status_code == 303 and "month-close" in r.headers["location"]
    notice = r.headers["location"].split("notice=")[1].split("#")[0]
    assert notice in {"month_closed", "month_already_closed"}
    r = client.post(url, data={"csrf_token": token, "confirm": "1"})
    assert "notice=month_already_closed" in r.headers["location"]
    shown = client.get(r.headers["location"].split("#")[0])
    assert "Månaden var redan avslutad" in shown.text
    r = client.post(
        f"/admin/lojalitet/{programme + 999}/manadsavslut",
        data={"csrf_token": token, "confirm": "1"},
    )
    assert r.status_code == 404
    with transaction(factory_for(env.settings)) as s:
        closes = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "loyalty.month_close", AuditEntry.target_id == str(programme)
            )
        ).all()
        assert len(closes) <= 1  # audited only when it did something
