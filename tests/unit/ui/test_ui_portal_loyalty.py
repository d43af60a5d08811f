"""The retailer portal's "Mina poäng" (/portal/poang): the organisation's points and their
value, the seller's own sub-account, the history (the seller's own; the representative's
organisation's), in Swedish and English; a retailer outside every programme is told so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import User
from indexer.jobs import factory_for
from loyalty import programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION, AccountKind, EntryKind
from loyalty.ledger import ensure_account, transfer
from marketplace.dates import utc_now
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, UiEnv, csrf_from


def _user(s: object, role: str) -> User:
    found = s.scalar(select(User).where(User.email == EMAILS[role]))  # type: ignore[attr-defined]
    assert found is not None
    return found


@pytest.fixture(scope="module")
def loyalty_data(env: UiEnv) -> Iterator[None]:
    """Nordisk's organisation in "Tandklubben" (1.5 p/kr, 5 öre a point): 1 200 points to
    its staff member's sub-account (an order's sale), 300 to the organisation's own."""
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        rep, staff = _user(s, "retailer"), _user(s, "retailer_staff")
        programme = programmes.create_programme(
            s,
            None,
            name="Tandklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal("1.5"),
            point_value_ore=5,
            expiry_months=24,
            now=now,
        )
        membership = programmes.accept_member_terms(
            s, rep, programme.id, MEMBER_TERMS_VERSION, now=now
        )
        programmes.invite(s, rep, programme.id, staff.id, now=now)
        participant = programmes.accept_participant_terms(
            s, staff, programme.id, PARTICIPANT_TERMS_VERSION, now=now
        )
        sponsor = ensure_account(s, programme.id, AccountKind.SPONSOR)
        seller = ensure_account(
            s,
            programme.id,
            AccountKind.SELLER,
            membership_id=membership.id,
            participant_id=participant.id,
        )
        member = ensure_account(s, programme.id, AccountKind.MEMBER, membership_id=membership.id)
        for key, target, points, order in (("a", seller, 1200, 4711), ("b", member, 300, None)):
            transfer(
                s,
                programme_id=programme.id,
                source_id=sponsor.id,
                destination_id=target.id,
                points=points,
                kind=EntryKind.SALE.value,
                reason="test",
                idempotency_key=f"ui-{key}",
                now=now,
                order_id=order,
            )
    yield None


def _page(env: UiEnv, role: str, lang: str = "sv") -> str:
    client = log_in(TestClient(env.app, follow_redirects=False), role)
    r = client.get("/portal/poang", params={"lang": lang})
    assert r.status_code == 200, r.text
    return r.text


def test_the_seller_sees_their_sub_account_and_the_organisations_points(
    env: UiEnv, loyalty_data: None
) -> None:
    html = _page(env, "retailer_staff")
    assert "<h1>Mina poäng</h1>" in html
    assert 'data-points="1500"' in html  # the organisation: its own 300 and the seller's 1 200
    assert 'data-my-points="1200"' in html
    assert "Tandklubben" in html and "Sponsor: Dentsply" in html
    assert "1,5 poäng per krona" in html
    rows = re.findall(r'<tr id="entry-\d+">(.*?)</tr>', html, re.S)
    assert len(rows) == 1  # the seller sees their own sub-account's movements
    assert "Försäljning levererad" in rows[0] and "+1" in rows[0] and "#4711" in rows[0]


def test_the_representative_sees_the_organisations_history_in_english(
    env: UiEnv, loyalty_data: None
) -> None:
    html = _page(env, "retailer", "en")
    assert "<h1>My points</h1>" in html
    assert 'data-points="1500"' in html
    # no sub-account of their own, and never told to ask the representative (themselves)
    assert "As the representative you have no sub-account of your own" in html
    assert "You do not take part" not in html and "Ask your organisation" not in html
    swedish = _page(env, "retailer", "sv")
    assert "Som företrädare har du inget eget delkonto" in swedish
    assert "Be din organisations företrädare" not in swedish
    rows = re.findall(r'<tr id="entry-\d+">(.*?)</tr>', html, re.S)
    assert len(rows) == 2 and all("Sale delivered" in r for r in rows)


def test_a_retailer_outside_every_programme_is_offered_to_join(
    env: UiEnv, loyalty_data: None
) -> None:
    """Its representative sees the open programmes with the member terms to accept."""
    html = _page(env, "retailer2")
    assert 'id="loyalty-none"' not in html and 'id="loyalty-joinable"' in html
    assert f"medlemsvillkoren ({MEMBER_TERMS_VERSION})" in html
    assert "Godkänn medlemsvillkoren för Tandklubben" in html
    assert "Inga poänghändelser ännu." in html


def test_the_portal_navigation_links_the_page(env: UiEnv, loyalty_data: None) -> None:
    client = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    assert '<a href="/portal/poang"' in client.get("/portal").text


