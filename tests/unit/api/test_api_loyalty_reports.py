"""/api/v1/loyalty/programmes/{id}/report and its CSV parts: the numbers of a small ledger,
Swedish Excel's CSV (a BOM, ``;``, decimal commas) and English, bad input a problem."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from api.loyalty_csv import activity_name, report_csv
from catalog.db import transaction
from indexer.jobs import factory_for
from loyalty import reports
from loyalty.awards import BONUS_ENTRY_KIND
from loyalty.contests import CONTEST_ENTRY_KIND
from loyalty.enums import AccountKind, EntryKind
from loyalty.ledger import ensure_account, transfer
from loyalty.models import Membership
from loyalty.photos import PHOTO_ENTRY_KIND
from loyalty.quizzes import QUIZ_ENTRY_KIND
from loyalty.referrals import REFERRAL_ENTRY_KIND
from loyalty.suggestions import SUGGESTION_ENTRY_KIND
from loyalty.surveys import SURVEY_ENTRY_KIND
from marketplace.dates import utc_now
from tests.unit.api.test_api_roles import _loyalty
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env

V1 = "/api/v1/loyalty"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(tmp_path_factory.mktemp("loyalty_reports_api"))
    yield built
    close_env(built)


def _move(env: ApiEnv, programme: int, points: int, kind: str, *, spend: bool = False) -> None:
    """``points`` of ``kind`` from the sponsor to organisation A (or, ``spend``, from it to
    the shop), now."""
    with transaction(factory_for(env.settings)) as s:
        membership = s.scalar(
            select(Membership).where(
                Membership.programme_id == programme,
                Membership.organisation_id == env.orgs["retailer_a"],
            )
        )
        assert membership is not None
        member = ensure_account(s, programme, AccountKind.MEMBER, membership_id=membership.id)
        sponsor = ensure_account(s, programme, AccountKind.SPONSOR)
        shop = ensure_account(s, programme, AccountKind.SHOP)
        source, destination = (member, shop) if spend else (sponsor, member)
        transfer(
            s,
            programme_id=programme,
            source_id=source.id,
            destination_id=destination.id,
            points=points,
            kind=kind,
            reason="test",
            idempotency_key=uuid.uuid4().hex,
            now=utc_now(),
        )


def test_the_report_counts_this_months_movements(env: ApiEnv) -> None:
    programme = _loyalty(env)
    before = env.client.get(
        f"{V1}/programmes/{programme}/report?months=1", headers=env.headers("admin")
    ).json()
    _move(env, programme, 1000, EntryKind.ADJUSTMENT.value)
    _move(env, programme, 200, "quiz")
    _move(env, programme, 300, EntryKind.REDEMPTION.value, spend=True)
    response = env.client.get(
        f"{V1}/programmes/{programme}/report?months=1", headers=env.headers("admin")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    (month,) = body["months"]
    (was,) = before["months"]
    assert month["issued"] - was["issued"] == 1200
    assert month["redeemed"] - was["redeemed"] == 300
    assert month["outstanding"] - was["outstanding"] == 900
    assert Decimal(month["outstanding_value_sek"]) == Decimal(month["outstanding"] * 5) / 100
    costs = {a["activity"]: a["points"] for a in body["activities"]}
    was_costs = {a["activity"]: a["points"] for a in before["activities"]}
    assert costs["quiz"] - was_costs.get("quiz", 0) == 200
    assert costs["adjustment"] - was_costs.get("adjustment", 0) == 1000


def test_the_csv_parts_are_swedish_excel_or_english(env: ApiEnv) -> None:
    programme = _loyalty(env)
    _move(env, programme, 1000, EntryKind.ADJUSTMENT.value)
    response = env.client.get(
        f"{V1}/programmes/{programme}/report/months.csv?months=2", headers=env.headers("admin")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.text
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    # a young programme's report starts at its first month with movements: this month
    assert rows[0][0] == "Månad" and len(rows) == 2
    assert "," in rows[1][6]  # the liability with a decimal comma
    english = env.client.get(
        f"{V1}/programmes/{programme}/report/activities.csv?lang=en",
        headers=env.headers("admin"),
    )
    parsed = list(csv.reader(io.StringIO(english.text)))
    assert parsed[0] == ["Activity", "Points", "Cost (SEK)"]
    assert "Adjustment" in [row[0] for row in parsed[1:]]


def test_every_earning_activity_is_named_in_the_csv_in_both_languages() -> None:
    """The activities CSV named photo, survey, suggestion, referral and contest points by
    their code ("photo;100;2,00") in a Swedish sheet."""
    kinds = (
        PHOTO_ENTRY_KIND,
        SURVEY_ENTRY_KIND,
        SUGGESTION_ENTRY_KIND,
        REFERRAL_ENTRY_KIND,
        CONTEST_ENTRY_KIND,
        QUIZ_ENTRY_KIND,
        BONUS_ENTRY_KIND,
    )
    for kind in kinds:
        assert activity_name(kind, "sv") != kind and activity_name(kind, "en") != kind, kind
    assert activity_name("photo", "sv") == "Fotouppdrag"
    assert activity_name("survey", "en") == "Surveys"


def test_bad_parts_and_months_are_problems(env: ApiEnv) -> None:
    programme = _loyalty(env)
    admin = env.headers("admin")
    for path in (
        f"{V1}/programmes/{programme}/report?months=0",
        f"{V1}/programmes/{programme}/report?months=37",
        f"{V1}/programmes/{programme}/report/everything.csv",
        f"{V1}/programmes/{programme}/report/months.csv?lang=de",
    ):
        assert_problem(env.client.get(path, headers=admin), 422)
    assert_problem(env.client.get(f"{V1}/programmes/999999/report", headers=admin), 404)


def test_campaign_csv_cells_are_neutralised_and_factors_plain() -> None:
    at = datetime(2026, 2, 1, tzinfo=UTC)
    row = reports.CampaignSales(
        campaign_id=1,
        name="=HYPERLINK(1)",
        multiplier=Decimal("1.50"),
        target_kind="brand",
        target_value="Dentsply",
        starts_at=at,
        ends_at=at,
        before_from=at,
        during_until=at,
        before_sek=Decimal("10.00"),
        before_lines=1,
        before_quantity=1,
        during_sek=Decimal("25.50"),
        during_lines=2,
        during_quantity=3,
    )
    report = reports.SponsorReport(1, "P", 5, (), (), (row,), at)
    sv = list(
        csv.reader(io.StringIO(report_csv(report, "campaigns").lstrip("\ufeff")), delimiter=";")
    )
    assert sv[1][0] == "'=HYPERLINK(1)" and sv[1][1] == "1,5" and sv[1][8] == "25,50"
    en = list(csv.reader(io.StringIO(report_csv(report, "campaigns", "en"))))
    assert en[1][1] == "1.5" and en[1][8] == "25.50"
    # what it applies to, in the sheet's language; moments in Swedish time to the minute
    # (not "brand: …" and "2026-02-01T00:00:00+00:00")
    assert sv[1][2] == "varumärke: Dentsply" and en[1][2] == "brand: Dentsply"
    assert sv[1][3] == "2026-02-01 01:00" and en[1][5] == "2026-02-01 01:00"
