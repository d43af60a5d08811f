"""The sponsor's report page /admin/lojalitet/<id>/rapporter: charts drawn on the server
over tables with the same numbers, in Swedish and English, the CSV parts, bad input."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import User
from indexer.jobs import factory_for
from loyalty import campaigns, programmes
from loyalty.enums import MEMBER_TERMS_VERSION, AccountKind
from loyalty.ledger import ensure_account, transfer
from loyalty.models import Programme
from marketplace.dates import utc_now
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, UiEnv
from ui.routes.admin_reports import activity_name


def _programme(env: UiEnv) -> int:
    """A programme Nordisk's organisation is a member of, with a quiz credit (300 points)
    and a redemption (100) this month and a campaign that started a week ago."""
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        found = s.scalar(select(Programme).where(Programme.name == "Rapportklubben"))
        if found is not None:
            return found.id
        programme = programmes.create_programme(
            s,
            None,
            name="Rapportklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=50,
            expiry_months=24,
            now=now,
        )
        rep = s.scalar(select(User).where(User.email == EMAILS["retailer"]))
        admin = s.scalar(select(User).where(User.email == EMAILS["admin"]))
        assert rep is not None and admin is not None
        membership = programmes.accept_member_terms(
            s, rep, programme.id, MEMBER_TERMS_VERSION, now=now
        )
        member = ensure_account(s, programme.id, AccountKind.MEMBER, membership_id=membership.id)
        for source, destination, points, kind in (
            (ensure_account(s, programme.id, AccountKind.SPONSOR), member, 300, "quiz"),
            (member, ensure_account(s, programme.id, AccountKind.SHOP), 100, "redemption"),
        ):
            transfer(
                s,
                programme_id=programme.id,
                source_id=source.id,
                destination_id=destination.id,
                points=points,
                kind=kind,
                reason=kind,
                idempotency_key=uuid.uuid4().hex,
                now=now,
            )
        campaigns.create_campaign(
            s,
            admin,
            programme.id,
            name="Handskveckan",
            multiplier="1.5",
            target_kind="category",
            target_value="Handskar",
            starts_at=now - timedelta(days=7),
            ends_at=now + timedelta(days=7),
            now=now,
        )
        return programme.id


def test_the_report_page_draws_charts_over_tables(env: UiEnv) -> None:
    programme = _programme(env)
    client = log_in(TestClient(env.app, follow_redirects=False), "admin")
    page = client.get(f"/admin/lojalitet/{programme}/rapporter?manader=3")
    assert page.status_code == 200
    html = page.text
    assert html.count('<svg class="chart" role="img"') >= 3
    assert 'aria-describedby="flows-table"' in html and 'id="flows-table"' in html
    assert 'data-issued="300"' in html and 'data-outstanding="200"' in html
    assert 'data-activity="quiz"' in html and "Kunskapstest" in html
    assert "100,00\u00a0kr" in html  # 200 points x 50 öre as the liability
    assert "Handskveckan ×1,5" in html and "pågår" in html
    english = client.get(f"/admin/lojalitet/{programme}/rapporter?manader=3&lang=en").text
    assert "Cost per activity" in english and "Handskveckan ×1.5" in english
    assert "Quizzes" in english


def test_the_csv_parts_and_bad_requests(env: UiEnv) -> None:
    programme = _programme(env)
    client = log_in(TestClient(env.app, follow_redirects=False), "admin")
    r = client.get(f"/admin/lojalitet/{programme}/rapporter/activities.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.startswith("\ufeffAktivitet;Poäng;Kostnad (kr)")
    assert "Kunskapstest;300;150,00" in r.text  # named as on the page
    assert client.get(f"/admin/lojalitet/{programme}/rapporter/allt.csv").status_code == 404
    assert client.get("/admin/lojalitet/999999/rapporter").status_code == 404
    # a hand-edited address: a Swedish page naming the parameter, not problem+json
    for bad in ("99", "abc"):
        page = client.get(f"/admin/lojalitet/{programme}/rapporter?manader={bad}")
        assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
        assert "Adressen innehåller ett värde som sidan inte kan läsa" in page.text
        assert "Kontrollera värdet av manader i adressen." in page.text
        assert "Input should be" not in page.text
    english = client.get(f"/admin/lojalitet/{programme}/rapporter?manader=abc&lang=en")
    assert english.status_code == 400 and "Check the value of manader" in english.text
    assert client.get("/admin/lojalitet/abc/rapporter").status_code == 404  # an id no row has
    api = client.get(f"/api/v1/loyalty/programmes/{programme}/report?months=abc")
    assert api.headers["content-type"].startswith("application/problem+json")


def test_the_admin_loyalty_pages_link_the_reports(env: UiEnv) -> None:
    programme = _programme(env)
    client = log_in(TestClient(env.app, follow_redirects=False), "admin")
    assert 'href="/admin/lojalitet"' in client.get("/admin").text
    page = client.get("/admin/lojalitet", params={"programme": programme}).text
    assert f'href="/admin/lojalitet/{programme}/rapporter"' in page


def test_an_activity_without_a_report_name_takes_its_history_name() -> None:
    assert activity_name("sv", "quiz") == "Kunskapstest"
    assert activity_name("en", "expiry") == "Points expired"  # the history's name
    assert activity_name("sv", "photo_of_the_year") == "photo_of_the_year"