def test_an_invited_seller_accepts_the_participant_terms_on_the_page(
    env: UiEnv, loyalty_data: None
) -> None:
    """The page told an invited seller they had not accepted the terms, with no way to do
    so but the API: a button now accepts them (a stale version is shown anew, not taken)."""
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        rep, staff = _user(s, "retailer"), _user(s, "retailer_staff")
        programme = programmes.create_programme(
            s,
            None,
            name="Villkorsklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=now,
        )
        programmes.accept_member_terms(s, rep, programme.id, MEMBER_TERMS_VERSION, now=now)
        programmes.invite(s, rep, programme.id, staff.id, now=now)
        pid = programme.id
    client = log_in(TestClient(env.app, follow_redirects=False), "retailer_staff")
    html = client.get("/portal/poang").text
    section = html.split(f'id="programme-{pid}"', 1)[1].split("</section>", 1)[0]
    assert "har inte godkänt deltagarvillkoren" in section
    assert f'action="/portal/poang/{pid}/villkor"' in section
    assert "Godkänn deltagarvillkoren" in section and "data-my-points" not in section
    token = csrf_from(html)
    url = f"/portal/poang/{pid}/villkor"

    stale = client.post(url, data={"csrf_token": token, "terms_version": "2020-01"})
    assert stale.status_code == 303 and "notice" not in stale.headers["location"]
    assert "data-my-points" not in client.get("/portal/poang").text.split(f"programme-{pid}")[1]

    r = client.post(url, data={"csrf_token": token, "terms_version": PARTICIPANT_TERMS_VERSION})
    assert r.status_code == 303
    assert r.headers["location"] == (
        f"/portal/poang?notice=participant_terms_accepted#programme-{pid}"
    )
    html = client.get(r.headers["location"]).text
    assert "Du har godkänt deltagarvillkoren" in html
    section = html.split(f'id="programme-{pid}"', 1)[1].split("</section>", 1)[0]
    assert 'data-my-points="0"' in section and "/villkor" not in section
    with factory_for(env.settings)() as s:
        participant = programmes.active_participant(
            s,
            programmes.membership_of(s, pid, _user(s, "retailer").organisation_id).id,  # type: ignore[union-attr]
            _user(s, "retailer_staff").id,
        )
        assert participant is not None and participant.terms_version == PARTICIPANT_TERMS_VERSION

    missing = client.post("/portal/poang/999999/villkor", data={"csrf_token": token})
    assert missing.status_code == 404


def test_the_representative_joins_a_programme_and_invites_a_seller_on_the_page(
    env: UiEnv, loyalty_data: None
) -> None:
    """Member terms and invitations had no page (only the API): the representative accepts
    the terms for the organisation and invites its users on "Mina poäng"; a seller may do
    neither, and no one outside the organisation can be invited."""
    with transaction(factory_for(env.settings)) as s:
        pid = programmes.create_programme(
            s,
            None,
            name="Medlemsklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=utc_now(),
        ).id
        staff_id, other_id = _user(s, "retailer_staff").id, _user(s, "retailer2").id
    seller = log_in(TestClient(env.app, follow_redirects=False), "retailer_staff")
    seller_html = seller.get("/portal/poang").text
    assert 'id="loyalty-joinable"' not in seller_html  # only the representative joins
    refused = seller.post(
        f"/portal/poang/{pid}/medlemsvillkor",
        data={"csrf_token": csrf_from(seller_html), "terms_version": MEMBER_TERMS_VERSION},
    )
    assert refused.status_code == 403

    rep = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    html = rep.get("/portal/poang").text
    joinable = html.split('id="loyalty-joinable"', 1)[1].split("</section>", 1)[0]
    assert (
        "Medlemsklubben" in joinable and f'action="/portal/poang/{pid}/medlemsvillkor"' in joinable
    )
    token = csrf_from(html)
    r = rep.post(
        f"/portal/poang/{pid}/medlemsvillkor",
        data={"csrf_token": token, "terms_version": MEMBER_TERMS_VERSION},
    )
    assert r.status_code == 303 and "notice=member_terms_accepted" in r.headers["location"]
    html = rep.get(r.headers["location"]).text
    assert "Organisationen är medlem" in html
    section = html.split(f'id="programme-{pid}"', 1)[1].split("</section>", 1)[0]
    assert "Bjud in Lina Ek" in section and "Erik Berg" not in section  # not themselves

    r = rep.post(f"/portal/poang/{pid}/bjud-in", data={"csrf_token": token, "user_id": staff_id})
    assert r.status_code == 303 and "notice=seller_invited" in r.headers["location"]
    section = rep.get("/portal/poang").text.split(f'id="programme-{pid}"', 1)[1]
    assert "inbjuden, har inte godkänt villkoren" in section.split("</section>", 1)[0]
    stranger = rep.post(
        f"/portal/poang/{pid}/bjud-in", data={"csrf_token": token, "user_id": other_id}
    )
    assert stranger.status_code == 404
    seller_view = seller.get("/portal/poang").text.split(f'id="programme-{pid}"', 1)[1]
    assert "Godkänn deltagarvillkoren" in seller_view.split("</section>", 1)[0]
