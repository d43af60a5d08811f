"""Campaigns from the portal: list, create (checked as the API checks them, errors naming the
field), end early; a double submit creates one; no retailer touches another's."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.models import AuditEntry, Retailer
from indexer.jobs import factory_for
from marketplace.dates import local_date, utc_now
from marketplace.models import Campaign
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv, csrf_from

PAGE = "/portal/kampanjer"


def _form(client: TestClient) -> dict[str, str]:
    html = client.get(PAGE).text
    token = re.search(r'name="form_token" value="([^"]+)"', html)
    assert token, html
    today = date.today()
    return {
        "csrf_token": csrf_from(html),
        "form_token": token.group(1),
        "title": "Vårkampanj handskar",
        "text": "Halva priset i april.",
        "skus": "NOR-0\nNOR-1, NOR-0",
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=14)).isoformat(),
    }


def _campaigns(env: UiEnv, slug: str) -> list[Campaign]:
    with factory_for(env.settings)() as s:
        rid = s.scalars(select(Retailer.id).where(Retailer.slug == slug)).one()
        return list(s.scalars(select(Campaign).where(Campaign.retailer_id == rid)))


def test_a_retailer_creates_a_campaign_once_and_ends_it(
    env: UiEnv, as_retailer: TestClient
) -> None:
    before = len(_campaigns(env, "nordisk-dentaldepa"))
    form = _form(as_retailer)
    created = as_retailer.post(PAGE, data=form)
    assert created.status_code == 303 and created.headers["location"].endswith("campaign_created")
    again = as_retailer.post(PAGE, data=form)  # a double submit: the same form token
    assert again.status_code == 303
    found = _campaigns(env, "nordisk-dentaldepa")
    assert len(found) == before + 1
    campaign = max(found, key=lambda c: c.id)
    assert campaign.title == "Vårkampanj handskar" and len(campaign.product_ids) == 2
    page = as_retailer.get(PAGE).text
    assert f'id="campaign-{campaign.id}"' in page and "pågår" in page
    shown = as_retailer.get("/kampanjer").text  # the clinics' campaigns section
    assert "Vårkampanj handskar" in shown
    ended = as_retailer.post(f"{PAGE}/{campaign.id}/avsluta", data={"csrf_token": csrf_from(page)})
    assert ended.status_code == 303 and ended.headers["location"].endswith("campaign_ended")
    assert "Vårkampanj handskar" not in as_retailer.get("/kampanjer").text
    assert "avslutad" in as_retailer.get(PAGE).text
    with factory_for(env.settings)() as s:
        made = s.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.create")).all()
        actors = [e.actor for e in made if e.target_id == str(campaign.id)]
        assert actors == ["retailer handlare@valbar.test (web)"]  # once, for the double submit
        ends = s.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.end")).all()
        assert [e.target_id for e in ends][-1] == str(campaign.id)
        stored = s.get(Campaign, campaign.id)
        assert stored is not None
        assert stored.valid_to.replace(tzinfo=None) <= utc_now().replace(tzinfo=None)


@pytest.mark.parametrize(
    ("changes", "label", "message"),
    [
        ({"title": "  "}, "Rubrik", "Ange en rubrik på 1 till 200 tecken"),
        ({"text": "x" * 5001}, "Text", "Texten får vara högst 5\u00a0000 tecken"),
        ({"skus": "NOR-0, FINNS-INTE"}, "Artikelnummer (era)", "artikelnumren: FINNS-INTE"),
        ({"skus": "SMI-0"}, "Artikelnummer (era)", "artikelnumren: SMI-0"),  # another's SKU
        ({"valid_to": "2020-01-01"}, "Sista dag", "Sista dagen kan inte vara före första"),
        (  # a period wholly in the past
            {"valid_from": "2020-01-01", "valid_to": "2020-01-31"},
            "Sista dag",
            "Sista dagen har redan passerat",
        ),
        (  # started last week, ended yesterday
            {
                "valid_from": (local_date(utc_now()) - timedelta(days=7)).isoformat(),
                "valid_to": (local_date(utc_now()) - timedelta(days=1)).isoformat(),
            },
            "Sista dag",
            "Sista dagen har redan passerat",
        ),
        ({"valid_from": "igår"}, "Första dag", "Ange ett datum"),
    ],
)
def test_a_bad_campaign_is_refused_naming_the_field(
    env: UiEnv, as_retailer: TestClient, changes: dict[str, str], label: str, message: str
) -> None:
    before = len(_campaigns(env, "nordisk-dentaldepa"))
    response = as_retailer.post(PAGE, data={**_form(as_retailer), **changes})
    assert response.status_code == 422
    error = re.search(
        r'<p class="alert" role="alert" id="campaign-error">(.*?)</p>', response.text, re.S
    )
    assert error, response.text
    assert f"<strong>{label}:</strong>" in error.group(1) and message in error.group(1)
    assert len(_campaigns(env, "nordisk-dentaldepa")) == before
    # the form keeps what was typed
    assert 'value="Vårkampanj handskar"' in response.text or changes.get("title") == "  "


def test_a_campaign_that_has_ended_is_refused_in_english_too(
    env: UiEnv, as_retailer: TestClient
) -> None:
    form = {**_form(as_retailer), "valid_from": "2020-01-01", "valid_to": "2020-01-31"}
    response = as_retailer.post(f"{PAGE}?lang=en", data=form)
    assert response.status_code == 422
    assert "The last day has already passed" in response.text
    # ending today is still in the future: the campaign runs through the whole day
    today = local_date(utc_now()).isoformat()  # the Swedish calendar day the portal reads
    running = {**_form(as_retailer), "valid_from": "2020-01-01", "valid_to": today}
    assert as_retailer.post(PAGE, data=running).status_code == 303


def test_a_refused_form_can_be_corrected_and_sent_again(
    env: UiEnv, as_retailer: TestClient
) -> None:
    form = _form(as_retailer)
    assert as_retailer.post(PAGE, data={**form, "title": ""}).status_code == 422
    before = len(_campaigns(env, "nordisk-dentaldepa"))
    assert as_retailer.post(PAGE, data=form).status_code == 303  # the same token, corrected
    assert len(_campaigns(env, "nordisk-dentaldepa")) == before + 1


def test_staff_run_campaigns_too(env: UiEnv, client: TestClient) -> None:
    staff = log_in(client, "retailer_staff")
    before = len(_campaigns(env, "nordisk-dentaldepa"))
    assert staff.post(PAGE, data=_form(staff)).status_code == 303
    assert len(_campaigns(env, "nordisk-dentaldepa")) == before + 1


def test_another_retailer_neither_sees_nor_ends_a_campaign(
    env: UiEnv, as_retailer: TestClient, client: TestClient
) -> None:
    as_retailer.post(PAGE, data={**_form(as_retailer), "title": "Bara Nordisk"})
    mine = max(_campaigns(env, "nordisk-dentaldepa"), key=lambda c: c.id)
    as_retailer.cookies.clear()
    other = log_in(client, "retailer2")
    page = other.get(PAGE).text
    assert "Bara Nordisk" not in page
    refused = other.post(f"{PAGE}/{mine.id}/avsluta", data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 404
    with factory_for(env.settings)() as s:
        stored = s.get(Campaign, mine.id)
        assert stored is not None
        assert stored.valid_to.replace(tzinfo=None) > utc_now().replace(tzinfo=None)


@pytest.mark.parametrize("role", [None, "clinic", "merchandiser", "admin"])
@pytest.mark.parametrize(
    ("method", "url"), [("get", PAGE), ("post", PAGE), ("post", f"{PAGE}/1/avsluta")]
)
def test_only_retailer_users_reach_campaigns(
    client: TestClient, role: str | None, method: str, url: str
) -> None:
    if role is not None:
        log_in(client, role)
    token = csrf_from(client.get("/logga-in").text) if method == "post" else ""
    response = client.get(url) if method == "get" else client.post(url, data={"csrf_token": token})
    assert response.status_code == (403 if role else 303) or (
        role is None and response.status_code == 403
    )
